package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestRevokedTokenStopsItsSchedules (breaker7 F15: a revoked editor token's
// scheduled publications still went live): generated tokens each schedule
// one to three resources; some tokens are revoked through RevokeToken
// (which cancels their pending schedules at once, with an audit row), one
// is revoked behind its back (as a revocation racing with the schedule
// would be: the scheduler refuses it when its time comes), and a revocation
// runs while the scheduler publishes. When all is due and published: a
// resource is published exactly when the token that scheduled it was not
// revoked, no schedule is left, and every resource kept back has one audit
// row saying why.
func TestRevokedTokenStopsItsSchedules(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(71, 73))
	type sched struct {
		id    int64
		token int
	}
	var tokens []*content.Token
	var scheds []sched
	for i := 0; i < 8; i++ {
		_, tok, err := db.CreateToken(ctx, fmt.Sprintf("editor-%d", i), content.RoleEditor, nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
		p := &content.Principal{TokenID: tok.ID, Prefix: tok.Prefix, Name: tok.Name, Role: tok.Role}
		for j := 0; j <= rng.IntN(3); j++ {
			r := must[*content.Resource](t)(db.CreateResource(ctx, p, draft(fmt.Sprintf("sched-%d-%d", i, j))))
			at := time.Now().Add(time.Hour)
			must[*content.Resource](t)(db.PublishResource(ctx, p, r.ID, &at))
			scheds = append(scheds, sched{r.ID, i})
		}
	}
	revoked := map[int]bool{}
	// Before the time: tokens 0-2 through RevokeToken; token 3 behind its
	// back.
	for i := 0; i < 3; i++ {
		if _, err := db.RevokeToken(ctx, tokens[i].Prefix); err != nil {
			t.Fatal(err)
		}
		revoked[i] = true
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE prefix = $1`, tokens[3].Prefix); err != nil {
		t.Fatal(err)
	}
	revoked[3] = true
	for _, s := range scheds {
		if revoked[s.token] && s.token < 3 {
			if r, _ := db.EditorResourceByID(ctx, s.id); r == nil || r.Status != content.StatusDraft {
				t.Fatalf("resource %d of revoked token %d: %+v", s.id, s.token, r)
			}
			var left int
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM scheduled_publications WHERE resource_id = $1`, s.id).Scan(&left); err != nil || left != 0 {
				t.Fatalf("resource %d of a revoked token: %d schedules left (%v)", s.id, left, err)
			}
		}
	}
	// At the time: token 4 is revoked while the scheduler runs.
	makeDue(t, db)
	var wg sync.WaitGroup
	var revokeErr, dueErr error
	wg.Add(2)
	go func() { defer wg.Done(); _, revokeErr = db.RevokeToken(ctx, tokens[4].Prefix) }()
	go func() { defer wg.Done(); _, dueErr = db.PublishDue(ctx) }()
	wg.Wait()
	if revokeErr != nil || dueErr != nil {
		t.Fatalf("revoking while publishing: %v, %v", revokeErr, dueErr)
	}
	if _, err := db.PublishDue(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM scheduled_publications`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d schedules left (%v)", left, err)
	}
	kept := 0
	for _, s := range scheds {
		r, err := db.EditorResourceByID(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.token == 4 {
			continue // published or cancelled: whichever came first
		}
		if published := r.Status == content.StatusPublished; published == revoked[s.token] {
			t.Errorf("resource %d scheduled by token %d (revoked %v): %s", s.id, s.token, revoked[s.token], r.Status)
		}
		if revoked[s.token] {
			kept++
			var why int
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource_id = $1
				AND action IN ('cancel schedule', 'publish (scheduled) refused') AND detail LIKE '%token%revoked%'`, s.id).Scan(&why); err != nil || why != 1 {
				t.Errorf("resource %d kept back: %d audit rows saying why (%v)", s.id, why, err)
			}
		}
	}
	if kept < 4 {
		t.Fatalf("%d resources kept back: too few to tell", kept)
	}
}
