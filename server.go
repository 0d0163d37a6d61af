// Command guidancehub is the Guidance Hub: a GraphQL API of guidance
// documents, research briefs and policy positions about healthcare access
// for excluded people.
//
//	guidancehub [serve] [flags]        run the hub (the default)
//	guidancehub import [--prune] [DIR] import resource files (default HUB_RESOURCES_DIR)
//
// Start-up: config → database (embedded or DATABASE_URL) → migrate →
// import → graph → http.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"guidancehub/graph"
	"guidancehub/internal/config"
	"guidancehub/internal/content"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/pgcluster"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
)

// databaseName is the embedded cluster's database.
const databaseName = "guidancehub"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, nil))
}

// run is the whole program; ready, if not nil, receives the listening
// address once the server serves (tests boot the real server through it).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, ready chan<- string) int {
	verb := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("guidancehub "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var prune bool
	switch verb {
	case "serve":
	case "import":
		fs.BoolVar(&prune, "prune", false, "withdraw file-origin resources under DIR whose files are gone")
	case "lint":
		return runLint(args, stdout, stderr)
	case "reindex", "token":
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: guidancehub [serve] [flags] | import [--prune] [DIR] | lint [DIR] | reindex | token create --role ROLE --name NAME [--expires 90d] | token list | token revoke PREFIX")
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
	log := newLogger(cfg.LogFormat, stderr)

	db, closeDB, err := openDatabase(ctx, cfg, log)
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
		return runImport(ctx, db, dir, prune, stdout, stderr)
	case "token":
		return runToken(ctx, db, fs.Args(), stdout, stderr)
	case "reindex":
		// The CLI never opens the index (a running server holds its lock):
		// it records a request that every replica carries out.
		id, err := db.RequestReindex(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub reindex:", err)
			return 1
		}
		fmt.Fprintf(stdout, "reindex requested (#%d): every running hub rebuilds its search index; a stopped one rebuilds when it starts\n", id)
		return 0
	default:
		return serve(ctx, cfg, rates, db, log, stdout, ready)
	}
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openDatabase connects to DATABASE_URL, or starts (or joins) the embedded
// cluster under HUB_DATA_DIR. The returned func closes the pool and stops
// the cluster if this process started it.
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) (*postgres.DB, func(), error) {
	dsn := cfg.DatabaseURL
	stopCluster := func() {}
	if dsn == "" {
		c, err := pgcluster.Start(ctx, filepath.Join(cfg.DataDir), pgcluster.Options{BinDir: cfg.PGBinDir, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		stopCluster = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := c.Stop(sctx); err != nil {
				log.Error("stop embedded PostgreSQL", "err", err)
			}
		}
		if err := ensureDatabase(ctx, c.DSN("postgres"), databaseName); err != nil {
			stopCluster()
			return nil, nil, err
		}
		dsn = c.DSN(databaseName)
	}
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	return db, func() { db.Close(); stopCluster() }, nil
}

// ensureDatabase creates the hub's database in the embedded cluster once.
func ensureDatabase(ctx context.Context, adminDSN, name string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("embedded PostgreSQL: create database: %w", err)
	}
	return nil
}

// runImport imports a directory and prints what it did; it exits non-zero
// when any file failed (the other files are still imported).
func runImport(ctx context.Context, db *postgres.DB, dir string, prune bool, stdout, stderr io.Writer) int {
	rep, err := ingest.Import(ctx, db, dir, prune)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub import:", err)
		return 1
	}
	for _, res := range rep.Results {
		if res.Action != "unchanged" {
			fmt.Fprintf(stdout, "%-9s %s (%s)\n", res.Action, res.Slug, res.Path)
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, "error:", e)
	}
	fmt.Fprintln(stdout, summary(rep))
	if rep.Failed() {
		return 1
	}
	return 0
}

func summary(rep *ingest.Report) string {
	counts := rep.Counts()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	parts = append(parts, fmt.Sprintf("%d failed", len(rep.Errors)))
	return "import: " + strings.Join(parts, ", ")
}

