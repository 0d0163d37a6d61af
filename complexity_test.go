package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"guidancehub/graph"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// TestComplexityCacheAgrees: the complexity limit that remembers each
// operation's complexity (graph/complexity.go) answers generated queries
// exactly as gqlgen's own extension, which walks every operation: each
// query asked cold, again (remembered), and with its @skip/@include
// variables swapped (a new key), under a limit that some exceed.
func TestComplexityCacheAgrees(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	dir := copyFixtures(t)
	writeLibrary(t, dir, 25)
	if rep, err := ingest.Import(ctx, db, dir, false); err != nil || rep.Failed() {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Options{Store: db})
	limits := graph.DefaultLimits
	limits.Complexity = 400
	cached := graph.NewServer(&graph.Resolver{Reading: svc, PublicURL: "http://x"}, limits, log)
	oracle := graph.NewServer(&graph.Resolver{Reading: svc, PublicURL: "http://x", UncachedComplexity: true}, limits, log)
	ask := func(h http.Handler, body []byte) (int, []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	g := queryGen{rand.New(rand.NewSource(seed)), []string{"not-a-cursor"}}
	over, under := 0, 0
	for i := 0; i < 300; i++ {
		q, vars := g.query()
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
			gotCode, got := ask(cached, body)
			if gotCode != wantCode || !bytes.Equal(got, want) {
				t.Fatalf("query %d round %d: %s\nvariables %v\nremembered (%d): %s\ngqlgen (%d):     %s", i, round, q, vars, gotCode, got, wantCode, want)
			}
			if bytes.Contains(got, []byte("COMPLEXITY_LIMIT_EXCEEDED")) {
				over++
			} else {
				under++
			}
		}
	}
	t.Logf("%d answers over the limit, %d under", over, under)
	if over < 20 || under < 20 {
		t.Errorf("%d answers over the limit, %d under: the generator no longer tests both", over, under)
	}
}
