package search

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"guidancehub/internal/content"
)

// markLanguages are the generated library's languages: one per language
// group (pl is in the plain group).
var markLanguages = []string{"en", "en", "en", "fr", "de", "es", "it", "pt", "ro", "ar", "fa", "pl"}

// markFiller are words around the phrases: every word of a multi-word
// alternative (so that near misses are everywhere), stop words and other
// words.
var markFiller = func() []string {
	out := strings.Fields(`registration register patients and of the to no a or in for with at de la le und der el il registrazione
		charging care health . , ; : ! ? ( ) - & doctors surgeries practices practitioners seekers migrants`)
	for alt := range synonyms {
		out = append(out, strings.Fields(alt)...)
	}
	sort.Strings(out)
	return out
}()

// markPhrases are the multi-word alternatives (and spellings) of every
// synonym group: the phrases the index marks.
var markPhrases = func() []string {
	var out []string
	for alt := range synonyms {
		for _, s := range spellings(alt) {
			if strings.Contains(s, " ") || strings.ContainsAny(s, "-&") {
				out = append(out, s)
			}
		}
		out = append(out, alt)
	}
	sort.Strings(out)
	return out
}()

// phraseVariant writes phrase p as a text might: in any case, with a
// plural or possessive last or first word, a typographic apostrophe, a
// stop word swapped for another, split by a full stop or a line break, or
// with a word pushed in.
func phraseVariant(rng *rand.Rand, p string) string {
	ws := strings.Fields(p)
	switch rng.Intn(12) {
	case 0:
		p = strings.ToUpper(p)
	case 1:
		p = strings.ToUpper(p[:1]) + p[1:]
	case 2:
		ws[len(ws)-1] += "s"
		p = strings.Join(ws, " ")
	case 3:
		ws[0] += "'s"
		p = strings.Join(ws, " ")
	case 4:
		p = strings.ReplaceAll(p, "'", "’")
	case 5:
		if len(ws) > 1 {
			i := 1 + rng.Intn(len(ws)-1)
			ws[i-1] += "."
			ws[i] = strings.ToUpper(ws[i][:1]) + ws[i][1:]
		}
		p = strings.Join(ws, " ")
	case 6:
		for i, w := range ws {
			if stopWords[w] {
				ws[i] = []string{"or", "the", "of", "and", "a"}[rng.Intn(5)]
			}
		}
		p = strings.Join(ws, " ")
	case 7:
		if len(ws) > 1 {
			i := 1 + rng.Intn(len(ws)-1)
			ws = append(ws[:i], append([]string{markFiller[rng.Intn(len(markFiller))]}, ws[i:]...)...)
		}
		p = strings.Join(ws, " ")
	case 8:
		p = strings.Join(ws, "\n")
	case 9:
		p = strings.Join(ws, "-")
	}
	return p
}

// markLibrary is n resources of random text in every language group, the
// synonym phrases written in the ways phraseVariant knows, often.
func markLibrary(seed int64, n int) []*content.Resource {
	rng := rand.New(rand.NewSource(seed))
	words := func(lo, hi int) string {
		k := lo + rng.Intn(hi-lo+1)
		var ws []string
		for len(ws) < k {
			if rng.Intn(4) == 0 {
				ws = append(ws, phraseVariant(rng, markPhrases[rng.Intn(len(markPhrases))]))
			} else {
				ws = append(ws, markFiller[rng.Intn(len(markFiller))])
			}
		}
		return strings.Join(ws, " ")
	}
	var rs []*content.Resource
	for i := 0; i < n; i++ {
		pub := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.Intn(3650))
		d := content.Draft{Kind: content.KindGuidance, Slug: fmt.Sprintf("marked-%d", i), Title: words(1, 6),
			Summary: words(3, 12), Body: words(10, 60), Language: markLanguages[rng.Intn(len(markLanguages))], PublishedAt: &pub,
			Topics: []string{[]string{"charging", "registration"}[rng.Intn(2)]}, Audiences: []string{"commissioners"}, Nations: []string{"england"}}
		d.Details.Actions = []string{words(2, 8), words(2, 8)}
		rs = append(rs, &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: d})
	}
	return rs
}

// markQueries are queries naming every synonym phrase (as typed, in
// capitals, quoted, with a typographic apostrophe, excluded), alone, with
// another word, with a single-word synonym, or two phrases at once.
func markQueries(seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	other := func() string { return markFiller[rng.Intn(len(markFiller))] }
	var out []string
	for _, p := range markPhrases {
		out = append(out, p, strings.ToUpper(p), `"`+p+`"`, p+" "+other(), other()+" "+strings.ReplaceAll(p, "'", "’"),
			other()+" -"+strings.Fields(p)[0], p+" "+markPhrases[rng.Intn(len(markPhrases))], "gp "+p, other()+" "+other()+" "+p)
	}
	return out
}

