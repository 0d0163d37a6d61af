package search

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"guidancehub/internal/content"
)

// pairTexts are generated two-word phrases for the pair marks' tests:
// neighbouring words of the library's own texts (so most are found),
// those words in capitals or with punctuation between them, words of
// different texts side by side, a word twice, and phrases with a stop
// word inside (an empty position: not marked, read from positions).
func pairTexts(rng *rand.Rand, rs []*content.Resource, n int) []string {
	var out []string
	for len(out) < n {
		r := rs[rng.Intn(len(rs))]
		texts := append([]string{r.Title, r.Summary, r.Body}, r.Details.Actions...)
		ws := strings.Fields(texts[rng.Intn(len(texts))])
		if len(ws) < 3 {
			continue
		}
		i := rng.Intn(len(ws) - 2)
		a, b := ws[i], ws[i+1]
		switch rng.Intn(8) {
		case 0:
			a, b = strings.ToUpper(a), strings.ToUpper(b)
		case 1:
			a += "."
		case 2:
			b = markFiller[rng.Intn(len(markFiller))]
		case 3:
			b = a
		case 4:
			out = append(out, a+" "+[]string{"of", "the", "and"}[rng.Intn(3)]+" "+ws[i+2])
			continue
		case 5:
			out = append(out, a+" "+b+" "+ws[i+2])
			continue
		}
		out = append(out, a+" "+b)
	}
	return out
}

// TestPairMarksMatchPhraseQueries: on a generated library in every
// language group (punctuation, stop words, several texts in one field),
// every generated phrase that analyses to two terms at neighbouring
// positions is marked (markedPhraseOr), and the marked query finds in every
// text field of every group exactly the documents, with exactly the
// scores, of the phrase query it stands for (the oracle: Bleve's
// MatchPhraseQuery, reading positions), scored and unscored; a phrase
// with an empty position or more terms is not marked; after a build and
// after edits and withdrawals applied from the change log.
//
// Both queries of a comparison are searched on one snapshot of the index
// (snapshot): the index changes between the oracle's search and the
// marked query's once in round 0 (a resource written, as a background
// merge of the fresh build's segments did once in make test and moved
// every BM25 score), and must not change the comparison.
func TestPairMarksMatchPhraseQueries(t *testing.T) {
	rs := markLibrary(11, 300)
	ix := marksIndex(t, rs, true)
	rng := rand.New(rand.NewSource(5))
	r := Ranking{PairMarks: true}
	for round := 0; round < 2; round++ {
		var between func(mp query.Query, want map[string]float64)
		if round == 0 {
			between = func(mp query.Query, want map[string]float64) {
				extra := markLibrary(99, 1)[0]
				extra.ID = int64(len(rs) + 1000)
				if err := ix.apply([]int64{extra.ID}, map[int64]*content.Resource{extra.ID: extra}, 1); err != nil {
					t.Fatal(err)
				}
				// What a search of the live index now answers: other
				// scores, so a comparison of two searches would fail.
				idx, done := ix.current()
				defer done()
				now := openSnapshot(t, idx)
				defer now.close()
				if reflect.DeepEqual(now.hits(mp, ""), want) {
					t.Fatalf("a resource written moved no score of %v: this test cannot tell one snapshot from two", want)
				}
			}
		}
		if round == 1 {
			editMarkLibrary(t, ix, rs, 12)
		}
		checkPairMarks(t, ix, rs, rng, r, round, between)
	}
}

