package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"guidancehub/internal/content"
)

// facetedLibrary is generatedLibrary with varied facet values: three
// kinds, one to three of six topics, one or two of three audiences and of
// four nations, and a tenth in French and a tenth in Arabic (other
// analysers, other language groups).
func facetedLibrary(seed int64, n int) []*content.Resource {
	rs := generatedLibrary(seed, n)
	rng := rand.New(rand.NewSource(seed + 1))
	kinds := []content.Kind{content.KindGuidance, content.KindResearchBrief, content.KindPolicyPosition}
	topics := []string{"charging", "gp-registration", "maternity", "mental-health", "asylum", "data-sharing"}
	audiences := []string{"commissioners", "clinicians", "advocates"}
	nations := []string{"england", "wales", "scotland", "northern-ireland"}
	some := func(vs []string, most int) []string {
		out := []string{}
		for _, i := range rng.Perm(len(vs))[:1+rng.Intn(most)] {
			out = append(out, vs[i])
		}
		return out
	}
	for _, r := range rs {
		r.Kind = kinds[rng.Intn(len(kinds))]
		r.Topics, r.Audiences, r.Nations = some(topics, 3), some(audiences, 2), some(nations, 2)
		switch rng.Intn(10) {
		case 0:
			r.Language = "fr"
		case 1:
			r.Language = "ar"
		}
	}
	return rs
}