// editMarkLibrary edits 60 resources of rs (every fifth: another
// generated library's text, seed seed) and withdraws 20 (every fifth from
// the third), applied as the change log would; rs holds the edited ones
// after.
func editMarkLibrary(t *testing.T, ix *Index, rs []*content.Resource, seed int64) {
	t.Helper()
	var ids []int64
	published := map[int64]*content.Resource{}
	for i, e := range markLibrary(seed, 60) {
		e.ID = rs[i*5].ID
		ids = append(ids, e.ID)
		published[e.ID] = e
		rs[i*5] = e
	}
	for i := 0; i < 20; i++ {
		ids = append(ids, rs[i*5+2].ID)
	}
	if err := ix.apply(ids, published, 2); err != nil {
		t.Fatal(err)
	}
}

// marksIndex indexes rs in several segments, with highlights' text, its
// neighbouring words marked (Options.PhrasePairs) when pairs is set.
func marksIndex(t *testing.T, rs []*content.Resource, pairs ...bool) *Index {
	ix := indexOfWith(t, rs, 97, func(ix *Index) { ix.pairs = len(pairs) > 0 && pairs[0]; ix.rank.PairMarks = ix.pairs })
	byID := map[int64]*content.Resource{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	ix.texts = func(ctx context.Context, ids []int64) ([]*content.Resource, error) {
		var out []*content.Resource
		for _, id := range ids {
			out = append(out, byID[id])
		}
		return out, nil
	}
	return ix
}

// TestPhraseMarksMatchPhraseQueries: on a generated library in every
// language group, a marked phrase query in every text field of every group
// finds exactly the documents, with exactly the scores, of the phrase
// query it stands for (the oracle: Bleve's MatchPhraseQuery), scored and
// unscored, for every phrase the index marks; after a build, and after
// edits and withdrawals applied from the change log.
func TestPhraseMarksMatchPhraseQueries(t *testing.T) {
	rs := markLibrary(1, 400)
	ix := marksIndex(t, rs)
	for round := 0; round < 2; round++ {
		if round == 1 {
			editMarkLibrary(t, ix, rs, 5)
		}
		fields := textFields
		if round == 1 {
			fields = fields[3:] // body: the same code indexed it
		}
		checkPhraseMarks(t, ix, fields)
	}
}

// checkPhraseMarks compares every marked phrase query with its phrase
// query, in fields of every group, over the whole of ix, each phrase's
// on one snapshot.
func checkPhraseMarks(t *testing.T, ix *Index, fields []struct {
	name  string
	boost float64
}) {
	idx, done := ix.current()
	defer done()
	checked, found := 0, 0
	for _, g := range groups {
		for key := range phraseMarks()[g] {
			// Both queries on one snapshot (a background merge moves
			// the scores: snapshot).
			snap := openSnapshot(t, idx)
			all := snap.hits
			for _, tf := range fields {
				mp := bleve.NewMatchPhraseQuery(key)
				mp.SetField(field(tf.name, g))
				mp.SetBoost(tf.boost)
				marked := markedPhraseOr(mp, DefaultRanking)
				if _, ok := marked.(*markedPhraseQuery); !ok {
					t.Fatalf("%q in %s is not marked", key, field(tf.name, g))
				}
				for _, score := range []string{"", "none"} {
					want, got := all(mp, score), all(marked, score)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%q in %s (score %q): marks find %v\nthe phrase query %v", key, field(tf.name, g), score, got, want)
					}
					found += len(want)
				}
				checked++
			}
			snap.close()
		}
	}
	if checked < 20*len(fields) || found < 250*len(fields) {
		t.Errorf("checked %d phrase fields, %d matches; want at least 100 and 1,000", checked, found)
	}
}

// TestPhraseMarksSearchesMatchPhraseSearches: a generated query naming
// a synonym phrase answers with marks exactly what it answers with phrase
// queries (Ranking.PhraseMarks and PairMarks off, the oracle): pages (ids, scores,
// cursors), totals, facets, highlights and omitted words, walking two
// pages by cursor, with a filter now and then; once with the single exact
// pass and once through the rerank and superset passes (few candidates).
// 12 of the 657 queries each time (MARKS_QUERIES=all: every one).
func TestPhraseMarksSearchesMatchPhraseSearches(t *testing.T) {
	rs := markLibrary(2, 300)
	ix := marksIndex(t, rs, true)
	ctx := context.Background()
	oracle := DefaultRanking
	oracle.PhraseMarks, oracle.PairMarks = false, false
	// tested is the ranking checked: every mark (candidates 0: the single
	// exact pass), or synonym marks with pairs read from positions (with
	// 15 candidates: rerank's two passes on both sides).
	tested := DefaultRanking
	tested.PairMarks = true
	search := func(q content.SearchQuery, r Ranking) (*content.SearchPage, error) {
		ix.rank = r
		defer func() { ix.rank = DefaultRanking }()
		return ix.Search(ctx, q)
	}
	// compare runs q with the oracle, with marks and with the oracle
	// again until both oracle runs agree (the index may merge segments
	// meanwhile, which moves BM25's statistics).
	compare := func(q content.SearchQuery) (*content.SearchPage, error) {
		for try := 0; try < 20; try++ {
			want, werr := search(q, oracle)
			got, gerr := search(q, tested)
			again, aerr := search(q, oracle)
			if (werr == nil) != (aerr == nil) || !reflect.DeepEqual(want, again) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				return nil, fmt.Errorf("error %v, the oracle's %v", gerr, werr)
			}
			if !reflect.DeepEqual(got, want) {
				return nil, fmt.Errorf("\n got %s\nwant %s", summary(got), summary(want))
			}
			return got, nil
		}
		return nil, fmt.Errorf("the index kept changing")
	}
	rng := rand.New(rand.NewSource(3))
	qs := markQueries(4)
	// A sample keeps make test within seconds; MARKS_QUERIES=all runs
	// every query.
	n := 12
	if os.Getenv("MARKS_QUERIES") == "all" {
		n = len(qs)
	}
	highlighted := 0
	for _, candidates := range []int{0, 15} {
		ix.candidates = candidates
		tested.PairMarks = candidates == 0
		rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
		for _, text := range qs[:min(n, len(qs))] {
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 5}
			if rng.Intn(4) == 0 {
				q.Filter = randomFilter(rng, rs)
			}
			for page := 0; page < 2; page++ {
				got, err := compare(q)
				if err != nil {
					t.Fatalf("%q candidates %d filter %+v page %d: %v", text, candidates, q.Filter, page, err)
				}
				for _, h := range got.Hits {
					if len(h.Highlights) > 0 {
						highlighted++
					}
				}
				if got == nil || !got.HasNext {
					break
				}
				q.After = got.Hits[len(got.Hits)-1].Cursor
			}
		}
	}
	if highlighted == 0 {
		t.Error("no hit was highlighted")
	}
}

