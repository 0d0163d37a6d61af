package main

// The end-to-end test helper every root test shares (the shape of
// benbjohnson/wtf's cmd/wtfd/main_test.go): startHub boots the real server
// through command.Run on 127.0.0.1:0, as `make run` boots it, and stops it
// when the test ends; post and doWith talk to it over HTTP.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/apierror"
	"guidancehub/internal/command"
	"guidancehub/internal/testdb"
)

// run is the program, as main calls it.
var run = command.Run

// hub is a running hub booted through run(), as `make run` boots it.
type hub struct {
	url      string
	dsn      string // its DATABASE_URL, when the test gave one
	logs     *syncBuffer
	cancel   context.CancelFunc
	done     chan int
	stopOnce sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// copyFixtures copies testdata/resources into a fresh directory the test
// may change.
func copyFixtures(t *testing.T) string { return copyDir(t, "testdata/resources") }

// copyDir copies the files of src into a fresh directory the test may change.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startHub boots the hub on 127.0.0.1:0 with the given environment and
// stops it when the test ends.
func startHub(t *testing.T, vars map[string]string) *hub {
	t.Helper()
	vars["HUB_ADDR"] = "127.0.0.1:0"
	if vars["HUB_RATE_LIMITS"] == "" {
		// Tests poll fast; TestRateLimit checks the real limits.
		vars["HUB_RATE_LIMITS"] = testRates
	}
	if vars["HUB_INDEX_SNAPSHOTS"] == "" {
		// A hub that rebuilt its index copies it into PostgreSQL in the
		// background: work for the snapshot tests only
		// (TestNewReplicaStartsFromSnapshot turns it on).
		vars["HUB_INDEX_SNAPSHOTS"] = "off"
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1), dsn: vars["DATABASE_URL"]}
	ready := make(chan string, 1)
	go func() { h.done <- run(ctx, nil, io.Discard, h.logs, env(vars), ready) }()
	select {
	case addr := <-ready:
		h.url = "http://" + addr
	case code := <-h.done:
		t.Fatalf("hub exited with %d before it was ready:\n%s", code, h.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("hub not ready after 60 s:\n%s", h.logs)
	}
	t.Cleanup(h.stop)
	return h
}

// stop stops the hub (once) and waits for it to exit.
func (h *hub) stop() {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
		}
	})
}

type gqlResponse struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status int
	header http.Header
}

func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func post(t *testing.T, base, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return do(t, http.MethodPost, base+"/graphql", "application/json", body)
}

func do(t *testing.T, method, u, contentType string, body []byte) *gqlResponse {
	t.Helper()
	return doWith(t, method, u, contentType, nil, body)
}

// doWith sends a request with extra headers and decodes the GraphQL answer.
func doWith(t *testing.T, method, u, contentType string, headers map[string]string, body []byte) *gqlResponse {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &gqlResponse{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %q", method, u, resp.StatusCode, raw)
	}
	for _, e := range out.Errors {
		code, _ := e.Extensions["code"].(string)
		c, ok := apierror.Lookup(code)
		switch {
		case !ok:
			t.Errorf("%s %s: error code %q is not in internal/apierror's table", method, u, code)
		case resp.StatusCode == http.StatusOK && !c.InResponse, resp.StatusCode != http.StatusOK && resp.StatusCode != c.Status:
			t.Errorf("%s %s: %s came with HTTP %d; the table says %s", method, u, code, resp.StatusCode, c.HTTP())
		}
	}
	return out
}

// path digs into decoded JSON: path(m, "resource", "title").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// startFixtureHub boots a hub over a copy of testdata/resources in a fresh
// database and returns it with the copy's directory.
func startFixtureHub(t *testing.T) (*hub, string) { return startFixtureHubWith(t, nil) }

// startFixtureHubWith is startFixtureHub with extra settings.
func startFixtureHubWith(t *testing.T, extra map[string]string) (*hub, string) {
	dir := copyFixtures(t)
	dsn := testdb.DSN(t)
	vars := map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_PUBLIC_URL": "https://hub.example.org/"}
	for k, v := range extra {
		vars[k] = v
	}
	h := startHub(t, vars)
	return h, dir
}

// dsnFromLogs is the hub's database: the fixture hub was given it.
func dsnFromLogs(t *testing.T, h *hub) string {
	t.Helper()
	if h.dsn == "" {
		t.Fatal("no DSN recorded for hub")
	}
	return h.dsn
}

// testRates lifts the rate limits for tests that are not about them.
const testRates = "anonymous=100000/100000,partner=100000/100000,editor=100000/100000,admin=100000/100000"