// checkPairMarks is one round of TestPairMarksMatchPhraseQueries, each
// phrase's queries on one snapshot of ix; between (if not nil) runs
// once, after the phrase query's search of the first phrase it finds
// somewhere (mp, its scored hits want) and before the marked query's.
func checkPairMarks(t *testing.T, ix *Index, rs []*content.Resource, rng *rand.Rand, r Ranking, round int, between func(mp query.Query, want map[string]float64)) {
	idx, done := ix.current()
	defer done()
	marked, unmarked, found := 0, 0, 0
	for _, text := range pairTexts(rng, rs, 150) {
		snap := openSnapshot(t, idx)
		all := snap.hits
		for _, g := range groups {
			for _, tf := range textFields {
				mp := bleve.NewMatchPhraseQuery(text)
				mp.SetField(field(tf.name, g))
				mp.SetBoost(tf.boost)
				q := markedPhraseOr(mp, r)
				slots := phraseSlots(groupAnalyzers()[g].Analyze([]byte(text)))
				pair := len(slots) == 2 && len(slots[0]) == 1 && len(slots[1]) == 1
				if _, ok := q.(*markedPhraseQuery); ok != pair {
					t.Fatalf("%q in %s (terms %q): marked %v", text, field(tf.name, g), slots, ok)
				}
				if !pair {
					unmarked++
					continue
				}
				marked++
				for _, score := range []string{"", "none"} {
					want := all(mp, score)
					if between != nil && len(want) > 0 && score == "" {
						between(mp, want)
						between = nil
					}
					got := all(q, score)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("round %d: %q in %s (score %q): marks find %v\nthe phrase query %v", round, text, field(tf.name, g), score, got, want)
					}
					found += len(want)
				}
			}
		}
		snap.close()
	}
	t.Logf("round %d: %d marked phrase fields (%d matches), %d unmarked", round, marked, found, unmarked)
	if marked < 500 || found < 2000 || unmarked < 50 {
		t.Fatalf("round %d: %d marked, %d matches, %d unmarked: too few to tell", round, marked, found, unmarked)
	}
	if between != nil {
		t.Fatalf("round %d: no phrase found, so the index never changed between two searches", round)
	}
}

// snapshot is one reader of an index, searched as idx.SearchInContext
// searches (Bleve v2.6.3 index_impl.go: the mapping's scoring model in the
// context, the query's searcher with the request's score option, a top-N
// collector by score).
//
// A comparison of two queries' answers needs one: each SearchInContext
// reads the index's snapshot of the moment, and a snapshot's BM25
// statistics move with its segments (the field length Bleve derives is
// the sum of every segment's dictionary sizes: bm25ScoreMetrics and
// IndexSnapshot.FieldCardinality), so a background merge landing
// between two searches gives the second other scores: a phrase query
// scored 0.291 on the fresh build's four segments and 0.150 after their
// merge into one.
type snapshot struct {
	tb    testing.TB
	m     mapping.IndexMapping
	r     index.IndexReader
	model string
}

// openSnapshot opens a snapshot of idx; close it with close.
func openSnapshot(tb testing.TB, idx bleve.Index) *snapshot {
	tb.Helper()
	ai, err := idx.Advanced()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := ai.Reader()
	if err != nil {
		tb.Fatal(err)
	}
	s := &snapshot{tb: tb, m: idx.Mapping(), r: r, model: index.DefaultScoringModel}
	if m, ok := s.m.(*mapping.IndexMappingImpl); ok && m.ScoringModel == index.BM25Scoring {
		s.model = index.BM25Scoring
	}
	return s
}

func (s *snapshot) close() { s.r.Close() }

// segments is the number of segments the snapshot holds.
func (s *snapshot) segments() int {
	if is, ok := s.r.(*scorch.IndexSnapshot); ok {
		return len(is.Segments())
	}
	return 0
}

// searcher is q's searcher on the snapshot with options score, and the
// context it runs in.
func (s *snapshot) searcher(q query.Query, score string) (context.Context, bsearch.Searcher) {
	s.tb.Helper()
	ctx := context.WithValue(context.Background(), bsearch.GetScoringModelCallbackKey, bsearch.GetScoringModelCallbackFn(func() string { return s.model }))
	ctx = bsearch.ContextWithTermSearchersCounter(ctx)
	sr, err := q.Searcher(ctx, s.r, s.m, bsearch.SearcherOptions{Score: score})
	if err != nil {
		s.tb.Fatal(err)
	}
	return ctx, sr
}

// hits are the scores of q's hits by id (up to 1,000).
func (s *snapshot) hits(q query.Query, score string) map[string]float64 {
	s.tb.Helper()
	ctx, sr := s.searcher(q, score)
	defer sr.Close()
	c := collector.NewTopNCollector(1000, 0, bsearch.SortOrder{&bsearch.SortScore{Desc: true}})
	if err := c.Collect(ctx, sr, s.r); err != nil {
		s.tb.Fatal(err)
	}
	out := map[string]float64{}
	for _, h := range c.Results() {
		out[h.ID] = h.Score
	}
	return out
}

