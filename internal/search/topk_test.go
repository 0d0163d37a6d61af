package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"guidancehub/internal/content"
)

// streamHit is one match of a query: its document number and score.
type streamHit struct {
	doc   uint64
	score float64
}

// fastStream is every match fastScore hands over for q, in order; ok false
// when q does not compile.
func fastStream(tb testing.TB, ctx context.Context, idx bleve.Index, q query.Query) ([]streamHit, bool) {
	tb.Helper()
	var out []streamHit
	maker := func(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		return func(d *search.DocumentMatch) error {
			if d != nil {
				out = append(out, streamHit{d.IndexInternalID.Value(), d.Score})
				sc.DocumentMatchPool.Put(d)
			}
			return nil
		}, false, nil
	}
	ctx = context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(maker))
	total, _, err := fastScore(ctx, idx, q, nil, 0, nil)
	var u fastUnsupported
	if errors.As(err, &u) {
		return nil, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	if total != uint64(len(out)) {
		tb.Fatalf("total %d, %d matches handed over", total, len(out))
	}
	return out, true
}

// bleveStream is every match of q by Bleve's own searcher tree over the
// index's snapshot: the oracle.
func bleveStream(tb testing.TB, ctx context.Context, idx bleve.Index, q query.Query) []streamHit {
	tb.Helper()
	ai, err := idx.Advanced()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := ai.Reader()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey, search.GetScoringModelCallbackFn(func() string { return index.BM25Scoring }))
	s, err := q.Searcher(ctx, r, idx.Mapping(), search.SearcherOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	var out []streamHit
	for {
		d, err := s.Next(sc)
		if err != nil {
			tb.Fatal(err)
		}
		if d == nil {
			return out
		}
		out = append(out, streamHit{d.IndexInternalID.Value(), d.Score})
		sc.DocumentMatchPool.Put(d)
	}
}

