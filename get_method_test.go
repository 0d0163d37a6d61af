package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// methodAnswer is a status and body as sent.
type methodAnswer struct {
	status int
	allow  string
	body   string
}

func rawGraphQL(t *testing.T, method, base, query, operationName string) methodAnswer {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		v := url.Values{"query": {query}}
		if operationName != "" {
			v.Set("operationName", operationName)
		}
		req, err = http.NewRequest(http.MethodGet, base+"/graphql?"+v.Encode(), nil)
	} else {
		m := map[string]any{"query": query}
		if operationName != "" {
			m["operationName"] = operationName
		}
		b, _ := json.Marshal(m)
		req, err = http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return methodAnswer{status: res.StatusCode, allow: res.Header.Get("Allow"), body: string(b)}
}

// TestGETRefusesOnlyASelectedMutation (breaker5 F33): GET /graphql
// answers 405 with Allow: POST exactly when the operation the request
// selects is a mutation (GraphQL over HTTP, GET); every other document —
// a subscription (the schema has none), several operations without
// operationName, an operationName naming none, a parse error — gets the
// answer POST gives for it, status and body. Generated documents of one
// to three operations of each type, named or not, with operationName
// absent, naming one of them or naming none; the POST answer is the
// oracle.
func TestGETRefusesOnlyASelectedMutation(t *testing.T) {
	h, _ := startFixtureHub(t)
	type op struct{ kind, name string }
	// The breaker's two cases first.
	cases := []struct {
		ops  []op
		name string
		raw  string
	}{
		{ops: []op{{"subscription", ""}}},
		{ops: []op{{"query", "A"}, {"mutation", "B"}}},
		{ops: []op{{"query", "A"}, {"mutation", "B"}}, name: "A"},
		{ops: []op{{"query", "A"}, {"mutation", "B"}}, name: "B"},
		{ops: []op{{"mutation", ""}}},
		{raw: "query {"},
	}
	rng := rand.New(rand.NewPCG(33, 1))
	kinds := []string{"query", "mutation", "subscription", ""}
	names := []string{"A", "B", "C"}
	for range 150 {
		var ops []op
		for range 1 + rng.IntN(3) {
			k := kinds[rng.IntN(len(kinds))]
			n := ""
			if k == "" || rng.IntN(4) > 0 {
				n = names[rng.IntN(len(names))]
			}
			if k == "" {
				n = "" // the shorthand query has no name
			}
			ops = append(ops, op{k, n})
		}
		name := ""
		switch rng.IntN(3) {
		case 1:
			name = ops[rng.IntN(len(ops))].name
		case 2:
			name = "Nowhere"
		}
		cases = append(cases, struct {
			ops  []op
			name string
			raw  string
		}{ops: ops, name: name})
	}
	mutations := 0
	for _, c := range cases {
		doc := c.raw
		if doc == "" {
			var parts []string
			for _, o := range c.ops {
				parts = append(parts, strings.TrimSpace(o.kind+" "+o.name)+"{__typename}")
			}
			doc = strings.Join(parts, " ")
		}
		// What the request selects, as GraphQL over HTTP says: the named
		// operation, or the only one.
		selected := ""
		if c.name != "" {
			for _, o := range c.ops {
				if o.name == c.name {
					selected = o.kind
					break
				}
			}
		} else if len(c.ops) == 1 {
			selected = c.ops[0].kind
		}
		get := rawGraphQL(t, http.MethodGet, h.url, doc, c.name)
		what := fmt.Sprintf("GET %q operationName %q", doc, c.name)
		if selected == "mutation" {
			mutations++
			if get.status != http.StatusMethodNotAllowed || get.allow != http.MethodPost || !strings.Contains(get.body, `"METHOD_NOT_ALLOWED"`) {
				t.Errorf("%s selects a mutation: %d Allow %q %s; want 405 METHOD_NOT_ALLOWED, Allow: POST", what, get.status, get.allow, get.body)
			}
			continue
		}
		post := rawGraphQL(t, http.MethodPost, h.url, doc, c.name)
		if get.status != post.status || get.body != post.body {
			t.Errorf("%s: %d %s\nPOST gives: %d %s", what, get.status, get.body, post.status, post.body)
		}
	}
	if mutations < 10 {
		t.Errorf("only %d documents selected a mutation: the generator no longer tests the rule", mutations)
	}
}

// TestBadParameterNameSentence is breaker5 F13's example through the real
// page: "/search?%ff=1" said "The query string in the address a parameter
// name is not valid UTF-8 text." (the class: content's
// TestQueryStringRefusalsReadAsSentences).
func TestBadParameterNameSentence(t *testing.T) {
	h, _ := startFixtureHub(t)
	for target, want := range map[string]string{
		"/search?%ff=1":   "The query string in the address has a parameter name that is not valid UTF-8 text.",
		"/search?a%01b=1": "The query string in the address has a parameter name that contains a control character (such as NUL).",
	} {
		code, body := getText(t, h.url+target)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 saying %q", target, code, want)
		}
	}
}