// walk drives q's scored searcher as a parent searcher does, and returns
// each match as its id and score: at step i, Next when jumps[i] is
// negative, else Advance to the first of the snapshot's documents (in
// index order) at or after its jumps[i]-th that lies past the last match
// returned; every match goes back to a pool just large enough, as a
// collector hands it back.
func (s *snapshot) walk(q query.Query, jumps []int) []string {
	s.tb.Helper()
	dr, err := s.r.DocIDReaderAll()
	if err != nil {
		s.tb.Fatal(err)
	}
	var ids []index.IndexInternalID
	for {
		id, err := dr.Next()
		if err != nil {
			s.tb.Fatal(err)
		}
		if id == nil {
			break
		}
		ids = append(ids, slices.Clone(id))
	}
	dr.Close()
	slices.SortFunc(ids, func(a, b index.IndexInternalID) int { return a.Compare(b) })
	if len(ids) == 0 {
		s.tb.Fatal("walk: an empty snapshot")
	}
	_, sr := s.searcher(q, "")
	defer sr.Close()
	sc := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0), IndexReader: s.r}
	var out []string
	var last index.IndexInternalID
	for _, j := range jumps {
		var d *bsearch.DocumentMatch
		if j < 0 {
			d, err = sr.Next(sc)
		} else {
			k := min(j, len(ids)-1)
			for last != nil && k < len(ids) && ids[k].Compare(last) <= 0 {
				k++
			}
			if k == len(ids) {
				break
			}
			out = append(out, fmt.Sprintf("advance to %x:", []byte(ids[k])))
			d, err = sr.Advance(sc, ids[k])
		}
		if err != nil {
			s.tb.Fatal(err)
		}
		if d == nil {
			out = append(out, "end")
			break
		}
		last = slices.Clone(d.IndexInternalID)
		out = append(out, fmt.Sprintf("%x %v", []byte(d.IndexInternalID), d.Score))
		sc.DocumentMatchPool.Put(d)
	}
	return out
}

// TestPairMarksSearchesAreExact: a generated query of two to four words
// of the library's texts answers, with its pairs marked, in one pass,
// exactly what the full query answers with every phrase read from
// positions and every match scored (the oracle: PairMarks and PhraseMarks
// off, rerank off), pages (ids, scores, cursors), totals and omitted
// words, two pages by cursor, under random filters now and then; with
// rerank's candidates set to 15, which a search reading positions would
// rerank (and so could miss a resource the pairs lift).
func TestPairMarksSearchesAreExact(t *testing.T) {
	rs := markLibrary(13, 300)
	ix := marksIndex(t, rs, true)
	ctx := context.Background()
	oracle := DefaultRanking
	oracle.PhraseMarks, oracle.PairMarks = false, false
	tested := DefaultRanking
	tested.PairMarks = true
	// Every query whose pairs are marked in one pass, however large.
	ix.singleLeaves = 1 << 30
	search := func(q content.SearchQuery, r Ranking, cands int) (*content.SearchPage, error) {
		ix.rank, ix.candidates = r, cands
		defer func() { ix.rank, ix.candidates = DefaultRanking, 0 }()
		return ix.Search(ctx, q)
	}
	rng := rand.New(rand.NewSource(17))
	var qs []string
	for _, p := range pairTexts(rng, rs, 80) {
		switch rng.Intn(3) {
		case 0:
			p += " " + markFiller[rng.Intn(len(markFiller))]
		case 1:
			p = markFiller[rng.Intn(len(markFiller))] + " " + p
		}
		qs = append(qs, p)
	}
	differ, few := 0, 0
	for _, text := range qs {
		q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 5, NoFacets: rng.Intn(2) == 0, NoHighlights: true}
		if rng.Intn(4) == 0 {
			q.Filter = randomFilter(rng, rs)
		}
		// A stop word between two words leaves their pair to positions,
		// and so to rerank: those are searched with every match a
		// candidate.
		cands := 15
		for _, w := range strings.Fields(text) {
			if stopWords[strings.ToLower(strings.Trim(w, ".,;:!?()"))] {
				cands = 1 << 30
			}
		}
		if cands == 15 {
			few++
		}
		for page := 0; page < 2; page++ {
			var got *content.SearchPage
			ok := false
			for try := 0; try < 20 && !ok; try++ {
				want, werr := search(q, oracle, 1<<30)
				g, gerr := search(q, tested, cands)
				again, aerr := search(q, oracle, 1<<30)
				if (werr == nil) != (aerr == nil) || !reflect.DeepEqual(want, again) {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if fmt.Sprint(werr) != fmt.Sprint(gerr) {
					t.Fatalf("%q: error %v, the oracle's %v", text, gerr, werr)
				}
				if !reflect.DeepEqual(g, want) {
					t.Fatalf("%q filter %+v page %d:\n got %s\nwant %s", text, q.Filter, page, summary(g), summary(want))
				}
				// What rerank with 15 candidates would answer.
				if r, _ := search(q, oracle, 15); r != nil && !reflect.DeepEqual(r, want) {
					differ++
				}
				got, ok = g, true
			}
			if !ok {
				t.Fatalf("%q: the index kept changing", text)
			}
			if got == nil || !got.HasNext {
				break
			}
			q.After = got.Hits[len(got.Hits)-1].Cursor
		}
	}
	t.Logf("%d queries, %d with 15 candidates; rerank with 15 candidates would have answered %d pages otherwise", len(qs), few, differ)
	if few < len(qs)/3 || differ == 0 {
		t.Fatalf("%d queries with 15 candidates, %d pages rerank would change: too few to tell", few, differ)
	}
}