// TestSynonymPhraseHighlightsItsWords: a resource found through a marked
// synonym phrase has the phrase's words marked in its highlights.
func TestSynonymPhraseHighlightsItsWords(t *testing.T) {
	pub := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rs := []*content.Resource{{ID: 1, Status: content.StatusPublished, Draft: content.Draft{Kind: content.KindGuidance, Slug: "a",
		Title: "Registering with a family doctor", Summary: "Ask at the Doctor’s surgery.", Body: "Every general practice must register you.",
		Language: "en", PublishedAt: &pub, Topics: []string{"registration"}, Audiences: []string{"patients"}, Nations: []string{"england"}}}}
	ix := marksIndex(t, rs)
	p, err := ix.Search(context.Background(), content.SearchQuery{Text: "gp", Order: content.SearchRelevance, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hits) != 1 {
		t.Fatalf("found %d, want 1", len(p.Hits))
	}
	var all []string
	for _, h := range p.Hits[0].Highlights {
		all = append(all, h.Fragments...)
	}
	text := strings.Join(all, " | ")
	for _, want := range []string{"<mark>family</mark> <mark>doctor</mark>", "<mark>Doctor’s</mark> <mark>surgery</mark>", "<mark>general</mark> <mark>practice</mark>"} {
		if !strings.Contains(text, want) {
			t.Errorf("highlights %q lack %q", text, want)
		}
	}
}

// TestMappingVersionNamesSynonyms: the mapping version names the phrases
// the index marks, so it changes with synonyms.txt and with anything else
// that changes which phrases are marked or how (review5 R3).
func TestMappingVersionNamesSynonyms(t *testing.T) {
	marks := phraseMarkList()
	if MappingVersion != "7-"+marksDigest(marks) || PairsMappingVersion != "8-"+marksDigest(marks) {
		t.Fatalf("MappingVersion %q, PairsMappingVersion %q do not name the marked phrases", MappingVersion, PairsMappingVersion)
	}
	more := map[string][]markedPhrase{}
	other := map[string][]markedPhrase{}
	for g, ps := range marks {
		more[g] = append(append([]markedPhrase(nil), ps...), markedPhrase{key: "general medical practice", slots: [][]string{{"general"}, {"medic"}, {"practic"}}})
		other[g] = append([]markedPhrase(nil), ps...)
	}
	other["en"][0].slots = [][]string{{"changed"}, nil}
	for name, m := range map[string]map[string][]markedPhrase{"a phrase more": more, "a phrase analysed otherwise": other} {
		if marksDigest(m) == marksDigest(marks) {
			t.Errorf("%s gives the same version", name)
		}
	}
}

// BenchmarkSynonymPhrases compares searches naming synonym phrases with
// the phrases found through the index's marks and as phrase queries, top
// 10 without facets or highlights, on a generated library of 3,000
// resources (go test -run '^$' -bench SynonymPhrases ./internal/search).
func BenchmarkSynonymPhrases(b *testing.B) {
	rs := markLibrary(7, 3000)
	ix := indexOf(b, rs, 500)
	queries := []string{"gp registration", "interpreter gp registration", "accident and emergency charging", "family doctor", "NRPF care"}
	for _, marks := range []bool{true, false} {
		name := "marks"
		if !marks {
			name = "phrase-queries"
		}
		b.Run(name, func(b *testing.B) {
			ix.rank = DefaultRanking
			ix.rank.PhraseMarks = marks
			defer func() { ix.rank = DefaultRanking }()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				q := content.SearchQuery{Text: queries[i%len(queries)], Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true}
				if _, err := ix.Search(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
