// Package command is the hub binary's commands and the start-up wiring
// they share: one file per command (serve, import, lint, reindex, token).
// package main only calls Run.
//
// Start-up of serve: config → database (embedded or DATABASE_URL) →
// migrate → search index → import → services → GraphQL → HTTP.
package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"guidancehub/graph"
	"guidancehub/internal/config"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
)

// Run is the whole program: it parses the command (serve by default) and
// its flags, loads the configuration, opens the database and runs the
// command, returning the exit status (0 ok, 1 failure, 2 bad usage). ready,
// if not nil, receives the listening address once the server serves (tests
// boot the real server through it).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, ready chan<- string) int {
	verb := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("guidancehub "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var prune, forcePrune bool
	switch verb {
	case "serve":
	case "import":
		fs.BoolVar(&prune, "prune", false, "withdraw file-origin resources under DIR whose files are gone")
		fs.BoolVar(&forcePrune, "force-prune", false, "let --prune withdraw every resource recorded under DIR (an empty DIR), or more than half of them when that is 10 or more")
	case "lint":
		return runLint(args, stdout, stderr)
	case "reindex", "token":
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: guidancehub [serve] [flags] | import [--prune [--force-prune]] [DIR] | lint [DIR] | reindex | token create --role ROLE --name NAME [--expires 90d] | token list | token revoke PREFIX")
		return 0
	default:
		fmt.Fprintf(stderr, "guidancehub: unknown command %q (want serve, import, lint, reindex or token)\n", verb)
		return 2
	}
	cfg, err := config.Load(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "guidancehub:", err)
		return 2
	}
	// Checked, like the rest of the configuration, before anything starts.
	rates, err := httpapi.ParseRates(cfg.RateLimits)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub: HUB_RATE_LIMITS:", err)
		return 2
	}
	// A manifest that does not load or validate stops the hub here, naming
	// the entry, before PostgreSQL starts.
	var trusted *graph.TrustedDocuments
	if verb == "serve" && cfg.TrustedDocuments != "" {
		if trusted, err = graph.LoadTrustedDocuments(cfg.TrustedDocuments); err != nil {
			fmt.Fprintln(stderr, "guidancehub: HUB_TRUSTED_DOCUMENTS:", err)
			return 2
		}
	}
	// An address another process holds stops serve here, before
	// PostgreSQL, the import and the index (minutes with a big library).
	if verb == "serve" {
		if err := addressFree(cfg.Addr); err != nil {
			fmt.Fprintln(stderr, "guidancehub: HUB_ADDR:", err)
			return 1
		}
	}
	log := newLogger(cfg.LogFormat, stderr)

	db, closeDB, err := openDatabase(ctx, cfg, verb == "serve", log)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub:", err)
		return 1
	}
	defer closeDB()

	switch verb {
	case "import":
		dir := cfg.ResourcesDir
		if fs.NArg() > 1 {
			fmt.Fprintln(stderr, "guidancehub import: one DIR at most")
			return 2
		} else if fs.NArg() == 1 {
			dir = fs.Arg(0)
		}
		return runImport(ctx, db, dir, ingest.Options{Prune: prune, ForcePrune: forcePrune}, stdout, stderr)
	case "token":
		return runToken(ctx, db, fs.Args(), stdout, stderr)
	case "reindex":
		return runReindex(ctx, db, stdout, stderr)
	default:
		// The access log goes through a queue: a slow log destination
		// drops lines (counted) rather than slowing requests down.
		access := httpapi.NewLogQueue(stderr, 0)
		defer access.Close(2 * time.Second)
		return serve(ctx, cfg, rates, trusted, db, log, newLogger(cfg.LogFormat, access), access.Dropped, stdout, ready)
	}
}

// addressFree checks that the hub can listen on addr (host:port) by
// listening and closing again at once: a port another process holds was
// found only when the server started, after initdb, PostgreSQL, the
// import and the index build (breaker4 F17). Port 0 (any free port) always
// passes. The server listens again when it starts (if another process took
// the port in between, that fails as before, naming the address).
func addressFree(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another hub running there?)", addr, err)
	}
	return ln.Close()
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
