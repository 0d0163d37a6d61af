package partner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
)

// TestReaderMetricsShowAStuckFanOut (breaker3 F10: the webhook fan-out
// stuck for good and "nothing says so"): with changes the fan-out has not
// read, hub_change_reader_lag_seconds{reader="webhooks"} is the age of the
// oldest of them and grows while the reader does not move; after a round
// it is 0, and the deliveries it made are pending until sent, then not.
func TestReaderMetricsShowAStuckFanOut(t *testing.T) {
	db, rcv, w := setup(t, content.WebhookEndpointInput{})
	reg := prometheus.NewPedanticRegistry()
	partner.RegisterReaderMetrics(reg, db)
	gauge := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s in %v", name, mfs)
		return 0
	}
	if lag := gauge("hub_change_reader_lag_seconds"); lag != 0 {
		t.Errorf("caught up: lag %v, want 0", lag)
	}
	publishN(t, db, "lag", 3)
	time.Sleep(1100 * time.Millisecond)
	first := gauge("hub_change_reader_lag_seconds")
	time.Sleep(1100 * time.Millisecond)
	second := gauge("hub_change_reader_lag_seconds")
	if first < 1 || second < first+1 {
		t.Errorf("a reader that does not move: lag %v then %v, want at least 1 s and growing", first, second)
	}
	// A fan-out round without sending: the reader is caught up, the
	// deliveries wait.
	if _, err := db.FanOutChanges(context.Background(), 100, func(ev content.ChangeEvent) (string, string, []byte, error) {
		return "resource." + strings.ToLower(string(ev.Action)), "msg_" + ev.Slug, []byte(`{}`), nil
	}); err != nil {
		t.Fatal(err)
	}
	if lag := gauge("hub_change_reader_lag_seconds"); lag != 0 {
		t.Errorf("after the fan-out: lag %v, want 0", lag)
	}
	if p := gauge("hub_webhook_deliveries_pending"); p != 3 {
		t.Errorf("pending %v, want 3", p)
	}
	runUntil(t, db, rcv, 3, w)
	if p, age := gauge("hub_webhook_deliveries_pending"), gauge("hub_webhook_oldest_pending_seconds"); p != 0 || age != 0 {
		t.Errorf("after sending: pending %v, oldest %v s, want 0 and 0", p, age)
	}
}
