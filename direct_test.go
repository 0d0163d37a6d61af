package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"guidancehub/graph"
	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// TestDirectPathAgrees is the oracle test of graph's direct path
// (graph/direct.go): gqlgen's own executor answers the same generated
// queries, and the two responses must be the same bytes with the same
// status. The queries mix the fields the direct path writes with ones it
// leaves to gqlgen, aliases, fragments on the interface and on each kind,
// @skip/@include, bad arguments and missing, withdrawn and draft slugs; the
// library holds every kind, a translation, a withdrawn resource and titles
// that need escaping. The test also checks that the direct path answered
// most of them (it must not fall back everywhere).
func TestDirectPathAgrees(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	dir := copyFixtures(t)
	writeLibrary(t, dir, 40)
	for i, title := range []string{`Quote " and back\slash`, "Tab\tand <b>html</b> & \u2028 separator", `Emoji 🩺 and ünïcödé`} {
		writeKind(t, dir, fmt.Sprintf("escape-%d", i), []string{"guidance", "research-brief", "policy-position"}[i], title)
	}
	writeKind(t, dir, "to-withdraw", "research-brief", "Soon withdrawn")
	if rep, err := ingest.Import(ctx, db, dir, false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	if err := os.Remove(filepath.Join(dir, "to-withdraw.md")); err != nil {
		t.Fatal(err)
	}
	if rep, err := ingest.Import(ctx, db, dir, true); err != nil || rep.Failed() {
		t.Fatalf("import --prune: %v %v", err, rep.Errors)
	}

	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Options{Store: db})
	var direct, lengths atomic.Int64
	fast := graph.NewServer(&graph.Resolver{Reading: svc, PublicURL: "http://x", DirectAnswered: func(string) { direct.Add(1) }}, graph.DefaultLimits, log)
	oracle := graph.NewServer(&graph.Resolver{Reading: svc, PublicURL: "http://x", GQLGenOnly: true, UnrememberedPlans: true}, graph.DefaultLimits, log)
	ask := func(h http.Handler, body []byte) (int, []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if cl := rec.Header().Get("Content-Length"); cl != "" {
			lengths.Add(1)
			if cl != strconv.Itoa(rec.Body.Len()) {
				t.Errorf("Content-Length %s for a body of %d bytes: %s", cl, rec.Body.Len(), rec.Body.Bytes())
			}
		}
		return rec.Code, rec.Body.Bytes()
	}

	// Cursors to page from, as clients get them.
	_, first := ask(oracle, []byte(`{"query":"{ a: resources(first: 7) { edges { cursor } } b: resources(first: 3, orderBy: {field: TITLE, direction: ASC}) { edges { cursor } } }"}`))
	var cur struct {
		Data map[string]struct{ Edges []struct{ Cursor string } }
	}
	if err := json.Unmarshal(first, &cur); err != nil || len(cur.Data["a"].Edges) != 7 {
		t.Fatalf("cursors: %v %s", err, first)
	}
	g := queryGen{rand.New(rand.NewSource(15)), []string{cur.Data["a"].Edges[6].Cursor, cur.Data["b"].Edges[2].Cursor, "not-a-cursor"}}
	const n = 400
	for i := 0; i < n; i++ {
		q, vars := g.query()
		// Each query three times: planned, its plan remembered, and with
		// its @skip/@include variables swapped (another plan).
		for round := 0; round < 3; round++ {
			if round == 2 {
				for name, v := range map[string]bool{"yes": false, "no": true} {
					if _, ok := vars[name]; ok {
						vars[name] = v
					}
				}
			}
			body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			wantCode, want := ask(oracle, body)
			gotCode, got := ask(fast, body)
			if gotCode != wantCode || !bytes.Equal(got, want) {
				t.Fatalf("query %d, round %d: %s\nvariables %v\ndirect path (%d): %s\ngqlgen (%d):      %s", i, round, q, vars, gotCode, got, wantCode, want)
			}
		}
	}
	if d := direct.Load(); d < 3*n/2 {
		t.Errorf("the direct path answered %d root fields of %d queries: the generator no longer exercises it", d, n)
	}
	if l := lengths.Load(); l < 3*n/2 {
		t.Errorf("%d of %d answers carried a Content-Length", l, 2*n)
	}
}