// checkStreams compares fastScore with Bleve on every query recorded,
// match by match, scores to the bit; it returns how many compiled.
func checkStreams(tb testing.TB, ix *Index, qs []query.Query) int {
	tb.Helper()
	n := 0
	for _, q := range qs {
		// A background merge renumbers the documents: the three streams
		// are compared only when Bleve's is the same before and after
		// them (the same snapshot's), else read again.
		for try := 0; ; try++ {
			idx, done := ix.current()
			ctx, err := withBM25Stats(context.Background(), idx)
			if err != nil {
				tb.Fatal(err)
			}
			want := bleveStream(tb, ctx, idx, q)
			got, ok := fastStream(tb, ctx, idx, q)
			if !ok {
				tb.Fatalf("a query fastScore ran no longer compiles")
			}
			ev, evOK := evalStream(tb, ctx, idx, q)
			again := bleveStream(tb, ctx, idx, q)
			done()
			if !reflect.DeepEqual(want, again) {
				if try == 20 {
					tb.Fatalf("the index kept changing")
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if evOK && !reflect.DeepEqual(ev, want) {
				i := 0
				for i < len(ev) && i < len(want) && ev[i] == want[i] {
					i++
				}
				tb.Fatalf("evalAt over every document: %d matches, Bleve %d; first difference at %d: %v, Bleve %v\nquery %s", len(ev), len(want), i, at(ev, i), at(want, i), queryString(q))
			}
			if !reflect.DeepEqual(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				tb.Fatalf("%d matches, Bleve %d; first difference at %d: got %v, Bleve %v\nquery %s", len(got), len(want), i, at(got, i), at(want, i), queryString(q))
			}
			break
		}
		n++
	}
	return n
}

func at(s []streamHit, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "none"
}

// queryString shows a query for a failure message.
func queryString(q query.Query) string {
	b, err := json.Marshal(q)
	if err != nil {
		return fmt.Sprintf("%#v", q)
	}
	return string(b)
}

// fastQueries are the generated queries of TestFastScoreIsBleves: words
// of the generated library (their synonyms among them: gp's phrases are
// marked), quoted phrases, stop words, exclusions, typos, language and
// kind words.
func fastQueries(seed int64, n int) []string {
	rng := rand.New(rand.NewSource(seed))
	extra := []string{"-charging", "-gp", `"proof of address"`, "the", "of", "registraton", "chargng", "guidance",
		"english", "general practice", "family doctor", "a&e", "covid-19", "healthcare", "health care", "zzqx"}
	var out []string
	for len(out) < n {
		k := 1 + rng.Intn(4)
		ws := make([]string, k)
		for i := range ws {
			if rng.Intn(4) == 0 {
				ws[i] = extra[rng.Intn(len(extra))]
			} else {
				ws[i] = rerankVocabulary[rng.Intn(len(rerankVocabulary))]
			}
		}
		out = append(out, strings.Join(ws, " "))
	}
	return out
}

// TestFastScoreIsBleves checks fastScore against Bleve's own searchers,
// the oracle, on a generated library of 400 resources indexed in several
// segments, then with 40 withdrawn and 40 edited (deleted documents in
// old segments): for generated queries of one to four words (synonyms
// with marked phrases, quoted phrases, stop words, exclusions, typos,
// kind and language words) under random filters, in relevance order,
// first pages, pages by cursor and by skip, through the single pass and
// through rerank (20 candidates, pairs read from positions):
//   - every query fastScore ran gives, over the same snapshot, exactly
//     Bleve's matches in Bleve's order with Bleve's scores (float64 bits);
//   - every page (ids, scores, cursors, totals, omitted words) equals the
//     page of the same search with fastScore off.
func TestFastScoreIsBleves(t *testing.T) {
	rs := generatedLibrary(7, 400)
	ix := indexOfWith(t, rs, 70, func(ix *Index) { ix.pairs, ix.rank.PairMarks = true, true }) // Options.PhrasePairs
	rng := rand.New(rand.NewSource(11))
	every := pruneEvery
	pruneEvery = 3
	defer func() { pruneEvery = every }()
	// Half the searches score on two goroutines (parallel.go), half on
	// one, whatever the machine.
	off, minDocs, minCands := parallelOff, parallelMinDocs, parallelMinCandidates
	parallelMinDocs, parallelMinCandidates = 0, 0
	defer func() { parallelOff, parallelMinDocs, parallelMinCandidates = off, minDocs, minCands }()
	run := func(phase string) {
		var ran []query.Query
		missed := map[string]int{}
		var scored, matched uint64
		ix.fastRan = func(q query.Query, s, m uint64) {
			ran = append(ran, q)
			scored += s
			matched += m
		}
		ix.fastMissed = func(what string) { missed[what]++ }
		defer func() { ix.fastRan, ix.fastMissed = nil, nil }()
		ctx := context.Background()
		searches, pages := 0, 0
		splits := parallelRuns.Load()
		for _, text := range fastQueries(rng.Int63(), 60) {
			for _, cands := range []int{0, 20} {
				ix.candidates = cands
				// The single pass with pairs marked; rerank (which
				// splits over two goroutines) with pairs as phrase
				// queries, as for a pair with a stop word inside.
				ix.rank.PairMarks = cands == 0
				parallelOff = rng.Intn(2) == 0
				q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 1 + rng.Intn(10), NoFacets: true, NoHighlights: true, NoSuggestion: true}
				if rng.Intn(3) == 0 {
					q.Filter = randomFilter(rng, rs)
				}
				if rng.Intn(4) == 0 {
					q.Skip = rng.Intn(30)
				}
				for page := 0; page < 3; page++ {
					ix.slowScore = true
					want, werr := ix.Search(ctx, q)
					ix.slowScore = false
					got, gerr := ix.Search(ctx, q)
					searches++
					if (werr == nil) != (gerr == nil) {
						t.Fatalf("%s %q: error %v, Bleve's %v", phase, text, gerr, werr)
					}
					if werr != nil {
						break
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %+v page %d:\n got %s\nwant %s", phase, q, page, summary(got), summary(want))
					}
					pages++
					if !got.HasNext || len(got.Hits) == 0 {
						break
					}
					q.After, q.Skip = got.Hits[len(got.Hits)-1].Cursor, 0
				}
			}
		}
		n := checkStreams(t, ix, ran)
		t.Logf("%s: %d searches, %d pages equal; %d scoring passes through fastScore, each equal to Bleve's, %d of their %d matches scored; through Bleve: %v", phase, searches, pages, n, scored, matched, missed)
		if 10*(matched-scored) < matched {
			t.Errorf("%s: pruning left out only %d of %d matches", phase, matched-scored, matched)
		}
		if 3*n < searches {
			t.Errorf("%s: only %d of %d searches went through fastScore", phase, n, searches)
		}
		if split := parallelRuns.Load() - splits; split < int64(searches)/8 {
			t.Errorf("%s: only %d of %d searches scored on two goroutines", phase, split, searches)
		} else {
			t.Logf("%s: %d scoring passes on two goroutines", phase, split)
		}
	}
	ix.rank = DefaultRanking
	run("fresh")
	withdrawAndEdit(t, ix, rs)
	run("after withdrawals and edits")
}

// evalStream is every match of q through fastRescore's evalAt, asked for
// every live document of the index (not only candidates); ok false when
// q does not compile there (a filter).
func evalStream(tb testing.TB, ctx context.Context, idx bleve.Index, q query.Query) ([]streamHit, bool) {
	tb.Helper()
	ai, err := idx.Advanced()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := ai.Reader()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var ids []index.IndexInternalID
	var base uint64
	for _, s := range r.(*scorch.IndexSnapshot).Segments() {
		for d := uint64(0); d < s.Segment().Count(); d++ {
			if del := s.Deleted(); del == nil || !del.Contains(uint32(d)) {
				ids = append(ids, index.NewIndexInternalID(nil, base+d))
			}
		}
		base += s.Segment().Count()
	}
	var out []streamHit
	_, err = fastRescore(ctx, r, q, idx.Mapping(), ids, nil, func(d *search.DocumentMatch) error {
		out = append(out, streamHit{d.IndexInternalID.Value(), d.Score})
		return nil
	})
	var u fastUnsupported
	if errors.As(err, &u) {
		return nil, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	return out, true
}

// TestCandidatesKeptWhateverTheOrder checks rerankTop's candidates against
// a sort, the oracle: offered in any order (document order, as Bleve's
// searchers hand hits over; reversed; shuffled; in two halves merged, as
// scoreInParallel does), the candidates kept are the k best by score, then
// by the earlier document, on generated hits with many equal scores.
func TestCandidatesKeptWhateverTheOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for round := 0; round < 300; round++ {
		n, k := 1+rng.Intn(200), 1+rng.Intn(40)
		hits := make([]candidate, n)
		for i := range hits {
			// Few distinct scores: ties at the k-th place are the rule.
			hits[i] = candidate{score: float64(rng.Intn(1 + rng.Intn(6))), id: index.NewIndexInternalID(nil, uint64(i))}
		}
		want := slices.Clone(hits)
		sort.SliceStable(want, func(i, j int) bool { return worse(want[j], want[i]) })
		want = want[:min(k, n)]
		kept := func(r *rerankTop) []candidate {
			got := slices.Clone([]candidate(r.cands))
			sort.SliceStable(got, func(i, j int) bool { return worse(got[j], got[i]) })
			return got
		}
		offerAll := func(r *rerankTop, hs []candidate) {
			for _, h := range hs {
				r.offerCandidate(h.score, h.id)
			}
		}
		orders := map[string][]candidate{"document": hits, "reversed": slices.Clone(hits), "shuffled": slices.Clone(hits)}
		slices.Reverse(orders["reversed"])
		rng.Shuffle(n, func(i, j int) {
			orders["shuffled"][i], orders["shuffled"][j] = orders["shuffled"][j], orders["shuffled"][i]
		})
		for name, hs := range orders {
			r := &rerankTop{k: k}
			offerAll(r, hs)
			if got := kept(r); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %s order, k %d: kept %v, want %v", round, name, k, got, want)
			}
		}
		mid := rng.Intn(n + 1)
		a, b := &rerankTop{k: k}, &rerankTop{k: k}
		offerAll(a, hits[:mid])
		offerAll(b, hits[mid:])
		offerAll(a, b.cands)
		if got := kept(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d, halves at %d, k %d: kept %v, want %v", round, mid, k, got, want)
		}
	}
}

