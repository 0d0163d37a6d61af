package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/scorer"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The scoring pass of a search in relevance order, read straight from the
// index's segments (topk.go).
//
// Why: the profile of a top-10 search at 100,000 resources was Bleve's
// searcher tree (search/searcher in v2.6.3): for every match, every term
// searcher turns a posting into a pooled DocumentMatch with an 8-byte id,
// every disjunction and conjunction compares those ids as byte slices and
// merges them, and the collector receives each one. fastScore evaluates
// the same query tree over the scorch snapshot's segments with local
// document numbers, reading each posting's frequency and norm once, and
// hands each match to the same collector (relevanceTop or rerankTop) in
// the same order (increasing document number) with the same score.
//
// The scores equal Bleve's to the bit because each step is Bleve's own
// arithmetic in Bleve's own order (v2.6.3):
//   - a term's score: scorer.TermQueryScorer (BM25: idf·tf·k1 /
//     (tf + k1·(1−b+b·len/avg)), then times queryWeight = boost·idf·norm),
//     with the document count and average lengths the search's context
//     carries (withBM25Stats) or, failing that, Bleve's rule;
//   - a disjunction's: the sum of its matching clauses in the order of its
//     searchers (sorted by Count with sort.Sort, replayed here on the same
//     counts), times coord = matching/clauses (DisjunctionHeapTakeover is
//     off: see rerank.go); a conjunction's: the sum in the same order; a
//     boolean's: must + should;
//   - the query norm: each composite searcher sets 1/sqrt(sum of its
//     clauses' weights) on everything under it when built, so the
//     outermost one's stands; compile replays that.
//
// Anything else (phrases, fuzzy terms, ranges, match-all, the facet and
// restriction wrappers, another scoring model) is not compiled: the search
// then runs through Bleve as before. Index.fastCheck makes a search also
// run Bleve's searcher over the same snapshot and compare every match and
// score (tests).

// noDoc is past every document of a segment.
const noDoc = math.MaxUint64

// fnode kinds.
const (
	fTerm = iota
	fDisj
	fConj
	fBool
	fMarked
	fNone
	fPhrase
	fConst
)

// fnode is a compiled query: what one Bleve searcher would be.
type fnode struct {
	kind  int
	count uint64 // the searcher's Count()
	// term
	field string
	term  []byte
	boost float64
	idf   float64
	avg   float64
	qw    float64 // queryWeight: 1 until a norm is set
	lists []segment.PostingsList
	// disjunction and conjunction: clauses in the searcher's order
	kids []*fnode
	min  int
	// boolean
	must, should, not *fnode
	shouldMin         int
	// marked phrase: words (a conjunction) where marks (a term) is;
	// phrase: words where the phrase's slots (terms by position, nil for
	// a position a stop word left empty) are at consecutive positions
	words, marks *fnode
	pslots       [][]*fnode
	locs         bool // a term read with its locations (phrase words)
	// match-all: each segment's size and deleted documents
	sizes   []uint64
	deleted []*roaring.Bitmap
	// absent: a term assumed not in a document (bound, strongSet); ub:
	// the largest score of the term in the segment being pruned
	absent  bool
	ub      float64
	factors []float64 // per segment: see boundCache
	// it is the term's iterator in the segment being scored; known and
	// val its score at the document being bounded (partialBelow).
	it    *termIt
	known bool
	val   float64
}

// weight is the searcher's Weight().
func (n *fnode) weight() float64 {
	switch n.kind {
	case fTerm:
		sum := n.boost * n.idf
		return sum * sum
	case fDisj, fConj:
		var rv float64
		for _, k := range n.kids {
			rv += k.weight()
		}
		return rv
	case fBool:
		var rv float64
		if n.must != nil {
			rv += n.must.weight()
		}
		if n.should != nil {
			rv += n.should.weight()
		}
		return rv
	case fMarked, fPhrase:
		return n.words.weight()
	case fConst:
		sum := n.boost
		return sum * sum
	}
	return 0
}

// setNorm is the searcher's SetQueryNorm.
func (n *fnode) setNorm(norm float64) {
	switch n.kind {
	case fTerm:
		n.qw = n.boost * n.idf * norm
	case fDisj, fConj:
		for _, k := range n.kids {
			k.setNorm(norm)
		}
	case fBool:
		if n.must != nil {
			n.must.setNorm(norm)
		}
		if n.should != nil {
			n.should.setNorm(norm)
		}
	case fMarked, fPhrase:
		n.words.setNorm(norm)
	case fConst:
		n.qw = n.boost * norm
	}
}

// computeNorm is what a composite searcher's constructor does.
func (n *fnode) computeNorm() { n.setNorm(1.0 / math.Sqrt(n.weight())) }

// byCount sorts clauses as searcher.OrderedSearcherList does (the same
// Less on the same counts: sort.Sort makes the same permutation).
type byCount []*fnode

func (b byCount) Len() int           { return len(b) }
func (b byCount) Less(i, j int) bool { return b[i].count < b[j].count }
func (b byCount) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

// compiler compiles queries against one snapshot.
type compiler struct {
	ctx   context.Context
	snap  *scorch.IndexSnapshot
	m     mapping.IndexMapping
	stats *search.BM25Stats
	dicts map[string][]segment.TermDictionary
	err   error
}

// fastUnsupported names what compile does not handle.
type fastUnsupported struct{ what string }

func (u fastUnsupported) Error() string { return u.what + ": not supported by the fast scorer" }

func (c *compiler) dict(field string) ([]segment.TermDictionary, error) {
	if d, ok := c.dicts[field]; ok {
		return d, nil
	}
	segs := c.snap.Segments()
	d := make([]segment.TermDictionary, len(segs))
	for i, s := range segs {
		td, err := s.Segment().Dictionary(field)
		if err != nil {
			return nil, err
		}
		d[i] = td
	}
	c.dicts[field] = d
	return d, nil
}

// termNode is searcher.NewTermSearcher's: postings of term in field in
// every segment (deleted documents left out), Count the live document
// frequency, idf by BM25 with the search's statistics.
func (c *compiler) termNode(term []byte, field string, boost float64) (*fnode, error) {
	ds, err := c.dict(field)
	if err != nil {
		return nil, err
	}
	segs := c.snap.Segments()
	n := &fnode{kind: fTerm, field: field, term: term, boost: boost, qw: 1.0, lists: make([]segment.PostingsList, len(segs))}
	for i, s := range segs {
		pl, err := ds[i].PostingsList(term, s.Deleted(), nil)
		if err != nil {
			return nil, err
		}
		n.lists[i] = pl
		n.count += pl.Count()
	}
	// bm25ScoreMetrics (search_term.go) with the context's statistics.
	docTotal := uint64(c.stats.DocCount)
	card, ok := c.stats.FieldCardinality[field]
	if !ok || docTotal == 0 {
		return nil, fastUnsupported{"a field without BM25 statistics"}
	}
	n.avg = math.Ceil(float64(card) / float64(docTotal))
	if n.avg <= 0 {
		return nil, fastUnsupported{"tf-idf"}
	}
	docTerm := n.count
	n.idf = math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5))
	return n, nil
}

func (c *compiler) disj(kids []*fnode, min float64) *fnode {
	sorted := make(byCount, len(kids))
	copy(sorted, kids)
	sort.Sort(sorted)
	n := &fnode{kind: fDisj, kids: sorted, min: int(min)}
	for _, k := range sorted {
		n.count += k.count
	}
	n.computeNorm()
	return n
}

func (c *compiler) conj(kids []*fnode) *fnode {
	sorted := make(byCount, len(kids))
	copy(sorted, kids)
	sort.Sort(sorted)
	n := &fnode{kind: fConj, kids: sorted}
	for _, k := range sorted {
		n.count += k.count
	}
	n.computeNorm()
	return n
}

var noneNode = &fnode{kind: fNone}

