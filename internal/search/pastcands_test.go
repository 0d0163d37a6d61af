package search

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
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
//     repeated and skipped resources);
//   - a cursor past the candidates, once the search has no more matches
//     than candidates, pages on through every match after it in the
//     oracle's order (breaker10 F3: withdrawals since left an empty page).
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
	searched, pastK, cutPages, shrunk := 0, 0, 0, 0
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
		// A cursor past the candidates, used once the search has no more
		// matches than candidates (withdrawals since; here the candidates
		// raised to the total): every match after it in the full query's
		// order (breaker10 F3: an empty last page).
		if want.Total < len(rs) {
			j := k + rng.Intn(len(order)-k)
			ix.candidates = want.Total
			p, err := ix.Search(ctx, content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: len(rs), After: order[j].Cursor, NoSuggestion: true, NoHighlights: true, NoFacets: true})
			ix.candidates = k
			if err != nil {
				t.Fatalf("%q: past cursor once the search shrank: %v", text, err)
			}
			var got, rest []int64
			for _, h := range p.Hits {
				got = append(got, h.ID)
			}
			for _, h := range want.Hits[rank[order[j].ID]+1:] {
				rest = append(rest, h.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(rest) {
				t.Fatalf("%q %+v: after the cursor of %d (at %d) once the search has no more matches than candidates:\n got %v\nwant %v", text, f, order[j].ID, j, got, rest)
			}
			shrunk++
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
	t.Logf("%d searches above %d matches: %d with a match lifted by the phrases outside the candidates; %d pages by skip across the candidates' end; %d past cursors once the search shrank", searched, k, pastK, cutPages, shrunk)
	if searched < 25 || pastK == 0 || cutPages == 0 || shrunk < 10 {
		t.Errorf("%d searches, %d past the candidates, %d pages across their end: the test misses its cases", searched, pastK, cutPages)
	}
}

// TestCursorFollowsTheFilterNotItsSpelling: a search's cursor is taken by
// the same search with its filter written another way (lists in another
// order, a value twice, an empty list for none, language tags in capitals)
// and gives the same next page (breaker10 F4: refused as "a different
// search"); a filter that selects other resources, or the other order,
// refuses it as a different search (breaker10 F6: the other order's
// cursor had the message of a malformed one). Generated filters and
// queries on the generated library.
func TestCursorFollowsTheFilterNotItsSpelling(t *testing.T) {
	rs := facetedLibrary(53, 300)
	ix := indexOf(t, rs, 100)
	ix.texts = memTexts(rs)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(59))
	kinds := []content.Kind{content.KindGuidance, content.KindResearchBrief, content.KindPolicyPosition}
	topics := []string{"charging", "gp-registration", "maternity", "mental-health", "asylum", "data-sharing"}
	langs := []string{"en", "fr", "ar"}
	pick := func(vs []string) []string {
		var out []string
		for _, i := range rng.Perm(len(vs))[:rng.Intn(len(vs)+1)] {
			out = append(out, vs[i])
		}
		return out
	}
	// respell writes the same list another way.
	respell := func(vs []string, upper bool) []string {
		if len(vs) == 0 {
			if rng.Intn(2) == 0 {
				return []string{}
			}
			return nil
		}
		out := append([]string(nil), vs...)
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		if rng.Intn(2) == 0 {
			out = append(out, out[rng.Intn(len(out))])
		}
		for i := range out {
			if upper && rng.Intn(2) == 0 {
				out[i] = strings.ToUpper(out[i])
			}
		}
		return out
	}
	kindStrings := func(ks []content.Kind) []string {
		var out []string
		for _, k := range ks {
			out = append(out, string(k))
		}
		return out
	}
	toKinds := func(vs []string) []content.Kind {
		if vs == nil {
			return nil
		}
		out := []content.Kind{}
		for _, v := range vs {
			out = append(out, content.Kind(v))
		}
		return out
	}
	tried, refused := 0, 0
	for _, text := range generatedQueries(61, 60) {
		var f content.Filter
		for _, i := range rng.Perm(3)[:rng.Intn(3)] {
			f.Kinds = append(f.Kinds, kinds[i])
		}
		f.Topics, f.Languages = pick(topics), pick(langs)
		q := content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: 3, NoSuggestion: true, NoHighlights: true}
		p, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("%q %+v: %v", text, f, err)
		}
		if !p.HasNext {
			continue
		}
		tried++
		q.After = p.Hits[len(p.Hits)-1].Cursor
		want, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		v := q
		v.Filter = content.Filter{Kinds: toKinds(respell(kindStrings(f.Kinds), false)), Topics: respell(f.Topics, false), Languages: respell(f.Languages, true)}
		got, err := ix.Search(ctx, v)
		if err != nil || fmt.Sprint(got.Hits) != fmt.Sprint(want.Hits) || got.Total != want.Total {
			t.Fatalf("%q: the cursor of filter %+v with %+v: %v\n got %v\nwant %v", text, f, v.Filter, err, got, want.Hits)
		}
		// Another filter: one topic more or less; the other order.
		o := q
		o.Filter = f
		if len(f.Topics) > 0 {
			o.Filter.Topics = f.Topics[1:]
		} else {
			o.Filter.Topics = []string{topics[rng.Intn(len(topics))]}
		}
		n := q
		n.Order = content.SearchNewest
		for _, other := range []content.SearchQuery{o, n} {
			_, err := ix.Search(ctx, other)
			if content.ErrorCode(err) != content.EINVALID || !strings.Contains(err.Error(), "different search") {
				t.Fatalf("%q: the cursor of filter %+v, order %v with filter %+v, order %v: %v, want INVALID_ARGUMENT naming a different search", text, f, q.Order, other.Filter, other.Order, err)
			}
			refused++
		}
	}
	if tried < 15 {
		t.Fatalf("%d searches with a second page: too few to tell", tried)
	}
	t.Logf("%d cursors taken with the filter respelled, %d refused for another search", tried, refused)
}