// TestSharedIteratorsKeepEachLeafsWeight checks the iterators evalAt
// shares between the leaves naming one term in one field (leafIterators)
// against Bleve's own searchers, the oracle: generated queries that name
// the same words in the same fields with different boosts, as terms, in
// phrases and under exclusions, each scored through fastScore and through
// evalAt over every live document, equal to Bleve's stream to the bit.
func TestSharedIteratorsKeepEachLeafsWeight(t *testing.T) {
	ix := indexOf(t, generatedLibrary(3, 300), 60)
	rng := rand.New(rand.NewSource(17))
	words := []string{"gp", "registration", "charging", "health", "mental", "proof", "address", "asylum", "seekers"}
	fields := []string{"title_en", "summary_en", "body_en"}
	boosts := []float64{1, 0.5, 2, 3.5}
	match := func(w, f string) query.Query {
		q := query.NewMatchQuery(w)
		q.SetField(f)
		q.SetBoost(boosts[rng.Intn(len(boosts))])
		return q
	}
	var qs []query.Query
	for len(qs) < 150 {
		a, b := words[rng.Intn(len(words))], words[rng.Intn(len(words))]
		f := fields[rng.Intn(len(fields))]
		must := query.NewDisjunctionQuery([]query.Query{match(a, f), match(a, f), match(b, fields[rng.Intn(len(fields))])})
		ph := query.NewMatchPhraseQuery(a + " " + b)
		ph.SetField(f)
		ph.SetBoost(boosts[rng.Intn(len(boosts))])
		bq := query.NewBooleanQuery([]query.Query{must}, []query.Query{ph, match(b, f), match(a, f)}, nil)
		if rng.Intn(3) == 0 {
			bq.AddMustNot(match(words[rng.Intn(len(words))], f))
		}
		qs = append(qs, bq)
	}
	if n := checkStreams(t, ix, qs); n != len(qs) {
		t.Fatalf("%d of %d queries checked", n, len(qs))
	}
}

