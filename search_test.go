package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"log/slog"

	"guidancehub/graph"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

const searchQ = `query($q: String!, $f: ResourceFilter, $o: SearchOrder, $first: Int, $after: String) {
  search(query: $q, filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount suggestion
    edges { cursor score node { slug status } highlights { field fragments } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    facets { kinds { value count } topics { value count } audiences { value count } nations { value count } years { value count } }
  } }`

func searchSlugs(r *gqlResponse) []string {
	var out []string
	edges, _ := path(r.Data, "search", "edges").([]any)
	for _, e := range edges {
		out = append(out, path(e, "node", "slug").(string))
	}
	return out
}

func facet(r *gqlResponse, name, value string) float64 {
	vs, _ := path(r.Data, "search", "facets", name).([]any)
	for _, v := range vs {
		if path(v, "value") == value {
			return path(v, "count").(float64)
		}
	}
	return 0
}

func TestSearchAPI(t *testing.T) {
	h, _ := startFixtureHub(t)

	r := post(t, h.url, searchQ, map[string]any{"q": "registering without ID"})
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if got := searchSlugs(r); len(got) == 0 || got[0] != "register-without-id" {
		t.Errorf("top result = %v, want register-without-id first", got)
	}
	hl := path(r.Data, "search", "edges", 0, "highlights", 0, "fragments", 0).(string)
	if !strings.Contains(hl, "<mark>") {
		t.Errorf("highlight %q has no <mark>", hl)
	}

	// What a search loads depends on what it selects; selected parts are there.
	r = post(t, h.url, `{ search(query: "registering without ID", first: 1) { edges { node { body sources { title } ... on GuidanceDocument { actions appliesTo } } } } }`, nil)
	node := path(r.Data, "search", "edges", 0, "node")
	if path(node, "body") == "" || path(node, "sources", 0, "title") == nil || path(node, "actions", 0) == nil || path(node, "appliesTo") == nil {
		t.Errorf("a search selecting body, sources and kind fields got %v %+v", node, r.Errors)
	}

	// Highlights escape the document's own markup.
	r = post(t, h.url, searchQ, map[string]any{"q": "hostile markup"})
	for _, e := range path(r.Data, "search", "edges").([]any) {
		for _, hl := range path(e, "highlights").([]any) {
			for _, f := range path(hl, "fragments").([]any) {
				s := strings.ReplaceAll(strings.ReplaceAll(f.(string), "<mark>", ""), "</mark>", "")
				if strings.ContainsAny(s, "<>") {
					t.Errorf("highlight fragment not escaped: %q", f)
				}
			}
		}
	}

	// Facets ignore their own filter: choosing GUIDANCE still counts briefs.
	r = post(t, h.url, searchQ, map[string]any{"q": "", "f": map[string]any{"kinds": []string{"GUIDANCE"}}})
	if n := path(r.Data, "search", "totalCount"); n != float64(3) {
		t.Errorf("guidance count = %v, want 3", n)
	}
	if facet(r, "kinds", "RESEARCH_BRIEF") != 1 || facet(r, "kinds", "GUIDANCE") != 3 {
		t.Errorf("kinds facet = %v, want guidance 3 and research brief 1 despite the kind filter", path(r.Data, "search", "facets", "kinds"))
	}
	if facet(r, "nations", "WALES") != 1 || facet(r, "nations", "ENGLAND") != 2 {
		t.Errorf("nations facet (filtered by kind) = %v", path(r.Data, "search", "facets", "nations"))
	}
	if facet(r, "years", "2025") != 2 || facet(r, "years", "2024") != 1 {
		t.Errorf("years facet = %v", path(r.Data, "search", "facets", "years"))
	}

	// Browsing pages through everything, newest first, with stable cursors.
	var got []string
	var after any
	for i := 0; i < 10; i++ {
		r = post(t, h.url, searchQ, map[string]any{"q": "", "first": 2, "after": after})
		got = append(got, searchSlugs(r)...)
		if path(r.Data, "search", "pageInfo", "hasNextPage") != true {
			break
		}
		after = path(r.Data, "search", "pageInfo", "endCursor")
	}
	if strings.Join(got, ",") != "register-without-id-ar,register-without-id,barriers-brief,free-care-for-all,hostile-body" {
		t.Errorf("browse pages = %v", got)
	}

	// Words no resource has are left out, and said to be.
	r = post(t, h.url, `{ a: search(query: "registering zzqxv") { totalCount omittedWords } b: search(query: "registering") { omittedWords } }`, nil)
	if n, _ := path(r.Data, "a", "totalCount").(float64); n == 0 || fmt.Sprint(path(r.Data, "a", "omittedWords")) != "[zzqxv]" || fmt.Sprint(path(r.Data, "b", "omittedWords")) != "[]" {
		t.Errorf("omittedWords: %v %+v", r.Data, r.Errors)
	}

	// Did you mean.
	// ("registring" is not corrected: through its stem it already finds
	// what "registration" finds, more than "registering" would.)
	r = post(t, h.url, searchQ, map[string]any{"q": "regsitering"})
	if s, _ := path(r.Data, "search", "suggestion").(string); s != "registering" {
		t.Errorf("suggestion for regsitering = %v, want registering", path(r.Data, "search", "suggestion"))
	}
	r = post(t, h.url, searchQ, map[string]any{"q": "registering"})
	if path(r.Data, "search", "suggestion") != nil {
		t.Errorf("suggestion for a known word = %v, want null", path(r.Data, "search", "suggestion"))
	}

	// Completions.
	r = post(t, h.url, `{ completions(prefix: "regis") { title slug kind } }`, nil)
	if cs := path(r.Data, "completions").([]any); len(cs) != 2 || path(cs[0], "slug") != "register-without-id" {
		t.Errorf("completions = %v", cs)
	}
}