// TestPhrasePairsSettingRebuilds: an index is rebuilt when opened with
// Options.PhrasePairs other than it was built with (its mapping version
// names the layout), and not when opened with the same; a rebuilt index
// with pairs finds a two-word phrase through its marks as the phrase
// query does.
func TestPhrasePairsSettingRebuilds(t *testing.T) {
	rs := markLibrary(21, 60)
	path := t.TempDir() + "/index"
	build := func(pairs bool) (*Index, bool) {
		ix, rebuild, err := openIndex(path, slog.New(slog.DiscardHandler), NewMetrics(nil), pairs)
		if err != nil {
			t.Fatal(err)
		}
		if rebuild {
			err = ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
				return 1, fn(rs)
			}, "")
			if err != nil {
				t.Fatal(err)
			}
		}
		return ix, rebuild
	}
	for i, step := range []struct{ pairs, rebuild bool }{{false, true}, {false, false}, {true, true}, {true, false}, {false, true}} {
		ix, rebuild := build(step.pairs)
		if rebuild != step.rebuild {
			t.Fatalf("step %d: opened with pairs %v: rebuild %v, want %v", i, step.pairs, rebuild, step.rebuild)
		}
		if step.pairs {
			idx, done := ix.current()
			// The first two words of a body that are marked as a pair.
			var mp *query.MatchPhraseQuery
			var marked query.Query
			for _, r := range rs {
				text := strings.Fields(r.Body)
				mp = bleve.NewMatchPhraseQuery(text[0] + " " + text[1])
				mp.SetField(field("body", languageGroup(r.Language)))
				if marked = markedPhraseOr(mp, ix.rank); marked != query.Query(mp) {
					break
				}
			}
			if _, ok := marked.(*markedPhraseQuery); !ok {
				t.Fatal("no body opens with two words marked as a pair")
			}
			for _, q := range []query.Query{mp, marked} {
				res, err := idx.Search(bleve.NewSearchRequest(q))
				if err != nil {
					t.Fatal(err)
				}
				if res.Total == 0 {
					t.Errorf("step %d: %q found nowhere by %T", i, mp.MatchPhrase, q)
				}
			}
			done()
		}
		ix.Close()
	}
}