// TestSecondCorePanicIsAnError checks that a panic on the second goroutine
// of a split search (parallel.go) becomes an error of that search, not the
// end of the process, and that the next search answers as before.
func TestSecondCorePanicIsAnError(t *testing.T) {
	ix := indexOf(t, generatedLibrary(9, 200), 50)
	ix.rank = DefaultRanking
	ix.candidates = 20
	off, minDocs, minCands := parallelOff, parallelMinDocs, parallelMinCandidates
	parallelOff, parallelMinDocs, parallelMinCandidates = false, 0, 0
	defer func() {
		parallelOff, parallelMinDocs, parallelMinCandidates = off, minDocs, minCands
		secondCoreHook = nil
	}()
	q := content.SearchQuery{Text: "gp registration", Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true}
	want, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	runs := parallelRuns.Load()
	secondCoreHook = func() { panic("a bug on the second core") }
	if _, err := ix.Search(context.Background(), q); err == nil || !strings.Contains(err.Error(), "second core") {
		t.Fatalf("search with a panic on the second core: error %v", err)
	}
	if parallelRuns.Load() == runs {
		t.Fatal("the search did not split")
	}
	secondCoreHook = nil
	got, err := ix.Search(context.Background(), q)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("the next search: %v, %s\nwant %s", err, summary(got), summary(want))
	}
}

// withdrawAndEdit withdraws a tenth of rs (the 4th of every ten) and edits
// another tenth (the 7th: title and body gain words of the generated
// queries), in two batches after the build: deleted documents in old
// segments, and new ones.
func withdrawAndEdit(t *testing.T, ix *Index, rs []*content.Resource) {
	t.Helper()
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
			edited[r.ID] = &c
			ids = append(ids, r.ID)
		}
	}
	if err := ix.apply(gone, nil, 2); err != nil {
		t.Fatal(err)
	}
	if err := ix.apply(ids, edited, 3); err != nil {
		t.Fatal(err)
	}
}
