package httpapi_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/httpapi"
)

// stuckWriter blocks every Write until released, like a log pipe whose
// reader stopped.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestAccessLogNeverWaitsForItsDestination: through the real handler, with
// the access log on and its destination blocked, every request is answered;
// the lines that do not fit the queue are dropped and counted in
// hub_access_log_dropped_total; once the destination moves again, the
// queued lines are written, written + dropped = requests, and no line
// carries a query string (search terms) or a client address.
func TestAccessLogNeverWaitsForItsDestination(t *testing.T) {
	out := &stuckWriter{release: make(chan struct{})}
	q := httpapi.NewLogQueue(out, 16)
	h := httpapi.New(httpapi.Options{
		AccessLog:        slog.New(slog.NewTextHandler(q, nil)),
		AccessLogDropped: q.Dropped,
		Rates:            map[string]httpapi.Rate{"anonymous": {PerSecond: 1e6, Burst: 1e6}},
		Pages: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("page"))
		}),
	})
	const requests = 500
	answered := make(chan int)
	go func() {
		n := 0
		for i := 0; i < requests; i++ {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/search?q=secret+illness+words", nil)
			req.RemoteAddr = "198.51.100.7:4242"
			h.ServeHTTP(rec, req)
			if rec.Code == http.StatusOK {
				n++
			}
		}
		answered <- n
	}()
	// Not a timing assertion: a handler that waited for the log would
	// never finish while the destination is stuck.
	select {
	case n := <-answered:
		if n != requests {
			t.Errorf("%d of %d requests answered 200", n, requests)
		}
	case <-time.After(60 * time.Second):
		close(out.release)
		t.Fatal("requests wait for the access log's destination")
	}
	dropped := q.Dropped()
	if dropped < requests-16-1 {
		t.Errorf("%d lines dropped, want at least %d (a queue of 16, one line in the writer)", dropped, requests-16-1)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(body), "hub_access_log_dropped_total ") {
		t.Errorf("/metrics lacks hub_access_log_dropped_total")
	}

	close(out.release)
	q.Close(10 * time.Second)
	out.mu.Lock()
	logged := out.buf.String()
	out.mu.Unlock()
	lines := strings.Count(logged, "msg=http ")
	// The /metrics request above was logged (or dropped) too.
	if uint64(lines)+q.Dropped() != requests+1 {
		t.Errorf("%d lines written + %d dropped, want %d requests", lines, q.Dropped(), requests+1)
	}
	if lines == 0 {
		t.Error("no access-log line reached the destination once it moved again")
	}
	for _, bad := range []string{"secret", "illness", "q=", "198.51.100.7", "4242"} {
		if strings.Contains(logged, bad) {
			t.Errorf("the access log carries %q:\n%.500s", bad, logged)
		}
	}
	// Closed, the queue drops rather than blocks or panics.
	before := q.Dropped()
	q.Write([]byte("late\n"))
	if q.Dropped() != before+1 {
		t.Error("a write after Close was not counted as dropped")
	}
}
