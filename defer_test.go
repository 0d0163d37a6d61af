package main

import (
	"fmt"
	"strings"
	"testing"
)

// Breaker3's F22: the hub declares @defer and answers it inline (README),
// but gqlgen left the deferred fields null in its one JSON answer, with
// "hasNext": true, no error, even for non-null fields, and the answer was
// publicly cacheable.
func TestDeferIsAnsweredInline(t *testing.T) {
	e := startEditorialHub(t)
	a := gql(t, e.url, "", `{ topics { slug ... @defer { count } } }`, nil)
	if strings.Contains(a.body, "hasNext") || strings.Contains(a.body, `"count":null`) || len(a.errors) > 0 {
		t.Errorf("deferred Topic.count: %.400s", a.body)
	}
}

// The class of TestDeferIsAnsweredInline: every query shape below (lists,
// a resource's related, translations and citation, search, a field error
// inside the deferred part, named fragments, nested deferred fragments),
// with @defer written each way the spec allows, answers exactly what the
// same document without @defer answers (the oracle), and never "hasNext";
// a mutation's deferred fields are filled too.
func TestDeferredFragmentsAnswerAsWithoutDefer(t *testing.T) {
	e := startEditorialHub(t)
	shapes := []string{
		`{ topics { slug ... {D} { count name } } }`,
		`{ resource(slug: "everyone-can-register-with-a-gp") { slug ... {D} { translations { slug language } related { slug } citation(format: RIS) } } }`,
		`{ resources(first: 3) { edges { node { slug ... {D} { topics { slug count } } } } ... {D} { totalCount pageInfo { hasNextPage } } } }`,
		`{ search(query: "register gp", first: 3) { ... {D} { totalCount } edges { node { slug ... {D} { summary } } } } }`,
		`{ resource(slug: "registration-refused-2018") { slug ... {D} { editorial { latestRevision } } } }`,
		`{ topics { ...T {D} } } fragment T on Topic { slug ... {D} { count } }`,
		`query Q { resource(slug: "everyone-can-register-with-a-gp") { ...R {D} } } fragment R on Resource { title ... {D} { related { slug ... {D} { title } } } }`,
	}
	markers := []string{"@defer", "@defer(if: true)", `@defer(label: "later")`, `@defer(if: false)`}
	n := 0
	for _, shape := range shapes {
		want := gql(t, e.url, "", strings.ReplaceAll(shape, "{D}", ""), nil)
		if want.status != 200 {
			t.Fatalf("%s without @defer: %d %.300s", shape, want.status, want.body)
		}
		for _, m := range markers {
			q := strings.ReplaceAll(shape, "{D}", m)
			got := gql(t, e.url, "", q, nil)
			n++
			if got.status != want.status || got.body != want.body {
				t.Errorf("%s\n  answered %d %.500s\n  without @defer %d %.500s", q, got.status, got.body, want.status, want.body)
			}
		}
	}
	// A mutation: the deferred revision is what the client needs next.
	for i, m := range markers[:3] {
		q := fmt.Sprintf(`mutation($in: CreateResourceInput!) { createResource(input: $in) { resource { slug ... %s { id editorial { latestRevision } } } } }`, m)
		a := gql(t, e.url, e.editor, q, newDraft(fmt.Sprintf("defer-%d", i), "Deferred draft"))
		n++
		if len(a.errors) > 0 || strings.Contains(a.body, "hasNext") || !strings.Contains(a.body, `"latestRevision":1`) {
			t.Errorf("%s: %.400s", q, a.body)
		}
	}
	t.Logf("%d deferred documents", n)
}
