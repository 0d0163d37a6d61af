package main

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestNoResultsOmitNoWords (breaker5 F12): with a filter, a search that
// found nothing listed every word in omittedWords, and the page said "we
// left out hc2, certificate" above "No results". The README: omittedWords
// lists the words the best result lacks; with no result there is none.
// Generated: queries of library words and made-up words under random
// filters, through the API and the search page; the oracle is totalCount
// (and the page's "No results"): nothing found means no word left out.
func TestNoResultsOmitNoWords(t *testing.T) {
	h, _ := startFixtureHub(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 12))
	words := []string{"registration", "charging", "patient", "hc2", "certificate", "xyzzy", "plugh", "kumquat", "asylum", "barriers"}
	filters := []map[string]any{{"kinds": []string{"GUIDANCE"}}, {"kinds": []string{"RESEARCH_BRIEF"}}, {"nations": []string{"WALES"}},
		{"nations": []string{"SCOTLAND"}}, {"kinds": []string{"POLICY_POSITION"}, "nations": []string{"ENGLAND"}}, {}}
	pageParams := map[string]string{"GUIDANCE": "kind=guidance", "RESEARCH_BRIEF": "kind=research-brief", "POLICY_POSITION": "kind=policy-position",
		"WALES": "nation=wales", "SCOTLAND": "nation=scotland", "ENGLAND": "nation=england"}
	const q = `query($q: String!, $f: ResourceFilter) { search(query: $q, filter: $f, first: 3) { totalCount omittedWords } }`
	cases := [][2]any{{"hc2 certificate", filters[0]}, {"xyzzy plugh", filters[2]}}
	for range 30 {
		n := 2 + rng.IntN(2)
		ws := make([]string, n)
		for i := range ws {
			ws[i] = words[rng.IntN(len(words))]
		}
		cases = append(cases, [2]any{strings.Join(ws, " "), filters[rng.IntN(len(filters))]})
	}
	empty := 0
	for _, c := range cases {
		text, f := c[0].(string), c[1].(map[string]any)
		r := post(t, h.url, q, map[string]any{"q": text, "f": f})
		if len(r.Errors) > 0 {
			t.Fatalf("%q %v: %+v", text, f, r.Errors)
		}
		total := path(r.Data, "search", "totalCount").(float64)
		omitted := path(r.Data, "search", "omittedWords").([]any)
		if total == 0 {
			empty++
			if len(omitted) > 0 {
				t.Errorf("%q under %v: no result, yet omittedWords %v", text, f, omitted)
			}
			params := []string{"q=" + url.QueryEscape(text)}
			for _, vs := range f {
				for _, v := range vs.([]string) {
					params = append(params, pageParams[v])
				}
			}
			_, page := getText(t, h.url+"/search?"+strings.Join(params, "&"))
			if strings.Contains(page, "we left out") {
				t.Errorf("page for %q under %v says it left words out of no results", text, f)
			}
		}
	}
	if empty == 0 {
		t.Fatalf("no generated search found nothing (seed %d): the test tested nothing", seed)
	}
}
