package search

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"guidancehub/internal/content"
)

// TestPagesAreSlicesOfOneOrder checks the pages of a search in relevance
// order where rerank scores only its best candidates (20 here, 1,000 in
// the hub) against the oracle, Bleve's own sort of the full query
// (Index.plain) under the same filter, on a generated library of 400
// resources of varied kinds and topics, for generated queries of two to
// four words (phrase pairs, so rerank runs) under no filter and random
// filters:
//   - paging by cursor to the end, with a random page size, shows every
//     match the oracle has exactly once, each with its exact score, and as
//     many as totalCount (breaker9 F1: a match the phrases lift among the
//     candidates but outside them was counted and on no page);
//   - that order is the candidates in the oracle's order, then every other
//     match in the oracle's order;
//   - a page asked by skip, alone or after a cursor, whatever its size, is
//     the slice of that order at its place, cursors included (breaker9 F4:
//     the candidates once grew with the page asked for, so later pages
//     repeated and skipped resources).
func TestPagesAreSlicesOfOneOrder(t *testing.T) {
	rs := facetedLibrary(41, 400)
	ix := indexOf(t, rs, 90)
	ix.texts = memTexts(rs)
	const k = 20
	ctx := context.Background()
	rng := rand.New(rand.NewSource(43))
	filters := []content.Filter{{},
		{Kinds: []content.Kind{content.KindGuidance, content.KindPolicyPosition}},
		{Topics: []string{"charging", "maternity"}},
		{Nations: []string{"england"}, Audiences: []string{"commissioners", "advocates"}}}
	oracle := func(text string, f content.Filter) *content.SearchPage {
		ix.plain = true
		defer func() { ix.plain = false }()
		p, err := ix.Search(ctx, content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: len(rs), NoFacets: true, NoHighlights: true, NoSuggestion: true})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ix.candidates = k
	searched, pastK, cutPages := 0, 0, 0
	for qi, text := range generatedQueries(47, 40) {
		f := filters[qi%len(filters)]
		want := oracle(text, f)
		if want.Total <= k {
			continue
		}
		searched++
		exact := map[int64]float64{}
		rank := map[int64]int{}
		for i, h := range want.Hits {
			exact[h.ID], rank[h.ID] = h.Score, i
		}
		// Every page by cursor.
		var order []content.SearchHit
		q := content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: 5 + rng.Intn(30), NoSuggestion: true, NoHighlights: true, NoFacets: qi%2 == 0}
		for pages := 0; ; pages++ {
			if pages > len(rs) {
				t.Fatalf("%q: more pages than resources", text)
			}
			p, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatalf("%q page %d: %v", text, pages, err)
			}
			if p.Total != want.Total {
				t.Fatalf("%q page %d: total %d, the oracle %d", text, pages, p.Total, want.Total)
			}
			order = append(order, p.Hits...)
			if !p.HasNext {
				break
			}
			q.After = p.Hits[len(p.Hits)-1].Cursor
		}
		seen := map[int64]bool{}
		for i, h := range order {
			s, ok := exact[h.ID]
			switch {
			case seen[h.ID]:
				t.Fatalf("%q %+v: %d shown twice (at %d)", text, f, h.ID, i)
			case !ok:
				t.Fatalf("%q %+v: %d is no match of the oracle", text, f, h.ID)
			case s != h.Score:
				t.Fatalf("%q %+v: %d scores %v, the oracle %v", text, f, h.ID, h.Score, s)
			}
			seen[h.ID] = true
		}
		if len(order) != want.Total {
			t.Fatalf("%q %+v: %d of the %d matches counted are on a page", text, f, len(order), want.Total)
		}
		for i := 1; i < len(order); i++ {
			if i != k && rank[order[i-1].ID] > rank[order[i].ID] {
				t.Fatalf("%q %+v: %d before %d at %d, the oracle's order the other way", text, f, order[i-1].ID, order[i].ID, i)
			}
		}
		if rank[order[k-1].ID] > rank[order[k].ID] {
			pastK++
		}
		// Pages by skip, from the start and after a cursor.
		for n := 0; n < 6; n++ {
			q := content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: 1 + rng.Intn(40), Skip: rng.Intn(len(order) + 1), NoSuggestion: true, NoHighlights: true, NoFacets: true}
			from := 0
			if n%2 == 1 {
				from = rng.Intn(len(order))
				q.After = order[from].Cursor
				from++
			}
			p, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatalf("%q skip %d after %d: %v", text, q.Skip, from, err)
			}
			lo := min(from+q.Skip, len(order))
			hi := min(lo+q.First, len(order))
			if fmt.Sprint(p.Hits) != fmt.Sprint(order[lo:hi]) || p.HasNext != (hi < len(order)) {
				t.Fatalf("%q %+v skip %d first %d after %d:\n got %v (next %v)\nwant %v", text, f, q.Skip, q.First, from, p.Hits, p.HasNext, order[lo:hi])
			}
			if hi > k && lo < k {
				cutPages++
			}
		}
	}
	t.Logf("%d searches above %d matches: %d with a match lifted by the phrases outside the candidates; %d pages by skip across the candidates' end", searched, k, pastK, cutPages)
	if searched < 25 || pastK == 0 || cutPages == 0 {
		t.Errorf("%d searches, %d past the candidates, %d pages across their end: the test misses its cases", searched, pastK, cutPages)
	}
}