// TestCursorFollowsTheWordsAsSearched (breaker11 F1): a cursor is taken
// only by a search that orders the library as the one it came from, when
// the two are typed alike but for capitals (a capital makes a word a name,
// never typo-matched: "asylum Seker" finds other resources than "asylum
// seker"). Generated pairs of queries of library words and misspellings
// that differ only in capitals and spaces: when the second takes the
// first's cursor, its whole order is the first's; when the orders differ,
// the cursor is refused as made for a different search.
func TestCursorFollowsTheWordsAsSearched(t *testing.T) {
	rs := facetedLibrary(89, 300)
	ix := indexOf(t, rs, 100)
	ix.texts = memTexts(rs)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(97))
	all := func(text string) string {
		p, err := ix.Search(ctx, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: content.MaxPageSize, NoSuggestion: true, NoHighlights: true, NoFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(p.Total, p.Hits)
	}
	vary := func(ws []string) string {
		out := make([]string, len(ws))
		for i, w := range ws {
			switch rng.Intn(3) {
			case 0:
				w = strings.ToUpper(w[:1]) + w[1:]
			case 1:
				w = strings.ToUpper(w)
			}
			out[i] = w
		}
		return strings.Join(out, strings.Repeat(" ", 1+rng.Intn(2)))
	}
	taken, refused := 0, 0
	for n := 0; n < 80; n++ {
		var ws []string
		for range 1 + rng.Intn(3) {
			w := rerankVocabulary[rng.Intn(len(rerankVocabulary))]
			if len(w) > 4 && rng.Intn(2) == 0 {
				i := 1 + rng.Intn(len(w)-2)
				w = w[:i] + w[i+1:] // a misspelling
			}
			ws = append(ws, w)
		}
		a, b := vary(ws), vary(ws)
		pa, err := ix.Search(ctx, content.SearchQuery{Text: a, Order: content.SearchRelevance, First: 2, NoSuggestion: true, NoHighlights: true, NoFacets: true})
		if err != nil || !pa.HasNext {
			continue
		}
		_, err = ix.Search(ctx, content.SearchQuery{Text: b, Order: content.SearchRelevance, First: 2, After: pa.Hits[1].Cursor, NoSuggestion: true, NoHighlights: true, NoFacets: true})
		same := all(a) == all(b)
		switch {
		case err == nil && !same:
			t.Fatalf("%q took the cursor of %q, whose results differ", b, a)
		case err != nil && (content.ErrorCode(err) != content.EINVALID || !strings.Contains(err.Error(), "different search")):
			t.Fatalf("%q with the cursor of %q: %v", b, a, err)
		case err == nil:
			taken++
		default:
			refused++
		}
	}
	if taken < 5 || refused < 5 {
		t.Fatalf("%d cursors taken, %d refused: too few to tell", taken, refused)
	}
	t.Logf("%d cursors taken by a search typed otherwise, %d refused", taken, refused)
}
