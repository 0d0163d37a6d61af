package search

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"guidancehub/internal/content"
)

// TestCandidateBoundsHoldEveryScore checks the bounds rerank's second pass
// leaves candidates out by (rescorebounds.go) against the full query's
// own scores, the oracle: on a generated library of 400 resources in
// several segments, before and after withdrawals and edits, for generated
// queries of two to four words (synonyms with marked phrases, neighbouring
// words as pair phrases, quoted phrases, stop words, exclusions, typos),
// with 20 to 80 candidates, on one goroutine and split over two, every
// candidate of every bounded pass is scored with the full query (every
// candidate, none left out) and must match it, score at most its upper
// bound and, where the lower bound says it surely matches, at least that.
// The pages themselves are checked against Bleve's in TestFastScoreIsBleves.
func TestCandidateBoundsHoldEveryScore(t *testing.T) {
	rs := generatedLibrary(13, 400)
	ix := indexOf(t, rs, 70)
	ix.rank = DefaultRanking
	// Pairs as phrase queries, read from positions: rerank's path (a
	// marked pair is scored in one exact pass).
	ix.rank.PairMarks = false
	rng := rand.New(rand.NewSource(23))
	off, minDocs, minCands := parallelOff, parallelMinDocs, parallelMinCandidates
	parallelMinDocs, parallelMinCandidates = 0, 0
	defer func() {
		parallelOff, parallelMinDocs, parallelMinCandidates = off, minDocs, minCands
		boundsHook = nil
	}()
	var passes, cands, sure, below int
	boundsHook = func(p *fastPlan, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, his, los []float64, loOK []bool) {
		exact := fullScores(t, p, segs, ids)
		passes++
		var ls []float64
		for i, id := range ids {
			cands++
			s, ok := exact[string(id)]
			if !ok {
				t.Fatalf("candidate %d does not match the full query", id.Value())
			}
			if s > his[i] {
				t.Fatalf("candidate %d scores %v, above its upper bound %v", id.Value(), s, his[i])
			}
			if loOK[i] {
				sure++
				ls = append(ls, los[i])
				if s < los[i] {
					t.Fatalf("candidate %d scores %v, below its lower bound %v", id.Value(), s, los[i])
				}
			}
		}
		// How often a bound is below the 10th best lower bound: the
		// candidates the test's searches could leave out.
		slices.Sort(ls)
		if len(ls) >= 10 {
			for _, h := range his {
				if h < ls[len(ls)-10] {
					below++
				}
			}
		}
	}
	run := func(phase string) {
		left := rescoreLeftOut.Load()
		for _, text := range fastQueries(rng.Int63(), 80) {
			ix.candidates = 20 + rng.Intn(61)
			parallelOff = rng.Intn(2) == 0
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 1 + rng.Intn(10), NoFacets: true, NoHighlights: true, NoSuggestion: true}
			if _, err := ix.Search(context.Background(), q); err != nil {
				t.Fatalf("%s %q: %v", phase, text, err)
			}
		}
		t.Logf("%s: %d bounded second passes, %d candidates, %d surely matching, %d below the 10th lower bound; %d left out", phase, passes, cands, sure, below, rescoreLeftOut.Load()-left)
		if passes < 20 || sure == 0 || below == 0 || rescoreLeftOut.Load() == left {
			t.Fatalf("%s: the bounds were hardly exercised", phase)
		}
	}
	run("fresh")
	withdrawAndEdit(t, ix, rs)
	run("after withdrawals and edits")
}

