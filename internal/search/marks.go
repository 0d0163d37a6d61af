package search

import (
	"context"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	"github.com/blevesearch/bleve/v2/size"
	index "github.com/blevesearch/bleve_index_api"

	"guidancehub/internal/content"
)

// Multi-word synonyms are marked at index time.
//
// Each alternative of a synonym group that has several words ("general
// practice", "doctor's surgery", the "e mail" of "e-mail") is searched as
// a phrase in every text field of every language group. Bleve's phrase
// searcher reads the term positions of every document that has all the
// phrase's words (v2.6.3 search/searcher/search_phrase.go); with gp's six
// phrase alternatives, "GP registration" at 100,000 resources spent most of
// its CPU there.
//
// So the index records, beside each text field ("body_en"), which of these
// phrases occur in it: a marks field ("marks_body_en") with one term per
// phrase found, the phrase as searched ("general practice"). The rule is
// the phrase query's own, applied to the text field's analysed terms (the
// field's term vectors, computed once): the phrase's analysed terms at
// consecutive positions, where a position the query's analysis left empty
// (a stop word: "accident and emergency") takes any term or none. A
// markedPhraseQuery finds the phrase's documents through that one term and
// scores each as the phrase query does: a phrase searcher's score is the
// conjunction of its words' term scores (v2.6.3: PhraseSearcher returns its
// conjunction's match), so the matches and scores are the phrase query's to
// the bit, and no positions are read. A search that asks for term
// locations (highlights) runs the phrase query itself, which marks the
// phrase's words.
//
// The marks are a separate field so that the text fields keep their
// lengths (BM25's norms) and term dictionaries (Bleve's BM25 average field
// length is the field's number of distinct terms over the documents): every
// other score stays as it was.

// markField is the marks field of a text field ("marks_body_en").
func markField(textField string) string { return "marks_" + textField }

// markedPhrase is a phrase the index marks: key (the phrase as textQuery
// searches it) and its analysed terms by position (nil: a position any
// term fills, or none), as Bleve's MatchPhraseQuery builds them.
type markedPhrase struct {
	key   string
	slots [][]string
}

// phraseMarks are the phrases marked per language group, by key: every
// spelling with several words (see spellings) of every synonym
// alternative, whose analysis in the group leaves at least two positions
// (a shorter one is searched as the phrase query, unmarked).
var phraseMarks = sync.OnceValue(func() map[string]map[string]markedPhrase {
	var keys []string
	seen := map[string]bool{}
	for alt := range synonyms {
		for _, s := range spellings(alt) {
			if strings.Contains(s, " ") && !seen[s] {
				seen[s] = true
				keys = append(keys, s)
			}
		}
	}
	sort.Strings(keys)
	out := map[string]map[string]markedPhrase{}
	for _, g := range groups {
		a := groupAnalyzers()[g]
		out[g] = map[string]markedPhrase{}
		for _, k := range keys {
			if slots := phraseSlots(a.Analyze([]byte(k))); len(slots) >= 2 {
				out[g][k] = markedPhrase{key: k, slots: slots}
			}
		}
	}
	return out
})

// phraseMarkList is phraseMarks of a group in key order.
var phraseMarkList = sync.OnceValue(func() map[string][]markedPhrase {
	out := map[string][]markedPhrase{}
	for g, m := range phraseMarks() {
		for _, p := range m {
			out[g] = append(out[g], p)
		}
		sort.Slice(out[g], func(i, j int) bool { return out[g][i].key < out[g][j].key })
	}
	return out
})

