package search

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facets from the postings' sets (the full search shape: totalCount,
// highlights and every facet, in relevance order).
//
// A facetQuery (facets.go) counts the facets in the search's own pass, so
// every match of the text query goes through Bleve's searcher tree, and the
// fast scorer (topk.go), which does not compile the facetQuery, is off. At
// 100,000 resources that pass was most of a full search's CPU (issue 15:
// 25 ms in process against 14 ms for the same queries without facets).
//
// When the text query is a set expression of postings (terms, marked
// phrases, conjunctions, disjunctions of any minimum, booleans without
// required phrases), its matches in a segment are that expression over the
// postings' bitmaps, deleted documents taken out, and the counter's sets
// (the matches under the whole filter, and those failing exactly one
// facet's filter) are bitmap operations with the facet tables' value
// sets. The search itself then runs the filtered query (withFilters) and
// the fast scorer can take it. Both read one snapshot: the counting runs
// in the collector's handler maker, which Bleve and fastScore call with
// the reader their search reads (search.SearchContext.IndexReader).
//
// The counts equal the facetQuery's: the facetQuery sees exactly the text
// query's matches (its searcher skips deleted documents) and sorts each by
// the same tables into the same sets. Tests compare both paths and Bleve's
// own facet builders (TestFacetSetsMatchFacetQuery).

// setShaped reports whether q is built only of what the fast scorer
// compiles and what setOf evaluates as a set: terms, analysed matches
// (not fuzzy, not prefix), disjunctions, conjunctions, booleans without a
// filter whose required part is set-shaped, marked phrases, match-all and
// match-none. A phrase (positions) is allowed only where it cannot change
// what matches: an optional clause beside a required one. It decides only
// which path a search takes; a query it admits that still does not compile
// is counted by a pass of its own (countFacetsBySearcher).
func setShaped(q query.Query) bool {
	compiles, set := shapeOf(q)
	return compiles && set
}

// shapeOf returns whether q compiles in the fast scorer (as far as its
// form tells) and whether its matches are a set expression.
func shapeOf(q query.Query) (compiles, set bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		return q.FieldVal != "", true
	case *query.MatchQuery:
		return q.FieldVal != "" && q.Fuzziness == 0 && q.Prefix == 0, true
	case *query.DisjunctionQuery:
		return allShaped(q.Disjuncts)
	case *query.ConjunctionQuery:
		return allShaped(q.Conjuncts)
	case *query.MatchNoneQuery, *query.MatchAllQuery, *markedPhraseQuery:
		return true, true
	case *query.MatchPhraseQuery:
		return q.FieldVal != "" && q.Fuzziness == 0, false
	case *query.BooleanQuery:
		if q.Filter != nil {
			return false, false
		}
		compiles, set = true, true
		part := func(p query.Query, counts bool) {
			if p == nil {
				return
			}
			c, s := shapeOf(p)
			compiles = compiles && c
			if counts {
				set = set && s
			}
		}
		part(q.Must, true)
		part(q.MustNot, true)
		// An optional part (beside a required one, minimum 0) never
		// changes what matches.
		optional := q.Must != nil
		if d, ok := q.Should.(*query.DisjunctionQuery); ok && d.Min > 0 {
			optional = false
		}
		part(q.Should, !optional)
		return compiles, set
	}
	return false, false
}

func allShaped(qs []query.Query) (compiles, set bool) {
	compiles, set = true, true
	for _, k := range qs {
		c, s := shapeOf(k)
		compiles, set = compiles && c, set && s
	}
	return compiles, set
}

// setEval evaluates a compiled tree (topk.go's fnode) as sets of one
// segment's documents, deleted ones included (the caller takes them out).
// Leaves (terms, marked phrases, match-all, match-none) are segBits'; the
// composites are evaluated here, so that a disjunction needing at least
// min > 1 of its clauses (a relaxed query) is a set too. A result is never
// modified once returned (segBits memoises its own).
type setEval struct {
	sb *segBits
}

// of returns n's documents, or nil when n needs positions (a phrase that
// decides matches).
func (e *setEval) of(n *fnode) *roaring.Bitmap {
	switch n.kind {
	case fDisj:
		if n.min <= 1 {
			// A union: terms' postings straight into it.
			b := roaring.New()
			for _, k := range n.kids {
				if o, ok := termPostings(k, e.sb.si); ok {
					o.OrInto(b)
					continue
				}
				kb := e.of(k)
				if kb == nil {
					return nil
				}
				b.Or(kb)
			}
			return b
		}
		kids := make([]*roaring.Bitmap, 0, len(n.kids))
		for _, k := range n.kids {
			kb := e.of(k)
			if kb == nil {
				return nil
			}
			kids = append(kids, kb)
		}
		return atLeastSet(kids, n.min)
	case fConj:
		var b *roaring.Bitmap
		for _, k := range n.kids {
			kb := e.of(k)
			if kb == nil {
				return nil
			}
			if b == nil {
				b = kb.Clone()
			} else {
				b.And(kb)
			}
		}
		if b == nil {
			b = roaring.New()
		}
		return b
	case fBool:
		// boolIt: must's documents (should's when there is no must),
		// that should matches when its minimum is above 0, that no
		// excluded clause matches.
		base := n.must
		if base == nil {
			base = n.should
		}
		if base == nil {
			return nil
		}
		bb := e.of(base)
		if bb == nil {
			return nil
		}
		b := bb.Clone()
		if n.must != nil && n.should != nil && n.shouldMin > 0 {
			sb := e.of(n.should)
			if sb == nil {
				return nil
			}
			b.And(sb)
		}
		if n.not != nil {
			nb := e.of(n.not)
			if nb == nil {
				return nil
			}
			b.AndNot(nb)
		}
		return b
	}
	return e.sb.of(n)
}

