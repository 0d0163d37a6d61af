package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestEveryFirstArgumentTakesZero: breaker3 F12, changes(first: 0) was
// INVALID_ARGUMENT while resources(first: 0) and search(first: 0) answered
// an empty page. The Relay connection spec makes only a negative first an
// error; every first of the API follows one rule: 0..max answers at most
// first items (none for 0, still with pageInfo and the feed's cursor),
// below 0 or above max is INVALID_ARGUMENT naming first. The fields are
// found by introspection (a new field with a first argument fails this test
// until it is listed here), each called with the edges and random values.
func TestEveryFirstArgumentTakesZero(t *testing.T) {
	e := startEditorialHubWith(t, map[string]string{"HUB_WEBHOOK_ALLOW_PRIVATE": "true"})
	r := authed(t, e.url, e.admin, `mutation { registerWebhookEndpoint(input: {url: "http://127.0.0.1:9/x"}) { endpoint { id } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	type field struct {
		max   int
		query string // with $n for first; items at the path
		path  []any
		token string
	}
	fields := map[string]field{
		"Query.resources":            {100, `query($n: Int) { resources(first: $n) { edges { cursor } pageInfo { hasNextPage } } }`, []any{"resources", "edges"}, ""},
		"Query.search":               {100, `query($n: Int) { search(query: "", first: $n) { edges { cursor } pageInfo { hasNextPage } } }`, []any{"search", "edges"}, ""},
		"Query.completions":          {20, `query($n: Int) { completions(prefix: "g", first: $n) { slug } }`, []any{"completions"}, ""},
		"Query.changes":              {100, `query($n: Int) { changes(first: $n) { edges { cursor } cursor pageInfo { hasNextPage } } }`, []any{"changes", "edges"}, ""},
		"Query.auditLog":             {500, `query($n: Int) { auditLog(first: $n) { action } }`, []any{"auditLog"}, e.admin},
		"WebhookEndpoint.deliveries": {100, `query($n: Int) { webhookEndpoints { deliveries(first: $n) { messageId } } }`, []any{"webhookEndpoints", 0, "deliveries"}, e.admin},
		"Editorial.revisions":        {100, `query($n: Int) { resource(slug: "register-without-id") { editorial { revisions(first: $n) { revision } } } }`, []any{"resource", "editorial", "revisions"}, e.editor},
	}
	intro := post(t, e.url, `{ __schema { types { name fields { name args { name } } } } }`, nil)
	found := 0
	for _, ty := range path(intro.Data, "__schema", "types").([]any) {
		ty := ty.(map[string]any)
		fs, _ := ty["fields"].([]any)
		for _, f := range fs {
			f := f.(map[string]any)
			for _, a := range f["args"].([]any) {
				if a.(map[string]any)["name"] == "first" {
					name := fmt.Sprintf("%s.%s", ty["name"], f["name"])
					if _, ok := fields[name]; !ok {
						t.Errorf("%s has a first argument this test does not know", name)
					}
					found++
				}
			}
		}
	}
	if found != len(fields) {
		t.Errorf("introspection shows %d fields with first, the test lists %d", found, len(fields))
	}
	rng := rand.New(rand.NewPCG(12, 2026))
	for name, f := range fields {
		values := []int{-1, -2147483648, 0, 1, f.max, f.max + 1, 2147483647, rng.IntN(f.max + 1), rng.IntN(f.max+1) - f.max - 1}
		for _, n := range values {
			r := authed(t, e.url, f.token, f.query, map[string]any{"n": n})
			if n < 0 || n > f.max {
				if r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != "first" {
					t.Errorf("%s(first: %d): %+v, want INVALID_ARGUMENT naming first", name, n, r.Errors)
				}
				continue
			}
			items, ok := path(r.Data, f.path...).([]any)
			if len(r.Errors) > 0 || !ok || len(items) > n || (n == 0 && len(items) != 0) {
				t.Errorf("%s(first: %d): %d items %+v", name, n, len(items), r.Errors)
			}
		}
	}
	// changes(first: 0) still says where the feed stands: changes are
	// waiting (the fixtures' import), and resuming from its cursor loses
	// none of them.
	zero := post(t, e.url, `{ changes(first: 0) { cursor pageInfo { hasNextPage } } }`, nil)
	cursor, _ := path(zero.Data, "changes", "cursor").(string)
	if cursor == "" || path(zero.Data, "changes", "pageInfo", "hasNextPage") != true {
		t.Fatalf("changes(first: 0): %v %+v", zero.Data, zero.Errors)
	}
	from := post(t, e.url, `query($a: String) { changes(after: $a, first: 100) { edges { cursor } } }`, map[string]any{"a": cursor})
	start := post(t, e.url, `{ changes(first: 100) { edges { cursor } } }`, nil)
	if a, b := fmt.Sprint(path(from.Data, "changes", "edges")), fmt.Sprint(path(start.Data, "changes", "edges")); a != b || strings.Count(b, "cursor") == 0 {
		t.Errorf("resuming from changes(first: 0)'s cursor gives %s, from the start %s", a, b)
	}
}

// TestEveryAfterArgumentRefusesTheEmptyString: breaker4 F15, after: ""
// was the first page for search and INVALID_ARGUMENT ("not a valid cursor")
// for resources and changes. One rule for every paginated field, found by
// introspection: "" is INVALID_ARGUMENT naming after with one message;
// left out or null is the first page; a string that is no cursor (or no
// entry id) is INVALID_ARGUMENT naming after.
func TestEveryAfterArgumentRefusesTheEmptyString(t *testing.T) {
	e := startEditorialHub(t)
	fields := map[string]struct{ query, token string }{
		"Query.resources": {`query($a: String) { resources(first: 1, after: $a) { totalCount } }`, ""},
		"Query.search":    {`query($a: String) { search(query: "gp", first: 1, after: $a) { totalCount } }`, ""},
		"Query.changes":   {`query($a: String) { changes(first: 1, after: $a) { cursor } }`, ""},
		"Query.auditLog":  {`query($a: ID) { auditLog(first: 1, after: $a) { action } }`, e.admin},
	}
	intro := post(t, e.url, `{ __schema { types { name fields { name args { name } } } } }`, nil)
	found := 0
	for _, ty := range path(intro.Data, "__schema", "types").([]any) {
		ty := ty.(map[string]any)
		fs, _ := ty["fields"].([]any)
		for _, f := range fs {
			f := f.(map[string]any)
			for _, a := range f["args"].([]any) {
				if a.(map[string]any)["name"] == "after" {
					found++
					if _, ok := fields[fmt.Sprintf("%s.%s", ty["name"], f["name"])]; !ok {
						t.Errorf("%s.%s has an after argument this test does not know", ty["name"], f["name"])
					}
				}
			}
		}
	}
	if found != len(fields) {
		t.Errorf("introspection shows %d fields with after, the test lists %d", found, len(fields))
	}
	messages := map[string]bool{}
	for name, f := range fields {
		for _, c := range []struct {
			after any
			ok    bool
		}{{nil, true}, {"", false}, {" ", false}, {"not-a-cursor", false}, {"0", false}} {
			r := authed(t, e.url, f.token, f.query, map[string]any{"a": c.after})
			switch {
			case c.ok && len(r.Errors) > 0:
				t.Errorf("%s(after: %v): %+v, want the first page", name, c.after, r.Errors)
			case !c.ok && (r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != "after"):
				t.Errorf("%s(after: %q): %+v, want INVALID_ARGUMENT naming after", name, c.after, r.Errors)
			case c.after == "" && len(r.Errors) > 0:
				messages[r.Errors[0].Message] = true
			}
		}
	}
	if len(messages) != 1 {
		t.Errorf("after: \"\" answers %d different messages, want one: %v", len(messages), messages)
	}
}