// TestSinglePassWhateverTheGroups: with pairs marked, a query of two words
// without synonyms is scored in one pass, or through rerank, whatever
// other language groups the library holds (breaker9 F2: the leaves of
// every group's fields were summed, so one Arabic resource sent every
// English two-word query, README's "NHS number", through rerank).
// Generated two-word queries of the English resources' words (not of
// synonyms.txt, of four letters or more), on the generated library in every group and on its
// English resources alone, both with 15 candidates: the same pass for
// each query, and the one pass taken for most of them.
func TestSinglePassWhateverTheGroups(t *testing.T) {
	rs := markLibrary(23, 300)
	var en []*content.Resource
	for _, r := range rs {
		if r.Language == "en" {
			en = append(en, r)
		}
	}
	mixed, alone := marksIndex(t, rs, true), marksIndex(t, en, true)
	synonymWords := map[string]bool{}
	for alt := range synonyms {
		for _, w := range strings.Fields(alt) {
			synonymWords[w] = true
		}
	}
	ctx := context.Background()
	passOf := func(ix *Index, text string) string {
		var ran []bool
		ix.passed = func(rerank bool) { ran = append(ran, rerank) }
		ix.candidates = 15
		defer func() { ix.passed, ix.candidates = nil, 0 }()
		if _, err := ix.Search(ctx, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 5, NoFacets: true, NoHighlights: true, NoSuggestion: true}); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return fmt.Sprint(ran)
	}
	// The English texts' words outside synonyms.txt, of four letters or
	// more (short words are stop words in some group: "de de").
	var vocab []string
	seen := map[string]bool{}
	for _, r := range en {
		for _, w := range strings.Fields(normalise(r.Title + " " + r.Summary + " " + r.Body)) {
			if !seen[w] && !synonymWords[w] && len(w) >= 4 {
				seen[w] = true
				vocab = append(vocab, w)
			}
		}
	}
	rng := rand.New(rand.NewSource(29))
	asked, one := 0, 0
	for range 60 {
		text := vocab[rng.Intn(len(vocab))] + " " + vocab[rng.Intn(len(vocab))]
		if rng.Intn(3) == 0 {
			text = strings.ToUpper(text)
		}
		asked++
		got, want := passOf(mixed, text), passOf(alone, text)
		if got != want {
			t.Fatalf("%q: rerank %v in the library of every group, %v in its English resources alone", text, got, want)
		}
		if got == "[false]" {
			one++
		}
	}
	if asked < 20 || one < asked/2 {
		t.Fatalf("%d queries, %d in one pass: too few to tell", asked, one)
	}
	t.Logf("%d queries, %d in one pass in both libraries", asked, one)
}