// termPostings returns n's postings in segment si when n is a term.
func termPostings(n *fnode, si int) (interface{ OrInto(*roaring.Bitmap) }, bool) {
	if n.kind != fTerm {
		return nil, false
	}
	o, ok := n.lists[si].(interface{ OrInto(*roaring.Bitmap) })
	return o, ok
}

// atLeastSet returns the documents in at least k of the sets (a new
// bitmap; none for k above their number).
func atLeastSet(sets []*roaring.Bitmap, k int) *roaring.Bitmap {
	switch {
	case k > len(sets) || len(sets) == 0:
		return roaring.New()
	case k <= 1:
		return roaring.FastOr(sets...)
	case k == len(sets):
		return roaring.FastAnd(sets...)
	}
	// in[j] holds the documents in at least j+1 of the sets seen so far.
	in := make([]*roaring.Bitmap, k)
	for i, s := range sets {
		for j := min(i, k-1); j >= 1; j-- {
			if in[j-1] == nil {
				continue
			}
			both := roaring.And(in[j-1], s)
			if in[j] == nil {
				in[j] = both
			} else {
				in[j].Or(both)
			}
		}
		if in[0] == nil {
			in[0] = s.Clone()
		} else {
			in[0].Or(s)
		}
	}
	if in[k-1] == nil {
		return roaring.New()
	}
	return in[k-1]
}

// withFacetSets returns ctx with the document match handler maker it
// carries (relevanceTop's or rerankTop's) wrapped: before the search hands
// over its first match, fc counts the facets of text's matches in the
// snapshot the search reads (countSets). The search must run text under
// the counter's filter (withFilters), not a facetQuery.
func withFacetSets(ctx context.Context, fc *facetCounter, text query.Query, m mapping.IndexMapping) context.Context {
	mk, _ := ctx.Value(search.MakeDocumentMatchHandlerKey).(search.MakeDocumentMatchHandler)
	if mk == nil {
		return ctx
	}
	wrapped := func(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		if snap, ok := sc.IndexReader.(*scorch.IndexSnapshot); ok {
			// Counted later (settle), on this snapshot, held until then.
			snap.AddRef()
			heldSnapshots.Add(1)
			fc.pending = &pendingSets{ctx: ctx, snap: snap, text: text, m: m}
		} else if err := fc.countSets(ctx, sc.IndexReader, text, m); err != nil {
			return nil, false, err
		}
		return mk(sc)
	}
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(wrapped))
}

// pendingSets is a count from sets postponed until after the search
// (settle): the search's snapshot, held (AddRef) until it is counted or
// released, so the count is of the snapshot the search read. Index.Search
// settles it while the page's highlights are read and searched (PostgreSQL's
// answer is awaited, and the highlight search runs on one core).
type pendingSets struct {
	ctx  context.Context
	snap *scorch.IndexSnapshot
	text query.Query
	m    mapping.IndexMapping
	once sync.Once
	err  error
}

// heldSnapshots counts the snapshots held by postponed counts (tests:
// 0 between searches).
var heldSnapshots atomic.Int64

// errReleased is the count of a counter released unsettled.
var errReleased = errors.New("facets: the search ended before its facets were counted")

// settle counts the facets a search postponed (withFacetSets), once, and
// lets go of its snapshot. Without a postponed count it does nothing.
func (fc *facetCounter) settle() error {
	p := fc.pending
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		// Let go of the snapshot even when counting panics (a damaged
		// segment): the panic goes on to the search (see settleDuring).
		defer func() {
			heldSnapshots.Add(-1)
			if err := p.snap.DecRef(); err != nil && p.err == nil {
				p.err = err
			}
		}()
		p.err = fc.countSets(p.ctx, p.snap, p.text, p.m)
	})
	return p.err
}

// release lets go of a postponed count's snapshot without counting (a
// search that ends early); after settle it does nothing.
func (fc *facetCounter) release() {
	if p := fc.pending; p != nil {
		p.once.Do(func() {
			p.err = errReleased
			heldSnapshots.Add(-1)
			_ = p.snap.DecRef()
		})
	}
}

