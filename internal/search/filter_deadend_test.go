package search

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// searchFiltered returns the slugs a filtered search finds (up to 100).
func searchFiltered(t *testing.T, ix *Index, slugs map[int64]string, text string, f content.Filter) ([]string, *content.SearchPage) {
	t.Helper()
	return searchPage(t, ix, slugs, content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: 100, NoHighlights: true, NoSuggestion: true})
}

// The example: words together in ten or more resources of the library
// (so search does not relax) but in no research brief used to find
// nothing among research briefs, though two briefs are about charging.
func TestNoDeadEndUnderAFilterExample(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	f := content.Filter{Kinds: []content.Kind{content.KindResearchBrief}}
	lib, _ := searchSlugs(t, ix, slugs, "charging exemptions")
	briefs, _ := searchFiltered(t, ix, slugs, "", f)
	charging, _ := searchFiltered(t, ix, slugs, "charging", f)
	if len(lib) < 10 || len(charging) == 0 || len(minus(lib, briefs)) != len(lib) {
		t.Fatalf("library changed: charging exemptions finds %d resources (%d briefs), charging %d briefs", len(lib), len(lib)-len(minus(lib, briefs)), len(charging))
	}
	got, page := searchFiltered(t, ix, slugs, "charging exemptions", f)
	if len(got) == 0 || !subset(got, charging) || !slices.Equal(page.OmittedWords, []string{"exemptions"}) {
		t.Errorf("charging exemptions among research briefs finds %v (omitted %q), want some of %v and exemptions omitted", got, page.OmittedWords, charging)
	}
}

// No dead end under a filter: for generated filters (one to three fields,
// values the library has) and queries of two to four library words, a
// query some of whose words are found under the filter finds something,
// and every hit satisfies the filter.
func TestNoDeadEndsUnderFilters(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]string{}
	add := func(field string, vs ...string) {
		for _, v := range vs {
			if !slices.Contains(values[field], v) {
				values[field] = append(values[field], v)
			}
		}
	}
	for _, f := range lib.Files {
		if f.Status != content.StatusPublished {
			continue
		}
		d := f.Draft
		add("kinds", string(d.Kind))
		add("topics", d.Topics...)
		add("audiences", d.Audiences...)
		add("nations", d.Nations...)
		add("languages", d.Language)
	}
	for _, vs := range values {
		slices.Sort(vs)
	}
	words := frequentWords(t, ix, 300)
	rng := rand.New(rand.NewSource(5))
	pick := func(vs []string) []string { return []string{vs[rng.Intn(len(vs))]} }
	fields := []string{"kinds", "topics", "audiences", "nations", "languages"}
	answerable, fellBack := 0, 0
	for i := 0; i < 60; i++ {
		var f content.Filter
		for _, j := range rng.Perm(len(fields))[:1+rng.Intn(2)] {
			switch fields[j] {
			case "kinds":
				f.Kinds = []content.Kind{content.Kind(pick(values["kinds"])[0])}
			case "topics":
				f.Topics = pick(values["topics"])
			case "audiences":
				f.Audiences = pick(values["audiences"])
			case "nations":
				f.Nations = pick(values["nations"])
			case "languages":
				f.Languages = pick(values["languages"])
			}
		}
		var q []string
		for range 2 + rng.Intn(3) {
			q = append(q, words[rng.Intn(len(words))])
		}
		text := strings.Join(q, " ")
		some := false
		for _, w := range q {
			if one, _ := searchFiltered(t, ix, slugs, w, f); len(one) > 0 {
				some = true
				break
			}
		}
		got, page := searchFiltered(t, ix, slugs, text, f)
		all, _ := searchFiltered(t, ix, slugs, "", f)
		for _, s := range got {
			if !slices.Contains(all, s) {
				t.Errorf("%q under %+v: %s is outside the filter", text, f, s)
			}
		}
		if !some {
			continue
		}
		answerable++
		if len(got) == 0 {
			t.Errorf("%q under %+v finds nothing, though some of its words are there", text, f)
		}
		if lib, _ := searchSlugs(t, ix, slugs, text); len(page.OmittedWords) > 0 && len(minus(got, lib)) > 0 {
			fellBack++
		}
	}
	t.Logf("%d answerable filtered queries, %d of them found resources beyond the library-wide decision", answerable, fellBack)
	if answerable < 30 {
		t.Errorf("only %d of 60 generated filtered queries answerable", answerable)
	}
}