// TestMarkedPhrasesAcrossSegments: a marked phrase (two neighbouring
// words, or a multi-word synonym) finds the documents of the phrase query
// it stands for with the same scores, alone (scored and unscored) and,
// where the phrase is found, under a parent that advances it past
// documents of other segments (a conjunction, a disjunction, a boolean
// query's should clause beside a must), and driven by Next and Advance to
// documents of its own and other segments as a parent drives it, the
// matches handed back to the pool; on generated libraries
// indexed in batches of 1 and 6 resources, then edited a few at a time
// (replacements and withdrawals), with merging off: many small segments,
// deleted documents, a phrase's documents spread over them. Each phrase
// is compared on one snapshot (the oracle: the same parent, or the same
// walk, over Bleve's MatchPhraseQuery).
func TestMarkedPhrasesAcrossSegments(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	r := DefaultRanking
	r.PairMarks = true
	m, err := newMapping(r)
	if err != nil {
		t.Fatal(err)
	}
	compared, found, walked, fewestSegments := 0, 0, 0, 1<<30
	for build, size := range []int{1, 6} {
		// Merging off: a budget of a segment per live document
		// (mergeplan.CalcBudget with a floor of one document and
		// tiers that never fill).
		cfg := map[string]interface{}{"scorchMergePlanOptions": map[string]interface{}{"MaxSegmentsPerTier": 1 << 20, "FloorSegmentSize": 1, "FloorSegmentFileSize": 0}}
		idx, err := bleve.NewUsing(t.TempDir()+"/index", m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		rs := markLibrary(int64(40+build), 50)
		batch := func(put []*content.Resource, del []int64) {
			b := idx.NewBatch()
			for _, r := range put {
				if err := indexResource(b, m, docID(r.ID), r, true); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range del {
				b.Delete(docID(id))
			}
			if err := idx.Batch(b); err != nil {
				t.Fatal(err)
			}
		}
		for start := 0; start < len(rs); start += size {
			batch(rs[start:min(start+size, len(rs))], nil)
		}
		for range 8 {
			var put []*content.Resource
			var del []int64
			for k := 1 + rng.Intn(3); k > 0; k-- {
				i := rng.Intn(len(rs))
				if rng.Intn(3) == 0 {
					del = append(del, rs[i].ID)
					continue
				}
				e := markLibrary(rng.Int63(), 1)[0]
				e.ID = rs[i].ID
				put, rs[i] = append(put, e), e
			}
			batch(put, del)
		}
		texts := pairTexts(rng, rs, 8)
		for range 2 {
			texts = append(texts, markPhrases[rng.Intn(len(markPhrases))])
		}
		for _, text := range texts {
			snap := openSnapshot(t, idx)
			fewestSegments = min(fewestSegments, snap.segments())
			for _, g := range groups {
				for _, tf := range textFields {
					mp := bleve.NewMatchPhraseQuery(text)
					mp.SetField(field(tf.name, g))
					mp.SetBoost(tf.boost)
					marked := markedPhraseOr(mp, r)
					if _, ok := marked.(*markedPhraseQuery); !ok {
						continue
					}
					for _, score := range []string{"", "none"} {
						want, got := snap.hits(mp, score), snap.hits(marked, score)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("batches of %d: %q in %s (score %q): marks find %v\nthe phrase query %v", size, text, mp.FieldVal, score, got, want)
						}
						compared++
						found += len(want)
					}
					if len(snap.hits(mp, "none")) == 0 {
						continue
					}
					// Next and Advance as a parent calls them, a few
					// times.
					for range 4 {
						jumps := make([]int, 16)
						for i := range jumps {
							jumps[i] = -1
							if rng.Intn(2) == 0 {
								jumps[i] = rng.Intn(len(rs))
							}
						}
						want, got := snap.walk(mp, jumps), snap.walk(marked, jumps)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("batches of %d: %q in %s, steps %v: marks find %q\nthe phrase query %q", size, text, mp.FieldVal, jumps, got, want)
						}
						for _, step := range want {
							if !strings.HasPrefix(step, "advance") && step != "end" {
								walked++
								break
							}
						}
					}
					// Another clause matching many documents: one of the
					// phrase's words or others, in this field or another.
					other := bleve.NewMatchQuery(strings.Fields(text)[0] + " " + markFiller[rng.Intn(len(markFiller))] + " " + markFiller[rng.Intn(len(markFiller))])
					other.SetField(field(textFields[rng.Intn(len(textFields))].name, g))
					parents := map[string]func(query.Query) query.Query{
						"conjunction": func(q query.Query) query.Query { return bleve.NewConjunctionQuery(other, q) },
						"disjunction": func(q query.Query) query.Query { return bleve.NewDisjunctionQuery(other, q) },
						"should": func(q query.Query) query.Query {
							b := bleve.NewBooleanQuery()
							b.AddMust(other)
							b.AddShould(q)
							return b
						},
					}
					for name, parent := range parents {
						want, got := snap.hits(parent(mp), ""), snap.hits(parent(marked), "")
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("batches of %d: %q in %s, %s with %q in %s: marks find %v\nthe phrase query %v",
								size, text, mp.FieldVal, name, other.Match, other.FieldVal, got, want)
						}
						compared++
						found += len(want)
					}
				}
			}
			snap.close()
		}
	}
	t.Logf("%d comparisons, %d matches, %d walks meeting a match, at least %d segments", compared, found, walked, fewestSegments)
	if compared < 800 || found < 250 || walked < 100 || fewestSegments < 10 {
		t.Fatalf("%d comparisons, %d matches, %d walks meeting a match, at least %d segments: too few to tell", compared, found, walked, fewestSegments)
	}
}