// phraseSlots is Bleve's MatchPhraseQuery turning a token stream into a
// phrase (v2.6.3 search/query/match_phrase.go tokenStreamToPhrase): the
// terms by position from the first token's to the last's.
func phraseSlots(tokens analysis.TokenStream) [][]string {
	if len(tokens) == 0 {
		return nil
	}
	first, last := math.MaxInt, 0
	for _, t := range tokens {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	out := make([][]string, last-first+1)
	for _, t := range tokens {
		out[t.Position-first] = append(out[t.Position-first], string(t.Term))
	}
	return out
}

// indexResource adds r to b under id as b.Index(id, document(r)) would,
// with a marks field beside each text field (holding the neighbouring
// pairs too when pairs is set: Options.PhrasePairs).
func indexResource(b *bleve.Batch, m mapping.IndexMapping, id string, r *content.Resource, pairs bool) error {
	doc := bdoc.NewDocument(id)
	if err := m.MapDocument(doc, document(r)); err != nil {
		return err
	}
	addPhraseMarks(doc, pairs)
	return b.IndexAdvanced(doc)
}

// addPhraseMarks adds a marks field after each text field of doc (of a
// group with synonym phrases, unless pairs are marked too).
func addPhraseMarks(doc *bdoc.Document, pairs bool) {
	n := len(doc.Fields)
	for _, f := range doc.Fields[:n] {
		if g := groupOfField[f.Name()]; g != "" {
			if ps := phraseMarkList()[g]; len(ps) > 0 || pairs {
				doc.AddField(&marksField{name: markField(f.Name()), text: f, phrases: ps, pairs: pairs})
			}
		}
	}
}

// Neighbouring words are marked too, when the index is built with
// Options.PhrasePairs (mapping version 8).
//
// A query of several words raises the resources holding two neighbouring
// query words as a phrase ("GP registration", "asylum seekers": plan.pairs
// in query.go), and those phrases were the costly part of a search: a
// phrase query reads the term positions of every document with both words,
// so a search at 100,000 resources ran in two passes, the phrases scored
// only for the 1,000 best hits without them (rerank.go), which also missed
// a resource the phrase would have lifted from below those 1,000.
//
// So the marks field also holds a term for every two analysed terms at
// consecutive positions of the same array element of its text field
// (pairKey: the two terms joined by pairSep, which no analysed term holds),
// and a phrase query whose analysis leaves exactly two positions of one
// term each is found through that term (markedPhraseOr): findPhrase's
// rule for those two slots, so the same matches and scores as the phrase
// query. A phrase with a stop word inside ("proof of address": an empty
// position) or more words is still read from positions.

// pairSep joins the two terms of a pair mark: a control character, which
// every analyzer's tokenizer drops, so a pair never equals a phrase key or
// another pair.
const pairSep = "\x1f"

// pairKey is the marks term of the analysed terms a and b at consecutive
// positions.
func pairKey(a, b string) string { return a + pairSep + b }

// pairTokens appends to out a token for every pair of terms at
// consecutive positions of the same array element in tf (a field's
// analysed terms with their locations), at the first one's location.
func pairTokens(tf index.TokenFrequencies, out analysis.TokenStream) analysis.TokenStream {
	type at struct {
		term string
		loc  *index.TokenLocation
	}
	// The terms by position, in each array element (a text field is one
	// text, so one element, but the rule is the phrase searcher's).
	elems := map[string][][]at{}
	for term, f := range tf {
		for _, l := range f.Locations {
			key := ""
			if len(l.ArrayPositions) > 0 {
				key = fmt.Sprint(l.ArrayPositions)
			}
			byPos := elems[key]
			if l.Position >= len(byPos) {
				byPos = append(byPos, make([][]at, l.Position+1-len(byPos))...)
			}
			byPos[l.Position] = append(byPos[l.Position], at{term, l})
			elems[key] = byPos
		}
	}
	for _, k := range slices.Sorted(maps.Keys(elems)) {
		byPos := elems[k]
		// Terms at one position (an analyzer may put several there) pair
		// with every term of the next.
		for p := 0; p+1 < len(byPos); p++ {
			for _, a := range byPos[p] {
				for _, b := range byPos[p+1] {
					out = append(out, &analysis.Token{Term: []byte(pairKey(a.term, b.term)), Position: a.loc.Position, Start: a.loc.Start, End: b.loc.End, Type: analysis.AlphaNumeric})
				}
			}
		}
	}
	return out
}

// marksField is the marks field of one text field of a document: a term
// for each of phrases that occurs in text, found in text's analysed terms
// (so it is analysed after text: Bleve analyses a document's fields in
// order, and it analyses text itself if not).
type marksField struct {
	name    string
	text    bdoc.Field
	phrases []markedPhrase
	pairs   bool
	length  int
	freqs   index.TokenFrequencies
}

var reflectStaticSizeMarksField = int(reflect.TypeOf(marksField{}).Size())

func (f *marksField) Name() string                        { return f.name }
func (f *marksField) ArrayPositions() []uint64            { return nil }
func (f *marksField) Options() index.FieldIndexingOptions { return index.IndexField }
func (f *marksField) Value() []byte                       { return nil }
func (f *marksField) NumPlainTextBytes() uint64           { return 0 }
func (f *marksField) EncodedFieldType() byte              { return 't' }
func (f *marksField) AnalyzedLength() int                 { return f.length }
func (f *marksField) AnalyzedTokenFrequencies() index.TokenFrequencies {
	return f.freqs
}
func (f *marksField) Size() int { return reflectStaticSizeMarksField + size.SizeOfPtr }

func (f *marksField) Analyze() {
	tf := f.text.AnalyzedTokenFrequencies()
	if tf == nil {
		f.text.Analyze()
		tf = f.text.AnalyzedTokenFrequencies()
	}
	var tokens analysis.TokenStream
	for _, p := range f.phrases {
		if loc := findPhrase(tf, p.slots); loc != nil {
			tokens = append(tokens, &analysis.Token{Term: []byte(p.key), Position: loc.Position, Start: loc.Start, End: loc.End, Type: analysis.AlphaNumeric})
		}
	}
	if f.pairs {
		tokens = pairTokens(tf, tokens)
	}
	f.length = len(tokens)
	f.freqs = analysis.TokenFrequency(tokens, nil, f.Options())
}

// findPhrase returns the location of the first term of the first
// occurrence of the phrase slots in a field's analysed terms (with their
// locations), or nil: the rule of Bleve's phrase searcher with no slop
// (v2.6.3 findPhrasePaths): the term of each later position exactly that
// many positions on, in the same array element; an empty position is any.
func findPhrase(tf index.TokenFrequencies, slots [][]string) *index.TokenLocation {
	for _, t := range slots[0] {
		first, ok := tf[t]
		if !ok {
			continue
		}
	LOCATIONS:
		for _, loc := range first.Locations {
			for i := 1; i < len(slots); i++ {
				if len(slots[i]) > 0 && !termAt(tf, slots[i], loc.Position+i, loc.ArrayPositions) {
					continue LOCATIONS
				}
			}
			return loc
		}
	}
	return nil
}

// termAt reports whether one of terms is at position pos of array element
// ap.
func termAt(tf index.TokenFrequencies, terms []string, pos int, ap []uint64) bool {
	for _, t := range terms {
		if f, ok := tf[t]; ok {
			for _, l := range f.Locations {
				if l.Position == pos && slices.Equal(l.ArrayPositions, ap) {
					return true
				}
			}
		}
	}
	return false
}

// markedPhraseOr returns the query for mp, a phrase of textQuery in the text
// field of a language group: a markedPhraseQuery when the index marks the
// phrase there (a multi-word synonym, r.PhraseMarks; or, r.PairMarks, two
// neighbouring terms) , else mp itself.
func markedPhraseOr(mp *query.MatchPhraseQuery, r Ranking) query.Query {
	if !r.PhraseMarks && !r.PairMarks {
		return mp
	}
	g := groupOfField[mp.FieldVal]
	if r.PhraseMarks {
		if p, ok := phraseMarks()[g][mp.MatchPhrase]; ok {
			return &markedPhraseQuery{phrase: mp, group: g, slots: p.slots, key: mp.MatchPhrase}
		}
	}
	if r.PairMarks && g != "" {
		if a := groupAnalyzers()[g]; a != nil {
			slots := phraseSlots(a.Analyze([]byte(mp.MatchPhrase)))
			if len(slots) == 2 && len(slots[0]) == 1 && len(slots[1]) == 1 {
				return &markedPhraseQuery{phrase: mp, group: g, slots: slots, key: pairKey(slots[0][0], slots[1][0])}
			}
		}
	}
	return mp
}

// groupAnalyzers are the text analyzers of the language groups, by group.
var groupAnalyzers = sync.OnceValue(func() map[string]analysis.Analyzer {
	im, err := newMapping(DefaultRanking)
	if err != nil {
		panic("search: analyzers: " + err.Error())
	}
	out := map[string]analysis.Analyzer{}
	for _, g := range groups {
		if out[g] = im.AnalyzerNamed(analyzerFor(g)); out[g] == nil {
			panic("search: no analyzer " + analyzerFor(g))
		}
	}
	return out
})

// markedPhraseQuery is phrase (a MatchPhraseQuery of a marked phrase in a
// text field) found through the field's marks: the same matches and scores
// (see the comment at the top).
type markedPhraseQuery struct {
	phrase *query.MatchPhraseQuery
	group  string
	slots  [][]string
	// key is the phrase's term in the marks field: the synonym phrase as
	// searched, or pairKey of its two terms.
	key string
}

func (q *markedPhraseQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	field := q.phrase.FieldVal
	// Locations are the phrase searcher's (the words of each
	// occurrence); an analyzer other than the one the marks were found
	// with would give other terms; a fuzzy phrase matches other words.
	if options.IncludeTermVectors || q.phrase.Analyzer != "" || q.phrase.Fuzziness != 0 || m.AnalyzerNameForPath(field) != analyzerFor(q.group) {
		return q.phrase.Searcher(ctx, r, m, options)
	}
	key := q.key
	if options.Score == "none" && !options.Explain {
		// Membership only: the marks alone.
		return searcher.NewTermSearcher(ctx, r, key, markField(field), 1, options)
	}
	boost := q.phrase.BoostVal.Value()
	// The phrase searcher's conjunction of its words (v2.6.3
	// NewMultiPhraseSearcher, without fuzziness), without term vectors.
	var words []search.Searcher
	closeAll := func() {
		for _, s := range words {
			_ = s.Close()
		}
	}
	for _, slot := range q.slots {
		switch len(slot) {
		case 0:
			continue
		case 1:
			ts, err := searcher.NewTermSearcher(ctx, r, slot[0], field, boost, options)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("marked phrase: %w", err)
			}
			words = append(words, ts)
		default:
			var alts []search.Searcher
			for _, t := range slot {
				ts, err := searcher.NewTermSearcher(ctx, r, t, field, boost, options)
				if err != nil {
					for _, s := range alts {
						_ = s.Close()
					}
					closeAll()
					return nil, fmt.Errorf("marked phrase: %w", err)
				}
				alts = append(alts, ts)
			}
			d, err := searcher.NewDisjunctionSearcher(ctx, r, alts, 1, options)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("marked phrase: %w", err)
			}
			words = append(words, d)
		}
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, r, words, options)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("marked phrase: %w", err)
	}
	marks, err := r.TermFieldReader(ctx, []byte(key), markField(field), false, false, false)
	if err != nil {
		_ = conj.Close()
		return nil, err
	}
	s := &markedPhraseSearcher{words: conj, marks: marks}
	// As the phrase searcher does (computeQueryNorm); a parent sets it
	// again.
	s.words.SetQueryNorm(1 / math.Sqrt(s.words.Weight()))
	return s, nil
}

