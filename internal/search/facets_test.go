package search

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// shippedResources returns the shipped library's published resources,
// numbered from 1.
func shippedResources(tb testing.TB) []*content.Resource {
	tb.Helper()
	lib, err := ingest.Load("../../resources")
	if err != nil {
		tb.Fatal(err)
	}
	var rs []*content.Resource
	for i, f := range lib.Files {
		if f.Status == content.StatusPublished {
			rs = append(rs, &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: f.Draft})
		}
	}
	return rs
}

// facetWords are queries that exercise every path of Search that facets
// depend on: single words, words that relax (fewer than ten resources
// have them all), a word the library lacks, exclusions, words together in
// the library but in nothing under many filters (the fallback), a named
// language, and browsing.
var facetWords = []string{"", "registration", "charges", "care", "GP", "asylum", "interpreting",
	"gp registration", "asylum maternity charges", "registration zzqxv", "interpreter data sharing police",
	"-gp", "charges -wales", "registration -GP -asylum", "charging exemptions", "safe surgeries",
	"proof of address", "safe surgeries -gp", "arabic gp", "urdu register"}

// randomFilter draws a filter of one to three fields (two to four
// sometimes), one or two values each, from the values the resources have
// (and a language none has), or a published date range.
func randomFilter(rng *rand.Rand, rs []*content.Resource) content.Filter {
	var kinds, topics, audiences, nations, langs, dates []string
	add := func(list *[]string, vs ...string) {
		for _, v := range vs {
			if !slices.Contains(*list, v) {
				*list = append(*list, v)
			}
		}
	}
	for _, r := range rs {
		add(&kinds, string(r.Kind))
		add(&topics, r.Topics...)
		add(&audiences, r.Audiences...)
		add(&nations, r.Nations...)
		add(&langs, r.Language, strings.ToUpper(r.Language))
		if r.PublishedAt != nil {
			add(&dates, r.PublishedAt.Format(content.DateLayout))
		}
	}
	add(&langs, "cy")
	slices.Sort(dates)
	pick := func(vs []string) []string {
		out := []string{vs[rng.Intn(len(vs))]}
		if rng.Intn(2) == 0 {
			add(&out, vs[rng.Intn(len(vs))])
		}
		return out
	}
	var f content.Filter
	for _, field := range rng.Perm(6)[:1+rng.Intn(4)] {
		switch field {
		case 0:
			for _, k := range pick(kinds) {
				f.Kinds = append(f.Kinds, content.Kind(k))
			}
		case 1:
			f.Topics = pick(topics)
		case 2:
			f.Audiences = pick(audiences)
		case 3:
			f.Nations = pick(nations)
		case 4:
			f.Languages = pick(langs)
		case 5:
			a, _ := time.Parse(content.DateLayout, dates[rng.Intn(len(dates))])
			b, _ := time.Parse(content.DateLayout, dates[rng.Intn(len(dates))])
			if a.After(b) {
				a, b = b, a
			}
			switch rng.Intn(3) {
			case 0:
				f.PublishedAfter = &a
			case 1:
				f.PublishedBefore = &b
			default:
				f.PublishedAfter, f.PublishedBefore = &a, &b
			}
		}
	}
	return f
}

// TestFacetsMatchBleve checks the facets counted in the search's own pass
// (facets.go) against Bleve's facet builders with one more search per
// facet whose filter is set (Index.plain), over generated filters of up
// to four fields and queries through every path of Search (relaxing,
// exclusions, the fallback under a filter, languages, browsing), in both
// orders: whole pages must agree (facets, totals, hits, highlights,
// omitted words). FACETS_COMBINATIONS sets how many (default 40).
// TestSearchFiltersMatchPostgreSQL checks the counts against PostgreSQL.
func TestFacetsMatchBleve(t *testing.T) {
	rs := shippedResources(t)
	ix := indexOf(t, rs, 29)
	rng := rand.New(rand.NewSource(1))
	n := 40
	if s := os.Getenv("FACETS_COMBINATIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for i := 0; i < n; i++ {
		q := content.SearchQuery{Text: facetWords[rng.Intn(len(facetWords))], Filter: randomFilter(rng, rs), Order: content.SearchRelevance, First: 10}
		if rng.Intn(4) == 0 {
			q.Order = content.SearchNewest
		}
		name := fmt.Sprintf("%q filter %+v", q.Text, q.Filter)
		comparePages(t, ix, q, name)
	}
}

