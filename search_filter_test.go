package main

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/testdb"
)

// startLibraryHub boots a hub over a copy of the shipped library with the
// query limits raised, so one request can carry many aliased searches.
func startLibraryHub(t *testing.T) *hub {
	t.Helper()
	dir := copyDir(t, "resources")
	return startHub(t, map[string]string{
		"DATABASE_URL": testdb.DSN(t), "HUB_RESOURCES_DIR": dir, "HUB_PUBLIC_URL": "https://hub.example.org/",
		"HUB_MAX_ALIASES": "400", "HUB_MAX_ROOT_FIELDS": "400", "HUB_MAX_COMPLEXITY": "100000000", "HUB_MAX_TOKENS": "200000",
	})
}

// libraryResource is what the filter oracle needs to know of a resource.
type libraryResource struct {
	slug, kind, language, published string
	topics, audiences, nations      []string
}

func strs(v any, key string) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		if key != "" {
			x = path(x, key)
		}
		out = append(out, x.(string))
	}
	return out
}

// TestSearchFiltersMatchPostgreSQL generates filter combinations (every
// public ResourceFilter field, one to three fields at a time, one or two
// values each, date ranges) and checks search against resources(filter:),
// which PostgreSQL answers: an empty query returns exactly its slugs; every
// hit of a worded search is one of them; every facet value's count is the
// totalCount of the same search with that facet's filter replaced by the
// value (for years, the year's date range); a value chosen alone in its
// field is listed in its facet with the search's totalCount.
func TestSearchFiltersMatchPostgreSQL(t *testing.T) {
	h := startLibraryHub(t)
	r := post(t, h.url, `{ resources(first: 100) { totalCount edges { node { slug kind language publishedAt topics { slug } audiences nations } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var lib []libraryResource
	values := map[string][]string{}
	add := func(field string, vs ...string) {
		for _, v := range vs {
			if !slices.Contains(values[field], v) {
				values[field] = append(values[field], v)
			}
		}
	}
	for _, e := range path(r.Data, "resources", "edges").([]any) {
		n := path(e, "node")
		lr := libraryResource{slug: path(n, "slug").(string), kind: path(n, "kind").(string), language: path(n, "language").(string),
			topics: strs(path(n, "topics"), "slug"), audiences: strs(path(n, "audiences"), ""), nations: strs(path(n, "nations"), "")}
		lr.published, _ = path(n, "publishedAt").(string)
		lib = append(lib, lr)
		add("kinds", lr.kind)
		add("languages", lr.language)
		add("topics", lr.topics...)
		add("audiences", lr.audiences...)
		add("nations", lr.nations...)
		if lr.published != "" {
			add("dates", lr.published)
		}
	}
	if len(lib) < 20 {
		t.Fatalf("library has %d published resources, want at least 20", len(lib))
	}
	// A value no resource has, so that empty results are tried too.
	add("languages", "cy")
	for _, vs := range values {
		sort.Strings(vs)
	}

	// The example: two fields, where only the last used to count.
	r = post(t, h.url, `{ search(query: "", filter: {kinds: [POLICY_POSITION], nations: [WALES]}, first: 100) { edges { node { kind nations } } } }`, nil)
	for _, e := range path(r.Data, "search", "edges").([]any) {
		if k := path(e, "node", "kind"); k != "POLICY_POSITION" || !slices.Contains(strs(path(e, "node", "nations"), ""), "WALES") {
			t.Errorf("kinds [POLICY_POSITION] nations [WALES] found a %v for %v", k, path(e, "node", "nations"))
		}
	}

	seed := int64(1)
	if s := os.Getenv("FILTER_ORACLE_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	n := 60
	if s := os.Getenv("FILTER_ORACLE_COMBINATIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	rng := rand.New(rand.NewSource(seed))
	fields := []string{"kinds", "topics", "audiences", "nations", "languages", "dates"}
	// Single words, several words that make search relax (fewer than
	// ten resources have them all) or leave a word out, exclusions, and
	// words together in ten or more resources but in none under many
	// filters (the search falls back to any of the words there).
	words := []string{"registration", "charges", "care", "data", "GP", "asylum", "interpreting", "maternity",
		"gp registration", "asylum maternity charges", "registration zzqxv", "interpreter data sharing police",
		"-gp", "charges -wales", "registration -GP -asylum",
		"charging exemptions", "safe surgeries", "proof of address", "safe surgeries -gp"}
	pick := func(vs []string, k int) []string {
		out := []string{}
		for _, i := range rng.Perm(len(vs))[:min(k, len(vs))] {
			out = append(out, vs[i])
		}
		return out
	}
	randomFilter := func() map[string]any {
		f := map[string]any{}
		for _, field := range pick(fields, 1+rng.Intn(3)) {
			if field == "dates" {
				ds := values["dates"]
				a, b := ds[rng.Intn(len(ds))], ds[rng.Intn(len(ds))]
				if a > b {
					a, b = b, a
				}
				switch rng.Intn(3) {
				case 0:
					f["publishedAfter"] = a
				case 1:
					f["publishedBefore"] = b
				default:
					f["publishedAfter"], f["publishedBefore"] = a, b
				}
				continue
			}
			f[field] = pick(values[field], 1+rng.Intn(2))
		}
		return f
	}

	const page = `totalCount edges { node { slug kind language publishedAt topics { slug } audiences nations } }
	  facets { kinds { value count } topics { value count } audiences { value count } nations { value count } years { value count } }`
	combos, checks := 0, 0
	for i := 0; i < n; i++ {
		f := randomFilter()
		for _, q := range []string{"", words[rng.Intn(len(words))]} {
			combos++
			desc := fmt.Sprintf("query %q filter %s", q, mustJSON(f))
			r := post(t, h.url, `query($q: String!, $f: ResourceFilter) {
			  s: search(query: $q, filter: $f, first: 100) { `+page+` }
			  r: resources(filter: $f, first: 100) { totalCount edges { node { slug } } } }`, map[string]any{"q": q, "f": f})
			if len(r.Errors) > 0 {
				t.Fatalf("%s: errors %+v", desc, r.Errors)
			}
			var want []string
			for _, e := range path(r.Data, "r", "edges").([]any) {
				want = append(want, path(e, "node", "slug").(string))
			}
			var got []string
			for _, e := range path(r.Data, "s", "edges").([]any) {
				got = append(got, path(e, "node", "slug").(string))
				if msg := violates(path(e, "node"), f); msg != "" {
					t.Errorf("%s: hit %s %s", desc, path(e, "node", "slug"), msg)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			total := int(path(r.Data, "s", "totalCount").(float64))
			if total != len(got) {
				t.Errorf("%s: totalCount %d but %d hits", desc, total, len(got))
			}
			if q == "" && !slices.Equal(got, want) {
				t.Errorf("%s: search %v, resources(filter:) %v", desc, got, want)
			}
			for _, s := range got {
				if !slices.Contains(want, s) {
					t.Errorf("%s: hit %s is not in resources(filter:) %v", desc, s, want)
				}
			}

			// A value chosen alone in its field is listed in its facet
			// with the search's own count (the facet ignores its own
			// filter, so choosing that value again changes nothing).
			for _, facet := range []string{"kinds", "topics", "audiences", "nations"} {
				chosen, _ := f[facet].([]string)
				if len(chosen) != 1 || total == 0 {
					continue
				}
				listed := -1
				for _, fv := range path(r.Data, "s", "facets", facet).([]any) {
					if path(fv, "value").(string) == chosen[0] {
						listed = int(path(fv, "count").(float64))
					}
				}
				if listed != total {
					t.Errorf("%s: the chosen %s %s counts %d in its facet (-1: not listed), the search finds %d", desc, facet, chosen[0], listed, total)
				}
			}

			// Each facet value's count is the totalCount of the search
			// with that facet's filter replaced by the value.
			type facetCheck struct {
				facet, value string
				count        int
			}
			var fcs []facetCheck
			var aliases []string
			vars := map[string]any{"q": q}
			var decl []string
			for _, facet := range []string{"kinds", "topics", "audiences", "nations", "years"} {
				for _, fv := range path(r.Data, "s", "facets", facet).([]any) {
					v, c := path(fv, "value").(string), int(path(fv, "count").(float64))
					g := map[string]any{}
					for k, x := range f {
						g[k] = x
					}
					if facet == "years" {
						delete(g, "publishedAfter")
						delete(g, "publishedBefore")
						g["publishedAfter"], g["publishedBefore"] = v+"-01-01", v+"-12-31"
					} else {
						g[facet] = []string{v}
					}
					k := len(fcs)
					fcs = append(fcs, facetCheck{facet, v, c})
					decl = append(decl, fmt.Sprintf("$f%d: ResourceFilter", k))
					vars[fmt.Sprintf("f%d", k)] = g
					aliases = append(aliases, fmt.Sprintf("c%d: search(query: $q, filter: $f%d, first: 0) { totalCount }", k, k))
				}
			}
			if len(fcs) == 0 {
				continue
			}
			r = post(t, h.url, "query($q: String!, "+strings.Join(decl, ", ")+") { "+strings.Join(aliases, "\n")+" }", vars)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: facet checks: errors %+v", desc, r.Errors)
			}
			for k, fc := range fcs {
				checks++
				if n := int(path(r.Data, fmt.Sprintf("c%d", k), "totalCount").(float64)); n != fc.count {
					t.Errorf("%s: facet %s=%s counts %d, the search filtered by it finds %d", desc, fc.facet, fc.value, fc.count, n)
				}
			}
		}
	}
	t.Logf("seed %d: %d filter combinations (%d filters, each with an empty and a worded query), %d facet counts checked", seed, combos, n, checks)
}

// violates says which filter field a search hit fails, or "".
func violates(node any, f map[string]any) string {
	has := func(field string, got []string) string {
		want, ok := f[field].([]string)
		if !ok {
			return ""
		}
		for _, w := range want {
			if slices.Contains(got, w) {
				return ""
			}
		}
		return fmt.Sprintf("has %s %v, filter wants %v", field, got, want)
	}
	for _, m := range []string{
		has("kinds", []string{path(node, "kind").(string)}),
		has("languages", []string{path(node, "language").(string)}),
		has("topics", strs(path(node, "topics"), "slug")),
		has("audiences", strs(path(node, "audiences"), "")),
		has("nations", strs(path(node, "nations"), "")),
	} {
		if m != "" {
			return m
		}
	}
	p, _ := path(node, "publishedAt").(string)
	if a, ok := f["publishedAfter"].(string); ok && p < a {
		return fmt.Sprintf("published %s, before %s", p, a)
	}
	if b, ok := f["publishedBefore"].(string); ok && (p == "" || p > b) {
		return fmt.Sprintf("published %s, after %s", p, b)
	}
	return ""
}
