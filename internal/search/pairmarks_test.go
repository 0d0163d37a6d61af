package search

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

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
func TestPairMarksMatchPhraseQueries(t *testing.T) {
	rs := markLibrary(11, 300)
	ix := marksIndex(t, rs, true)
	rng := rand.New(rand.NewSource(5))
	r := Ranking{PairMarks: true}
	for round := 0; round < 2; round++ {
		if round == 1 {
			editMarkLibrary(t, ix, rs, 12)
		}
		checkPairMarks(t, ix, rs, rng, r, round)
	}
}

// checkPairMarks is one round of TestPairMarksMatchPhraseQueries.
func checkPairMarks(t *testing.T, ix *Index, rs []*content.Resource, rng *rand.Rand, r Ranking, round int) {
	idx, done := ix.current()
	defer done()
	all := func(q query.Query, score string) map[string]float64 {
		req := bleve.NewSearchRequestOptions(q, 1000, 0, false)
		req.Score = score
		res, err := idx.SearchInContext(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, h := range res.Hits {
			out[h.ID] = h.Score
		}
		return out
	}
	marked, unmarked, found := 0, 0, 0
	for _, text := range pairTexts(rng, rs, 150) {
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
					want, got := all(mp, score), all(q, score)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("round %d: %q in %s (score %q): marks find %v\nthe phrase query %v", round, text, field(tf.name, g), score, got, want)
					}
					found += len(want)
				}
			}
		}
	}
	t.Logf("round %d: %d marked phrase fields (%d matches), %d unmarked", round, marked, found, unmarked)
	if marked < 500 || found < 2000 || unmarked < 50 {
		t.Fatalf("round %d: %d marked, %d matches, %d unmarked: too few to tell", round, marked, found, unmarked)
	}
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