// TestFacetSetsMatchFacetQuery checks the facets counted from the
// postings' sets (facetsets.go) against the facetQuery's count in the
// search's own pass, the path they replace, and against Bleve's facet
// builders (Index.plain): on a generated library of 400 resources with
// varied kinds, topics, audiences, nations and languages, indexed in
// several segments, then with 40 withdrawn and 40 edited (deleted
// documents in old segments), for generated queries of one to four words
// (synonyms with marked phrases, quoted phrases, stop words, exclusions,
// typos, kind and language words) under random filters of up to four
// fields, in relevance order, through the single pass and through rerank
// (20 candidates), first pages and pages by cursor: whole pages (hits,
// scores, cursors, totals, facets, highlights, omitted words) must be
// equal; and so must a quarter of them counted through the text query's
// searcher (the sets' fallback). It fails when too few searches took the
// sets.
func TestFacetSetsMatchFacetQuery(t *testing.T) {
	rs := facetedLibrary(17, 400)
	ix := indexOf(t, rs, 70)
	texts := map[int64]*content.Resource{}
	for _, r := range rs {
		texts[r.ID] = r
	}
	ix.texts = func(_ context.Context, ids []int64) ([]*content.Resource, error) {
		var out []*content.Resource
		for _, id := range ids {
			if r, ok := texts[id]; ok {
				out = append(out, r)
			}
		}
		return out, nil
	}
	rng := rand.New(rand.NewSource(19))
	run := func(phase string) {
		ran, missed := 0, 0
		ix.facetSetsRan = func() { ran++ }
		ix.facetSetsMissed = func() { missed++ }
		defer func() { ix.facetSetsRan, ix.facetSetsMissed = nil, nil }()
		searches, plains, noHighlights := 0, 0, 0
		for _, text := range fastQueries(rng.Int63(), 20) {
			for _, cands := range []int{0, 20} {
				ix.candidates = cands
				q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 1 + rng.Intn(10), NoSuggestion: true}
				if rng.Intn(4) != 0 {
					q.Filter = randomFilter(rng, rs)
				}
				for page := 0; page < 2; page++ {
					got, want, err := knobOnOneSnapshot(ix, q, func(on bool) { ix.noFacetSets = on })
					searches++
					if err != nil {
						t.Fatalf("%s %q: %v", phase, text, err)
					}
					if want == nil {
						break
					}
					if n := heldSnapshots.Load(); n != 0 {
						t.Fatalf("%s %q: %d snapshots still held after the searches", phase, text, n)
					}
					if len(got.Hits) > 0 && len(got.Hits[0].Highlights) == 0 && len(want.Hits[0].Highlights) == 0 {
						noHighlights++
					}
					if !reflect.DeepEqual(got.Facets, want.Facets) {
						t.Fatalf("%s %q filter %+v page %d: facets\n got %+v\nwant %+v", phase, text, q.Filter, page, got.Facets, want.Facets)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %q filter %+v page %d:\n got %s\nwant %s", phase, text, q.Filter, page, summary(got), summary(want))
					}
					if rng.Intn(4) == 0 {
						// The sets' fallback: the text query's searcher.
						want, by, err := knobOnOneSnapshot(ix, q, func(on bool) { ix.facetSetsBySearcher = on })
						if err != nil || !reflect.DeepEqual(by, want) {
							t.Fatalf("%s %q filter %+v page %d: through the searcher (error %v)\n got %s %+v\nwant %s %+v", phase, text, q.Filter, page, err, summary(by), by.Facets, summary(want), want.Facets)
						}
					}
					if cands == 0 && page == 0 && rng.Intn(3) == 0 {
						// Bleve's facet builders, one more search per
						// facet whose filter is set.
						plains++
						comparePages(t, ix, q, fmt.Sprintf("%s %q filter %+v", phase, text, q.Filter))
					}
					if !got.HasNext || len(got.Hits) == 0 {
						break
					}
					q.After = got.Hits[len(got.Hits)-1].Cursor
				}
			}
		}
		t.Logf("%s: %d searches equal (%d also to Bleve's facets); facets from sets %d, through a searcher %d", phase, searches, plains, ran, missed)
		if 2*noHighlights > searches {
			t.Errorf("%s: %d of %d first hits without highlights", phase, noHighlights, searches)
		}
		if 2*ran < searches || missed == 0 {
			t.Errorf("%s: only %d of %d searches counted their facets from sets", phase, ran, searches)
		}
	}
	ix.rank = DefaultRanking
	run("fresh")
	var gone, ids []int64
	edited := map[int64]*content.Resource{}
	for i, r := range rs {
		switch {
		case i%10 == 3:
			gone = append(gone, r.ID)
		case i%10 == 6:
			c := *r
			c.Title = r.Title + " gp registration"
			c.Body = r.Body + " general practice charging"
			c.Kind, c.Topics, c.Nations = content.KindPolicyPosition, []string{"asylum"}, []string{"wales"}
			edited[r.ID] = &c
			texts[r.ID] = &c
			ids = append(ids, r.ID)
		}
	}
	if err := ix.apply(gone, nil, 2); err != nil {
		t.Fatal(err)
	}
	if err := ix.apply(ids, edited, 3); err != nil {
		t.Fatal(err)
	}
	run("after withdrawals and edits")
}

// knobOnOneSnapshot runs q with set(true) (the reference), set(false)
// and set(true) again, until both references agree (the index merges
// segments in the background for a while after a build or an update, and
// BM25's statistics can move with them: see compareOnOneSnapshot). It
// returns (nil, nil, nil) when all three fail alike, and leaves set(false).
func knobOnOneSnapshot(ix *Index, q content.SearchQuery, set func(bool)) (got, want *content.SearchPage, err error) {
	ctx := context.Background()
	defer set(false)
	for try := 0; try < 20; try++ {
		set(true)
		want, werr := ix.Search(ctx, q)
		set(false)
		got, gerr := ix.Search(ctx, q)
		set(true)
		again, aerr := ix.Search(ctx, q)
		if (werr == nil) != (aerr == nil) || !reflect.DeepEqual(want, again) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if (werr != nil) != (gerr != nil) {
			return nil, nil, fmt.Errorf("error %v, the reference's %v", gerr, werr)
		}
		if werr != nil {
			return nil, nil, nil
		}
		return got, want, nil
	}
	return nil, nil, fmt.Errorf("the index kept changing")
}