func serve(ctx context.Context, cfg *config.Config, rates map[string]httpapi.Rate, db *postgres.DB, log *slog.Logger, stdout io.Writer, ready chan<- string) int {
	// Open the index first: a second process on the same data dir fails
	// here, before it does anything else.
	reg := prometheus.NewRegistry()
	syncer, err := search.NewSyncer(db, search.Options{DataDir: cfg.DataDir, Logger: log, Metrics: search.NewMetrics(reg)})
	if err != nil {
		log.Error("search index", "err", err)
		return 1
	}
	defer syncer.Close()

	if _, err := os.Stat(cfg.ResourcesDir); err != nil {
		log.Warn("resources dir not found: nothing imported", "dir", cfg.ResourcesDir)
	} else {
		rep, err := ingest.Import(ctx, db, cfg.ResourcesDir, true)
		if err != nil {
			log.Error("import", "err", err)
			return 1
		}
		for _, e := range rep.Errors {
			log.Warn("resource file not imported", "file", e.Path, "field", e.Field, "problem", e.Message)
		}
		log.Info(summary(rep), "dir", cfg.ResourcesDir)
	}

	svc := service.New(service.Options{Store: db, Editor: db, Index: syncer, Log: log,
		ZeroResults: db.RecordZeroResult, ZeroResultTerm: search.ZeroResultTerm})
	resolver := &graph.Resolver{Reading: svc, Editing: svc, PublicURL: cfg.PublicURL, Log: log}
	h := httpapi.New(httpapi.Options{
		Logger: log,
		GraphQL: graph.NewServer(resolver, graph.Limits{Tokens: cfg.MaxTokens, Depth: cfg.MaxDepth, Aliases: cfg.MaxAliases,
			RootFields: cfg.MaxRootFields, Complexity: cfg.MaxComplexity}.WithDefaults(), log),
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return errors.New("database not reachable")
			}
			return syncer.Check()
		},
		CORSOrigins:    cfg.CORSOrigins,
		Registry:       reg,
		Authenticate:   db.Authenticate,
		Resource:       db.ResourceBySlug,
		RequestTimeout: cfg.RequestTimeout,
		PublicURL:      cfg.PublicURL,
		Rates:          rates,
		ClientIPHeader: cfg.ClientIPHeader,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "addr", cfg.Addr, "err", err)
		return 1
	}
	srv := httpapi.NewServer(cfg.Addr, h, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// The index catches up (or rebuilds) while the server already answers:
	// until then /readyz says not ready and search says "index not ready".
	syncCtx, stopSync := context.WithCancel(ctx)
	var syncDone sync.WaitGroup
	defer func() { stopSync(); syncDone.Wait() }()
	syncDone.Add(3)
	go func() { defer syncDone.Done(); db.Listen(syncCtx, syncer.Wake, log) }()
	go func() { defer syncDone.Done(); runScheduler(syncCtx, db, log) }()
	startErr := make(chan error, 1)
	go func() {
		defer syncDone.Done()
		if err := syncer.Start(syncCtx); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		syncer.Run(syncCtx)
	}()
	select {
	case err := <-startErr:
		if err != nil {
			log.Error("search index start-up", "err", err)
			return 1
		}
	case err := <-errc:
		log.Error("serve", "err", err)
		return 1
	case <-ctx.Done():
		return 0
	}
	addr := ln.Addr().String()
	fmt.Fprintf(stdout, "Guidance Hub ready on http://%s (GraphiQL at /graphiql)\n", addr)
	if ready != nil {
		ready <- addr
	}

	select {
	case err := <-errc:
		log.Error("serve", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	return 0
}

// runLint checks a resource library without a database: every error (file
// and field) fails with exit 1; overdue reviews and doubtful sources (no
// date, a mirror, a superseded page, newer than the last review) are
// warnings (internal/ingest/lint.go). It ends with the library's counts.
func runLint(args []string, stdout, stderr io.Writer) int {
	dir := "./resources"
	if v := os.Getenv("HUB_RESOURCES_DIR"); v != "" {
		dir = v
	}
	if len(args) > 1 {
		fmt.Fprintln(stderr, "guidancehub lint: one DIR at most")
		return 2
	} else if len(args) == 1 {
		dir = args[0]
	}
	lib, err := ingest.Load(dir)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub lint:", err)
		return 1
	}
	for _, e := range lib.Errors {
		fmt.Fprintln(stderr, "error:", e)
	}
	lists, err := ingest.ShippedSourceLists()
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub lint:", err)
		return 1
	}
	warnings := lib.Lint(time.Now(), lists)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	st := lib.Stats()
	fmt.Fprintf(stdout, "lint: %d files, %d valid, %d errors, %d translations, %d warnings\n", len(lib.Present), len(lib.Files), len(lib.Errors), st.Translations, len(warnings))
	byCode := ingest.CountWarnings(warnings)
	parts := make([]string, len(ingest.WarningCodes))
	for i, c := range ingest.WarningCodes {
		parts[i] = fmt.Sprintf("%s %d", c, byCode[c])
	}
	fmt.Fprintf(stdout, "  %-9s %s\n", "warnings:", strings.Join(parts, ", "))
	for _, c := range []struct {
		name string
		m    map[string]int
	}{{"kinds", st.Kinds}, {"topics", st.Topics}, {"nations", st.Nations}, {"languages", st.Languages}} {
		keys := make([]string, 0, len(c.m))
		for k := range c.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, c.m[k])
		}
		fmt.Fprintf(stdout, "  %-9s %s\n", c.name+":", strings.Join(parts, ", "))
	}
	if len(lib.Errors) > 0 {
		return 1
	}
	return 0
}

