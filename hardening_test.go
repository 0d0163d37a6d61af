package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/search"
	"guidancehub/internal/testdb"
)

func request(t *testing.T, method, u string, headers map[string]string, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestRateLimit: anonymous callers are limited per client IP (a spoofed
// X-Forwarded-For does not help unless the header is configured as
// trusted), token holders per token, with 429 and Retry-After.
func TestRateLimit(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := copyFixtures(t)
	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_RATE_LIMITS": "anonymous=2/10,partner=2/20"})
	db := testdb.OpenDSN(t, dsn)
	partner, _, _ := db.CreateToken(context.Background(), "app", content.RolePartner, nil)
	q := `{"query":"{ topics { slug } }"}`
	// refill is how many tokens a bucket can have regained since start at
	// rate per second: the bounds below allow for a slow machine.
	refill := func(start time.Time, rate float64) int { return int(time.Since(start).Seconds()*rate) + 1 }
	count := func(headers map[string]string, n int) (ok, limited int, retry string) {
		headers["Content-Type"] = "application/json"
		for i := 0; i < n; i++ {
			resp := request(t, "POST", h.url+"/graphql", headers, q)
			switch resp.StatusCode {
			case 200:
				ok++
			case 429:
				limited++
				retry = resp.Header.Get("Retry-After")
			default:
				t.Fatalf("status %d", resp.StatusCode)
			}
		}
		return
	}
	start := time.Now()
	ok, limited, retry := count(map[string]string{}, 15)
	if ok < 10 || ok > 10+refill(start, 2) || limited == 0 || retry == "" || retry == "0" {
		t.Errorf("anonymous burst 10 at 2/s: %d ok, %d limited, Retry-After %q", ok, limited, retry)
	}
	start = time.Now()
	if ok, _, _ := count(map[string]string{"X-Forwarded-For": "203.0.113.9"}, 3); ok > refill(start, 2) {
		t.Errorf("an untrusted X-Forwarded-For escaped the limit: %d ok", ok)
	}
	if ok, _, _ := count(map[string]string{"Authorization": "Bearer " + partner}, 20); ok < 19 {
		t.Errorf("partner token has its own bucket of 20: %d ok", ok)
	}
	// /metrics is public: limited like any door (review4 R7), here from
	// the anonymous bucket the bursts above emptied.
	metricsLimited := 0
	for i := 0; i < 15; i++ {
		if resp := request(t, "GET", h.url+"/metrics", nil, ""); resp.StatusCode == 429 {
			metricsLimited++
		}
	}
	if metricsLimited == 0 {
		t.Error("/metrics is not rate limited: 15 requests past an empty anonymous bucket all answered")
	}
	// Probes are never limited.
	for i := 0; i < 20; i++ {
		if resp := request(t, "GET", h.url+"/healthz", nil, ""); resp.StatusCode != 200 {
			t.Fatalf("/healthz limited: %d", resp.StatusCode)
		}
	}

	// With a trusted proxy header, each client address has its own bucket.
	h2 := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": t.TempDir(),
		"HUB_RATE_LIMITS": "anonymous=1/3", "HUB_CLIENT_IP_HEADER": "X-Forwarded-For"})
	for _, ip := range []string{"203.0.113.1", "203.0.113.2"} {
		got := 0
		start := time.Now()
		for i := 0; i < 5; i++ {
			resp := request(t, "POST", h2.url+"/graphql", map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7, " + ip}, q)
			if resp.StatusCode == 200 {
				got++
			}
		}
		if got < 3 || got > 3+refill(start, 1)-1 {
			t.Errorf("client %s behind the proxy: %d ok, want its own burst of 3", ip, got)
		}
	}
	if strings.Contains(h.logs.String(), "127.0.0.1") || strings.Contains(h2.logs.String(), "203.0.113") {
		t.Error("a client address reached the logs")
	}
}

// TestCORS: only configured origins get CORS headers; null, look-alike and
// other-scheme origins get none; credentials are never allowed; preflight
// is cached. With no origins configured, no cross-origin access at all.
func TestCORS(t *testing.T) {
	dsn := testdb.DSN(t)
	dir := copyFixtures(t)
	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_CORS_ORIGINS": "https://partner.example.org"})
	pre := func(base, origin string) *http.Response {
		return request(t, "OPTIONS", base+"/graphql", map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization,content-type"}, "")
	}
	resp := pre(h.url, "https://partner.example.org")
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://partner.example.org" || resp.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("allowed origin preflight: %v", resp.Header)
	}
	if !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight does not allow the Authorization header: %v", resp.Header)
	}
	for _, origin := range []string{"null", "https://partner.example.org.evil.test", "http://partner.example.org", "https://evilpartner.example.org", "https://example.org"} {
		resp := pre(h.url, origin)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("origin %q got Access-Control-Allow-Origin %q", origin, v)
		}
		resp = request(t, "POST", h.url+"/graphql", map[string]string{"Origin": origin, "Content-Type": "application/json"}, `{"query":"{ topics { slug } }"}`)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("origin %q got Access-Control-Allow-Origin %q on POST", origin, v)
		}
	}
	resp = request(t, "POST", h.url+"/graphql", map[string]string{"Origin": "https://partner.example.org", "Content-Type": "application/json"}, `{"query":"{ topics { slug } }"}`)
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://partner.example.org" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("allowed origin POST: %v", resp.Header)
	}

	closed := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": t.TempDir()})
	if v := pre(closed.url, "https://partner.example.org").Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("no origins configured, yet a preflight got %q", v)
	}
}

