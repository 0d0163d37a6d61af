package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"guidancehub/graph"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// TestUnavailableCarriesRetryAfter: a GraphQL answer whose error is
// UNAVAILABLE carries Retry-After (whole seconds, equal to the error's
// extensions.retryAfter), as the pages and /readyz do; an answer without
// such an error carries none. Real PostgreSQL, a real search index that has
// not caught up yet (search answers UNAVAILABLE until it has), the real
// GraphQL and HTTP handlers; over GET and POST, with both response media
// types.
func TestUnavailableCarriesRetryAfter(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	syncer, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer syncer.Close()
	svc := service.New(service.Options{Store: db, Editor: db, Index: syncer})
	h := httpapi.New(httpapi.Options{GraphQL: graph.NewServer(&graph.Resolver{Reading: svc, Editing: svc, PublicURL: "https://hub.example.org"}, graph.DefaultLimits, slog.New(slog.DiscardHandler))})
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, c := range []struct {
		name, query string
		unavailable bool
	}{
		{"search while the index catches up", `{ search(query: "registration") { totalCount } }`, true},
		{"a search beside a read that works", `{ resource(slug: "none") { title } search(query: "gp") { totalCount } }`, true},
		{"a read from PostgreSQL", `{ resource(slug: "none") { title } }`, false},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, accept := range []string{"application/json", "application/graphql-response+json"} {
				var req *http.Request
				if method == http.MethodGet {
					req, _ = http.NewRequest(method, srv.URL+"/graphql?query="+url.QueryEscape(c.query), nil)
				} else {
					body, _ := json.Marshal(map[string]any{"query": c.query})
					req, _ = http.NewRequest(method, srv.URL+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Accept", accept)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var out struct {
					Errors []struct {
						Extensions map[string]any `json:"extensions"`
					} `json:"errors"`
				}
				if err := json.Unmarshal(raw, &out); err != nil {
					t.Fatalf("%s: %s", c.name, raw)
				}
				want := ""
				for _, e := range out.Errors {
					if e.Extensions["code"] == "UNAVAILABLE" {
						want = strconv.Itoa(int(e.Extensions["retryAfter"].(float64)))
					}
				}
				name := c.name + " over " + method + " for " + accept
				if (want != "") != c.unavailable {
					t.Fatalf("%s: %s, want UNAVAILABLE %v", name, raw, c.unavailable)
				}
				if got := resp.Header.Get("Retry-After"); got != want {
					t.Errorf("%s: Retry-After %q, want %q (the error's retryAfter)", name, got, want)
				}
			}
		}
	}
}