// markedPhraseSearcher is the words' conjunction at the documents the
// marks hold: a phrase searcher's matches and scores, read without
// positions. Weight, norm and Count are the phrase searcher's (its
// conjunction's), so a parent orders and weighs it as it did the phrase.
type markedPhraseSearcher struct {
	words search.Searcher
	marks index.TermFieldReader
	tfd   index.TermFieldDoc
	// pending is a match of words past the last mark looked at.
	pending *search.DocumentMatch
	done    bool
}

var reflectStaticSizeMarkedPhraseSearcher = int(reflect.TypeOf(markedPhraseSearcher{}).Size())

func (s *markedPhraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	m, err := s.marks.Next(s.tfd.Reset())
	if err != nil {
		return nil, err
	}
	return s.at(ctx, m)
}

func (s *markedPhraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	m, err := s.marks.Advance(id, s.tfd.Reset())
	if err != nil {
		return nil, err
	}
	return s.at(ctx, m)
}

// at returns the words' match at mark m, or at the next mark where they
// match. (The words match wherever a mark is; the loop only keeps the
// two in step if they ever disagree.)
func (s *markedPhraseSearcher) at(ctx *search.SearchContext, m *index.TermFieldDoc) (*search.DocumentMatch, error) {
	for m != nil {
		d := s.pending
		s.pending = nil
		if d == nil || d.IndexInternalID.Compare(m.ID) < 0 {
			if d != nil {
				ctx.DocumentMatchPool.Put(d)
			}
			var err error
			if d, err = s.words.Advance(ctx, m.ID); err != nil {
				return nil, err
			}
			if d == nil {
				break
			}
		}
		if d.IndexInternalID.Equals(m.ID) {
			return d, nil
		}
		// The words' next match is past this mark: on to the first mark
		// at or after it.
		s.pending = d
		var err error
		if m, err = s.marks.Advance(d.IndexInternalID, s.tfd.Reset()); err != nil {
			return nil, err
		}
	}
	s.done = true
	if s.pending != nil {
		ctx.DocumentMatchPool.Put(s.pending)
		s.pending = nil
	}
	return nil, nil
}

func (s *markedPhraseSearcher) Close() error {
	err := s.words.Close()
	if err2 := s.marks.Close(); err == nil {
		err = err2
	}
	return err
}

func (s *markedPhraseSearcher) Weight() float64            { return s.words.Weight() }
func (s *markedPhraseSearcher) SetQueryNorm(qnorm float64) { s.words.SetQueryNorm(qnorm) }
func (s *markedPhraseSearcher) Count() uint64              { return s.words.Count() }
func (s *markedPhraseSearcher) Min() int                   { return 0 }
func (s *markedPhraseSearcher) DocumentMatchPoolSize() int {
	return s.words.DocumentMatchPoolSize() + 1
}
func (s *markedPhraseSearcher) Size() int {
	return reflectStaticSizeMarkedPhraseSearcher + size.SizeOfPtr + s.words.Size() + s.marks.Size()
}
