package partner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
	"guidancehub/internal/postgres"
)

// checkNothingPendingWhenDisabled checks, against PostgreSQL's own rows,
// that no delivery of a disabled endpoint is PENDING and that the pending
// metric's source counts exactly the PENDING rows and their oldest.
func checkNothingPendingWhenDisabled(t *testing.T, db *postgres.DB, w *partner.Webhooks, when string) {
	t.Helper()
	ctx := context.Background()
	var stuck, pending int
	var oldest *time.Time
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT e.enabled), count(*), min(d.created_at)
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.status = 'PENDING'`).Scan(&stuck, &pending, &oldest); err != nil {
		t.Fatal(err)
	}
	if stuck != 0 {
		t.Fatalf("%s: %d deliveries of disabled endpoints are PENDING", when, stuck)
	}
	n, old, err := db.PendingWebhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != pending || (oldest == nil) != old.IsZero() || (oldest != nil && !oldest.Equal(old)) {
		t.Fatalf("%s: PendingWebhooks = %d, %v; PostgreSQL has %d PENDING, oldest %v", when, n, old, pending, oldest)
	}
	es, err := w.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		ds, err := w.Deliveries(ctx, e.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if !e.Enabled && d.Status == content.DeliveryPending {
				t.Fatalf("%s: endpoint %d is disabled, its delivery %s is PENDING", when, e.ID, d.MsgID)
			}
		}
	}
}

func setStatus(rcv *receiver, code int) {
	rcv.mu.Lock()
	rcv.status = func(int) int { return code }
	rcv.mu.Unlock()
}

// TestDisablingAnEndpointGivesUpItsDeliveries is breaker5 F38: test events
// to a failing endpoint, then the endpoint disabled by an admin: they
// stayed PENDING with a nextAttemptAt in the past, and the oldest-pending
// metric grew for ever. Now they are FAILED saying why, the metric is 0, a
// test to a disabled endpoint is refused (it would wait for ever), and a
// delivery under way while the endpoint is disabled ends given up too
// unless it was delivered.
func TestDisablingAnEndpointGivesUpItsDeliveries(t *testing.T) {
	db, rcv, w := setup(t, content.WebhookEndpointInput{})
	ctx := context.Background()
	setStatus(rcv, 500)
	es, _ := w.Endpoints(ctx)
	id := es[0].ID
	for range 3 {
		if _, err := w.SendTest(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := db.PendingWebhooks(ctx); n != 3 {
		t.Fatalf("after failed attempts: %d pending, want 3 (retrying)", n)
	}
	if _, err := w.SetEnabled(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	checkNothingPendingWhenDisabled(t, db, w, "disabled by an admin")
	ds, _ := w.Deliveries(ctx, id, 10)
	for _, d := range ds {
		if d.Status != content.DeliveryFailed || d.LastError != "endpoint disabled: disabled by an admin" {
			t.Errorf("delivery after the endpoint was disabled: %s %q", d.Status, d.LastError)
		}
	}
	if n, oldest, _ := db.PendingWebhooks(ctx); n != 0 || !oldest.IsZero() {
		t.Errorf("pending after disabling: %d, oldest %v; want 0 and none", n, oldest)
	}
	_, err := w.SendTest(ctx, id)
	if content.ErrorCode(err) != content.ECONFLICT || !strings.Contains(err.Error(), "setWebhookEndpointEnabled") {
		t.Errorf("a test to a disabled endpoint: %v, want ECONFLICT naming setWebhookEndpointEnabled", err)
	}
	if _, err := w.SendTest(ctx, id+1000); content.ErrorCode(err) != content.ENOTFOUND {
		t.Errorf("a test to no endpoint: %v, want ENOTFOUND", err)
	}

	// Enabled again: a test is sent. Then one held by the receiver while an
	// admin disables the endpoint, failing: given up, not left PENDING.
	if _, err := w.SetEnabled(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	rcv.hold = make(chan struct{})
	rcv.mu.Unlock()
	if _, err := w.SendTest(ctx, id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Round(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rcv.mu.Lock()
		n := rcv.requests
		rcv.mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test event never reached the receiver")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := w.SetEnabled(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	close(rcv.hold)
	rcv.hold = nil
	rcv.mu.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkNothingPendingWhenDisabled(t, db, w, "disabled during an attempt")
}

// TestDisabledEndpointsKeepNothingPending is F38's class: generated runs
// of events, tests, admin disables and enables, receivers answering 2xx,
// 500 or 410, and endpoints failing for longer than DisableAfter (every
// way an endpoint becomes disabled, with deliveries new, retrying or
// delivered). After each step PostgreSQL's rows are the oracle: no
// delivery of a disabled endpoint is PENDING, the pending metric counts
// exactly the PENDING rows, and a test to a disabled endpoint is refused.
func TestDisabledEndpointsKeepNothingPending(t *testing.T) {
	db, rcv0, w := setup(t, content.WebhookEndpointInput{})
	ctx := context.Background()
	rcvs := []*receiver{rcv0}
	for range 2 {
		r := newReceiver(t)
		_, secret, err := w.Register(ctx, content.WebhookEndpointInput{URL: r.URL + "/hook"}, "test")
		if err != nil {
			t.Fatal(err)
		}
		r.secret = secret
		rcvs = append(rcvs, r)
	}
	es, _ := w.Endpoints(ctx)
	ids := map[string]int64{}
	for _, e := range es {
		ids[e.URL] = e.ID
	}
	rng := rand.New(rand.NewPCG(38, 1))
	gaveUp := 0
	for step := range 80 {
		k := rng.IntN(len(rcvs))
		id := ids[rcvs[k].URL+"/hook"]
		var op string
		switch rng.IntN(6) {
		case 0:
			op = "publish"
			publishN(t, db, fmt.Sprintf("s%d", step), 1+rng.IntN(2))
		case 1:
			op = "test"
			var enabled bool
			if err := db.Pool().QueryRow(ctx, `SELECT enabled FROM webhook_endpoints WHERE id = $1`, id).Scan(&enabled); err != nil {
				t.Fatal(err)
			}
			_, err := w.SendTest(ctx, id)
			if enabled != (err == nil) || (!enabled && content.ErrorCode(err) != content.ECONFLICT) {
				t.Fatalf("step %d: a test to an endpoint enabled=%v: %v", step, enabled, err)
			}
		case 2:
			op = "disable"
			if _, err := w.SetEnabled(ctx, id, false); err != nil {
				t.Fatal(err)
			}
		case 3:
			op = "enable"
			if _, err := w.SetEnabled(ctx, id, true); err != nil {
				t.Fatal(err)
			}
		case 4:
			code := []int{204, 500, 500, 410}[rng.IntN(4)]
			op = fmt.Sprintf("round, receiver %d answers %d", k, code)
			setStatus(rcvs[k], code)
			if _, err := db.Pool().Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'`); err != nil {
				t.Fatal(err)
			}
			if err := w.Round(ctx); err != nil {
				t.Fatal(err)
			}
		case 5:
			op = "failing for longer than DisableAfter, then a round"
			if _, err := db.Pool().Exec(ctx, `UPDATE webhook_endpoints SET failing_since = now() - make_interval(secs => $2)
				WHERE id = $1 AND failing_since IS NOT NULL`, id, (partner.DisableAfter + time.Hour).Seconds()); err != nil {
				t.Fatal(err)
			}
			setStatus(rcvs[k], 500)
			if _, err := db.Pool().Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'`); err != nil {
				t.Fatal(err)
			}
			if err := w.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
		checkNothingPendingWhenDisabled(t, db, w, fmt.Sprintf("step %d (%s, endpoint %d)", step, op, id))
	}
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE last_error LIKE 'endpoint disabled: %'`).Scan(&gaveUp); err != nil {
		t.Fatal(err)
	}
	if gaveUp == 0 {
		t.Error("no generated step disabled an endpoint with deliveries pending: the generator no longer tests the class")
	}
}
