package search

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// TestSkipIsTheCursorWalk checks SearchQuery.Skip (the pages' numbered
// pages in one search) against the two ways of reaching the same page
// without it, on the tied index (ties are where paging goes wrong):
//   - walking the cursors: the page after the cursor of result Skip of the
//     same search (the pages' old way, and what the API's clients do),
//     in an index smaller than the candidates (one exact pass);
//   - the tail of one longer page: results Skip+1 to Skip+First of a
//     search for Skip+First, also with three candidates, which forces
//     the rerank and superset passes of a large index.
//
// Hits (ids, scores, cursors, highlights), totals, HasNext, facets and
// omitted words must agree; a page after Skip has no suggestion and says
// it has a previous page. Generated (16 a run, seeded): queries through every path (relax,
// fallback, exclusions, a named language, browse), filters, both orders,
// page sizes and offsets, past the last result too.
func TestSkipIsTheCursorWalk(t *testing.T) {
	ix := tiedIndex(t)
	rs := shippedResources(t)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(16))
	words := append([]string{"general practice registration", "\"health care\" charging", "gp surgery", "registraton", "asylm charges"}, facetWords...)
	// First a typo (a first page would suggest), a relaxed search and
	// the last page there can be; then generated ones.
	fixed := []content.SearchQuery{
		{Text: "registraton", Order: content.SearchRelevance, First: 10, Skip: 10},
		{Text: "asylum maternity charges", Order: content.SearchRelevance, First: 10, Skip: 20},
		{Text: "gp", Order: content.SearchNewest, First: 10, Skip: content.MaxSkip},
	}
	for i := 0; i < 16; i++ {
		q := content.SearchQuery{Text: words[rng.Intn(len(words))], Order: content.SearchRelevance, First: []int{1, 3, 10, 10}[rng.Intn(4)]}
		if rng.Intn(3) == 0 {
			q.Filter = randomFilter(rng, rs)
		}
		if rng.Intn(4) == 0 {
			q.Order = content.SearchNewest
		}
		q.Skip = []int{0, 1, 7, 10, 20, 33, 60, 200, content.MaxSkip}[rng.Intn(9)]
		if i < len(fixed) {
			q = fixed[i]
		}
		name := fmt.Sprintf("%q first %d skip %d order %s filter %+v", q.Text, q.First, q.Skip, q.Order, q.Filter)
		for _, candidates := range []int{0, 3} {
			ix.candidates = candidates
			got, walked, tail, err := skipAndOracles(ctx, ix, q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got == nil {
				continue // the index kept merging
			}
			if q.Skip > 0 && (!got.HasPrevious || got.Suggestion != nil) {
				t.Errorf("%s: a later page: HasPrevious %v, suggestion %v", name, got.HasPrevious, got.Suggestion)
			}
			if !samePage(got, tail) {
				t.Errorf("%s, %d candidates: skip %s\nwant the tail of one page %s", name, candidates, summary(got), summary(tail))
			}
			if candidates == 0 && walked != nil && !samePage(got, walked) {
				t.Errorf("%s: skip %s\nwant the cursor walk's %s", name, summary(got), summary(walked))
			}
			if q.Skip >= got.Total && (len(got.Hits) > 0 || got.HasNext) {
				t.Errorf("%s: past the last of %d results: %s", name, got.Total, summary(got))
			}
		}
	}
	if err := (content.SearchQuery{Order: content.SearchRelevance, First: 10, Skip: content.MaxSkip + 1}).Validate(); err == nil {
		t.Errorf("Skip %d validated", content.MaxSkip+1)
	}
	if err := (content.SearchQuery{Order: content.SearchRelevance, First: 10, Skip: -1}).Validate(); err == nil {
		t.Errorf("Skip -1 validated")
	}
}

// skipAndOracles runs q (with its Skip) and the two oracles of
// TestSkipIsTheCursorWalk on one snapshot of the index: walked is nil when
// the walk ends before Skip results (past the last result), and got is
// nil when the index kept changing under the searches.
func skipAndOracles(ctx context.Context, ix *Index, q content.SearchQuery) (got, walked, tail *content.SearchPage, err error) {
	oracles := func() (walked, tail *content.SearchPage, err error) {
		long := q
		// The index collects any First; only Validate limits it.
		long.First, long.Skip = q.First+q.Skip, 0
		if tail, err = ix.Search(ctx, long); err != nil {
			return nil, nil, err
		}
		tail.Hits = tail.Hits[min(q.Skip, len(tail.Hits)):]
		tail.HasPrevious, tail.Suggestion = q.Skip > 0, nil
		after := ""
		for left := q.Skip; left > 0; {
			walk := q
			walk.Skip, walk.First, walk.After, walk.NoFacets, walk.NoHighlights = 0, min(left, content.MaxPageSize), after, true, true
			res, err := ix.Search(ctx, walk)
			if err != nil {
				return nil, nil, err
			}
			if len(res.Hits) < walk.First {
				return nil, tail, nil // past the last result
			}
			after, left = res.Hits[len(res.Hits)-1].Cursor, left-walk.First
		}
		page := q
		page.Skip, page.After = 0, after
		if walked, err = ix.Search(ctx, page); err != nil {
			return nil, nil, err
		}
		return walked, tail, nil
	}
	for try := 0; try < 20; try++ {
		w1, t1, err := oracles()
		if err != nil {
			return nil, nil, nil, err
		}
		got, err := ix.Search(ctx, q)
		if err != nil {
			return nil, nil, nil, err
		}
		w2, t2, err := oracles()
		if err != nil {
			return nil, nil, nil, err
		}
		if reflect.DeepEqual(w1, w2) && reflect.DeepEqual(t1, t2) {
			return got, w1, t1, nil
		}
		time.Sleep(50 * time.Millisecond) // a background merge moved the statistics
	}
	return nil, nil, nil, nil
}

// samePage reports whether two pages show the same results, counts and
// words.
func samePage(a, b *content.SearchPage) bool {
	return (len(a.Hits) == 0 && len(b.Hits) == 0 || reflect.DeepEqual(a.Hits, b.Hits)) && a.Total == b.Total && a.HasNext == b.HasNext && a.HasPrevious == b.HasPrevious &&
		reflect.DeepEqual(a.Facets, b.Facets) && reflect.DeepEqual(a.OmittedWords, b.OmittedWords) && reflect.DeepEqual(a.Suggestion, b.Suggestion)
}
