package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"guidancehub/graph"
	"guidancehub/internal/content"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// countFilter is a list filter as the API takes it and as the oracle
// counts it in SQL (written here by hand from the schema's description of
// the filter, not taken from the store).
type countFilter struct {
	gql   string
	where string
	args  []any
}

var countFilters = []countFilter{
	{"", "", nil},
	{`kinds: [GUIDANCE]`, "v.kind = 'GUIDANCE'", nil},
	{`kinds: [POLICY_POSITION, RESEARCH_BRIEF]`, "v.kind IN ('POLICY_POSITION', 'RESEARCH_BRIEF')", nil},
	{`topics: ["data-sharing"]`, "'data-sharing' = ANY(v.topics)", nil},
	{`topics: ["charging", "data-sharing"]`, "('charging' = ANY(v.topics) OR 'data-sharing' = ANY(v.topics))", nil},
	// The same set in another order and with a repeat: the same count.
	{`topics: ["data-sharing", "charging", "charging"]`, "('charging' = ANY(v.topics) OR 'data-sharing' = ANY(v.topics))", nil},
	{`nations: [WALES]`, "'WALES' = ANY(v.nations)", nil},
	{`languages: ["CY"]`, "lower(v.language) = 'cy'", nil},
	{`publishedAfter: "2024-06-01"`, "v.published_at >= '2024-06-01'", nil},
	{`kinds: [GUIDANCE], topics: ["gp-registration"], nations: [ENGLAND], publishedBefore: "2026-01-01"`,
		"v.kind = 'GUIDANCE' AND 'gp-registration' = ANY(v.topics) AND 'ENGLAND' = ANY(v.nations) AND v.published_at <= '2026-01-01'", nil},
}

