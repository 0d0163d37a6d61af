package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guidancehub/graph"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// writeLibrary writes n guidance files, each related to the next two, and
// an Arabic translation of every tenth.
func writeLibrary(t testing.TB, dir string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		slug := fmt.Sprintf("res-%03d", i)
		extra := ""
		if i%10 == 0 {
			tr := fmt.Sprintf(`---
kind: guidance
slug: %s-ar
title: ترجمة %d
summary: ملخص.
topics: [gp-registration]
audiences: [patients]
nations: [england]
language: ar
translation_of: %s
translation_status: test fixture
published: 2024-01-01
last_reviewed: 2024-01-01
next_review: 2025-01-01
sources: [{title: S, url: "https://example.org/"}]
---
%s
`, slug, i, slug, strings.Repeat("نص قصير للاختبار. ", 20))
			if err := os.WriteFile(filepath.Join(dir, slug+"-ar.md"), []byte(tr), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		body := fmt.Sprintf(`---
kind: guidance
slug: %s
title: Resource %d
summary: Summary %d.
topics: [gp-registration, charging]
audiences: [commissioners]
nations: [england]
published: 2025-01-%02d
last_reviewed: 2025-02-01
next_review: 2026-02-01
sources: [{title: S, url: "https://example.org/"}]
related: [res-%03d, res-%03d]
%s---
Body %d with *emphasis*. %s
`, slug, i, i, 1+i%28, (i+1)%n, (i+2)%n, extra, i, strings.Repeat("Filler words for the minimum length. ", 45))
		if err := os.WriteFile(filepath.Join(dir, slug+".md"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPageOf100CostsBoundedRoundTrips shows there is no N+1: a page of 100
// resources with their topics (and counts), related resources,
// translations and originals costs a fixed number of database round trips.
func TestPageOf100CostsBoundedRoundTrips(t *testing.T) {
	tracer := &postgres.Tracer{}
	db := testdb.Open(t, postgres.Options{Tracer: tracer})
	dir := t.TempDir()
	writeLibrary(t, dir, 120)
	rep, err := ingest.Import(context.Background(), db, dir, false)
	if err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	log := slog.New(slog.DiscardHandler)
	h := httpapi.New(httpapi.Options{GraphQL: graph.NewServer(&graph.Resolver{Reading: service.New(service.Options{Store: db}), PublicURL: "http://x"}, graph.DefaultLimits, log)})
	srv := httptest.NewServer(h)
	defer srv.Close()

	q := `{ resources(first: 100) { totalCount edges { node { slug title bodyHTML
	  topics { slug name count } related { slug title } translations { slug } translationOf { slug } } } } }`
	before := tracer.RoundTrips()
	r := post(t, srv.URL, q, nil)
	trips := tracer.RoundTrips() - before
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	edges := path(r.Data, "resources", "edges").([]any)
	if len(edges) != 100 {
		t.Fatalf("got %d edges", len(edges))
	}
	related := 0
	for _, e := range edges {
		related += len(path(e, "node", "related").([]any))
	}
	if related != 200 {
		t.Errorf("related resolved = %d, want 200", related)
	}
	// 1 batch for the page and its count, 1 for related resources and
	// originals by slug, 1 for translations, 1 for topic counts.
	t.Logf("round trips for a page of 100: %d", trips)
	if trips > 4 {
		t.Errorf("round trips = %d, want a small constant (no N+1)", trips)
	}
}
