package search

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search"

	"guidancehub/internal/content"
)

// TestScoresDoNotDependOnHistory (breaker4 F5): two indexes of the same
// live resources must score every search identically, whatever happened
// to them before: here one is built fresh, the other held 40 more
// resources full of words no other has (then withdrawn) and saw 10 of its
// resources edited and edited back. Bleve's own statistics count the
// withdrawn resources' words until their segments merge; the hub's
// (withBM25Stats) must not. Compared: every hit, score (to the bit),
// total and omitted word of generated queries, first two pages.
func TestScoresDoNotDependOnHistory(t *testing.T) {
	rs := generatedLibrary(5, 300)
	fresh := indexOf(t, rs, 100)
	var extras []*content.Resource
	for i := 0; i < 40; i++ {
		var uniq []string
		for k := 0; k < 60; k++ {
			uniq = append(uniq, fmt.Sprintf("zq%dx%d", i, k))
		}
		d := rs[i].Draft
		d.Slug = fmt.Sprintf("extra-%d", i)
		d.Title = "Extra " + strings.Join(uniq[:5], " ")
		d.Summary = strings.Join(uniq[5:20], " ")
		d.Body = rs[i].Body + " " + strings.Join(uniq, " ")
		extras = append(extras, &content.Resource{ID: int64(1000 + i), Status: content.StatusPublished, Draft: d})
	}
	old := indexOf(t, append(append([]*content.Resource{}, rs...), extras...), 100)
	var gone []int64
	for _, e := range extras {
		gone = append(gone, e.ID)
	}
	if err := old.apply(gone, nil, 2); err != nil {
		t.Fatal(err)
	}
	edited := map[int64]*content.Resource{}
	var ids []int64
	for _, r := range rs[:10] {
		c := *r
		c.Body = r.Body + " zqedited " + strings.Repeat("zqword ", 20)
		edited[r.ID] = &c
		ids = append(ids, r.ID)
	}
	if err := old.apply(ids, edited, 3); err != nil {
		t.Fatal(err)
	}
	back := map[int64]*content.Resource{}
	for _, r := range rs[:10] {
		back[r.ID] = r
	}
	if err := old.apply(ids, back, 4); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	page := func(ix *Index, q content.SearchQuery) string {
		t.Helper()
		p, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "total %d omitted %v\n", p.Total, p.OmittedWords)
		for _, h := range p.Hits {
			fmt.Fprintf(&b, "%d %v\n", h.ID, h.Score)
		}
		return b.String()
	}
	for _, text := range generatedQueries(6, 60) {
		for _, skip := range []int{0, 10} {
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, Skip: skip, NoFacets: true, NoHighlights: true, NoSuggestion: true}
			if a, b := page(fresh, q), page(old, q); a != b {
				t.Fatalf("%q (skip %d): the fresh index answers\n%sthe index with a history answers\n%s", text, skip, a, b)
			}
		}
	}
}

// TestBM25StatsNameEveryField: Bleve refuses a scored search on a field
// the statistics do not name ("field stat for bm25 not present"): every
// field of an index holding every kind of resource, and every text field
// of every language group, also of groups the index has no resource in,
// is named.
func TestBM25StatsNameEveryField(t *testing.T) {
	ix := shippedIndex(t)
	idx, done := ix.current()
	defer done()
	ctx, err := withBM25Stats(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	stats := ctx.Value(search.BM25StatsKey).(*search.BM25Stats)
	fields, err := idx.Fields()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for _, tf := range textFields {
			fields = append(fields, field(tf.name, g), markField(field(tf.name, g)))
		}
	}
	for _, f := range fields {
		if _, ok := stats.FieldCardinality[f]; !ok {
			t.Errorf("field %q is not named", f)
		}
	}
}

// TestSearchesOnAnIndexWithoutSomeFields (review5 R6): a search naming a
// multi-word synonym on an index holding no resource of a language group
// (empty, or its last one withdrawn) failed with "field stat for bm25 not
// present marks_title_en" and was taken for a damaged index. Every kind of
// query the hub builds (synonym groups, phrases, typos, exclusions,
// relaxing) must answer on an empty index and on one whose Persian
// resource was withdrawn.
func TestSearchesOnAnIndexWithoutSomeFields(t *testing.T) {
	queries := []string{"gp registration", "general practice", "\"family doctor\" -wales", "a&e", "accident and emergency charging",
		"no recourse to public funds", "registraton", "ثبت نام", "gp", ""}
	check := func(name string, ix *Index) {
		t.Helper()
		for _, q := range queries {
			if _, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 10}); err != nil {
				t.Errorf("%s: %q: %v", name, q, err)
			}
		}
	}
	check("empty index", indexOf(t, nil, 10))
	rs := shippedResources(t)
	ix := indexOf(t, rs, 100)
	var fa []int64
	for _, r := range rs {
		if r.Language != "en" {
			fa = append(fa, r.ID)
		}
	}
	if len(fa) == 0 {
		t.Fatal("the shipped library has no translation")
	}
	if err := ix.apply(fa, nil, 2); err != nil {
		t.Fatal(err)
	}
	check("translations withdrawn", ix)
}