// TestListCountsExactAsOfPosition: with counts cached by the change-log
// position (as `serve` wires them), random publications, withdrawals,
// public edits and draft-only edits through the real API leave every
// filter's totalCount equal to PostgreSQL's count(*) (the oracle) as soon
// as the replica has applied the change, with no retry: a count from
// before the position moved is never served. Asked again at the same
// position, a count is served without counting again.
func TestListCountsExactAsOfPosition(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stmts := &sqlLog{}
	db := testdb.Open(t, postgres.Options{Tracer: &postgres.Tracer{Observe: stmts.observe}})
	if rep, err := ingest.Import(ctx, db, copyFixtures(t), false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	log := slog.New(slog.DiscardHandler)
	ix, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	go func() { ix.Run(ctx); done <- struct{}{} }()
	go func() { db.Listen(ctx, ix.Wake, log); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	svc := service.New(service.Options{Store: db, Editor: db, Index: ix, Position: service.IndexPosition(ix)})
	h := httpapi.New(httpapi.Options{
		GraphQL:      graph.NewServer(&graph.Resolver{Reading: svc, Editing: svc, PublicURL: "http://x"}, graph.DefaultLimits, log),
		Authenticate: db.Authenticate,
		Rates:        map[string]httpapi.Rate{"anonymous": {PerSecond: 1e6, Burst: 1e6}, "editor": {PerSecond: 1e6, Burst: 1e6}},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	editor, _, err := db.CreateToken(ctx, "count test", content.RoleEditor, nil)
	if err != nil {
		t.Fatal(err)
	}

	oracle := func(f countFilter) int {
		where := "r.status = 'PUBLISHED'"
		if f.where != "" {
			where += " AND " + f.where
		}
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM resources r JOIN revisions v
			ON v.resource_id = r.id AND v.revision = r.published_revision WHERE `+where, f.args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var lastApplied uint64 // the newest change transaction the replica has applied
	totalCount := func(f countFilter) int {
		t.Helper()
		args := "first: 1"
		if f.gql != "" {
			args += ", filter: {" + f.gql + "}"
		}
		r := post(t, srv.URL, `{ resources(`+args+`) { totalCount countedAt edges { node { slug } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", f.gql, r.Errors)
		}
		// The count states its position: a change-feed cursor at or past
		// every change applied so far.
		at, _ := path(r.Data, "resources", "countedAt").(string)
		if pos, err := content.DecodeChangePosition(at); err != nil || pos.Watermark <= lastApplied {
			t.Errorf("filter {%s}: countedAt %q (%v) is not past transaction %d, the newest applied", f.gql, at, err, lastApplied)
		}
		return int(path(r.Data, "resources", "totalCount").(float64))
	}
	mutate := func(q string, vars map[string]any) map[string]any {
		t.Helper()
		r := authed(t, srv.URL, editor, q, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
		return r.Data
	}
	// applied waits until the replica's position passes every change
	// committed so far (the newest change row's transaction).
	applied := func() {
		t.Helper()
		var newest uint64
		if err := db.Pool().QueryRow(ctx, `SELECT coalesce(max(txid)::text, '0')::bigint FROM changes`).Scan(&newest); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if w, _ := ix.Position(); w > newest {
				lastApplied = newest
				return
			}
			if time.Now().After(deadline) {
				w, _ := ix.Position()
				t.Fatalf("the replica did not apply transaction %d within 10 s (position %d)", newest, w)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	check := func(step string) {
		t.Helper()
		for _, f := range countFilters {
			if got, want := totalCount(f), oracle(f); got != want {
				t.Errorf("%s: filter {%s}: totalCount %d, PostgreSQL counts %d", step, f.gql, got, want)
			}
		}
		// Asked again at the same position: no count reaches PostgreSQL.
		_, g0 := ix.Position()
		stmts.take()
		for _, f := range countFilters {
			totalCount(f)
		}
		if _, g1 := ix.Position(); g1 == g0 {
			if n := countOf(stmts.take(), "count(*)"); n != 0 {
				t.Errorf("%s: %d counts sent for lists asked again at an unmoved position, want none", step, n)
			}
		}
	}

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	topics := []string{"data-sharing", "charging", "gp-registration", "interpreting"}
	nations := []string{"ENGLAND", "WALES", "SCOTLAND"}
	pick := func(from []string) []string {
		var out []string
		for _, x := range from {
			if rng.IntN(2) == 0 {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			out = from[:1]
		}
		return out
	}
	fields := func() map[string]any {
		lang := "en"
		if rng.IntN(3) == 0 {
			lang = "cy"
		}
		return map[string]any{"topics": pick(topics), "nations": pick(nations), "audiences": []string{"PATIENTS"}, "language": lang,
			"publishedAt": fmt.Sprintf("20%02d-%02d-15", 23+rng.IntN(3), 1+rng.IntN(12)), // 2023–2025: never after today (a publication date to come is refused since 12eb252)
			"sources":     []map[string]any{{"title": "A source", "url": "https://example.org/"}}}
	}
	type res struct {
		id  string
		rev int
	}
	var published []res
	applied()
	check("start")
	const (
		createQ  = `mutation($in: CreateResourceInput!) { createResource(input: $in) { resource { id editorial { latestRevision } } } }`
		publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { editorial { latestRevision } } } }`
		updateQ  = `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { editorial { latestRevision } } } }`
	)
	for step := 0; step < 24; step++ {
		var what string
		switch op := rng.IntN(10); {
		case op < 4 || len(published) == 0: // publish a new resource
			slug := fmt.Sprintf("count-%d", step)
			d := mutate(createQ, map[string]any{"in": map[string]any{"kind": "GUIDANCE", "slug": slug, "title": "Count " + slug,
				"summary": "A summary.", "body": "A body.", "content": fields()}})
			id := path(d, "createResource", "resource", "id").(string)
			d = mutate(publishQ, map[string]any{"id": id})
			published = append(published, res{id, int(path(d, "publishResource", "resource", "editorial", "latestRevision").(float64))})
			what = "publish " + slug
		case op < 6: // withdraw one
			i := rng.IntN(len(published))
			mutate(`mutation($id: ID!) { withdrawResource(id: $id, reason: "superseded") { resource { status } } }`, map[string]any{"id": published[i].id})
			published = append(published[:i], published[i+1:]...)
			what = "withdraw"
		case op < 8: // edit topics, nations, language and date, and publish the edit
			i := rng.IntN(len(published))
			d := mutate(updateQ, map[string]any{"id": published[i].id, "rev": published[i].rev, "in": fields()})
			rev := int(path(d, "updateResource", "resource", "editorial", "latestRevision").(float64))
			d = mutate(publishQ, map[string]any{"id": published[i].id})
			published[i].rev = int(path(d, "publishResource", "resource", "editorial", "latestRevision").(float64))
			what = fmt.Sprintf("edit and publish revision %d", rev)
		default: // a draft edit: nothing public changes
			i := rng.IntN(len(published))
			d := mutate(updateQ, map[string]any{"id": published[i].id, "rev": published[i].rev, "in": map[string]any{"topics": []string{"evidence"}, "nations": []string{"NORTHERN_IRELAND"}}})
			published[i].rev = int(path(d, "updateResource", "resource", "editorial", "latestRevision").(float64))
			what = "draft edit"
		}
		applied()
		check(fmt.Sprintf("step %d (%s)", step, what))
		if t.Failed() {
			return
		}
	}
}