func writeKind(t *testing.T, dir, slug, kind, title string) {
	t.Helper()
	extra := map[string]string{"guidance": "", "research-brief": "methods: Survey\nsample_size: 12\nkey_findings: [One]\n", "policy-position": "recommendations: [Free care]\nrationale: Because.\n"}[kind]
	tj, _ := json.Marshal(title)
	doc := fmt.Sprintf("---\nkind: %s\nslug: %s\ntitle: %s\nsummary: %s\ntopics: [charging]\naudiences: [clinicians, patients]\nnations: [wales, scotland]\npublished: 2025-03-03\nlast_reviewed: 2025-03-04\nnext_review: 2026-03-04\nsources: [{title: S, url: \"https://example.org/\"}]\n%s---\n%s\n",
		kind, slug, tj, tj, extra, strings.Repeat("Enough words for the minimum length of a body. ", 60))
	if err := os.WriteFile(filepath.Join(dir, slug+".md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// queryGen makes random queries over resource, resources and their fields.
type queryGen struct {
	r       *rand.Rand
	cursors []string
}

func (g queryGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g queryGen) chance(p float64) bool { return g.r.Float64() < p }

// fields picks some of the named leaf fields and object fields (made by
// their functions), with aliases, repeats and @skip/@include.
func (g queryGen) fields(leaves []string, objects map[string]func() string) string {
	var parts []string
	for _, f := range leaves {
		if g.chance(0.35) {
			parts = append(parts, g.decorate(f))
		}
	}
	names := make([]string, 0, len(objects))
	for name := range objects {
		names = append(names, name)
	}
	sort.Strings(names) // map order would make the seed's queries vary
	for _, name := range names {
		if g.chance(0.5) {
			parts = append(parts, g.decorate(name)+" { "+objects[name]()+" }")
		}
	}
	if g.chance(0.2) {
		parts = append(parts, "__typename")
	}
	if len(parts) == 0 {
		parts = append(parts, leaves[g.r.Intn(len(leaves))])
	}
	g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return strings.Join(parts, " ")
}

func (g queryGen) decorate(f string) string {
	switch {
	case g.chance(0.15):
		return "x" + fmt.Sprint(g.r.Intn(3)) + ": " + f
	case g.chance(0.08):
		return f + " @include(if: $yes)"
	case g.chance(0.08):
		return f + " @skip(if: $yes)"
	case g.chance(0.05):
		return f + " @include(if: $no)"
	}
	return f
}

func (g queryGen) topic() string {
	leaves := []string{"slug", "name", "description"}
	if g.chance(0.1) {
		leaves = append(leaves, "count") // a resolver: gqlgen answers
	}
	return g.fields(leaves, nil)
}

func (g queryGen) resource() string {
	leaves := []string{"id", "slug", "kind", "status", "title", "summary", "body", "bodyHTML", "audiences", "nations",
		"language", "translationStatus", "publishedAt", "updatedAt", "lastReviewedAt", "nextReviewDue", "url", "revision"}
	objects := map[string]func() string{
		"topics":     g.topic,
		"withdrawal": func() string { return g.fields([]string{"reason", "withdrawnAt"}, nil) },
	}
	if g.chance(0.1) { // fields the direct path leaves to gqlgen
		objects["sources"] = func() string { return "title url" }
		objects["related"] = func() string { return "slug" }
		objects["translationOf"] = func() string { return "slug title" }
		objects["translations"] = func() string { return "slug language" }
	}
	s := g.fields(leaves, objects)
	if g.chance(0.3) {
		s += " ... on " + g.pick("GuidanceDocument", "ResearchBrief", "PolicyPosition", "Resource", "Node") + " { " + g.pick("title", "slug kind", "id", "x0: summary", "status") + " }"
	}
	if g.chance(0.05) {
		s += " ... on ResearchBrief { methods sampleSize }"
	}
	if g.chance(0.15) {
		s += " ...Common"
	}
	return s
}

func (g queryGen) connection() string {
	return g.fields([]string{"totalCount", "countedAt"}, map[string]func() string{
		"edges": func() string { return g.fields([]string{"cursor"}, map[string]func() string{"node": g.resource}) },
		"pageInfo": func() string {
			return g.fields([]string{"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}, nil)
		},
	})
}

func (g queryGen) listArgs() string {
	var args []string
	if g.chance(0.7) {
		args = append(args, "first: "+g.pick("1", "2", "5", "20", "100", "0", "101", "-1"))
	}
	if g.chance(0.4) {
		args = append(args, "orderBy: {field: "+g.pick("PUBLISHED_AT", "UPDATED_AT", "TITLE")+", direction: "+g.pick("ASC", "DESC")+"}")
	}
	if g.chance(0.4) {
		args = append(args, "filter: {"+g.pick("kinds: [RESEARCH_BRIEF]", "topics: [\"charging\"]", "languages: [\"ar\"]", "nations: [WALES, SCOTLAND]", "kinds: [GUIDANCE], topics: [\"gp-registration\"]", "publishedAfter: \"2025-01-10\"")+"}")
	}
	if g.chance(0.2) {
		args = append(args, fmt.Sprintf("after: %q", g.cursors[g.r.Intn(len(g.cursors))]))
	}
	if len(args) == 0 {
		return ""
	}
	return "(" + strings.Join(args, ", ") + ")"
}

// query returns a query and its variables.
func (g queryGen) query() (string, map[string]any) {
	var roots []string
	for len(roots) == 0 {
		if g.chance(0.6) {
			roots = append(roots, g.pick("", "l1: ", "l2: ")+"resources"+g.listArgs()+" { "+g.connection()+" }")
		}
		if g.chance(0.5) {
			arg := g.pick("$slug", "$slug", `"res-004"`, `"escape-1"`, `"nope"`)
			roots = append(roots, g.pick("", "r1: ", "r2: ")+"resource(slug: "+arg+") { "+g.resource()+" }")
		}
		if g.chance(0.1) {
			roots = append(roots, g.pick("topics { slug count }", "__typename"))
		}
	}
	body := strings.Join(roots, " ")
	// Only the variables and fragments used (validation refuses others).
	var decls []string
	vars := map[string]any{}
	values := map[string]any{"yes": true, "no": false,
		"slug": g.pick("res-003", "res-010-ar", "escape-0", "escape-1", "escape-2", "to-withdraw", "unpublished-position", "no-such-slug", "Bad Slug!", "hostile-body", "barriers-brief")}
	for _, name := range []string{"yes", "no", "slug"} {
		v := values[name]
		if strings.Contains(body, "$"+name) {
			typ := "Boolean!"
			if name == "slug" {
				typ = "String!"
			}
			decls = append(decls, "$"+name+": "+typ)
			vars[name] = v
		}
	}
	q := "query Q"
	if len(decls) > 0 {
		q += "(" + strings.Join(decls, ", ") + ")"
	}
	q += " { " + body + " }"
	if strings.Contains(body, "...Common") {
		q += " fragment Common on Resource { slug title publishedAt }"
	}
	return q, vars
}

// countingReader is the real reading service, counting the list and
// lookup calls that reach it.
type countingReader struct {
	content.ResourceService
	calls atomic.Int64
}

func (c *countingReader) List(ctx context.Context, q content.ListQuery) (*content.ListPage, error) {
	c.calls.Add(1)
	return c.ResourceService.List(ctx, q)
}

func (c *countingReader) Resource(ctx context.Context, slug string) (*content.Resource, error) {
	c.calls.Add(1)
	return c.ResourceService.Resource(ctx, slug)
}

// TestDirectPathCallsTheStoreOnce (review4 R1): when a list or lookup
// failed, the direct path fell back to gqlgen, which ran the resolver, and
// so the store, again. For the generated queries of TestDirectPathAgrees,
// over a working database and over one whose pool is closed (every read
// fails), the direct path must call the store exactly as often as gqlgen
// alone does, and answer the same bytes.
func TestDirectPathCallsTheStoreOnce(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	dir := copyFixtures(t)
	writeLibrary(t, dir, 12)
	if rep, err := ingest.Import(ctx, db, dir, false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	broken := testdb.OpenDSN(t, db.Pool().Config().ConnString())
	broken.Close()
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name string
		db   *postgres.DB
	}{{"working", db}, {"closed pool", broken}} {
		fastSvc := &countingReader{ResourceService: service.New(service.Options{Store: c.db})}
		oracleSvc := &countingReader{ResourceService: service.New(service.Options{Store: c.db})}
		fast := graph.NewServer(&graph.Resolver{Reading: fastSvc, PublicURL: "http://x"}, graph.DefaultLimits, log)
		oracle := graph.NewServer(&graph.Resolver{Reading: oracleSvc, PublicURL: "http://x", GQLGenOnly: true}, graph.DefaultLimits, log)
		ask := func(h http.Handler, body []byte) (int, []byte) {
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Body.Bytes()
		}
		g := queryGen{rand.New(rand.NewSource(16)), []string{"not-a-cursor"}}
		failed := 0
		for i := 0; i < 150; i++ {
			q, vars := g.query()
			body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			f0, o0 := fastSvc.calls.Load(), oracleSvc.calls.Load()
			wantCode, want := ask(oracle, body)
			gotCode, got := ask(fast, body)
			df, do := fastSvc.calls.Load()-f0, oracleSvc.calls.Load()-o0
			if df != do {
				t.Fatalf("%s, query %d: the store was called %d times with the direct path, %d without\n%s\nvariables %v", c.name, i, df, do, q, vars)
			}
			// gqlgen resolves the topics' counts concurrently: their
			// errors come in any order.
			if gotCode != wantCode || !bytes.Equal(errorsSorted(t, got), errorsSorted(t, want)) {
				t.Fatalf("%s, query %d: %s\ndirect path (%d): %s\ngqlgen (%d):      %s", c.name, i, q, gotCode, got, wantCode, want)
			}
			if bytes.Contains(want, []byte(`"errors"`)) && do > 0 {
				failed++
			}
		}
		if c.name == "closed pool" && failed < 50 {
			t.Errorf("%s: only %d queries reached a failing store", c.name, failed)
		}
		t.Logf("%s: %d store calls for 150 queries, %d answers with errors after a store call", c.name, oracleSvc.calls.Load(), failed)
	}
}

// errorsSorted returns a GraphQL response with its errors in a fixed order.
func errorsSorted(t *testing.T, body []byte) []byte {
	t.Helper()
	var r map[string]json.RawMessage
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	var errs []json.RawMessage
	if len(r["errors"]) > 0 {
		if err := json.Unmarshal(r["errors"], &errs); err != nil {
			t.Fatal(err)
		}
		sort.Slice(errs, func(i, j int) bool { return string(errs[i]) < string(errs[j]) })
	}
	out, _ := json.Marshal(map[string]any{"data": r["data"], "errors": errs, "extensions": r["extensions"]})
	return out
}
