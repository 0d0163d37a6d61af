package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPersistedQueriesWithApolloClient runs Apollo Client's own
// persisted-queries link (testdata/node, committed) against the hub: the
// first request sends only the hash over GET and gets
// PERSISTED_QUERY_NOT_FOUND, the link retries with the document, and the
// next run of the query is answered from the hash alone, over GET.
func TestPersistedQueriesWithApolloClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: this test runs Apollo Client (apt-get install nodejs)")
	}
	h, _ := startFixtureHub(t)
	cmd := exec.Command("node", "testdata/node/apq-client.js", h.url+"/graphql")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("apq-client.js: %v\n%s", err, out)
	}
	type exchange struct {
		Method   string         `json:"method"`
		HashOnly bool           `json:"hashOnly"`
		Status   int            `json:"status"`
		Code     *string        `json:"code"`
		Data     map[string]any `json:"data"`
	}
	var log []exchange
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var e exchange
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		log = append(log, e)
	}
	t.Logf("exchanges: %s", out)
	if len(log) != 3 {
		t.Fatalf("%d exchanges, want 3 (miss, retry, hit)", len(log))
	}
	if e := log[0]; e.Method != http.MethodGet || !e.HashOnly || e.Code == nil || *e.Code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("first: %+v, want a GET with the hash only, answered PERSISTED_QUERY_NOT_FOUND", e)
	}
	if e := log[1]; e.HashOnly || e.Code != nil || e.Data["topics"] == nil {
		t.Errorf("retry: %+v, want the document sent and answered", e)
	}
	if e := log[2]; e.Method != http.MethodGet || !e.HashOnly || e.Code != nil || e.Data["topics"] == nil {
		t.Errorf("hit: %+v, want a GET with the hash only, answered", e)
	}
}

// TestPersistedQueriesOverHTTP: a POST without query but with a persisted
// query's hash reaches gqlgen (it was refused before); a POST with neither
// is 400; a hash that does not match its document is INVALID_ARGUMENT; a
// mutation named by hash over GET is 405 like a spelled-out one; an
// answered hash-only GET is cacheable.
func TestPersistedQueriesOverHTTP(t *testing.T) {
	h, _ := startFixtureHub(t)
	hash := func(q string) string { s := sha256.Sum256([]byte(q)); return hex.EncodeToString(s[:]) }
	ext := func(q string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash(q)}}
	}
	postJSON := func(v any) *gqlResponse {
		b, _ := json.Marshal(v)
		return do(t, http.MethodPost, h.url+"/graphql", "application/json", b)
	}
	q := `{ resource(slug: "barriers-brief") { title } }`
	if r := postJSON(map[string]any{"extensions": ext(q)}); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("unknown hash: %d %v", r.status, r.Errors)
	}
	if r := postJSON(map[string]any{"query": q, "extensions": ext(q)}); path(r.Data, "resource", "title") != "Barriers to GP registration" {
		t.Errorf("register: %v", r.Errors)
	}
	if r := postJSON(map[string]any{"extensions": ext(q)}); path(r.Data, "resource", "title") != "Barriers to GP registration" {
		t.Errorf("POST by hash: %d %v", r.status, r.Errors)
	}
	if r := postJSON(map[string]any{"variables": map[string]any{}}); r.status != http.StatusBadRequest || r.code() != "BAD_REQUEST" {
		t.Errorf("no query, no hash: %d %v", r.status, r.Errors)
	}
	if r := postJSON(map[string]any{"query": q, "extensions": ext("{ topics { slug } }")}); r.code() != "INVALID_ARGUMENT" {
		t.Errorf("mismatched hash: %v", r.Errors)
	}
	extJSON, _ := json.Marshal(ext(q))
	status, hdr, body := getWith(t, h.url+"/graphql?extensions="+url.QueryEscape(string(extJSON)), nil)
	if status != http.StatusOK || !strings.Contains(body, "Barriers to GP registration") || hdr.Get("ETag") == "" {
		t.Errorf("GET by hash: %d ETag %q %s", status, hdr.Get("ETag"), body)
	}
	m := `mutation { withdrawResource(id: "x", reason: "y") { resource { id } } }`
	postJSON(map[string]any{"query": m, "extensions": ext(m)}) // refused (no token), but remembered
	mExt, _ := json.Marshal(ext(m))
	if status, hdr, body := getWith(t, h.url+"/graphql?extensions="+url.QueryEscape(string(mExt)), nil); status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("mutation by hash over GET: %d %q %s", status, hdr.Get("Allow"), body)
	}
}