// TestCandidateBoundsOfGeneratedTrees checks the bounds on query trees
// the hub's own queries rarely build: a first pass of generated terms,
// conjunctions (whose later words the first pass does not read where an
// earlier one is missing), phrases and exclusions, and a full query adding
// optional terms and phrases over the same words in the same fields (terms
// the first pass left unread at a candidate then score in the second).
// Every bounded pass's candidates are scored with the full query, the
// oracle, and must lie within their bounds (as in
// TestCandidateBoundsHoldEveryScore), and every page, on one goroutine or
// split over two, equals the page with every candidate scored.
func TestCandidateBoundsOfGeneratedTrees(t *testing.T) {
	ix := indexOf(t, generatedLibrary(5, 300), 60)
	rng := rand.New(rand.NewSource(29))
	words := []string{"gp", "registration", "charging", "health", "mental", "proof", "address", "asylum", "seekers", "maternity", "care"}
	fields := []string{"title_en", "summary_en", "body_en"}
	match := func(w, f string) query.Query {
		q := query.NewMatchQuery(w)
		q.SetField(f)
		q.SetBoost([]float64{1, 0.5, 2}[rng.Intn(3)])
		return q
	}
	phrase := func(a, b, f string) query.Query {
		q := query.NewMatchPhraseQuery(a + " " + b)
		q.SetField(f)
		return q
	}
	word := func() string { return words[rng.Intn(len(words))] }
	field := func() string { return fields[rng.Intn(len(fields))] }
	var passes, out int
	// Half the passes split over two goroutines (rescoreInOrder).
	off, minDocs, minCands := parallelOff, parallelMinDocs, parallelMinCandidates
	parallelMinDocs, parallelMinCandidates = 0, 0
	splits := parallelRuns.Load()
	defer func() {
		parallelOff, parallelMinDocs, parallelMinCandidates = off, minDocs, minCands
		boundsHook = nil
	}()
	var failed string
	boundsHook = func(p *fastPlan, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, his, los []float64, loOK []bool) {
		passes++
		exact := fullScores(t, p, segs, ids)
		for i, id := range ids {
			s, ok := exact[string(id)]
			switch {
			case !ok:
				failed = "a candidate does not match the full query"
			case s > his[i]:
				failed = fmt.Sprintf("candidate %d scores %v, above its upper bound %v", id.Value(), s, his[i])
			case loOK[i] && s < los[i]:
				failed = fmt.Sprintf("candidate %d scores %v, below its lower bound %v", id.Value(), s, los[i])
			}
		}
	}
	page := func(first, full query.Query, k, size int) []string {
		idx, done := ix.current()
		defer done()
		ctx, err := withBM25Stats(context.Background(), idx)
		if err != nil {
			t.Fatal(err)
		}
		top, _ := newRelevanceTop(size, nil)
		rr := newRerankTop(top, full, idx.Mapping(), k)
		rr.fast = true
		req := bleve.NewSearchRequestOptions(first, 0, 0, false)
		if _, err := ix.searchRequest(rr.context(ctx), idx, req, top, rr, true); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range top.hits() {
			out = append(out, fmt.Sprintf("%s %v", h.ID, h.Score))
		}
		return out
	}
	for i := 0; i < 300; i++ {
		a, b, c, d := word(), word(), word(), word()
		fa, fc := field(), field()
		must := query.NewDisjunctionQuery([]query.Query{match(a, fa), match(b, field())})
		conj := query.NewConjunctionQuery([]query.Query{match(c, fc), match(d, fc)})
		var not []query.Query
		if rng.Intn(3) == 0 {
			not = append(not, match(word(), field()))
		}
		first := query.NewBooleanQuery([]query.Query{must}, []query.Query{conj, match(a, fa)}, not)
		full := query.NewBooleanQuery([]query.Query{must}, []query.Query{conj, match(a, fa)}, not)
		// Optional clauses over the same words in the same fields.
		for j := 0; j < 1+rng.Intn(3); j++ {
			switch rng.Intn(3) {
			case 0:
				full.AddShould(match(d, fc))
			case 1:
				full.AddShould(phrase(c, d, fc))
			default:
				full.AddShould(phrase(a, b, fa))
			}
		}
		k, size := 10+rng.Intn(40), 1+rng.Intn(10)
		parallelOff = rng.Intn(2) == 0
		left := rescoreLeftOut.Load()
		got := page(first, full, k, size)
		out += int(rescoreLeftOut.Load() - left)
		if failed != "" {
			t.Fatalf("%s\nfirst %s\nfull %s", failed, queryString(first), queryString(full))
		}
		rescoreBoundsOff = true
		want := page(first, full, k, size)
		rescoreBoundsOff = false
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("page %v, every candidate scored %v\nfirst %s\nfull %s", got, want, queryString(first), queryString(full))
		}
	}
	split := parallelRuns.Load() - splits
	t.Logf("%d bounded second passes, %d candidates left out; %d scoring passes on two goroutines", passes, out, split)
	if passes < 100 || out == 0 || split < 100 {
		t.Fatal("the bounds were hardly exercised")
	}
}

// fullScores scores every candidate ids with the full query p (none left
// out: the oracle of the bounds), by internal id.
func fullScores(t *testing.T, p *fastPlan, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID) map[string]float64 {
	t.Helper()
	exact := map[string]float64{}
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b index.IndexInternalID) int { return bytes.Compare(a, b) })
	if _, err := rescoreFrom(p, segs, sorted, 0, 0, func(d *search.DocumentMatch) error {
		exact[string(d.IndexInternalID)] = d.Score
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	return exact
}