// TestAtLeastSet checks atLeastSet against counting each document's
// sets, over generated sets and every k.
func TestAtLeastSet(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for round := 0; round < 200; round++ {
		sets := make([]*roaring.Bitmap, rng.Intn(6))
		for i := range sets {
			sets[i] = roaring.New()
			for j := rng.Intn(80); j > 0; j-- {
				sets[i].Add(uint32(rng.Intn(100)))
			}
		}
		for k := 0; k <= len(sets)+1; k++ {
			want := roaring.New()
			for d := uint32(0); d < 100; d++ {
				n := 0
				for _, s := range sets {
					if s.Contains(d) {
						n++
					}
				}
				if n >= max(1, k) {
					want.Add(d)
				}
			}
			if got := atLeastSet(sets, k); !got.Equals(want) {
				t.Fatalf("%d sets, k %d: got %v, want %v", len(sets), k, got.ToArray(), want.ToArray())
			}
		}
	}
}

// TestPostponedFacetsLetGo checks that a search whose facets are counted
// after it (pendingSets) lets go of its snapshot on every way out: pages
// answered, a highlight source that fails (the search's error), and
// later pages past rerank's candidates (the first pass is run again).
func TestPostponedFacetsLetGo(t *testing.T) {
	rs := facetedLibrary(23, 300)
	ix := indexOf(t, rs, 60)
	ix.candidates = 5
	failing := errors.New("no texts today")
	ctx := context.Background()
	errs, pages := 0, 0
	for i, text := range fastQueries(29, 30) {
		ix.texts = memTexts(rs)
		if i%3 == 0 {
			ix.texts = func(context.Context, []int64) ([]*content.Resource, error) { return nil, failing }
		}
		q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 3, NoSuggestion: true}
		for page := 0; page < 4; page++ {
			p, err := ix.Search(ctx, q)
			if n := heldSnapshots.Load(); n != 0 {
				t.Fatalf("%q page %d (error %v): %d snapshots held after the search", text, page, err, n)
			}
			if err != nil {
				if !errors.Is(err, failing) {
					t.Fatalf("%q: %v", text, err)
				}
				errs++
				break
			}
			pages++
			if !p.HasNext || len(p.Hits) == 0 {
				break
			}
			q.After = p.Hits[len(p.Hits)-1].Cursor
		}
	}
	if errs == 0 || pages < 20 {
		t.Errorf("%d failed searches, %d pages: the test misses its cases", errs, pages)
	}
}

// TestFacetSetsPanicReachesTheSearch checks that a panic while the
// postponed facets are counted on their own goroutine (a damaged segment
// read there) is raised on the search's goroutine, where the Syncer turns
// it into "damaged" (heal.go), instead of ending the process; that the
// snapshot is let go; and that the next search answers as before.
func TestFacetSetsPanicReachesTheSearch(t *testing.T) {
	rs := facetedLibrary(31, 200)
	ix := indexOf(t, rs, 50)
	ix.texts = memTexts(rs)
	defer func() { facetSetsHook = nil }()
	q := content.SearchQuery{Text: "gp registration", Order: content.SearchRelevance, First: 10, NoSuggestion: true}
	want, err := ix.Search(context.Background(), q)
	if err != nil || len(want.Hits) == 0 || len(want.Hits[0].Highlights) == 0 {
		t.Fatalf("first search: %v, %s", err, summary(want))
	}
	facetSetsHook = func() { panic("a damaged segment") }
	func() {
		defer func() {
			if p := recover(); p != "a damaged segment" {
				t.Errorf("the search's goroutine recovered %v", p)
			}
		}()
		_, err := ix.Search(context.Background(), q)
		t.Errorf("the search answered (error %v) instead of raising the panic", err)
	}()
	if n := heldSnapshots.Load(); n != 0 {
		t.Errorf("%d snapshots held after the panic", n)
	}
	facetSetsHook = nil
	got, err := ix.Search(context.Background(), q)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("the next search: %v, %s\nwant %s", err, summary(got), summary(want))
	}
}
