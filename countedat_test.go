package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
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

// TestCountedAtMovesOnlyWithPublicChanges (breaker3 F27): two replicas
// (each its own index and count cache, as `serve` wires them) over one
// database, through random public changes (publish, withdraw) and writes
// the public cannot see (a zero-result search recorded, a token created,
// a draft edit, a bare transaction). After each, once both replicas have
// applied everything: every counted list is byte-identical on the two
// replicas (countedAt included; README: "the same on every replica at the
// same position"); after an unseen write, countedAt and the body are
// unchanged and no count reaches PostgreSQL (the count cache was kept);
// after a public change, countedAt moves. Before, countedAt was the
// replica's watermark, which every transaction anywhere moves.
func TestCountedAtMovesOnlyWithPublicChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stmts := &sqlLog{}
	db := testdb.Open(t, postgres.Options{Tracer: &postgres.Tracer{Observe: stmts.observe}})
	if rep, err := ingest.Import(ctx, db, copyFixtures(t), false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	log := slog.New(slog.DiscardHandler)
	editor, _, err := db.CreateToken(ctx, "countedAt test", content.RoleEditor, nil)
	if err != nil {
		t.Fatal(err)
	}
	type replica struct {
		ix  *search.Syncer
		url string
	}
	var reps []replica
	for i := 0; i < 2; i++ {
		ix, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir(), Poll: 30 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.Start(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { ix.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		svc := service.New(service.Options{Store: db, Editor: db, Index: ix, Position: service.IndexPosition(ix), SettledPosition: db.SettledPosition,
			ZeroResults: db.RecordZeroResult, ZeroResultTerm: ix.ZeroResultTerm})
		srv := httptest.NewServer(httpapi.New(httpapi.Options{
			GraphQL:      graph.NewServer(&graph.Resolver{Reading: svc, Editing: svc, PublicURL: "http://x"}, graph.DefaultLimits, log),
			Authenticate: db.Authenticate,
			Rates:        map[string]httpapi.Rate{"anonymous": {PerSecond: 1e6, Burst: 1e6}, "editor": {PerSecond: 1e6, Burst: 1e6}},
		}))
		defer srv.Close()
		reps = append(reps, replica{ix, srv.URL})
	}
	// settle waits until both replicas have applied every transaction
	// begun so far.
	settle := func() {
		t.Helper()
		var next uint64
		if err := db.Pool().QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		for _, r := range reps {
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if w, _ := r.ix.Position(); w >= next {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a replica did not apply transaction %d within 10 s", next)
				}
			}
		}
	}
	lists := []string{`first: 2`, `first: 3, filter: {kinds: [GUIDANCE]}`, `first: 1, filter: {topics: ["charging"]}`}
	// bodies returns each list's answer, the same on both replicas.
	bodies := func(step string) []string {
		t.Helper()
		var out []string
		for _, args := range lists {
			var first string
			for i, r := range reps {
				res := post(t, r.url, `{ resources(`+args+`) { totalCount countedAt edges { node { slug } } } }`, nil)
				if len(res.Errors) > 0 {
					t.Fatalf("%s: %+v", step, res.Errors)
				}
				b, _ := json.Marshal(res.Data)
				if i == 0 {
					first = string(b)
				} else if string(b) != first {
					t.Errorf("%s: resources(%s) differs between replicas:\n%s\n%s", step, args, first, b)
				}
			}
			out = append(out, first)
		}
		return out
	}
	mutate := func(q string, vars map[string]any) map[string]any {
		t.Helper()
		r := authed(t, reps[0].url, editor, q, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
		return r.Data
	}
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { editorial { latestRevision } } } }`
	newDraftID := func(slug string) (string, int) {
		d := mutate(createQ, newDraft(slug, "Counted "+slug))
		return path(d, "createResource", "resource", "id").(string), int(path(d, "createResource", "resource", "editorial", "latestRevision").(float64))
	}

	settle()
	before := bodies("start")
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 27))
	type pub struct {
		id  string
		rev int
	}
	var published []pub
	for step := 0; step < 14; step++ {
		public := false
		var what string
		switch op := rng.IntN(7); {
		case op == 0 || (op == 1 && len(published) == 0):
			id, _ := newDraftID(fmt.Sprintf("counted-%d", step))
			d := mutate(publishQ, map[string]any{"id": id})
			published = append(published, pub{id, int(path(d, "publishResource", "resource", "editorial", "latestRevision").(float64))})
			public, what = true, "publish"
		case op == 1:
			i := rng.IntN(len(published))
			mutate(`mutation($id: ID!) { withdrawResource(id: $id, reason: "superseded") { resource { status } } }`, map[string]any{"id": published[i].id})
			published = append(published[:i], published[i+1:]...)
			public, what = true, "withdraw"
		case op == 2: // an anonymous search that finds nothing is recorded
			post(t, reps[rng.IntN(2)].url, `query($q: String!) { search(query: $q) { totalCount } }`, map[string]any{"q": fmt.Sprintf("zzqy%d nothing", step)})
			what = "zero-result search"
		case op == 3:
			if _, _, err := db.CreateToken(ctx, fmt.Sprintf("token %d", step), content.RolePartner, nil); err != nil {
				t.Fatal(err)
			}
			what = "token created"
		case op == 4: // a new draft: a DRAFT change row, nothing public
			newDraftID(fmt.Sprintf("draft-%d", step))
			what = "draft"
		default:
			if _, err := db.Pool().Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
				t.Fatal(err)
			}
			what = "bare transaction"
		}
		settle()
		stmts.take()
		after := bodies(fmt.Sprintf("step %d (%s)", step, what))
		for i := range lists {
			switch {
			case !public && after[i] != before[i]:
				t.Errorf("step %d (%s): resources(%s) moved without a public change:\n%s\n%s", step, what, lists[i], before[i], after[i])
			case public && after[i] == before[i]:
				t.Errorf("step %d (%s): resources(%s) did not move:\n%s", step, what, lists[i], after[i])
			}
		}
		// List counts only (the zero-result recording, which runs after
		// its search answered, bounds its own table with a count).
		var listCounts []string
		for _, q := range stmts.take() {
			if !strings.Contains(q, "zero_result_queries") {
				listCounts = append(listCounts, q)
			}
		}
		if n := countOf(listCounts, "count(*)"); !public && n != 0 {
			t.Errorf("step %d (%s): %d counts sent: the count cache was thrown away", step, what, n)
		}
		before = after
		if t.Failed() {
			return
		}
	}
}