// TestFacetsAfterUpdates checks the facet tables stay exact while the
// index changes: resources deleted, re-indexed with other kinds, topics,
// audiences, nations, languages and dates, and added, over several
// rounds (each makes segments that the tables must follow, and leaves
// obsolete documents in the old ones).
func TestFacetsAfterUpdates(t *testing.T) {
	rs := shippedResources(t)
	ix := indexOf(t, rs, 29)
	rng := rand.New(rand.NewSource(2))
	live := map[int64]*content.Resource{}
	for _, r := range rs {
		live[r.ID] = r
	}
	next := int64(100000)
	for round := 0; round < 3; round++ {
		// Search first, so the tables of the current segments exist.
		for i := 0; i < 4; i++ {
			q := content.SearchQuery{Text: facetWords[rng.Intn(len(facetWords))], Filter: randomFilter(rng, rs), Order: content.SearchRelevance, First: 10}
			comparePages(t, ix, q, fmt.Sprintf("round %d before: %q filter %+v", round, q.Text, q.Filter))
		}
		var ids []int64
		published := map[int64]*content.Resource{}
		order := make([]int64, 0, len(live))
		for id := range live {
			order = append(order, id)
		}
		slices.Sort(order)
		for _, id := range order {
			r := live[id]
			switch rng.Intn(8) {
			case 0: // withdrawn
				ids = append(ids, id)
				delete(live, id)
			case 1: // edited
				other := rs[rng.Intn(len(rs))]
				c := *r
				c.Kind, c.Topics, c.Audiences, c.Nations, c.Language, c.PublishedAt = other.Kind, other.Topics, other.Audiences, other.Nations, other.Language, other.PublishedAt
				ids = append(ids, id)
				published[id] = &c
				live[id] = &c
			case 2: // a new copy
				c := *r
				c.ID = next
				next++
				ids = append(ids, c.ID)
				published[c.ID] = &c
				live[c.ID] = &c
			}
		}
		if err := ix.apply(ids, published, uint64(round+2)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			q := content.SearchQuery{Text: facetWords[rng.Intn(len(facetWords))], Filter: randomFilter(rng, rs), Order: content.SearchRelevance, First: 10}
			comparePages(t, ix, q, fmt.Sprintf("round %d after: %q filter %+v", round, q.Text, q.Filter))
		}
	}
}

// comparePages runs q with the fast paths and with Bleve's (Index.plain)
// on one snapshot and fails the test when the pages differ in anything
// but highlights (TestFastSearchMatchesBleve compares those).
func comparePages(t *testing.T, ix *Index, q content.SearchQuery, name string) {
	t.Helper()
	got, want, err := compareOnOneSnapshot(ix, q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if want == nil {
		return // both answered the same error
	}
	if !reflect.DeepEqual(got.Facets, want.Facets) {
		t.Fatalf("%s: facets\n got %+v\nwant %+v", name, got.Facets, want.Facets)
	}
	for _, p := range []*content.SearchPage{got, want} {
		for i := range p.Hits {
			p.Hits[i].Highlights = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", name, summary(got), summary(want))
	}
}

// indexOf indexes rs in batches of batch resources (several segments).
func indexOf(tb testing.TB, rs []*content.Resource, batch int) *Index {
	return indexOfWith(tb, rs, batch, nil)
}

// indexOfWith is indexOf with before (if not nil) called on the opened,
// empty index first, to set what the build must know (stored text).
func indexOfWith(tb testing.TB, rs []*content.Resource, batch int, before func(*Index)) *Index {
	tb.Helper()
	ix, _, err := openIndex(tb.TempDir()+"/index", slog.New(slog.DiscardHandler), NewMetrics(nil), false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	if before != nil {
		before(ix)
	}
	err = ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		for start := 0; start < len(rs); start += batch {
			if err := fn(rs[start:min(start+batch, len(rs))]); err != nil {
				return 0, err
			}
		}
		return 1, nil
	}, "")
	if err != nil {
		tb.Fatal(err)
	}
	ix.ready.Store(true)
	return ix
}

// TestFacetsMatchBleveThroughRerank is TestFacetsMatchBleve through the
// passes an index larger than the candidates takes (rerank.go: the query
// without its phrase pairs, then the superset restriction), forced on the
// shipped library by three candidates: facets and totals must equal the
// reference's (the page's order may differ from the exact one beyond the
// candidates, which rerank_test.go measures).
func TestFacetsMatchBleveThroughRerank(t *testing.T) {
	rs := shippedResources(t)
	ix := indexOf(t, rs, 29)
	ix.candidates = 3
	rng := rand.New(rand.NewSource(2))
	words := append([]string{"general practice registration", "proof of address", "\"health care\" charging", "gp surgery"}, facetWords...)
	for i := 0; i < 40; i++ {
		q := content.SearchQuery{Text: words[rng.Intn(len(words))], Filter: randomFilter(rng, rs), Order: content.SearchRelevance, First: 10}
		name := fmt.Sprintf("%q filter %+v", q.Text, q.Filter)
		got, want, err := compareOnOneSnapshot(ix, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want == nil {
			continue
		}
		if got.Total != want.Total || !reflect.DeepEqual(got.Facets, want.Facets) {
			t.Errorf("%s: total %d, facets %+v\nwant total %d, facets %+v", name, got.Total, got.Facets, want.Total, want.Facets)
		}
	}
}