// settleAll settles each counter (nil ones skipped), the first error
// returned.
func settleAll(cs ...*facetCounter) error {
	var first error
	for _, c := range cs {
		if c == nil {
			continue
		}
		if err := c.settle(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// settleDuring settles the counters on another goroutine while fn runs
// and returns fn's error, else settling's. A panic while settling (bleve
// reading a damaged segment) is raised again here, on the search's own
// goroutine, where the Syncer turns it into "damaged" as it does a panic
// of the search (heal.go); on the other goroutine it would end the
// process (net/http recovers only a handler's own goroutine).
func settleDuring(fn func() error, cs ...*facetCounter) error {
	type result struct {
		err      error
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panicked: p}
			}
		}()
		done <- result{err: settleAll(cs...)}
	}()
	err := fn()
	r := <-done
	if r.panicked != nil {
		panic(r.panicked)
	}
	if err == nil {
		err = r.err
	}
	return err
}

// facetSetsHook, when set, runs as countSets starts (tests: a panic
// there).
var facetSetsHook func()

// countSets counts the facets of text's matches in the snapshot r (see
// the top of this file); when text does not compile to sets there, it
// counts them through text's searcher instead (countFacetsBySearcher).
func (fc *facetCounter) countSets(ctx context.Context, r index.IndexReader, text query.Query, m mapping.IndexMapping) error {
	if facetSetsHook != nil {
		facetSetsHook()
	}
	if err := fc.start(r); err != nil {
		return err
	}
	snap, isSnap := r.(*scorch.IndexSnapshot)
	stats, _ := ctx.Value(search.BM25StatsKey).(*search.BM25Stats)
	var root *fnode
	if isSnap && stats != nil && !fc.bySearcher {
		c := &compiler{ctx: ctx, snap: snap, m: m, stats: stats, dicts: map[string][]segment.TermDictionary{}}
		root, _ = c.compile(text)
	}
	if root == nil {
		return fc.countBySearcher(ctx, r, text, m)
	}
	segs := snap.Segments()
	if len(segs) != len(fc.snap.segs) {
		return fmt.Errorf("facets: %d segments in the snapshot, %d in its tables", len(segs), len(fc.snap.segs))
	}
	matches := make([]*roaring.Bitmap, len(segs))
	for si, s := range segs {
		e := &setEval{sb: &segBits{si: si, memo: map[*fnode]*roaring.Bitmap{}}}
		mb := e.of(root)
		if mb == nil {
			return fc.countBySearcher(ctx, r, text, m)
		}
		if del := s.Deleted(); del != nil && !del.IsEmpty() {
			mb = roaring.AndNot(mb, del)
		}
		matches[si] = mb
	}
	if fc.setsRan != nil {
		fc.setsRan()
	}
	for si, mb := range matches {
		if mb.IsEmpty() {
			continue
		}
		fc.addSet(si, mb)
	}
	return nil
}

// addSet sorts the matches mb of segment si (local numbers, live) into the
// counter's sets, as accept does one match at a time.
func (fc *facetCounter) addSet(si int, mb *roaring.Bitmap) {
	sc := fc.segCountOf(si)
	fc.seen += mb.GetCardinality()
	active := fc.filter.active
	if len(active) == 0 {
		sc.all = mb
		return
	}
	in := make([]*roaring.Bitmap, len(active))
	for i, f := range active {
		if f != facetYears {
			in[i] = sc.in[f]
			continue
		}
		// The published range: the matches whose date's place is in it.
		b := roaring.New()
		it := mb.Iterator()
		for it.HasNext() {
			d := it.Next()
			if int(d) < len(sc.sf.pubOrd) {
				if o := sc.sf.pubOrd[d]; o >= 0 && o >= sc.lo && o <= sc.hi {
					b.Add(d)
				}
			}
		}
		in[i] = b
	}
	all := mb.Clone()
	for _, b := range in {
		all.And(b)
	}
	sc.all = all
	for i, f := range active {
		// Failing only f: in every other filter, not in f's.
		but := mb.Clone()
		for j, b := range in {
			if j != i {
				but.And(b)
			}
		}
		but.AndNot(in[i])
		sc.but[f] = but
	}
}

// countBySearcher counts the facets of text's matches in r through
// text's searcher (a facetQuery's pass without hits): the path for a query
// that is not a set expression there.
func (fc *facetCounter) countBySearcher(ctx context.Context, r index.IndexReader, text query.Query, m mapping.IndexMapping) error {
	if fc.setsMissed != nil {
		fc.setsMissed()
	}
	ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey, search.GetScoringModelCallbackFn(func() string { return index.BM25Scoring }))
	s, err := (&facetQuery{text: text, c: fc}).Searcher(ctx, r, m, search.SearcherOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		d, err := s.Next(sc)
		if err != nil {
			return err
		}
		if d == nil {
			return nil
		}
		sc.DocumentMatchPool.Put(d)
	}
}