// TestBadSearchInput lists what each kind of awkward query gets.
func TestBadSearchInput(t *testing.T) {
	h, _ := startFixtureHub(t)
	first := post(t, h.url, searchQ, map[string]any{"q": "registration", "first": 1})
	cursor := path(first.Data, "search", "pageInfo", "endCursor")
	tests := []struct {
		name  string
		vars  map[string]any
		code  string
		total float64 // -1: do not check
	}{
		{"whitespace only browses", map[string]any{"q": "  \t "}, "", 5},
		{"only punctuation browses", map[string]any{"q": "?! ... ;"}, "", 5},
		{"only stop words browse", map[string]any{"q": "the of and"}, "", 5},
		{"unbalanced quote", map[string]any{"q": `"without id`}, "", -1},
		{"query syntax is plain text", map[string]any{"q": "title:x* /.*/ +y"}, "", -1},
		{"10 KB query", map[string]any{"q": strings.Repeat("word ", 2048)}, "INVALID_ARGUMENT", -1},
		{"huge first", map[string]any{"q": "x", "first": 100000}, "INVALID_ARGUMENT", -1},
		{"negative first", map[string]any{"q": "x", "first": -5}, "INVALID_ARGUMENT", -1},
		{"forged cursor", map[string]any{"q": "registration", "after": "eyJmIjoiMDAwMCJ9"}, "INVALID_ARGUMENT", -1},
		{"garbage cursor", map[string]any{"q": "registration", "after": "!!!"}, "INVALID_ARGUMENT", -1},
		{"cursor of another query", map[string]any{"q": "charging", "after": cursor}, "INVALID_ARGUMENT", -1},
		{"cursor of another order", map[string]any{"q": "registration", "o": "NEWEST", "after": cursor}, "INVALID_ARGUMENT", -1},
		{"unknown topic filter", map[string]any{"q": "x", "f": map[string]any{"topics": []string{"nope"}}}, "INVALID_ARGUMENT", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, h.url, searchQ, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("code = %q, want %q (%+v)", r.code(), tt.code, r.Errors)
			}
			if tt.total >= 0 && path(r.Data, "search", "totalCount") != tt.total {
				t.Errorf("totalCount = %v, want %v", path(r.Data, "search", "totalCount"), tt.total)
			}
		})
	}
	// The right cursor works.
	r := post(t, h.url, searchQ, map[string]any{"q": "registration", "first": 1, "after": cursor})
	if len(r.Errors) > 0 || path(r.Data, "search", "pageInfo", "hasPreviousPage") != true {
		t.Errorf("second page: %+v %v", r.Errors, r.Data)
	}
	if strings.Contains(h.logs.String(), "registration") {
		t.Error("a search term reached the logs")
	}
}

