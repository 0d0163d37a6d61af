package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// Every field of a Resource answers the same through a list, a search and
// resource(slug:), asked alone, as through resource(slug:) asked with every
// other field (which loads the whole resource): a list reads only the parts of a resource its
// fields need, and `citation` of a research brief came out without its
// source when the list did not also ask for `sources`. The fields come from
// introspection (leaf fields, objects with their leaf fields, an enum
// argument with each of its values), so a field added later is covered.
func TestEveryResourceFieldAgreesAcrossDoors(t *testing.T) {
	h, _ := startFixtureHub(t)
	type typeRef struct {
		Kind   string   `json:"kind"`
		Name   string   `json:"name"`
		OfType *typeRef `json:"ofType"`
	}
	named := func(r *typeRef) *typeRef {
		for r.OfType != nil {
			r = r.OfType
		}
		return r
	}
	type field struct {
		Name string `json:"name"`
		Args []struct {
			Name string   `json:"name"`
			Type *typeRef `json:"type"`
		} `json:"args"`
		Type *typeRef `json:"type"`
	}
	type fullType struct {
		Kind       string  `json:"kind"`
		Fields     []field `json:"fields"`
		EnumValues []struct {
			Name string `json:"name"`
		} `json:"enumValues"`
	}
	types := map[string]fullType{}
	typeOf := func(name string) fullType {
		if ft, ok := types[name]; ok {
			return ft
		}
		r := post(t, h.url, `query($n: String!) { __type(name: $n) { kind fields { name args { name type { kind name ofType { kind name ofType { kind name } } } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } enumValues { name } } }`, map[string]any{"n": name})
		b, _ := json.Marshal(r.Data["__type"])
		var ft fullType
		if err := json.Unmarshal(b, &ft); err != nil {
			t.Fatal(err)
		}
		types[name] = ft
		return ft
	}
	// leaves selects an object type's leaf fields without arguments.
	leaves := func(name string) string {
		var parts []string
		for _, f := range typeOf(name).Fields {
			if k := named(f.Type).Kind; len(f.Args) == 0 && (k == "SCALAR" || k == "ENUM") {
				parts = append(parts, f.Name)
			}
		}
		return "{ " + strings.Join(parts, " ") + " }"
	}
	var selections []string
	for _, f := range typeOf("Resource").Fields {
		if f.Name == "editorial" {
			continue // editors only; its own tests compare revisions
		}
		sub := ""
		if k := named(f.Type).Kind; k == "OBJECT" || k == "INTERFACE" {
			if k == "INTERFACE" {
				continue
			}
			sub = " " + leaves(named(f.Type).Name)
		}
		switch {
		case len(f.Args) == 0:
			selections = append(selections, f.Name+sub)
		case len(f.Args) == 1 && named(f.Args[0].Type).Kind == "ENUM":
			for _, v := range typeOf(named(f.Args[0].Type).Name).EnumValues {
				selections = append(selections, fmt.Sprintf("%s_%s: %s(%s: %s)%s", f.Name, v.Name, f.Name, f.Args[0].Name, v.Name, sub))
			}
		}
	}
	if len(selections) < 20 {
		t.Fatalf("only %d Resource selections from introspection", len(selections))
	}
	// The oracle: each resource by slug with every selection at once.
	list := post(t, h.url, `{ resources(first: 100) { edges { node { slug } } } }`, nil)
	var slugs []string
	for _, e := range path(list.Data, "resources", "edges").([]any) {
		slugs = append(slugs, e.(map[string]any)["node"].(map[string]any)["slug"].(string))
	}
	sort.Strings(slugs)
	want := map[string]map[string]any{}
	for _, s := range slugs {
		r := post(t, h.url, fmt.Sprintf(`query($s: String!) { resource(slug: $s) { %s } }`, strings.Join(selections, " ")), map[string]any{"s": s})
		if len(r.Errors) > 0 {
			t.Fatalf("resource(slug: %q): %+v", s, r.Errors)
		}
		want[s] = r.Data["resource"].(map[string]any)
	}
	key := func(sel string) string {
		k, _, _ := strings.Cut(sel, ":")
		k, _, _ = strings.Cut(k, " ")
		return k
	}
	n := 0
	for _, sel := range selections {
		for door, q := range map[string]string{
			"resources": `{ c: resources(first: 100) { edges { node { slug %s } } } }`,
			"search":    `{ c: search(query: "", first: 100) { edges { node { slug %s } } } }`,
		} {
			r := post(t, h.url, fmt.Sprintf(q, sel), nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s with %s: %+v", door, sel, r.Errors)
			}
			for _, e := range path(r.Data, "c", "edges").([]any) {
				node := e.(map[string]any)["node"].(map[string]any)
				s := node["slug"].(string)
				got, _ := json.Marshal(node[key(sel)])
				exp, _ := json.Marshal(want[s][key(sel)])
				n++
				if string(got) != string(exp) {
					t.Errorf("%s of %s through %s asked alone:\n  %.300s\nby slug with every field:\n  %.300s", key(sel), s, door, got, exp)
				}
			}
		}
	}
	// resource(slug:) reads only the parts its fields need too.
	for _, sel := range selections {
		for _, s := range slugs {
			r := post(t, h.url, fmt.Sprintf(`query($s: String!) { resource(slug: $s) { %s } }`, sel), map[string]any{"s": s})
			if len(r.Errors) > 0 {
				t.Fatalf("resource(slug: %q) with %s: %+v", s, sel, r.Errors)
			}
			got, _ := json.Marshal(r.Data["resource"].(map[string]any)[key(sel)])
			exp, _ := json.Marshal(want[s][key(sel)])
			n++
			if string(got) != string(exp) {
				t.Errorf("%s of %s by slug asked alone:\n  %.300s\nwith every field:\n  %.300s", key(sel), s, got, exp)
			}
		}
	}
	t.Logf("%d Resource selections × %d resources × 3 doors: %d values compared", len(selections), len(slugs), n)
}