// compile returns q's node, or fastUnsupported.
func (c *compiler) compile(q query.Query) (*fnode, error) {
	switch q := q.(type) {
	case *query.TermQuery:
		if q.FieldVal == "" {
			return nil, fastUnsupported{"this form"}
		}
		return c.termNode([]byte(q.Term), q.FieldVal, q.BoostVal.Value())
	case *query.MatchQuery:
		if q.FieldVal == "" || q.Fuzziness != 0 || q.Prefix != 0 {
			return nil, fastUnsupported{"this form"}
		}
		name := q.Analyzer
		if name == "" {
			name = c.m.AnalyzerNameForPath(q.FieldVal)
		}
		a := c.m.AnalyzerNamed(name)
		if a == nil {
			return nil, fastUnsupported{"this form"}
		}
		tokens := a.Analyze([]byte(q.Match))
		if len(tokens) == 0 {
			return noneNode, nil
		}
		boost := q.BoostVal.Value()
		kids := make([]*fnode, len(tokens))
		for i, t := range tokens {
			k, err := c.termNode(t.Term, q.FieldVal, boost)
			if err != nil {
				return nil, err
			}
			kids[i] = k
		}
		switch q.Operator {
		case query.MatchQueryOperatorOr:
			return c.disj(kids, 1), nil
		case query.MatchQueryOperatorAnd:
			return c.conj(kids), nil
		}
		return nil, fastUnsupported{"this form"}
	case *query.DisjunctionQuery:
		kids, err := c.compileAll(q.Disjuncts)
		if err != nil {
			return nil, err
		}
		if len(kids) == 0 {
			return noneNode, nil
		}
		return c.disj(kids, q.Min), nil
	case *query.ConjunctionQuery:
		kids, err := c.compileAll(q.Conjuncts)
		if err != nil {
			return nil, err
		}
		if len(kids) == 0 {
			return noneNode, nil
		}
		return c.conj(kids), nil
	case *query.MatchNoneQuery:
		return noneNode, nil
	case *query.BooleanQuery:
		if q.Filter != nil {
			// Only a filter at the root (see compileRoot).
			return nil, fastUnsupported{"an inner filter"}
		}
		return c.boolean(q, false)
	case *markedPhraseQuery:
		return c.marked(q)
	case *query.MatchPhraseQuery:
		return c.phrase(q)
	case *query.MatchAllQuery:
		// searcher.NewMatchAllSearcher: a constant scorer, Count the
		// live documents.
		n, err := c.snap.DocCount()
		if err != nil {
			return nil, err
		}
		segs := c.snap.Segments()
		k := &fnode{kind: fConst, boost: q.BoostVal.Value(), qw: 1.0, count: n, sizes: make([]uint64, len(segs)), deleted: make([]*roaring.Bitmap, len(segs))}
		for i, s := range segs {
			k.sizes[i], k.deleted[i] = s.Segment().Count(), s.Deleted()
		}
		return k, nil
	}
	return nil, fastUnsupported{fmt.Sprintf("%T", q)}
}

