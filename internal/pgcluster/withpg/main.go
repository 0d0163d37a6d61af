// Command withpg runs a command beside a throwaway PostgreSQL cluster:
// it starts the cluster (durability off) in a temporary directory, exports
// TEST_DATABASE_URL to the command, and stops and removes the cluster when
// the command ends. `make test` runs `go test` through it. If
// TEST_DATABASE_URL is already set, it runs the command as it is.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"guidancehub/internal/pgcluster"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg [--] COMMAND [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return runCommand(args, nil)
	}
	dir, err := os.MkdirTemp("", "hubtest-")
	if err != nil {
		log.Error("temp dir", "err", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The cluster may run as another user (when we are root): let it in.
	if err := os.Chmod(dir, 0o755); err != nil {
		log.Error("temp dir", "err", err)
		return 1
	}
	ctx := context.Background()
	c, err := pgcluster.Start(ctx, dir, pgcluster.Options{Throwaway: true, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	defer func() {
		if err := c.Stop(context.Background()); err != nil {
			log.Error("stop test cluster", "err", err)
		}
	}()
	return runCommand(args, []string{"TEST_DATABASE_URL=" + c.DSN("postgres")})
}

func runCommand(args, env []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	go func() {
		for s := range sig {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	return 0
}