// runScheduler publishes scheduled resources when their time comes. Every
// replica runs it; an advisory lock lets one at a time do the work, and each
// publication's change row reaches every replica's index.
func runScheduler(ctx context.Context, db *postgres.DB, log *slog.Logger) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n, err := db.PublishDue(ctx); err != nil && ctx.Err() == nil {
			log.Error("scheduled publishing", "err", err)
		} else if n > 0 {
			log.Info("published scheduled resources", "count", n)
		}
	}
}

// runToken manages API tokens from the command line: create prints the new
// token alone on its last line, once; list never shows secrets.
func runToken(ctx context.Context, db *postgres.DB, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: guidancehub token create --role partner|editor|admin --name NAME [--expires 90d] | token list | token revoke PREFIX")
		return 2
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		role := fs.String("role", "", "partner, editor or admin")
		name := fs.String("name", "", "who the token is for")
		expires := fs.String("expires", "", "lifetime such as 90d or 12h (default: never)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		var until *time.Time
		if *expires != "" {
			d, err := parseLifetime(*expires)
			if err != nil {
				fmt.Fprintln(stderr, "guidancehub token create: --expires:", err)
				return 2
			}
			t := time.Now().Add(d)
			until = &t
		}
		token, t, err := db.CreateToken(ctx, *name, content.Role(strings.ToUpper(*role)), until)
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token create:", content.ErrorMessage(err))
			return 2
		}
		fmt.Fprintf(stdout, "created %s token %q with prefix %s; it is shown once, keep it secret:\n", strings.ToLower(string(t.Role)), t.Name, t.Prefix)
		fmt.Fprintln(stdout, token)
		return 0
	case "list":
		ts, err := db.ListTokens(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token list:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%-10s %-8s %-20s %-25s %-25s %s\n", "PREFIX", "ROLE", "CREATED", "LAST USED", "EXPIRES", "NAME")
		for _, t := range ts {
			when := func(p *time.Time, none string) string {
				if p == nil {
					return none
				}
				return p.UTC().Format(time.RFC3339)
			}
			state := ""
			if t.RevokedAt != nil {
				state = " (revoked)"
			}
			fmt.Fprintf(stdout, "%-10s %-8s %-20s %-25s %-25s %s%s\n", t.Prefix, strings.ToLower(string(t.Role)), t.CreatedAt.UTC().Format("2006-01-02T15:04Z"),
				when(t.LastUsedAt, "never"), when(t.ExpiresAt, "never"), t.Name, state)
		}
		return 0
	case "revoke":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: guidancehub token revoke PREFIX")
			return 2
		}
		t, err := db.RevokeToken(ctx, args[1])
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token revoke:", content.ErrorMessage(err))
			return 1
		}
		fmt.Fprintf(stdout, "revoked token %s (%s)\n", t.Prefix, t.Name)
		return 0
	}
	fmt.Fprintf(stderr, "guidancehub token: unknown command %q (want create, list or revoke)\n", args[0])
	return 2
}

// parseLifetime reads "90d", "12h" or any Go duration.
func parseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a lifetime such as 90d or 12h", s)
	}
	return d, nil
}