func (c *compiler) compileAll(qs []query.Query) ([]*fnode, error) {
	out := make([]*fnode, 0, len(qs))
	for _, q := range qs {
		n, err := c.compile(q)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// boolean is query.BooleanQuery.Searcher (filtered: with a filter,
// which the caller applies): a part that is match-none is left out;
// without a filter a lone must or should is returned itself.
func (c *compiler) boolean(q *query.BooleanQuery, filtered bool) (*fnode, error) {
	part := func(p query.Query) (*fnode, error) {
		if p == nil {
			return nil, nil
		}
		n, err := c.compile(p)
		if err != nil || n.kind == fNone {
			return nil, err
		}
		return n, nil
	}
	not, err := part(q.MustNot)
	if err != nil {
		return nil, err
	}
	must, err := part(q.Must)
	if err != nil {
		return nil, err
	}
	should, err := part(q.Should)
	if err != nil {
		return nil, err
	}
	switch {
	case must == nil && should == nil:
		if not == nil && !filtered {
			return noneNode, nil
		}
		return nil, fastUnsupported{"match-all"}
	case !filtered && must != nil && should == nil && not == nil:
		return must, nil
	case !filtered && must == nil && should != nil && not == nil:
		return should, nil
	}
	n := &fnode{kind: fBool, must: must, should: should, not: not}
	if must != nil {
		n.count += must.count
	}
	if should != nil {
		n.count += should.count
		if should.kind == fDisj {
			n.shouldMin = should.min
		}
	}
	n.computeNorm()
	return n, nil
}

// marked is markedPhraseQuery.Searcher's scored path: the conjunction of
// the phrase's words (a disjunction for a slot of several terms) at the
// documents the marks term holds.
func (c *compiler) marked(q *markedPhraseQuery) (*fnode, error) {
	field := q.phrase.FieldVal
	if q.phrase.Analyzer != "" || q.phrase.Fuzziness != 0 || c.m.AnalyzerNameForPath(field) != analyzerFor(q.group) {
		return nil, fastUnsupported{"this form"}
	}
	boost := q.phrase.BoostVal.Value()
	var words []*fnode
	for _, slot := range q.slots {
		switch len(slot) {
		case 0:
			continue
		case 1:
			t, err := c.termNode([]byte(slot[0]), field, boost)
			if err != nil {
				return nil, err
			}
			words = append(words, t)
		default:
			var alts []*fnode
			for _, s := range slot {
				t, err := c.termNode([]byte(s), field, boost)
				if err != nil {
					return nil, err
				}
				alts = append(alts, t)
			}
			words = append(words, c.disj(alts, 1))
		}
	}
	if len(words) == 0 {
		return nil, fastUnsupported{"this form"}
	}
	w := c.conj(words)
	// The marks' term reader is read without frequencies; its scorer is
	// never used.
	mk, err := c.termNode([]byte(q.key), markField(field), 1)
	if err != nil {
		return nil, err
	}
	n := &fnode{kind: fMarked, words: w, marks: mk, count: w.count}
	w.computeNorm()
	return n, nil
}

// phrase is query.MatchPhraseQuery.Searcher (searcher.NewMultiPhraseSearcher
// without fuzziness): the conjunction of the slots' words, read with
// their locations, where the phrase is (phraseAt); its weight, norm and
// count are the conjunction's.
func (c *compiler) phrase(q *query.MatchPhraseQuery) (*fnode, error) {
	field := q.FieldVal
	if field == "" || q.Fuzziness != 0 {
		return nil, fastUnsupported{"a fuzzy phrase"}
	}
	name := q.Analyzer
	if name == "" {
		name = c.m.AnalyzerNameForPath(field)
	}
	a := c.m.AnalyzerNamed(name)
	if a == nil {
		return nil, fastUnsupported{"an unknown analyzer"}
	}
	tokens := a.Analyze([]byte(q.MatchPhrase))
	if len(tokens) == 0 {
		return noneNode, nil
	}
	slots := phraseSlots(tokens)
	boost := q.BoostVal.Value()
	term := func(t string) (*fnode, error) {
		n, err := c.termNode([]byte(t), field, boost)
		if n != nil {
			n.locs = true
		}
		return n, err
	}
	pslots := make([][]*fnode, len(slots))
	var words []*fnode
	for i, slot := range slots {
		switch {
		case len(slot) == 1 && slot[0] != "":
			t, err := term(slot[0])
			if err != nil {
				return nil, err
			}
			pslots[i] = []*fnode{t}
			words = append(words, t)
		case len(slot) > 1:
			var alts []*fnode
			for _, w := range slot {
				if w == "" {
					return nil, fastUnsupported{"an empty term in a phrase"}
				}
				t, err := term(w)
				if err != nil {
					return nil, err
				}
				alts = append(alts, t)
			}
			pslots[i] = alts
			words = append(words, c.disj(alts, 1))
		case len(slot) == 1:
			return nil, fastUnsupported{"an empty term in a phrase"}
		}
	}
	if len(words) == 0 {
		return nil, fastUnsupported{"a phrase without words"}
	}
	w := c.conj(words)
	w.computeNorm()
	return &fnode{kind: fPhrase, words: w, pslots: pslots, count: w.count}, nil
}

// filterNode compiles a filter (withFilters' conjunction of disjunctions
// of keyword terms): membership only.
func (c *compiler) filterNode(q query.Query) (*fnode, error) {
	switch q := q.(type) {
	case *query.TermQuery:
		if q.FieldVal == "" {
			return nil, fastUnsupported{"this form"}
		}
		ds, err := c.dict(q.FieldVal)
		if err != nil {
			return nil, err
		}
		segs := c.snap.Segments()
		n := &fnode{kind: fTerm, term: []byte(q.Term), lists: make([]segment.PostingsList, len(segs))}
		for i, s := range segs {
			if n.lists[i], err = ds[i].PostingsList(n.term, s.Deleted(), nil); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *query.DisjunctionQuery, *query.ConjunctionQuery:
		var qs []query.Query
		kind, min := fDisj, 0
		if d, ok := q.(*query.DisjunctionQuery); ok {
			qs, min = d.Disjuncts, int(d.Min)
		} else {
			qs, kind = q.(*query.ConjunctionQuery).Conjuncts, fConj
		}
		if len(qs) == 0 || min > 1 {
			return nil, fastUnsupported{"this form"}
		}
		n := &fnode{kind: kind}
		for _, k := range qs {
			kn, err := c.filterNode(k)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kn)
		}
		return n, nil
	}
	return nil, fastUnsupported{fmt.Sprintf("a filter %T", q)}
}

// bitset is a segment's documents.
type bitset []uint64

func (b bitset) has(d uint64) bool { return b[d>>6]&(1<<(d&63)) != 0 }

// filterBits returns the documents of segment si the filter holds.
func filterBits(n *fnode, si int, size uint64) (bitset, error) {
	words := (size + 63) / 64
	switch n.kind {
	case fTerm:
		b := make(bitset, words)
		it := n.lists[si].Iterator(false, false, false, nil)
		for {
			p, err := it.Next()
			if err != nil {
				return nil, err
			}
			if p == nil {
				return b, nil
			}
			d := p.Number()
			b[d>>6] |= 1 << (d & 63)
		}
	case fDisj:
		b := make(bitset, words)
		for _, k := range n.kids {
			kb, err := filterBits(k, si, size)
			if err != nil {
				return nil, err
			}
			for i := range b {
				b[i] |= kb[i]
			}
		}
		return b, nil
	default: // fConj
		var b bitset
		for _, k := range n.kids {
			kb, err := filterBits(k, si, size)
			if err != nil {
				return nil, err
			}
			if b == nil {
				b = kb
				continue
			}
			for i := range b {
				b[i] &= kb[i]
			}
		}
		return b, nil
	}
}

// fastPlan is a compiled root: the query's node and the filter, if any.
type fastPlan struct {
	root   *fnode
	filter *fnode
}

// compileRoot compiles the query a search runs: the text query, or a
// BooleanQuery of it (as withFilters builds) with a filter, which Bleve
// runs as a FilteringSearcher around the rest (query/boolean.go).
func (c *compiler) compileRoot(q query.Query) (*fastPlan, error) {
	b, ok := q.(*query.BooleanQuery)
	if !ok || b.Filter == nil {
		n, err := c.compile(q)
		if err != nil {
			return nil, err
		}
		return &fastPlan{root: n}, nil
	}
	f, err := c.filterNode(b.Filter)
	if err != nil {
		return nil, err
	}
	n, err := c.boolean(b, true)
	if err != nil {
		return nil, err
	}
	return &fastPlan{root: n, filter: f}, nil
}

// fit iterates a compiled node's matches in one segment, in increasing
// document number. doc is noDoc when done.
type fit interface {
	doc() uint64
	next()
	advance(target uint64)
	score() float64
}

// iterator builds n's iterator in segment si, positioned on its first
// match. errp receives the first error of a postings iterator (which then
// ends).
func iterator(n *fnode, si int, errp *error) fit {
	switch n.kind {
	case fTerm:
		t := &termIt{n: n, pi: n.lists[si].Iterator(true, true, n.locs, nil), errp: errp}
		t.next()
		n.it = t
		return t
	case fPhrase:
		ph := &phraseIt{words: iterator(n.words, si, errp), slots: n.pslots}
		ph.settle()
		return ph
	case fConst:
		k := &constIt{n: n, size: n.sizes[si], deleted: n.deleted[si]}
		k.settle()
		return k
	case fDisj:
		// Clauses with no match in the segment are left out of the
		// iteration; coord still counts them.
		d := &disjIt{kids: make([]fit, 0, len(n.kids)), min: n.min, clauses: len(n.kids)}
		for _, k := range n.kids {
			if it := iterator(k, si, errp); it.doc() != noDoc {
				d.kids = append(d.kids, it)
			}
		}
		if len(d.kids) == 0 {
			return noneIt{}
		}
		d.settle()
		return d
	case fConj:
		c := &conjIt{kids: make([]fit, len(n.kids))}
		for i, k := range n.kids {
			c.kids[i] = iterator(k, si, errp)
		}
		c.settle()
		return c
	case fBool:
		b := &boolIt{shouldMin: n.shouldMin}
		if n.must != nil {
			b.must = iterator(n.must, si, errp)
		}
		if n.should != nil {
			b.should = iterator(n.should, si, errp)
		}
		if n.not != nil {
			b.not = iterator(n.not, si, errp)
		}
		b.driver = b.must
		if b.driver == nil {
			b.driver = b.should
		}
		b.settle()
		return b
	case fMarked:
		m := &markedIt{words: iterator(n.words, si, errp), marks: iterator(n.marks, si, errp)}
		m.settle()
		return m
	}
	return noneIt{}
}

type noneIt struct{}

func (noneIt) doc() uint64    { return noDoc }
func (noneIt) next()          {}
func (noneIt) advance(uint64) {}
func (noneIt) score() float64 { return 0 }

// termIt is a term's postings; its score is scorer.TermQueryScorer's.
type termIt struct {
	n    *fnode
	pi   segment.PostingsIterator
	cur  uint64
	freq uint64
	norm float64
	p    segment.Posting // the current posting (its locations, for phrases)
	errp *error
}

func (t *termIt) set(p segment.Posting, err error) {
	if err != nil {
		if *t.errp == nil {
			*t.errp = err
		}
		p = nil
	}
	if p == nil {
		t.cur = noDoc
		return
	}
	t.cur, t.freq, t.norm, t.p = p.Number(), p.Frequency(), p.Norm(), p
}

func (t *termIt) doc() uint64 { return t.cur }

func (t *termIt) next() {
	if t.cur == noDoc && t.pi == nil {
		return
	}
	t.set(t.pi.Next())
}

func (t *termIt) advance(target uint64) {
	if t.cur >= target {
		return
	}
	t.set(t.pi.Advance(target))
}

// score is scorer.TermQueryScorer.Score's arithmetic (BM25), step by step.
func (t *termIt) score() float64 { return t.scoreFor(t.n) }

// scoreFor is score with leaf n's statistics and weight (n names t's term
// in t's field: see leafIterators).
func (t *termIt) scoreFor(n *fnode) float64 { return leafScore(n, t.freq, t.norm) }

// leafScore is leaf n's score at a posting of frequency freq and norm
// norm.
func leafScore(n *fnode, freq uint64, norm float64) float64 {
	var tf float64
	if freq < scorer.MaxSqrtCache {
		tf = scorer.SqrtCache[int(freq)]
	} else {
		tf = math.Sqrt(float64(freq))
	}
	fieldLength := 1 / (norm * norm)
	score := n.idf * (tf * search.BM25_k1) /
		(tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/n.avg)))
	if n.qw != 1.0 {
		score = score * n.qw
	}
	return score
}

// disjIt is a disjunction: documents where at least min clauses match.
type disjIt struct {
	kids    []fit
	min     int
	clauses int // the disjunction's clauses (coord's denominator)
	cur     uint64
}

func (d *disjIt) settle() {
	for {
		cur, cnt := uint64(noDoc), 0
		for _, k := range d.kids {
			if x := k.doc(); x < cur {
				cur, cnt = x, 1
			} else if x == cur {
				cnt++
			}
		}
		if cur == noDoc || cnt >= d.min {
			d.cur = cur
			return
		}
		for _, k := range d.kids {
			if k.doc() == cur {
				k.next()
			}
		}
	}
}

func (d *disjIt) doc() uint64 { return d.cur }

func (d *disjIt) next() {
	if d.cur == noDoc {
		return
	}
	for _, k := range d.kids {
		if k.doc() == d.cur {
			k.next()
		}
	}
	d.settle()
}

func (d *disjIt) advance(target uint64) {
	if d.cur >= target {
		return
	}
	for _, k := range d.kids {
		if k.doc() < target {
			k.advance(target)
		}
	}
	d.settle()
}

// score is scorer.DisjunctionQueryScorer.Score: the matching clauses'
// sum in clause order, times coord.
func (d *disjIt) score() float64 {
	var sum float64
	cnt := 0
	for _, k := range d.kids {
		if k.doc() == d.cur {
			sum += k.score()
			cnt++
		}
	}
	coord := float64(cnt) / float64(d.clauses)
	return sum * coord
}

// conjIt is a conjunction: documents where every clause matches.
type conjIt struct {
	kids []fit
	cur  uint64
}

