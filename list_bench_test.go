package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"guidancehub/graph"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// BenchmarkListPage is the peer kit's "list of 20 newest" request, without
// and with totalCount, through the real HTTP handler and PostgreSQL (the
// library is small: read allocations and round trips, not times).
func BenchmarkListPage(b *testing.B) {
	tracer := &postgres.Tracer{}
	db := testdb.Open(b, postgres.Options{Tracer: tracer})
	dir := b.TempDir()
	writeLibrary(b, dir, 300)
	if rep, err := ingest.Import(context.Background(), db, dir, false); err != nil || rep.Failed() {
		b.Fatalf("import: %v %v", err, rep.Errors)
	}
	log := slog.New(slog.DiscardHandler)
	// The GraphQL handler alone: the HTTP stack in front rate-limits.
	h := graph.NewServer(&graph.Resolver{Reading: service.New(service.Options{Store: db}), PublicURL: "http://x"}, graph.DefaultLimits, log)
	for _, c := range []struct{ name, query string }{
		{"NoCount", `{"query":"query LatestResources { resources(first: 20, orderBy: {field: PUBLISHED_AT, direction: DESC}) { edges { node { slug kind title summary topics { slug } publishedAt } } } }"}`},
		{"Count", `{"query":"query LatestResources { resources(first: 20, orderBy: {field: PUBLISHED_AT, direction: DESC}) { totalCount edges { node { slug kind title summary topics { slug } publishedAt } } } }"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			before := tracer.Statements()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(c.query)))
				req.Header.Set("Content-Type", "application/json")
				req.RemoteAddr = "127.0.0.1:1"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					body, _ := io.ReadAll(rec.Body)
					b.Fatalf("status %d: %s", rec.Code, body)
				}
			}
			b.ReportMetric(float64(tracer.Statements()-before)/float64(b.N), "statements/op")
		})
	}
}
