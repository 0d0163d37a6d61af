package partner_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
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
	partner.RegisterReaderMetrics(reg, db, 0)
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

// countingStats is the real store, counting the reads of the reader
// metrics.
type countingStats struct {
	partner.ReaderStats
	reads atomic.Int64
}

func (c *countingStats) ChangeReaderLags(ctx context.Context, now time.Time) (map[string]time.Duration, error) {
	c.reads.Add(1)
	return c.ReaderStats.ChangeReaderLags(ctx, now)
}

// TestConcurrentScrapesShareOneRead (review4 R7): /metrics is public and
// each scrape read PostgreSQL in a transaction of several statements; 50
// concurrent scrapes, and scrapes within partner.ReaderStatsTTL, must
// cost one read, and answer the same gauges.
func TestConcurrentScrapesShareOneRead(t *testing.T) {
	db, _, _ := setup(t, content.WebhookEndpointInput{})
	publishN(t, db, "scrape", 2)
	src := &countingStats{ReaderStats: db}
	reg := prometheus.NewPedanticRegistry()
	partner.RegisterReaderMetrics(reg, src, partner.ReaderStatsTTL)
	var wg sync.WaitGroup
	texts := make([]string, 50)
	for i := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mfs, err := reg.Gather()
			if err != nil {
				t.Error(err)
				return
			}
			for _, mf := range mfs {
				if mf.GetName() == "hub_webhook_deliveries_pending" {
					texts[i] = mf.String()
				}
			}
		}()
	}
	wg.Wait()
	if n := src.reads.Load(); n != 1 {
		t.Errorf("50 concurrent scrapes read PostgreSQL %d times, want 1", n)
	}
	for i, s := range texts {
		if s == "" || s != texts[0] {
			t.Errorf("scrape %d: %q, scrape 0: %q", i, s, texts[0])
		}
	}
}