// TestCanaryNeverLeaks plants a draft with a unique word and a published
// resource that is then withdrawn, and proves no public path shows either.
func TestCanaryNeverLeaks(t *testing.T) {
	dir := copyFixtures(t)
	draft := `---
kind: guidance
slug: canary-draft
title: Zebraquokka canary draft
summary: The zebraquokka draft must never be seen.
topics: [data-sharing]
audiences: [commissioners]
nations: [scotland]
status: draft
---
Zebraquokka ` + strings.Repeat("zebraquokka secret words ", 90)
	withdrawn := strings.NewReplacer("canary-draft", "canary-withdrawn", "status: draft\n", "published: 2023-05-05\nlast_reviewed: 2023-05-05\nnext_review: 2030-01-01\nsources: [{title: S, url: \"https://example.org/\"}]\n",
		"Zebraquokka", "Okapiwombat", "zebraquokka", "okapiwombat").Replace(draft)
	os.WriteFile(filepath.Join(dir, "canary-draft.md"), []byte(draft), 0o644)
	os.WriteFile(filepath.Join(dir, "canary-withdrawn.md"), []byte(withdrawn), 0o644)
	dsn := testdb.DSN(t)
	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir})

	r := post(t, h.url, searchQ, map[string]any{"q": "okapiwombat"})
	if path(r.Data, "search", "totalCount") != float64(1) {
		t.Fatalf("the published canary should be found first: %v %v", r.Data, r.Errors)
	}
	os.Remove(filepath.Join(dir, "canary-withdrawn.md"))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"import", "--prune", dir}, &out, &errOut, env(map[string]string{"DATABASE_URL": dsn}), nil); code != 0 {
		t.Fatalf("prune: %d %s", code, errOut.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r = post(t, h.url, searchQ, map[string]any{"q": "okapiwombat"})
		if path(r.Data, "search", "totalCount") == float64(0) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, word := range []string{"zebraquokka", "okapiwombat"} {
		for _, q := range []string{word, word[:len(word)-1], `"` + word + ` canary"`} {
			r := post(t, h.url, searchQ, map[string]any{"q": q})
			if n := path(r.Data, "search", "totalCount"); n != float64(0) {
				t.Errorf("search %q: totalCount %v", q, n)
			}
			if s := path(r.Data, "search", "suggestion"); s != nil && strings.Contains(s.(string), word) {
				t.Errorf("search %q suggests the canary: %v", q, s)
			}
		}
		r := post(t, h.url, `query($p: String!) { completions(prefix: $p) { slug } }`, map[string]any{"p": word[:5]})
		if cs := path(r.Data, "completions").([]any); len(cs) != 0 {
			t.Errorf("completions for %q = %v", word[:5], cs)
		}
	}
	// Facet counts over everything never include the draft or the withdrawn one.
	r = post(t, h.url, searchQ, map[string]any{"q": ""})
	if facet(r, "topics", "data-sharing") != 0 || facet(r, "nations", "SCOTLAND") != 0 || path(r.Data, "search", "totalCount") != float64(5) {
		t.Errorf("facets or total reveal a canary: total %v topics %v nations %v", path(r.Data, "search", "totalCount"),
			path(r.Data, "search", "facets", "topics"), path(r.Data, "search", "facets", "nations"))
	}
	if strings.Contains(mustJSON(r.Data), "canary") {
		t.Error("a canary slug appears in browse results")
	}
}

// TestLaggingIndexNeverShowsWithdrawn withdraws a resource in PostgreSQL
// while the index still holds it: search loads hits from PostgreSQL, so the
// hit is dropped.
func TestLaggingIndexNeverShowsWithdrawn(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := copyFixtures(t)
	if rep, err := ingest.Import(context.Background(), db, dir, true); err != nil || rep.Failed() {
		t.Fatal(err, rep.Errors)
	}
	s, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir(), Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "hostile-body.md"))
	if _, err := ingest.Import(context.Background(), db, dir, true); err != nil {
		t.Fatal(err)
	}
	// No CatchUp: the index still holds hostile-body.
	srv := httptest.NewServer(httpapi.New(httpapi.Options{GraphQL: graph.NewServer(&graph.Resolver{Reading: service.New(service.Options{Store: db, Index: s}), PublicURL: "http://x"}, graph.DefaultLimits, slog.New(slog.DiscardHandler))}))
	defer srv.Close()
	r := post(t, srv.URL, searchQ, map[string]any{"q": "hostile markup"})
	if strings.Contains(mustJSON(r.Data), "hostile-body") {
		t.Errorf("a withdrawn resource was shown from a lagging index: %v", r.Data)
	}
}

// TestZeroResultSearchesAreCounted records what the library lacks: the
// terms and a count, never who asked.
func TestZeroResultSearchesAreCounted(t *testing.T) {
	h, _ := startFixtureHub(t)
	dsn := dsnFromLogs(t, h)
	for i := 0; i < 2; i++ {
		// Typed with a capital first, as a phone does (two words typed
		// with capitals, as names are, are masked: zeroterm.go).
		post(t, h.url, searchQ, map[string]any{"q": "Xylophones  registering?"})
	}
	post(t, h.url, searchQ, map[string]any{"q": "   "}) // browsing is not recorded
	db := testdb.OpenDSN(t, dsn)
	var term string
	var count int
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		err := db.Pool().QueryRow(context.Background(), `SELECT term, count FROM zero_result_queries`).Scan(&term, &count)
		if err == nil && count == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if term != "xylophones registering" || count != 2 {
		t.Errorf("zero-result record = %q × %d, want %q × 2", term, count, "xylophones registering")
	}
	cols, _ := db.Pool().Query(context.Background(), `SELECT column_name FROM information_schema.columns WHERE table_name = 'zero_result_queries' ORDER BY column_name`)
	var names []string
	for cols.Next() {
		var n string
		cols.Scan(&n)
		names = append(names, n)
	}
	if strings.Join(names, ",") != "count,first_seen,last_seen,term" {
		t.Errorf("zero_result_queries columns = %v: nothing about the requester may be stored", names)
	}
}
