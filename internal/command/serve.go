package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"guidancehub/graph"
	"guidancehub/internal/changelog"
	"guidancehub/internal/config"
	"guidancehub/internal/content"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/httpcache"
	"guidancehub/internal/ingest"
	"guidancehub/internal/partner"
	"guidancehub/internal/postgres"
	"guidancehub/internal/reuse"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/web"
)

// serve runs the hub until ctx ends: the search index, the start-up
// import, the services, the GraphQL and HTTP handlers, the index sync
// worker and the scheduler.
//
// access receives the access log and accessDropped counts the lines it
// dropped (see httpapi.LogQueue).
func serve(ctx context.Context, cfg *config.Config, rates map[string]httpapi.Rate, trusted *graph.TrustedDocuments, db *postgres.DB, log, access *slog.Logger, accessDropped func() uint64, stdout io.Writer, ready chan<- string) int {
	// Open the index first: a second process on the same data dir fails
	// here, before it does anything else.
	reg := prometheus.NewRegistry()
	opts := search.Options{DataDir: cfg.DataDir, Logger: log, Metrics: search.NewMetrics(reg), PhrasePairs: cfg.PhrasePairs == "on"}
	if cfg.Snapshots() {
		opts.Snapshots = search.SnapshotOptions{Store: db, Every: cfg.SnapshotEvery, Changes: cfg.SnapshotChanges}
	}
	syncer, err := search.NewSyncer(db, opts)
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
		log.Info(summary(rep), "dir", cfg.ResourcesDir, "files", rep.Files, "written", rep.Written, "batches", rep.Batches,
			"read", rep.Read.Round(time.Millisecond), "write", rep.Write.Round(time.Millisecond), "commit", rep.Commit.Round(time.Millisecond))
	}

	svc := service.New(service.Options{Store: db, Editor: db, Index: syncer, Log: log,
		ZeroResults: db.RecordZeroResult, ZeroResultTerm: syncer.ZeroResultTerm,
		// Counts of public lists are exact as of the change-log position
		// the index has applied, and cached until it moves.
		Position: service.IndexPosition(syncer), SettledPosition: db.SettledPosition})
	hooks := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: cfg.WebhookAllowPrivate, PublicURL: cfg.PublicURL, Logger: log})
	partner.RegisterReaderMetrics(reg, db, partner.ReaderStatsTTL)
	registerPoolMetrics(reg, db)
	apq := graph.NewPersistedQueries()
	if trusted != nil {
		log.Info("trusted documents: partner tokens may run only the manifest's operations", "operations", trusted.Len(), "file", cfg.TrustedDocuments)
	}
	resolver := &graph.Resolver{APQ: apq, Trusted: trusted, Reading: svc, Editing: svc, Feed: db, Webhooks: hooks, PublicURL: cfg.PublicURL, Log: log}
	// One cache for every GET door: tags remembered per request, revalidated
	// against the change-log position this replica has applied.
	cache := httpcache.New(httpcache.Options{Position: syncer.Position, Cacheable: func(body []byte) bool {
		// A GraphQL answer with errors may be passing (a timeout, an
		// index being rebuilt): never cache it. Pages and feeds answer
		// such cases with a 4xx/5xx status, which is never cached.
		return !bytes.HasPrefix(body, []byte(`{"errors"`))
	}})
	h := httpapi.New(httpapi.Options{
		Logger: log,
		GraphQL: graph.NewServer(resolver, graph.Limits{Tokens: cfg.MaxTokens, Depth: cfg.MaxDepth, Aliases: cfg.MaxAliases,
			RootFields: cfg.MaxRootFields, Complexity: cfg.MaxComplexity}.WithDefaults(), log),
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return content.Unavailable(postgres.RetryAfter, "database not reachable")
			}
			return syncer.Check()
		},
		CORSOrigins:      cfg.CORSOrigins,
		Registry:         reg,
		Authenticate:     db.Authenticate,
		Pages:            web.New(web.Options{Service: svc, PublicURL: cfg.PublicURL, Logger: log, Cache: cache, ShortenSearch: search.Shorten}),
		RequestTimeout:   cfg.RequestTimeout,
		Rates:            rates,
		ClientIPHeader:   cfg.ClientIPHeader,
		AccessLogEvery:   cfg.AccessLogEvery,
		AccessLog:        access,
		AccessLogDropped: accessDropped,
		Export:           partner.ExportHandler(db, cfg.PublicURL, 30*time.Second, cache.CacheControl(), log),
		Atom:             partner.AtomHandler(svc, db.RecentlyWithdrawn, cfg.PublicURL, log),
		Cache:            cache,
		PersistedQuery: func(id string) (string, bool) {
			if doc, ok := trusted.Lookup(id); ok {
				return doc, true
			}
			return apq.Get(context.Background(), graph.APQHash(id))
		},
		Reuse: reuse.New(reuse.Options{Resources: svc, PublicURL: cfg.PublicURL, Schema: graph.SDL(), Logger: log}),
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "addr", cfg.Addr, "err", err)
		return 1
	}
	srv := httpapi.NewServer(cfg.Addr, h, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httpapi.CoalesceWrites(ln)) }()

	// The index catches up (or rebuilds) while the server already answers:
	// until then /readyz says not ready and search says "index not ready".
	syncCtx, stopSync := context.WithCancel(ctx)
	var syncDone sync.WaitGroup
	defer func() { stopSync(); syncDone.Wait() }()
	syncDone.Add(6)
	go func() { defer syncDone.Done(); db.Listen(syncCtx, func() { syncer.Wake(); hooks.Wake() }, log) }()
	go func() {
		defer syncDone.Done()
		changelog.Prune(syncCtx, db, changelog.DefaultRetention, time.Hour, log)
	}()
	go func() { defer syncDone.Done(); hooks.Run(syncCtx) }()
	go func() { defer syncDone.Done(); db.RunScheduler(syncCtx, log) }()
	go func() { defer syncDone.Done(); db.RunZeroResultRetention(syncCtx, time.Hour, log) }()
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

// registerPoolMetrics registers gauges of this process's PostgreSQL
// connections, read at each scrape: hub_db_connections_acquired and
// hub_db_connections_max (the pool that lookups, lists, pages and
// mutations share), hub_export_streams and hub_export_streams_max (exports
// being sent, each on a connection of its own outside the pool; see
// postgres.DB.ExportPublished).
func registerPoolMetrics(reg prometheus.Registerer, db *postgres.DB) {
	for _, g := range []struct {
		name, help string
		val        func(postgres.PoolStats) int
	}{
		{"hub_db_connections_acquired", "PostgreSQL connections of the pool in use now.", func(s postgres.PoolStats) int { return s.Acquired }},
		{"hub_db_connections_max", "Most PostgreSQL connections the pool opens.", func(s postgres.PoolStats) int { return s.Max }},
		{"hub_export_streams", "Exports being sent now, each on a PostgreSQL connection outside the pool.", func(s postgres.PoolStats) int { return s.Streams }},
		{"hub_export_streams_max", "Most exports sent at once; past it an export is refused with 503 and Retry-After.", func(s postgres.PoolStats) int { return s.MaxStreams }},
	} {
		val := g.val
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help}, func() float64 { return float64(val(db.Stats())) }))
	}
}