func (c *conjIt) settle() {
	for {
		t := c.kids[0].doc()
		same := true
		for _, k := range c.kids[1:] {
			if x := k.doc(); x != t {
				same = false
				if x > t {
					t = x
				}
			}
		}
		if t == noDoc || same {
			c.cur = t
			return
		}
		for _, k := range c.kids {
			if k.doc() < t {
				k.advance(t)
			}
		}
	}
}

func (c *conjIt) doc() uint64 { return c.cur }

func (c *conjIt) next() {
	if c.cur == noDoc {
		return
	}
	for _, k := range c.kids {
		k.next()
	}
	c.settle()
}

func (c *conjIt) advance(target uint64) {
	if c.cur >= target {
		return
	}
	for _, k := range c.kids {
		if k.doc() < target {
			k.advance(target)
		}
	}
	c.settle()
}

// score is scorer.ConjunctionQueryScorer.Score: the sum in clause order.
func (c *conjIt) score() float64 {
	var sum float64
	for _, k := range c.kids {
		sum += k.score()
	}
	return sum
}

// boolIt is searcher.BooleanSearcher: must's documents (or should's when
// there is no must) that no excluded clause matches, and that should
// matches when its minimum is above 0.
type boolIt struct {
	must, should, not, driver fit
	shouldMin                 int
	cur                       uint64
}

func (b *boolIt) settle() {
	for {
		c := b.driver.doc()
		if c == noDoc {
			b.cur = noDoc
			return
		}
		if b.not != nil {
			b.not.advance(c)
			if b.not.doc() == c {
				b.driver.next()
				continue
			}
		}
		if b.must != nil && b.should != nil {
			b.should.advance(c)
			if b.should.doc() != c && b.shouldMin > 0 {
				b.must.next()
				continue
			}
		}
		b.cur = c
		return
	}
}

func (b *boolIt) doc() uint64 { return b.cur }

func (b *boolIt) next() {
	if b.cur == noDoc {
		return
	}
	b.driver.next()
	b.settle()
}

func (b *boolIt) advance(target uint64) {
	if b.cur >= target {
		return
	}
	b.driver.advance(target)
	b.settle()
}

// score is scorer.ConjunctionQueryScorer.Score over must and should.
func (b *boolIt) score() float64 {
	var sum float64
	if b.must != nil {
		sum += b.must.score()
		if b.should != nil && b.should.doc() == b.cur {
			sum += b.should.score()
		}
		return sum
	}
	sum += b.should.score()
	return sum
}

// markedIt is markedPhraseSearcher: the words' conjunction at the marked
// documents.
type markedIt struct {
	words, marks fit
	cur          uint64
}

func (m *markedIt) settle() {
	for {
		d := m.marks.doc()
		if d == noDoc {
			m.cur = noDoc
			return
		}
		m.words.advance(d)
		w := m.words.doc()
		if w == d || w == noDoc {
			m.cur = w
			return
		}
		m.marks.advance(w)
	}
}

func (m *markedIt) doc() uint64 { return m.cur }

func (m *markedIt) next() {
	if m.cur == noDoc {
		return
	}
	m.marks.next()
	m.settle()
}

func (m *markedIt) advance(target uint64) {
	if m.cur >= target {
		return
	}
	m.marks.advance(target)
	m.settle()
}

func (m *markedIt) score() float64 { return m.words.score() }

