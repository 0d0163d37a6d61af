package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestReaderLagWhileCapped (review4 R16): a long-open writing transaction
// holds the change feed's watermark back; once more than
// content.MaxChangeSeen public changes committed after it were delivered,
// the webhook fan-out delivers nothing until it ends. That stall must show
// in hub_change_reader_lag_seconds (ChangeReaderLags) as a lag that grows
// with the clock, not as 0; when the transaction ends the reader catches
// up and the lag is 0.
func TestReaderLagWhileCapped(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, postgres.Options{})
	r, err := db.CreateResource(ctx, editor, draft("lag-capped"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishResource(ctx, editor, r.ID, nil); err != nil {
		t.Fatal(err)
	}
	consume := func() int {
		n, err := db.ConsumeChanges(ctx, "webhooks", 500, func(ctx context.Context, tx pgx.Tx, evs []content.ChangeEvent) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	drain := func() (total int) {
		for range 20 {
			n := consume()
			if n == 0 {
				return total
			}
			total += n
		}
		t.Fatal("the fan-out did not stop within 20 rounds")
		return 0
	}
	drain() // the reader starts at the present
	long, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer long.Rollback(ctx)
	if _, err := long.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	const n = content.MaxChangeSeen + 5
	for range n {
		if _, err := db.Pool().Exec(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'UPDATED')`, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := drain(); got >= n {
		t.Fatalf("delivered %d of %d changes behind an open transaction: the cap did not apply, the test proves nothing", got, n)
	}
	lag := func(now time.Time) time.Duration {
		t.Helper()
		lags, err := db.ChangeReaderLags(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return lags["webhooks"]
	}
	now := time.Now()
	l1, l2 := lag(now.Add(time.Hour)), lag(now.Add(2*time.Hour))
	if l1 < time.Hour-time.Minute || l2-l1 != time.Hour {
		t.Errorf("a reader stalled behind an open transaction: lag %v an hour on, %v two hours on; want about 1 h, growing with the clock", l1, l2)
	}
	if err := long.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// The watermark is the cluster's oldest open transaction: under make
	// test, other packages' databases share the cluster, and one of their
	// short transactions may hold it for a moment. The stall must end,
	// not necessarily at the first look.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		drain()
		l := lag(time.Now().Add(time.Hour))
		if l == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after the transaction ended and the reader caught up: lag %v, want 0", l)
			break
		}
	}
}