// TestConfiguredLimitsAtNAndNPlusOne sets each query limit through the
// environment and sends a query exactly at it (passes) and one over it
// (refused, naming the limit).
func TestConfiguredLimitsAtNAndNPlusOne(t *testing.T) {
	dsn := testdb.DSN(t)
	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": copyFixtures(t),
		"HUB_MAX_COMPLEXITY": "50", "HUB_MAX_DEPTH": "3", "HUB_MAX_ALIASES": "2", "HUB_MAX_ROOT_FIELDS": "2", "HUB_MAX_TOKENS": "40"})
	tests := []struct {
		name, at, over, code string
	}{
		// A page costs first × its items; { totalCount } costs 1.
		{"complexity 50", `{ resources(first: 50) { totalCount } }`, `{ resources(first: 51) { totalCount } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"depth 3", `{ resources { edges { cursor } } }`, `{ resources { edges { node { slug } } } }`, "LIMIT_EXCEEDED"},
		{"aliases 2", `{ topics { a: slug b: name } }`, `{ topics { a: slug b: name c: count } }`, "LIMIT_EXCEEDED"},
		{"root fields 2", `{ topics { slug } viewer { name } }`, `{ topics { slug } viewer { name } resource(slug: "x") { slug } }`, "LIMIT_EXCEEDED"},
		{"tokens 40", "{ " + strings.Repeat("__typename ", 38) + "}", "{ " + strings.Repeat("__typename ", 39) + "}", "GRAPHQL_PARSE_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := post(t, h.url, tt.at, nil); len(r.Errors) > 0 {
				t.Errorf("at the limit: %+v", r.Errors)
			}
			if r := post(t, h.url, tt.over, nil); r.code() != tt.code {
				t.Errorf("over the limit: %+v, want %s", r.Errors, tt.code)
			}
		})
	}
}

// TestRequestTimeoutReachesTheStores: a request whose time is up gets a
// TIMEOUT error, never an empty answer; and the stores run under the
// request's deadline (PostgreSQL through pgx, Bleve through
// SearchInContext), so an expired request stops its queries.
func TestRequestTimeoutReachesTheStores(t *testing.T) {
	dsn := testdb.DSN(t)
	db := testdb.OpenDSN(t, dsn)
	dir := copyFixtures(t)
	if _, err := ingest.Import(context.Background(), db, dir, false); err != nil {
		t.Fatal(err)
	}
	s, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := db.ListResources(expired, content.ListQuery{Order: content.DefaultOrder, First: 20}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("PostgreSQL list under an expired request: err %v, want deadline exceeded", err)
	}
	if _, err := s.Search(expired, content.SearchQuery{Text: "registering", Order: content.SearchRelevance, First: 20}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Bleve search under an expired request: err %v, want deadline exceeded", err)
	}

	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_REQUEST_TIMEOUT": "1ns"})
	for _, q := range []string{`{ resources { totalCount } }`, `{ search(query: "registering") { totalCount } }`} {
		r := post(t, h.url, q, nil)
		if r.code() != "TIMEOUT" {
			t.Errorf("%s: status %d %+v %v, want TIMEOUT", q, r.status, r.Errors, r.Data)
		}
	}
}