// fastScore runs q over the current snapshot of idx through the
// compiled scorer and hands every match, in increasing document order and
// with Bleve's score, to the document match handler ctx carries (a
// relevanceTop or rerankTop: see Index.Search), then nil, as Bleve's
// collector would. With theta (the score a hit must reach to enter the
// collector's page, and whether it is known yet) it may leave out matches
// that cannot (see prunedSegment). It returns the number of matches and of those scored; a fastUnsupported
// error when q or the index is not supported (nothing was handed over:
// the caller runs Bleve).
func fastScore(ctx context.Context, idx bleve.Index, q query.Query, theta func() (float64, bool), seed int, rr *rerankTop) (total, scored uint64, err error) {
	mk, _ := ctx.Value(search.MakeDocumentMatchHandlerKey).(search.MakeDocumentMatchHandler)
	stats, _ := ctx.Value(search.BM25StatsKey).(*search.BM25Stats)
	im, isImpl := idx.Mapping().(*mapping.IndexMappingImpl)
	if mk == nil || stats == nil || !isImpl || im.ScoringModel != index.BM25Scoring {
		return 0, 0, fastUnsupported{"a search without a collector, BM25 or its statistics"}
	}
	ai, err := idx.Advanced()
	if err != nil {
		return 0, 0, fastUnsupported{"an index without segments"}
	}
	r, err := ai.Reader()
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	snap, isSnap := r.(*scorch.IndexSnapshot)
	if !isSnap {
		return 0, 0, fastUnsupported{"an index without segments"}
	}
	c := &compiler{ctx: ctx, snap: snap, m: im, stats: stats, dicts: map[string][]segment.TermDictionary{}}
	p, err := c.compileRoot(q)
	if err != nil {
		return 0, 0, err
	}
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(2, 0), IndexReader: r}
	handle, _, err := mk(sc)
	if err != nil {
		return 0, 0, err
	}
	var offset uint64
	var ierr error
	steps := 0
	emit := func(d uint64, score float64) error {
		if steps++; steps&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m := sc.DocumentMatchPool.Get()
		m.Score = score
		m.IndexInternalID = index.NewIndexInternalID(m.IndexInternalID, d)
		return handle(m)
	}
	var scoring []*fnode
	if theta != nil {
		scoring = leaves(p.root, nil)
	}
	segs := snap.Segments()
	bases := make([]uint64, len(segs))
	for si, s := range segs {
		bases[si] = offset
		offset += s.Segment().Count()
	}
	if theta != nil && rr != nil && seed == 0 {
		if mid := splitDocs(segs); mid > 0 {
			if release, ok := spareCPU(); ok {
				total, scoredB, done, err := scoreInParallel(ctx, c, p, q, segs, bases, mid, scoring, theta, rr, emit)
				release()
				if err != nil {
					return 0, 0, err
				}
				if done {
					return total, uint64(steps) + scoredB, handle(nil)
				}
			}
		}
	}
	var ms []*roaring.Bitmap
	var sbs []*segBits
	if theta != nil {
		ms, sbs = matchSets(p, segs)
	}
	if ms == nil {
		for si, s := range segs {
			it := iterator(p.root, si, &ierr)
			n, err := fullSegment(p, si, s.Segment().Count(), it, func(d uint64, score float64) error { return emit(bases[si]+d, score) })
			if err != nil {
				return 0, 0, err
			}
			if ierr != nil {
				return 0, 0, ierr
			}
			total += n
		}
		return total, uint64(steps), handle(nil)
	}
	for _, m := range ms {
		total += m.GetCardinality()
	}
	// Each segment's terms by bound, largest first.
	termBounds.forget(segs)
	byBound := make([][]*fnode, len(segs))
	for si, s := range segs {
		if err := termBounds.set(s, si, scoring); err != nil {
			return 0, 0, err
		}
		termBounds.use(s, si, scoring)
		byBound[si] = sortedByBound(p.root, scoring)
	}
	// Seed: the first matches holding the term of the largest bound
	// (likely among the best), so that theta is high from the start.
	seeded := make([]*roaring.Bitmap, len(segs))
	budget := seed
	for si, s := range segs {
		seeded[si] = roaring.New()
		if budget <= 0 || len(byBound[si]) == 0 {
			continue
		}
		termBounds.use(s, si, scoring)
		first := sbs[si].of(byBound[si][0])
		if first == nil {
			continue
		}
		c := roaring.And(ms[si], first)
		if c.IsEmpty() {
			continue
		}
		it := iterator(p.root, si, &ierr)
		ci := c.Iterator()
		for ci.HasNext() && budget > 0 {
			d := uint64(ci.Next())
			if err := scoreAt(it, d, si, func(score float64) error { return emit(bases[si]+d, score) }); err != nil {
				return 0, 0, err
			}
			seeded[si].Add(uint32(d))
			budget--
		}
		if ierr != nil {
			return 0, 0, ierr
		}
	}
	if rr != nil {
		// The candidates keep their terms' postings (rescorebounds.go).
		rr.keys = planTerms(p.root)
		rr.src = newFeatSource(rr.keys)
		defer func() { rr.src = nil }()
	}
	for si, s := range segs {
		m := roaring.AndNot(ms[si], seeded[si])
		it := prunedScorer(p, si, seed > 0, &ierr)
		if rr != nil && it == nil {
			rr.src.bind(p.root, bases[si])
		}
		termBounds.use(s, si, scoring)
		err := prunedSegment(p, si, sbs[si], m, it, byBound[si], theta, seed > 0, func(d uint64, score float64) error { return emit(bases[si]+d, score) })
		if ierr != nil {
			return 0, 0, ierr
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return total, uint64(steps), handle(nil)
}

// fullSegment scores every match of segment si (size documents).
func fullSegment(p *fastPlan, si int, size uint64, it fit, emit func(uint64, float64) error) (uint64, error) {
	var fb bitset
	if p.filter != nil {
		var err error
		if fb, err = filterBits(p.filter, si, size); err != nil {
			return 0, err
		}
	}
	var n uint64
	for d := it.doc(); d != noDoc; d = it.doc() {
		if fb == nil || fb.has(d) {
			n++
			if err := emit(d, it.score()); err != nil {
				return 0, err
			}
		}
		it.next()
	}
	return n, nil
}

// pruneEvery is how many documents are scored between two looks at theta
// (tests lower it).
var pruneEvery = 256

// matchSets returns each segment's matches (deleted documents out, the
// filter applied) from the postings' bitmaps, and the segments' memos;
// nil when the tree is not a set expression.
func matchSets(p *fastPlan, segs []*scorch.SegmentSnapshot) ([]*roaring.Bitmap, []*segBits) {
	return matchSetsIn(p, segs, 0, len(segs))
}

// matchSetsIn is matchSets for segments from to to-1 only (the others'
// entries are nil).
func matchSetsIn(p *fastPlan, segs []*scorch.SegmentSnapshot, from, to int) ([]*roaring.Bitmap, []*segBits) {
	ms := make([]*roaring.Bitmap, len(segs))
	sbs := make([]*segBits, len(segs))
	for si := from; si < to; si++ {
		s := segs[si]
		sb := &segBits{si: si, memo: map[*fnode]*roaring.Bitmap{}}
		mb := sb.of(p.root)
		if mb == nil {
			return nil, nil
		}
		m := mb.Clone()
		if p.filter != nil {
			fb := sb.of(p.filter)
			if fb == nil {
				return nil, nil
			}
			m.And(fb)
		}
		if del := s.Deleted(); del != nil {
			m.AndNot(del)
		}
		ms[si], sbs[si] = m, sb
	}
	return ms, sbs
}

// scoreAt scores document d, a match, with it.
func scoreAt(it fit, d uint64, si int, emit func(float64) error) error {
	it.advance(d)
	if it.doc() != d {
		return fmt.Errorf("fast scorer: document %d of segment %d is in the match set but not matched", d, si)
	}
	return emit(it.score())
}

// prunedScorer returns what prunedSegment scores segment si with: with
// partial, the iterator of p's tree (partialBelow reads its leaves one by
// one); else nil, and p's leaves get iterators shared by the leaves naming
// the same term (leafIterators), and each match is scored by evalAt: the
// matches come from the match set, so nothing is gained by iterating the
// tree, and a term a query names several times is decoded once.
func prunedScorer(p *fastPlan, si int, partial bool, errp *error) fit {
	if partial {
		return iterator(p.root, si, errp)
	}
	leafIterators(p.root, si, errp)
	return nil
}

// prunedSegment scores the matches m of segment si that can enter the
// page (see above): all of them until theta is known, then only those
// holding a term of strongSet and every term of requiredSet, and with
// partial only those that partialBelow does not bound below theta (for
// relevanceTop: with rerankTop's lower theta, the 1,000th best, most
// matches pass, and the reads one by one cost more than they save).
func prunedSegment(p *fastPlan, si int, sb *segBits, m *roaring.Bitmap, it fit, byBound []*fnode, theta func() (float64, bool), partial bool, emit func(uint64, float64) error) error {
	cand := m.Iterator()
	var order []*fnode
	if partial {
		order = partialOrder(p.root)
	}
	strong, required := len(byBound)+1, 0
	last := math.Inf(-1)
	scored := 0
	look := func(after uint64) {
		th, ok := theta()
		if !ok || th <= last {
			return
		}
		last = th
		set := strongSet(p.root, byBound, th)
		req := requiredSet(p.root, byBound, th)
		for _, l := range set {
			if sb.of(l) == nil {
				set = nil // not a set expression: no restriction
				break
			}
		}
		req = slices.DeleteFunc(req, func(l *fnode) bool { return sb.of(l) == nil })
		if (set == nil || len(set) >= strong) && len(req) <= required {
			return
		}
		if set != nil {
			strong = len(set)
		}
		required = len(req)
		u := m.Clone()
		if set != nil {
			any := roaring.New()
			for _, l := range set {
				any.Or(sb.of(l))
			}
			u.And(any)
		}
		for _, l := range req {
			u.And(sb.of(l))
		}
		cand = u.Iterator()
		cand.AdvanceIfNeeded(uint32(after))
	}
	look(0)
	for cand.HasNext() {
		d := uint64(cand.Next())
		if th, ok := theta(); ok && order != nil && partialBelow(p.root, order, d, th) {
			continue
		}
		if it == nil {
			score, ok := evalAt(p.root, d)
			if !ok {
				return fmt.Errorf("fast scorer: document %d of segment %d is in the match set but not matched", d, si)
			}
			if err := emit(d, score); err != nil {
				return err
			}
		} else if err := scoreAt(it, d, si, func(score float64) error { return emit(d, score) }); err != nil {
			return err
		}
		if scored++; scored%pruneEvery == 0 {
			look(d + 1)
		}
	}
	return nil
}

// Pruning (the top-k shape). A collector drops, without touching what it
// keeps, a hit whose score is below the worst kept one once it keeps its
// k hits (theta): relevanceTop.offer (its order is total: score, then
// date, then id, so what it keeps does not depend on the order hits come
// in) and rerankTop.offer (at most the worst kept one). So a match whose
// score is bound below theta at the time it would come can be left out
// without changing anything: the number of matches is counted apart,
// exactly, from the postings' bitmaps (matchSets), and the scored matches
// go to the collector in document order (rerankTop) or after a seed of
// likely good ones (relevanceTop: seed, so that theta is high early).
//
// The bound of a document's score is the tree's with each term at its
// largest score in the segment: idf·factor·queryWeight, factor the
// largest tf·k1/(tf+k1·L) of its postings there (boundCache), a
// disjunction's sum times its largest coord, a term that is not in the
// segment left out. Once theta is known, strongSet picks the fewest
// terms, largest bounds first, such that a document with none of them is
// bound below theta (MaxScore, Turtle and Flood 1995: the documents of
// the non-essential terms alone are left out whole), and requiredSet the
// terms without which a document is bound below theta; only the matches
// with one of the former and all of the latter are scored (the tree's
// iterators advance over the rest).

// pruneMargin covers the rounding of a sum of bounds against the rounding
// of the score it bounds (relative error of a few ulps per addition).
const pruneMargin = 1 + 1e-9

// bitsOf returns the documents of segment si n matches (deleted ones
// included: the caller takes them out), or nil when n's membership is not
// a set expression (a disjunction needing more than one clause).
func (c *segBits) of(n *fnode) *roaring.Bitmap {
	if b, ok := c.memo[n]; ok {
		return b
	}
	var b *roaring.Bitmap
	switch n.kind {
	case fTerm:
		o, ok := n.lists[c.si].(interface{ OrInto(*roaring.Bitmap) })
		if ok {
			b = roaring.New()
			o.OrInto(b)
		}
	case fNone:
		b = roaring.New()
	case fDisj:
		if n.min > 1 {
			break
		}
		b = roaring.New()
		for _, k := range n.kids {
			kb := c.of(k)
			if kb == nil {
				b = nil
				break
			}
			b.Or(kb)
		}
	case fConj:
		for _, k := range n.kids {
			kb := c.of(k)
			if kb == nil {
				b = nil
				break
			}
			if b == nil {
				b = kb.Clone()
			} else {
				b.And(kb)
			}
		}
	case fBool:
		base := n.must
		if base == nil {
			base = n.should
		}
		if bb := c.of(base); bb != nil {
			b = bb.Clone()
		}
		if b != nil && n.must != nil && n.should != nil && n.shouldMin > 0 {
			if sb := c.of(n.should); sb != nil {
				b.And(sb)
			} else {
				b = nil
			}
		}
		if b != nil && n.not != nil {
			if nb := c.of(n.not); nb != nil {
				b.AndNot(nb)
			} else {
				b = nil
			}
		}
	case fMarked:
		if wb, mb := c.of(n.words), c.of(n.marks); wb != nil && mb != nil {
			b = roaring.And(wb, mb)
		}
	case fConst:
		b = roaring.New()
		b.AddRange(0, n.sizes[c.si])
	}
	c.memo[n] = b
	return b
}

// segBits memoises the document sets of one segment's nodes.
type segBits struct {
	si   int
	memo map[*fnode]*roaring.Bitmap
}

// leaves appends the terms that score in n (not the exclusions, not the
// marks).
func leaves(n *fnode, out []*fnode) []*fnode {
	switch n.kind {
	case fTerm:
		return append(out, n)
	case fDisj, fConj:
		for _, k := range n.kids {
			out = leaves(k, out)
		}
	case fBool:
		if n.must != nil {
			out = leaves(n.must, out)
		}
		if n.should != nil {
			out = leaves(n.should, out)
		}
	case fMarked, fPhrase:
		out = leaves(n.words, out)
	}
	return out
}

// bound is the largest score n can give a document that has none of the
// terms marked absent, and false when such a document cannot match n.
func bound(n *fnode) (float64, bool) {
	switch n.kind {
	case fTerm:
		if n.absent || n.ub == 0 {
			return 0, false // not in the document (or in no document of the segment)
		}
		if n.known {
			return n.val, true
		}
		return n.ub, true
	case fDisj:
		var sum float64
		avail := 0
		for _, k := range n.kids {
			if b, ok := bound(k); ok {
				sum += b
				avail++
			}
		}
		if avail < max(n.min, 1) {
			return 0, false
		}
		return sum * float64(avail) / float64(len(n.kids)), true
	case fConj:
		var sum float64
		for _, k := range n.kids {
			b, ok := bound(k)
			if !ok {
				return 0, false
			}
			sum += b
		}
		return sum, true
	case fBool:
		if n.must == nil {
			return bound(n.should)
		}
		b, ok := bound(n.must)
		if !ok {
			return 0, false
		}
		if n.should != nil {
			s, sok := bound(n.should)
			if sok {
				b += s
			} else if n.shouldMin > 0 {
				return 0, false
			}
		}
		return b, true
	case fMarked:
		if n.absent {
			return 0, false
		}
		return bound(n.words)
	case fPhrase:
		return bound(n.words)
	case fConst:
		return n.constScore(), true
	}
	return 0, false
}

// strongSet returns the fewest scoring terms, largest bounds first, such
// that a document with none of them scores below theta; nil when there
// are none such (every term would have to be left absent).
func strongSet(root *fnode, byBound []*fnode, theta float64) []*fnode {
	for _, l := range byBound {
		l.absent = false
	}
	defer func() {
		for _, l := range byBound {
			l.absent = false
		}
	}()
	for i, l := range byBound {
		l.absent = true
		b, ok := bound(root)
		if !ok || b*pruneMargin < theta {
			return byBound[:i+1]
		}
	}
	return nil
}

// theta is the score a hit must reach to be kept (ties go on to the date
// and id), once k hits are kept.
func (t *relevanceTop) theta() (float64, bool) {
	if len(t.kept) < t.k {
		return 0, false
	}
	return t.kept[0].score, true
}

// searchRequest runs req on idx: through fastScore when its collector is
// top (relevance order, collected by relevanceTop, or by rerank when not
// nil), fast (no facets counted in the pass) and nothing else is asked (no
// hits of Bleve's own, highlights or explanations), and the query
// compiles; else through Bleve. Without rerank, fastScore leaves out the
// matches that cannot enter top's page (see prunedSegment).
func (ix *Index) searchRequest(ctx context.Context, idx bleve.Index, req *bleve.SearchRequest, top *relevanceTop, rerank *rerankTop, fast bool) (*bleve.SearchResult, error) {
	if fast && top != nil && !ix.slowScore && req.Size == 0 && req.Highlight == nil && len(req.Facets) == 0 && !req.Explain && !req.IncludeLocations && req.Score == "" {
		var theta func() (float64, bool)
		seed := 0
		switch {
		case ix.noPrune:
		case rerank != nil:
			// Its candidates are kept by score alone, ties by the order
			// of arrival: pruned in document order, without a seed.
			theta = rerank.theta
		default:
			theta, seed = top.theta, max(32, 4*top.k)
		}
		var rr *rerankTop
		if theta != nil && rerank != nil {
			rr = rerank
		}
		total, scored, err := func() (uint64, uint64, error) {
			searching.Add(1)
			defer searching.Add(-1)
			return fastScore(ctx, idx, req.Query, theta, seed, rr)
		}()
		var u fastUnsupported
		switch {
		case errors.As(err, &u):
			if ix.fastMissed != nil {
				ix.fastMissed(u.what)
			}
		case err != nil:
			return nil, err
		default:
			if ix.fastRan != nil {
				ix.fastRan(req.Query, scored, total)
			}
			return &bleve.SearchResult{Request: req, Total: total, Hits: search.DocumentMatchCollection{}}, nil
		}
	}
	return idx.SearchInContext(ctx, req)
}

// sortedByBound returns what strongSet and requiredSet may leave absent
// in the current segment. Without a marked pair in root: the scoring
// terms by their bound, largest first. With one: the marked phrases of a
// bonus first, then the other marked phrases and the terms by how much
// the tree's bound falls when each alone is absent, largest first, and
// last those without which nothing matches (a required term:
// requiredSet's). A marked phrase absent is a document without its
// mark (sb.of is its words' documents that hold it), so a phrase bonus
// most matches lack ("GP registration" found as a pair: PhraseFirst)
// comes first, and once theta is above what the matches without it can
// score they are left out whole, without reading their postings one by
// one (partialBelow).
func sortedByBound(root *fnode, ts []*fnode) []*fnode {
	// The marked phrases of a bonus (a constant's conjunction: a pair's
	// PairBonus or PhraseFirst) first: the bonus goes only when the phrase
	// is absent from every field, which no single absence shows.
	first := bonusMarks(root, nil)
	if len(first) == 0 {
		// No pair marked (Options.PhrasePairs off, or rerank's first
		// pass): the terms by their bound, largest first, as measured
		// before pairs were marked.
		out := slices.Clone(ts)
		sort.SliceStable(out, func(i, j int) bool { return out[i].ub > out[j].ub })
		return out
	}
	ub := make(map[*fnode]float64, len(first))
	for _, n := range first {
		ub[n], _ = bound(n.words)
	}
	sort.SliceStable(first, func(i, j int) bool { return ub[first[i]] > ub[first[j]] })
	var out []*fnode
	for _, n := range markedNodes(root, nil) {
		if _, ok := ub[n]; !ok {
			out = append(out, n)
		}
	}
	out = append(out, ts...)
	full, _ := bound(root)
	drop := make(map[*fnode]float64, len(out))
	for _, l := range out {
		l.absent = true
		b, ok := bound(root)
		l.absent = false
		if ok {
			drop[l] = full - b
		} else {
			drop[l] = math.Inf(1)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := drop[out[i]], drop[out[j]]
		if math.IsInf(a, 1) != math.IsInf(b, 1) {
			return !math.IsInf(a, 1)
		}
		return a > b
	})
	return append(first, out...)
}

// bonusMarks appends the marked phrases under a conjunction with a
// constant in n (outside exclusions).
func bonusMarks(n *fnode, out []*fnode) []*fnode {
	switch n.kind {
	case fConj:
		for _, k := range n.kids {
			if k.kind == fConst {
				for _, k := range n.kids {
					out = markedNodes(k, out)
				}
				return out
			}
		}
		for _, k := range n.kids {
			out = bonusMarks(k, out)
		}
	case fDisj:
		for _, k := range n.kids {
			out = bonusMarks(k, out)
		}
	case fBool:
		if n.must != nil {
			out = bonusMarks(n.must, out)
		}
		if n.should != nil {
			out = bonusMarks(n.should, out)
		}
	}
	return out
}

// markedNodes appends the marked phrases that score in n (not those of
// the exclusions): partials' marked phrases.
func markedNodes(n *fnode, out []*fnode) []*fnode {
	for _, p := range partials(n, nil) {
		if p.kind == fMarked {
			out = append(out, p)
		}
	}
	return out
}

// boundCache remembers, per segment, the largest BM25 factor
// tf·k1/(tf+k1·L) of a term's postings in a field (L from the field's
// average length), so that a term's bound in a segment is idf·factor·
// queryWeight instead of idf·k1·queryWeight. A segment never changes, so
// neither does the factor; the first search naming a term in a segment
// reads its postings once. Memory: at most maxBoundTerms terms, and only
// segments of the latest snapshot seen are kept (merged segments go).
type boundCache struct {
	mu   sync.Mutex
	segs map[segment.Segment]map[boundKey]float64
	n    int
	// factors of the search in progress, per leaf and segment
}

type boundKey struct {
	field, term string
	avg         float64
}

const maxBoundTerms = 1 << 16

var termBounds = boundCache{segs: map[segment.Segment]map[boundKey]float64{}}

// set computes (or finds) the factor of every leaf in segment s (number
// si) and keeps it in the leaf's factors.
func (c *boundCache) set(s *scorch.SegmentSnapshot, si int, ls []*fnode) error {
	seg := s.Segment()
	c.mu.Lock()
	m := c.segs[seg]
	var missing []*fnode
	for _, l := range ls {
		if l.factors == nil {
			l.factors = make([]float64, len(l.lists))
		}
		f, ok := m[boundKey{l.field, string(l.term), l.avg}]
		if ok {
			l.factors[si] = f
		} else {
			missing = append(missing, l)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	found := make([]float64, len(missing))
	for i, l := range missing {
		f, err := maxFactor(l.lists[si], l.avg)
		if err != nil {
			return err
		}
		found[i] = f
		l.factors[si] = f
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n+len(missing) > maxBoundTerms {
		c.segs, c.n = map[segment.Segment]map[boundKey]float64{}, 0
	}
	m = c.segs[seg]
	if m == nil {
		m = map[boundKey]float64{}
		c.segs[seg] = m
	}
	for i, l := range missing {
		k := boundKey{l.field, string(l.term), l.avg}
		if _, ok := m[k]; !ok {
			m[k] = found[i]
			c.n++
		}
	}
	return nil
}

// forget drops the segments not in segs (merged away).
func (c *boundCache) forget(segs []*scorch.SegmentSnapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.segs) <= 2*len(segs)+8 {
		return
	}
	live := map[segment.Segment]bool{}
	for _, s := range segs {
		live[s.Segment()] = true
	}
	for seg, m := range c.segs {
		if !live[seg] {
			c.n -= len(m)
			delete(c.segs, seg)
		}
	}
}

// use sets every leaf's bound for segment si.
func (c *boundCache) use(_ *scorch.SegmentSnapshot, si int, ls []*fnode) {
	for _, l := range ls {
		l.ub = l.idf * l.factors[si] * l.qw
	}
}

// maxFactor is the largest tf·k1/(tf+k1·(1−b+b·len/avg)) of a postings
// list, computed as TermQueryScorer computes it.
func maxFactor(pl segment.PostingsList, avg float64) (float64, error) {
	it := pl.Iterator(true, true, false, nil)
	var best float64
	for {
		p, err := it.Next()
		if err != nil {
			return 0, err
		}
		if p == nil {
			return best, nil
		}
		var tf float64
		if f := p.Frequency(); f < scorer.MaxSqrtCache {
			tf = scorer.SqrtCache[int(f)]
		} else {
			tf = math.Sqrt(float64(f))
		}
		norm := p.Norm()
		fieldLength := 1 / (norm * norm)
		f := (tf * search.BM25_k1) / (tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/avg)))
		best = max(best, f)
	}
}

// requiredSet returns the terms a document must hold to score theta: those
// without which the bound is below it.
func requiredSet(root *fnode, byBound []*fnode, theta float64) []*fnode {
	var out []*fnode
	for _, l := range byBound {
		l.absent = true
		b, ok := bound(root)
		l.absent = false
		if !ok || b*pruneMargin < theta {
			out = append(out, l)
		}
	}
	return out
}

// theta is the score a hit must beat to become a candidate, once k are
// kept: rerankTop.offer drops a hit scoring at most the worst kept one
// without touching its heap, so leaving out, in document order, a hit
// that scores below it when it would have come changes nothing.
func (r *rerankTop) theta() (float64, bool) {
	if len(r.cands) < r.k {
		return 0, false
	}
	return r.cands[0].score, true
}

// partialBelow reports whether match d of the segment scores below
// theta, reading at d, one by one and largest bound first, the postings of
// the terms and the marks of the marked phrases (whose words are read
// only where the phrase is: see markedIt), and bounding the score with
// the terms read so far at their scores (or absent), the phrases not
// marked at d absent, and the rest at their bounds (MaxScore's second
// half); it stops as soon as the bound is below theta, so the other
// postings are not read at d. The bound is taken after 1, 2, 4, 8, ...
// reads.
func partialBelow(root *fnode, order []*fnode, d uint64, theta float64) bool {
	below := false
	next := 1
	for i, l := range order {
		if l.kind == fMarked {
			if mk := l.marks.it; mk != nil {
				mk.advance(d)
				l.absent = mk.cur != d
			}
		} else {
			t := l.it
			t.advance(d)
			if t.cur == d {
				l.known, l.val = true, t.score()
			} else {
				l.absent = true
			}
		}
		if i+1 == next || i+1 == len(order) {
			next *= 2
			if b, ok := bound(root); !ok || b*pruneMargin < theta {
				below = true
				break
			}
		}
	}
	for _, l := range order {
		l.known, l.absent = false, false
	}
	return below
}

// partials returns what partialBelow reads in n: the scoring terms
// outside marked phrases, and the marked phrases.
func partials(n *fnode, out []*fnode) []*fnode {
	switch n.kind {
	case fTerm:
		return append(out, n)
	case fDisj, fConj:
		for _, k := range n.kids {
			out = partials(k, out)
		}
	case fBool:
		if n.must != nil {
			out = partials(n.must, out)
		}
		if n.should != nil {
			out = partials(n.should, out)
		}
	case fMarked:
		out = append(out, n)
	}
	return out
}

// partialOrder is partials(root) by bound in the current segment, largest
// first.
func partialOrder(root *fnode) []*fnode {
	out := partials(root, nil)
	ub := make(map[*fnode]float64, len(out))
	for _, n := range out {
		ub[n], _ = bound(n)
	}
	sort.SliceStable(out, func(i, j int) bool { return ub[out[i]] > ub[out[j]] })
	return out
}

// constScore is scorer.ConstantScorer's score (the constant 1).
func (n *fnode) constScore() float64 {
	score := 1.0
	if n.qw != 1.0 {
		score = score * n.qw
	}
	return score
}

// constIt is searcher.MatchAllSearcher: every live document.
type constIt struct {
	n       *fnode
	size    uint64
	deleted *roaring.Bitmap
	cur     uint64
}

func (k *constIt) settle() {
	for k.cur < k.size && k.deleted != nil && k.deleted.Contains(uint32(k.cur)) {
		k.cur++
	}
	if k.cur >= k.size {
		k.cur = noDoc
	}
}

func (k *constIt) doc() uint64 { return k.cur }

func (k *constIt) next() {
	if k.cur == noDoc {
		return
	}
	k.cur++
	k.settle()
}

func (k *constIt) advance(target uint64) {
	if k.cur >= target {
		return
	}
	k.cur = target
	k.settle()
}

func (k *constIt) score() float64 { return k.n.constScore() }

// phraseIt is searcher.PhraseSearcher (slop 0): the words' conjunction
// where phraseAt finds the phrase; the score is the conjunction's.
type phraseIt struct {
	words fit
	slots [][]*fnode
	cur   uint64
}

func (p *phraseIt) settle() {
	for {
		d := p.words.doc()
		if d == noDoc || phraseAt(p.slots, d) {
			p.cur = d
			return
		}
		p.words.next()
	}
}

func (p *phraseIt) doc() uint64 { return p.cur }

func (p *phraseIt) next() {
	if p.cur == noDoc {
		return
	}
	p.words.next()
	p.settle()
}

func (p *phraseIt) advance(target uint64) {
	if p.cur >= target {
		return
	}
	p.words.advance(target)
	p.settle()
}

func (p *phraseIt) score() float64 { return p.words.score() }

// phraseAt reports whether the slots' terms, whose iterators are at
// document d (those that have it), hold the phrase: findPhrasePaths of
// search_phrase.go with slop 0. A term of the first slot at any position;
// each next slot's term at the position after the previous one, in the
// same array element; an empty slot (a stop word) takes the position
// after the previous one, or none at the start.
func phraseAt(slots [][]*fnode, d uint64) bool {
	var rec func(prev uint64, ap []uint64, i int) bool
	rec = func(prev uint64, ap []uint64, i int) bool {
		if i == len(slots) {
			return true
		}
		if len(slots[i]) == 0 {
			next := prev + 1
			if prev == 0 {
				next = 0
			}
			return rec(next, ap, i+1)
		}
		for _, t := range slots[i] {
			it := t.it
			if it == nil || it.cur != d || it.p == nil {
				continue
			}
			for _, loc := range it.p.Locations() {
				lap := loc.ArrayPositions()
				if prev != 0 && !slices.Equal(lap, ap) {
					continue
				}
				if prev == 0 || loc.Pos() == prev+1 {
					if rec(loc.Pos(), lap, i+1) {
						return true
					}
				}
			}
		}
		return false
	}
	return rec(0, nil, 0)
}

// fastRescore is rerankTop.rescore through the compiled scorer: q (the
// full query, pair phrases included) over the candidates ids only (sorted
// internal ids of reader's snapshot), each match offered with its score,
// in id order, as Bleve's searcher over a candidateReader would (that
// reader passes every statistic through, so the scores are the full
// index's). It returns how many were offered, or a fastUnsupported error
// when q or the reader is not supported (nothing was offered).
//
// With br (not nil) and bounds for every candidate, the candidates that
// cannot enter the page are left out (rescoreInOrder): the count returned
// includes them.
func fastRescore(ctx context.Context, reader index.IndexReader, q query.Query, m mapping.IndexMapping, ids []index.IndexInternalID, br *boundedRescore, offer func(*search.DocumentMatch) error) (int, error) {
	stats, _ := ctx.Value(search.BM25StatsKey).(*search.BM25Stats)
	im, isImpl := m.(*mapping.IndexMappingImpl)
	snap, isSnap := reader.(*scorch.IndexSnapshot)
	if stats == nil || !isImpl || im.ScoringModel != index.BM25Scoring || !isSnap {
		return 0, fastUnsupported{"a search without BM25, its statistics or segments"}
	}
	c := &compiler{ctx: ctx, snap: snap, m: im, stats: stats, dicts: map[string][]segment.TermDictionary{}}
	p, err := c.compileRoot(q)
	if err != nil {
		return 0, err
	}
	if p.filter != nil {
		return 0, fastUnsupported{"a filter in the second pass"}
	}
	segs := snap.Segments()
	if br != nil {
		if his, los, loOK, ok := candidateBounds(p.root, br.keys, br.cands); ok {
			cids := make([]index.IndexInternalID, len(br.cands))
			for i, c := range br.cands {
				cids[i] = c.id
			}
			n, out, err := rescoreInOrder(c, p, q, segs, cids, his, los, loOK, br.k, br.theta, offer)
			return n + out, err
		}
	}
	if splitDocs(segs) > 0 && len(ids) >= max(2, parallelMinCandidates) {
		if release, ok := spareCPU(); ok {
			n, err := rescoreInParallel(c, p, q, segs, ids, len(ids)/2, offer)
			release()
			return n, err
		}
	}
	return rescoreFrom(p, segs, ids, 0, 0, offer, nil)
}

// rescoreFrom scores ids (sorted, all in segment si0 or after it; base0
// the first document number of si0) with p at each one (evalAt) and
// offers each match; it returns how many matched.
//
// skip, when not nil, tells of the candidate ids[k] that it need not be
// scored (its postings are not read there).
func rescoreFrom(p *fastPlan, segs []*scorch.SegmentSnapshot, ids []index.IndexInternalID, si0 int, base0 uint64, offer func(*search.DocumentMatch) error, skip func(k int) bool) (int, error) {
	var ierr error
	dm := &search.DocumentMatch{}
	n := 0
	base := base0
	k := 0
	for si := si0; si < len(segs); si++ {
		size := segs[si].Segment().Count()
		opened := false
		for ; k < len(ids); k++ {
			g := ids[k].Value()
			if g >= base+size {
				break
			}
			if skip != nil && skip(k) {
				continue
			}
			if !opened {
				leafIterators(p.root, si, &ierr)
				opened = true
			}
			d := g - base
			score, ok := evalAt(p.root, d)
			if ierr != nil {
				return n, ierr
			}
			if !ok {
				continue
			}
			dm.Score = score
			dm.IndexInternalID = index.NewIndexInternalID(dm.IndexInternalID, g)
			n++
			if err := offer(dm); err != nil {
				return n, err
			}
		}
		base += size
	}
	return n, nil
}

// leafIterators opens the iterators of n's terms in segment si (each
// term's it), positioned on their first posting, for evalAt: one iterator
// per term and field, shared by every leaf naming it (with locations when
// one of them is a phrase's word). A query names the same word in a field
// several times (a required clause, the neighbouring-word phrases, the
// whole query as a phrase), and each iterator decodes its postings up to
// every candidate; evalAt only advances to a document and reads, so the
// leaves can share. Each leaf still scores with its own weights
// (termIt.scoreFor).
func leafIterators(n *fnode, si int, errp *error) {
	type key struct{ field, term string }
	byTerm := map[key][]*fnode{}
	var order []key
	var walk func(n *fnode)
	walk = func(n *fnode) {
		switch n.kind {
		case fTerm:
			k := key{n.field, string(n.term)}
			if byTerm[k] == nil {
				order = append(order, k)
			}
			byTerm[k] = append(byTerm[k], n)
		case fDisj, fConj:
			for _, k := range n.kids {
				walk(k)
			}
		case fBool:
			for _, k := range []*fnode{n.must, n.should, n.not} {
				if k != nil {
					walk(k)
				}
			}
		case fMarked:
			walk(n.words)
			walk(n.marks)
		case fPhrase:
			walk(n.words)
		}
	}
	walk(n)
	for _, k := range order {
		ls := byTerm[k]
		locs := false
		for _, l := range ls {
			locs = locs || l.locs
		}
		t := &termIt{n: ls[0], pi: ls[0].lists[si].Iterator(true, true, locs, nil), errp: errp}
		t.next()
		for _, l := range ls {
			l.it = t
		}
	}
}

// evalAt is n's score at document d of the segment whose term iterators
// leafIterators opened, and whether n matches d: the iterators' arithmetic
// (and so Bleve's) for one document, each term's postings advanced to d
// only (documents are asked in increasing order). For a few documents
// among many (rerank's candidates) it reads no posting past them.
func evalAt(n *fnode, d uint64) (float64, bool) {
	switch n.kind {
	case fTerm:
		t := n.it
		t.advance(d)
		if t.cur != d {
			return 0, false
		}
		return t.scoreFor(n), true
	case fDisj:
		var sum float64
		cnt := 0
		for _, k := range n.kids {
			if sc, ok := evalAt(k, d); ok {
				sum += sc
				cnt++
			}
		}
		if cnt == 0 || cnt < n.min {
			return 0, false
		}
		coord := float64(cnt) / float64(len(n.kids))
		return sum * coord, true
	case fConj:
		var sum float64
		for _, k := range n.kids {
			sc, ok := evalAt(k, d)
			if !ok {
				return 0, false
			}
			sum += sc
		}
		return sum, true
	case fBool:
		if n.not != nil {
			if _, ok := evalAt(n.not, d); ok {
				return 0, false
			}
		}
		var sum float64
		if n.must == nil {
			sc, ok := evalAt(n.should, d)
			if !ok {
				return 0, false
			}
			sum += sc
			return sum, true
		}
		ms, ok := evalAt(n.must, d)
		if !ok {
			return 0, false
		}
		sum += ms
		if n.should != nil {
			if ss, ok := evalAt(n.should, d); ok {
				sum += ss
			} else if n.shouldMin > 0 {
				return 0, false
			}
		}
		return sum, true
	case fMarked:
		mk := n.marks.it
		mk.advance(d)
		if mk.cur != d {
			return 0, false
		}
		return evalAt(n.words, d)
	case fPhrase:
		sc, ok := evalAt(n.words, d)
		if !ok || !phraseAt(n.pslots, d) {
			return 0, false
		}
		return sc, true
	case fConst:
		// The documents asked are live (rerank's candidates).
		return n.constScore(), true
	}
	return 0, false
}
