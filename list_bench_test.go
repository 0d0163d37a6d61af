package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"guidancehub/graph"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
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

// BenchmarkReadPath is the peer kit's slug lookup and list of 20 (without
// and with totalCount) through the whole HTTP handler the hub serves
// (middleware, rate limiter, metrics, access log, gqlgen) and the real
// PostgreSQL pool, with counts cached by position as `serve` wires them,
// from 2 × GOMAXPROCS concurrent clients; the access log on (through the
// LogQueue, into a file) or off. Read allocs/op, statements/op and the
// on/off ratio, not absolute times (the library is small).
//
//	go run ./internal/pgcluster/withpg -- go test -run '^$' -bench ReadPath -benchmem .
func BenchmarkReadPath(b *testing.B) {
	tracer := &postgres.Tracer{}
	db := testdb.Open(b, postgres.Options{Tracer: tracer})
	dir := b.TempDir()
	writeLibrary(b, dir, 300)
	writeKitShaped(b, dir)
	ctx := context.Background()
	if rep, err := ingest.Import(ctx, db, dir, false); err != nil || rep.Failed() {
		b.Fatalf("import: %v %v", err, rep.Errors)
	}
	ix, err := search.NewSyncer(db, search.Options{DataDir: b.TempDir(), Poll: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Start(ctx); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Options{Store: db, Index: ix, Position: service.IndexPosition(ix)})
	gql := graph.NewServer(&graph.Resolver{Reading: svc, PublicURL: "http://x"}, graph.DefaultLimits, log)
	logFile, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	queue := httpapi.NewLogQueue(logFile, 0)
	defer queue.Close(time.Second)
	handler := func(every int) http.Handler {
		return httpapi.New(httpapi.Options{GraphQL: gql, Logger: log, AccessLog: slog.New(slog.NewTextHandler(queue, nil)),
			AccessLogEvery: every, AccessLogDropped: queue.Dropped,
			Rates: map[string]httpapi.Rate{"anonymous": {PerSecond: 1e9, Burst: 1e9}}})
	}
	ops := []struct{ name, body string }{
		{"List", `{"query":"query LatestResources { resources(first: 20, orderBy: {field: PUBLISHED_AT, direction: DESC}) { edges { node { slug kind title summary topics { slug } publishedAt } } } }"}`},
		{"ListCount", `{"query":"query LatestResources { resources(first: 20, orderBy: {field: PUBLISHED_AT, direction: DESC}) { totalCount edges { node { slug kind title summary topics { slug } publishedAt } } } }"}`},
		{"Slug", `{"query":"query ResourceBySlug($slug: String!) { resource(slug: $slug) { slug kind title summary body topics { slug } publishedAt } }","variables":{"slug":"res-007"}}`},
		{"SlugKit", `{"query":"query ResourceBySlug($slug: String!) { resource(slug: $slug) { slug kind title summary body topics { slug } publishedAt } }","variables":{"slug":"` + kitShapedSlug + `"}}`},
	}
	for _, access := range []struct {
		name  string
		every int
	}{{"off", -1}, {"on", 1}} {
		h := handler(access.every)
		for _, op := range ops {
			b.Run(op.name+"/accesslog="+access.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(8) // 16 clients on 2 cores, as the kit's wrk
				before := tracer.Statements()
				cpu0 := processCPU()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(op.body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Accept", "application/json")
						req.RemoteAddr = "127.0.0.1:1"
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
							b.Errorf("status %d: %s", rec.Code, rec.Body)
							return
						}
					}
				})
				// CPU time of this process per request: on a shared
				// machine it moves far less than wall time does.
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(tracer.Statements()-before)/float64(b.N), "statements/op")
			})
		}
	}
	if queue.Dropped() > 0 {
		b.Logf("access log: %d lines dropped", queue.Dropped())
	}
}

// processCPU is the user and system CPU time this process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// kitShapedSlug is a resource shaped as the peer kit's corpus makes them
// (corpus.py: a title of ~8 words, a summary of ~5 sentences, a Markdown
// body of ~760 words in paragraphs, 5 KB), for the lookup the kit times.
const kitShapedSlug = "kit-shaped-resource-42"

func writeKitShaped(t testing.TB, dir string) {
	t.Helper()
	words := strings.Fields("health access services the to of and registration charging asylum seekers overseas visitor " +
		"manager GP practice surcharge immigration evidence policy research brief guidance patients community")
	var body strings.Builder
	for i := 0; body.Len() < 5000; i++ {
		if i%12 == 0 {
			body.WriteString("\n\n## Section\n\n")
		}
		for j := range 9 {
			if j > 0 {
				body.WriteByte(' ')
			}
			body.WriteString(words[(i*7+j*3)%len(words)])
		}
		body.WriteString(". ")
	}
	doc := fmt.Sprintf(`---
kind: guidance
slug: %s
title: Asylum seekers access to GP registration and charging guidance
summary: Or for error continue the to the using number compatible openssl inclusion health overseas visitor manager. Health inequalities are freeing be the, files, make buffer a entities int bits. Emulated health needs assessment to only than these drivers can. This note any in cpanel will request charging regulations.
topics: [gp-registration, charging]
audiences: [commissioners]
nations: [england]
published: 2025-03-04
last_reviewed: 2025-03-04
next_review: 2026-03-04
sources: [{title: S, url: "https://example.org/"}]
---
%s
`, kitShapedSlug, body.String())
	if err := os.WriteFile(filepath.Join(dir, kitShapedSlug+".md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}
