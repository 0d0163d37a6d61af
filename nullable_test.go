package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestNullableStringsAreNeverEmpty: over every resource of the shipped
// library, no nullable String field without arguments of a resource kind,
// a source or a withdrawal answers "": an absent value is null (the
// schema's declared nullability, read by introspection, is the oracle for
// which fields these are; a client testing != null must not get "").
func TestNullableStringsAreNeverEmpty(t *testing.T) {
	h := startLibraryHub(t)
	fields := map[string][]string{}
	for _, typ := range []string{"GuidanceDocument", "ResearchBrief", "PolicyPosition", "Source", "Withdrawal"} {
		r := post(t, h.url, `query($n: String!) { __type(name: $n) { fields { name args { name } type { kind name } } } }`, map[string]any{"n": typ})
		fs, _ := path(r.Data, "__type", "fields").([]any)
		for _, f := range fs {
			if len(path(f, "args").([]any)) == 0 && path(f, "type", "kind") == "SCALAR" && path(f, "type", "name") == "String" {
				fields[typ] = append(fields[typ], path(f, "name").(string))
			}
		}
	}
	if len(fields["Source"]) < 4 {
		t.Fatalf("nullable String fields of Source: %v", fields["Source"])
	}
	sel := func(typ string) string { return strings.Join(fields[typ], " ") }
	q := fmt.Sprintf(`{ resources(first: 100) { edges { node { __typename slug
		... on GuidanceDocument { %s sources { %s } }
		... on ResearchBrief { %s sources { %s } }
		... on PolicyPosition { %s sources { %s } } } } } }`,
		sel("GuidanceDocument"), sel("Source"), sel("ResearchBrief"), sel("Source"), sel("PolicyPosition"), sel("Source"))
	r := post(t, h.url, q, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("%v", r.Errors)
	}
	edges, _ := path(r.Data, "resources", "edges").([]any)
	nulls := 0
	for _, e := range edges {
		n, _ := path(e, "node").(map[string]any)
		check := func(where string, obj map[string]any, names []string) {
			for _, f := range names {
				if v, ok := obj[f]; ok && v == "" {
					t.Errorf("%s %s: %s is \"\", want null", n["slug"], where, f)
				} else if v == nil {
					nulls++
				}
			}
		}
		check(n["__typename"].(string), n, fields[n["__typename"].(string)])
		srcs, _ := n["sources"].([]any)
		for i, s := range srcs {
			check(fmt.Sprintf("sources[%d]", i), s.(map[string]any), fields["Source"])
		}
	}
	if len(edges) < 20 || nulls == 0 {
		t.Errorf("%d resources, %d nulls seen", len(edges), nulls)
	}
}
