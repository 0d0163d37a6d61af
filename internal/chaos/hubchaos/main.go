// Command hubchaos runs the crash suite (package chaos) against the hub
// binary and prints its figures: `make chaos`. It exits 1 when an
// acknowledged write was lost, the index disagreed with PostgreSQL, an
// answer said INTERNAL, or a liveness bound was broken.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"guidancehub/internal/chaos"
)

func main() {
	var cfg chaos.Config
	flag.StringVar(&cfg.Bin, "bin", "", "hub binary (default: build one)")
	flag.IntVar(&cfg.HubKills, "hub-kills", 120, "kill -9 cycles of the hub during writes")
	flag.IntVar(&cfg.PGKills, "pg-kills", 10, "kill -9 cycles of PostgreSQL under load")
	flag.IntVar(&cfg.StalePIDs, "stale-pids", 5, "starts over stale PostgreSQL pid files")
	flag.IntVar(&cfg.Damages, "damages", 12, "index damages with the hub stopped (each kind in turn)")
	flag.IntVar(&cfg.LiveDamages, "live-damages", 3, "index damages while the hub serves")
	flag.IntVar(&cfg.Writers, "writers", 2, "concurrent writers")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Bin == "" {
		dir, err := os.MkdirTemp("", "hubchaos-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "hubchaos:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		cfg.Bin = filepath.Join(dir, "guidancehub")
		if out, err := exec.Command("go", "build", "-o", cfg.Bin, "guidancehub").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "hubchaos: go build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	cfg.Log = os.Stderr
	t0 := time.Now()
	rep, err := chaos.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubchaos:", err)
		if rep == nil {
			os.Exit(1)
		}
	}
	rep.Print(os.Stdout)
	fmt.Printf("took %v\n", time.Since(t0).Round(time.Second))
	if !rep.OK() || err != nil {
		os.Exit(1)
	}
}
