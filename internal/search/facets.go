package search

import (
	"context"
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"guidancehub/internal/content"
)

// Facets are counted here in the search's own pass over the matches
// rather than by Bleve's facet builders, which read every match's doc
// values (v2.6.3 collector/topn.go visitFieldTerms, one string per value
// per match in facet/facet_builder_terms.go) and need one more search per
// facet whose filter is set ("multi-select": each facet ignores its own
// filter). A facetQuery wraps the text query: it sees every match of the
// text query without the filter, decides from per-segment tables which
// filters the match fails, lets through only the matches that fail none
// (so the search's hits and total are those of the filtered search) and
// remembers, per segment, the matches that fail none and those that fail
// exactly one filter. A value's count is then the number of remembered
// matches among the value's documents: for a facet whose filter is set,
// the matches that fail none or only that facet's filter.
//
// The tables are built from each segment's postings of the facet fields
// (segment.TermDictionary, PostingsList) and kept per segment. Scorch
// segments never change once built (updates and deletions make new
// segments and mark documents obsolete in the snapshot, and merges make
// new segments), so a table is exact for as long as its segment is part of
// a snapshot; the obsolete documents it still lists are never matches, as
// searchers skip them.

// Facet positions in facetFields.
const (
	facetKinds = iota
	facetTopics
	facetAudiences
	facetNations
	facetYears
	facetLanguages
	numFacets
)

// facetFields maps each facet to its index field and the number of values
// it lists (most frequent first). The years facet counts the year field;
// its filter is the published date range.
var facetFields = [numFacets]struct {
	name, field string
	size        int
}{
	facetKinds:     {"kinds", "kind", 10},
	facetTopics:    {"topics", "topics", 100},
	facetAudiences: {"audiences", "audiences", 20},
	facetNations:   {"nations", "nations", 10},
	facetYears:     {"years", "year", 50},
	facetLanguages: {"languages", "language", 50},
}

// facetColumn is one facet field of one segment: its terms in dictionary
// order and the local numbers of the documents holding each; dense[i] is
// docs[i] as a bitset when the term is in at least 1/denseShare of the
// segment's documents (nil otherwise), for counting (andCount).
type facetColumn struct {
	terms []string
	docs  []*roaring.Bitmap
	dense [][]uint64
}

// denseShare: a term in at least 1/denseShare of a segment's documents
// keeps a bitset of them too (at most denseShare times the size of its
// postings as an array of 16-bit numbers, 2 bytes a document, against 1/8
// byte a document of the segment).
const denseShare = 16

// lookup returns the documents holding term, or nil.
func (c *facetColumn) lookup(term string) *roaring.Bitmap {
	i := sort.SearchStrings(c.terms, term)
	if i < len(c.terms) && c.terms[i] == term {
		return c.docs[i]
	}
	return nil
}

// segFacets is what counting needs of one segment.
type segFacets struct {
	cols [numFacets]facetColumn
	// published holds the segment's published dates in dictionary
	// (byte) order and pubOrd each document's place in it, -1 for none:
	// a date range is a range of places.
	published []string
	pubOrd    []int32
}

// visitPostings calls fn for every (term, document) of a field in seg,
// terms in dictionary order (ord counts them from 0). Obsolete documents
// are included.
func visitPostings(seg segment.Segment, field string, fn func(ord int, term string, doc uint64)) error {
	d, err := seg.Dictionary(field)
	if err != nil {
		return err
	}
	it := d.AutomatonIterator(nil, nil, nil)
	for ord := 0; ; ord++ {
		e, err := it.Next()
		if err != nil {
			return err
		}
		if e == nil {
			return nil
		}
		term := e.Term
		pl, err := d.PostingsList([]byte(term), nil, nil)
		if err != nil {
			return err
		}
		pi := pl.Iterator(false, false, false, nil)
		for {
			p, err := pi.Next()
			if err != nil {
				return err
			}
			if p == nil {
				break
			}
			fn(ord, term, p.Number())
		}
	}
}

func buildSegFacets(seg segment.Segment) (*segFacets, error) {
	sf := &segFacets{}
	for i, f := range facetFields {
		col := &sf.cols[i]
		err := visitPostings(seg, f.field, func(ord int, term string, doc uint64) {
			if ord == len(col.terms) {
				col.terms = append(col.terms, term)
				col.docs = append(col.docs, roaring.New())
			}
			col.docs[ord].Add(uint32(doc))
		})
		if err != nil {
			return nil, fmt.Errorf("facets: read %s: %w", f.field, err)
		}
		col.dense = make([][]uint64, len(col.docs))
		for t, b := range col.docs {
			b.RunOptimize()
			if b.GetCardinality()*denseShare >= seg.Count() {
				col.dense[t] = b.ToDense()
			}
		}
	}
	sf.pubOrd = make([]int32, seg.Count())
	for i := range sf.pubOrd {
		sf.pubOrd[i] = -1
	}
	err := visitPostings(seg, "published", func(ord int, term string, doc uint64) {
		if ord == len(sf.published) {
			sf.published = append(sf.published, term)
		}
		if doc < uint64(len(sf.pubOrd)) {
			sf.pubOrd[doc] = int32(ord)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("facets: read published: %w", err)
	}
	return sf, nil
}

// facetCache holds the tables of the segments an index's snapshots use.
type facetCache struct {
	mu   sync.Mutex
	segs map[segment.Segment]*facetEntry
}

type facetEntry struct {
	once sync.Once
	sf   *segFacets
	err  error
}

// snapFacets is the tables of one snapshot's segments, with the global
// number of each segment's first document (as scorch numbers them: each
// segment after the documents of those before it, obsolete ones included;
// v2.6.3 index/scorch/introducer.go).
type snapFacets struct {
	segs    []*segFacets
	offsets []uint64
}

// forReader returns the tables for the snapshot a search reads.
func (c *facetCache) forReader(r index.IndexReader) (*snapFacets, error) {
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("facets: index reader %T is not a scorch snapshot", r)
	}
	ss := is.Segments()
	entries := make([]*facetEntry, len(ss))
	snap := &snapFacets{segs: make([]*segFacets, len(ss)), offsets: make([]uint64, len(ss))}
	c.mu.Lock()
	if c.segs == nil {
		c.segs = map[segment.Segment]*facetEntry{}
	}
	var running uint64
	for i, s := range ss {
		seg := s.Segment()
		e := c.segs[seg]
		if e == nil {
			e = &facetEntry{}
			c.segs[seg] = e
		}
		entries[i] = e
		snap.offsets[i] = running
		running += seg.Count()
	}
	// Forget segments merged away, once they outnumber the live ones.
	if len(c.segs) > 2*len(ss)+8 {
		live := make(map[segment.Segment]bool, len(ss))
		for _, s := range ss {
			live[s.Segment()] = true
		}
		for seg := range c.segs {
			if !live[seg] {
				delete(c.segs, seg)
			}
		}
	}
	c.mu.Unlock()
	for i, e := range entries {
		seg := ss[i].Segment()
		e.once.Do(func() { e.sf, e.err = buildSegFacets(seg) })
		if e.err != nil {
			return nil, e.err
		}
		snap.segs[i] = e.sf
	}
	return snap, nil
}

// languageGroupOf returns the language group of the document numbered n
// in the snapshot r, from its language field ("" when it has none).
func (c *facetCache) languageGroupOf(r index.IndexReader, n uint64) (string, error) {
	snap, err := c.forReader(r)
	if err != nil {
		return "", err
	}
	i := sort.Search(len(snap.offsets), func(i int) bool { return snap.offsets[i] > n }) - 1
	if i < 0 {
		return "", nil
	}
	col, local := &snap.segs[i].cols[facetLanguages], uint32(n-snap.offsets[i])
	for t, docs := range col.docs {
		if docs.Contains(local) {
			return languageGroup(col.terms[t]), nil
		}
	}
	return "", nil
}

// facetFilter is a search filter as sets of terms per facet field.
type facetFilter struct {
	values [numFacets][]string // nil: no filter on that facet
	lo, hi string              // published range, inclusive (years)
	active []int               // facets with a filter
}

func newFacetFilter(f content.Filter) *facetFilter {
	ff := &facetFilter{}
	for _, k := range f.Kinds {
		ff.values[facetKinds] = append(ff.values[facetKinds], string(k))
	}
	ff.values[facetTopics] = f.Topics
	ff.values[facetAudiences] = f.Audiences
	ff.values[facetNations] = f.Nations
	for _, l := range f.Languages {
		ff.values[facetLanguages] = append(ff.values[facetLanguages], strings.ToLower(l))
	}
	// As withFilters builds the range query.
	if f.PublishedAfter != nil || f.PublishedBefore != nil {
		ff.lo, ff.hi = "0000-00-00", "9999-99-99"
		if f.PublishedAfter != nil {
			ff.lo = f.PublishedAfter.Format(content.DateLayout)
		}
		if f.PublishedBefore != nil {
			ff.hi = f.PublishedBefore.Format(content.DateLayout)
		}
		ff.values[facetYears] = []string{}
	}
	for i, vs := range ff.values {
		if vs != nil {
			ff.active = append(ff.active, i)
		}
	}
	return ff
}

// facetCounter counts the facets of one search (see facetQuery).
type facetCounter struct {
	cache  *facetCache
	filter *facetFilter
	snap   *snapFacets
	segs   []*segCount
	// The segment of the last match: its state and global range.
	cur       *segCount
	base, end uint64
	// seen counts the matches of the text query without the filter.
	seen uint64
	// setsRan and setsMissed, when set, hear which way countSets
	// counted (facetsets.go; tests); bySearcher makes it count through
	// the searcher always (tests).
	setsRan, setsMissed func()
	bySearcher          bool
	// pending is a count from sets not made yet (facetsets.go): settle
	// before reading seen or counts.
	pending *pendingSets
}

// segCount is a search's state in one segment.
type segCount struct {
	sf     *segFacets
	in     [numFacets]*roaring.Bitmap // documents with a chosen value
	lo, hi int32                      // published places in the range
	all    *roaring.Bitmap            // matches under the whole filter
	but    [numFacets]*roaring.Bitmap // matches failing only that facet's filter
}

func newFacetCounter(c *facetCache, f content.Filter) *facetCounter {
	return &facetCounter{cache: c, filter: newFacetFilter(f)}
}

// start readies the counter for a search of the snapshot r.
func (fc *facetCounter) start(r index.IndexReader) error {
	snap, err := fc.cache.forReader(r)
	if err != nil {
		return err
	}
	fc.snap, fc.segs, fc.cur, fc.base, fc.end, fc.seen = snap, make([]*segCount, len(snap.segs)), nil, 0, 0, 0
	return nil
}

// enter makes the segment holding global document n current.
func (fc *facetCounter) enter(n uint64) {
	offs := fc.snap.offsets
	i := sort.Search(len(offs), func(i int) bool { return offs[i] > n }) - 1
	fc.cur, fc.base = fc.segCountOf(i), offs[i]
	fc.end = ^uint64(0)
	if i+1 < len(offs) {
		fc.end = offs[i+1]
	}
}

// segCountOf returns the search's state in segment i, made on first use.
func (fc *facetCounter) segCountOf(i int) *segCount {
	if fc.segs[i] == nil {
		sc := &segCount{sf: fc.snap.segs[i], all: roaring.New()}
		for _, f := range fc.filter.active {
			sc.but[f] = roaring.New()
			if f == facetYears {
				ps := sc.sf.published
				sc.lo = int32(sort.SearchStrings(ps, fc.filter.lo))
				sc.hi = int32(sort.Search(len(ps), func(i int) bool { return ps[i] > fc.filter.hi })) - 1
				continue
			}
			var bs []*roaring.Bitmap
			for _, v := range fc.filter.values[f] {
				if b := sc.sf.cols[f].lookup(v); b != nil {
					bs = append(bs, b)
				}
			}
			switch len(bs) {
			case 0:
				sc.in[f] = roaring.New()
			case 1:
				sc.in[f] = bs[0]
			default:
				sc.in[f] = roaring.FastOr(bs...)
			}
		}
		fc.segs[i] = sc
	}
	return fc.segs[i]
}

// accept records a match and reports whether it passes the filter.
func (fc *facetCounter) accept(_ *search.SearchContext, d *search.DocumentMatch) bool {
	n := d.IndexInternalID.Value()
	fc.seen++
	if fc.cur == nil || n < fc.base || n >= fc.end {
		fc.enter(n)
	}
	sc, local := fc.cur, uint32(n-fc.base)
	failed, which := 0, -1
	for _, f := range fc.filter.active {
		var ok bool
		if f == facetYears {
			o := int32(-1)
			if int(local) < len(sc.sf.pubOrd) {
				o = sc.sf.pubOrd[local]
			}
			ok = o >= 0 && o >= sc.lo && o <= sc.hi
		} else {
			ok = sc.in[f].Contains(local)
		}
		if !ok {
			failed++
			which = f
			if failed > 1 {
				return false
			}
		}
	}
	if failed == 0 {
		sc.all.Add(local)
		return true
	}
	sc.but[which].Add(local)
	return false
}

// counts returns each facet's counts by value (values counted 0 left
// out).
func (fc *facetCounter) counts() [numFacets]map[string]int {
	var out [numFacets]map[string]int
	for f := range out {
		out[f] = map[string]int{}
	}
	var allBuf, butBuf []uint64
	for _, sc := range fc.segs {
		if sc == nil {
			continue
		}
		var allDense []uint64
		allDense, allBuf = denseOf(sc.all, allBuf)
		for f := range facetFields {
			col := &sc.sf.cols[f]
			but := sc.but[f]
			var butDense []uint64
			if but != nil {
				butDense, butBuf = denseOf(but, butBuf)
			}
			for i, docs := range col.docs {
				n := andCount(sc.all, allDense, docs, col.dense[i])
				if but != nil {
					n += andCount(but, butDense, docs, col.dense[i])
				}
				if n > 0 {
					out[f][col.terms[i]] += n
				}
			}
		}
	}
	return out
}

// denseOf returns b as a bitset, written in buf (grown when too small),
// when b holds at least one document in 64 of its range (else nil: roaring
// counts a sparse set faster); and buf.
func denseOf(b *roaring.Bitmap, buf []uint64) ([]uint64, []uint64) {
	if b.IsEmpty() {
		return nil, buf
	}
	words := int(b.Maximum())/64 + 1
	if int(b.GetCardinality()) < words {
		return nil, buf
	}
	if cap(buf) < words {
		buf = make([]uint64, words)
	}
	buf = buf[:words]
	clear(buf)
	b.WriteDenseTo(buf)
	return buf, buf
}

// andCount is |set ∩ docs|: over the bitsets when both are there, else
// by roaring.
func andCount(set *roaring.Bitmap, setDense []uint64, docs *roaring.Bitmap, docsDense []uint64) int {
	if setDense == nil || docsDense == nil {
		return int(set.AndCardinality(docs))
	}
	n := 0
	for i, w := range setDense[:min(len(setDense), len(docsDense))] {
		n += bits.OnesCount64(w & docsDense[i])
	}
	return n
}

// facetQuery is a text query under a filter whose searcher counts the
// facets as it goes (see the top of this file). It must be the top-level
// query of a search: a match skipped by Advance is not counted.
type facetQuery struct {
	text query.Query // nil: every document
	c    *facetCounter
}

// Searcher wraps the text query's searcher in Bleve's FilteringSearcher
// with the counter's accept as the filter. Bleve applies a BooleanQuery's
// filter the same way (v2.6.3 search/query/boolean.go: the must/should
// searcher visits every match and FilteringSearcher drops those the
// filter searcher lacks), so the cost of visiting unfiltered matches is
// not new.
func (q *facetQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	if err := q.c.start(r); err != nil {
		return nil, err
	}
	text := q.text
	if text == nil {
		text = bleve.NewMatchAllQuery()
	}
	s, err := text.Searcher(ctx, r, memoMapping(ctx, m), o)
	if err != nil {
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, q.c.accept), nil
}

// facetList lists a facet's counts above zero, most frequent first, ties
// by value, at most size values (as Bleve's facet results are trimmed).
func facetList(m map[string]int, size int) []content.FacetValue {
	out := sortedFacet(m)
	if len(out) > size {
		out = out[:size]
	}
	return out
}

// facetsOf turns counts into the page's facets.
func facetsOf(cs [numFacets]map[string]int) content.Facets {
	var out content.Facets
	for f, spec := range facetFields {
		setFacet(&out, spec.name, facetList(cs[f], spec.size))
	}
	return out
}

// countFacets counts the facets of tq under filter f in a search of its
// own (no hits, no scores).
func (ix *Index) countFacets(ctx context.Context, idx bleve.Index, tq query.Query, f content.Filter) ([numFacets]map[string]int, error) {
	fc := newFacetCounter(&ix.facets, f)
	if _, err := idx.SearchInContext(ctx, countRequest(&facetQuery{text: tq, c: fc})); err != nil {
		return [numFacets]map[string]int{}, fmt.Errorf("search facets: %w", err)
	}
	return fc.counts(), nil
}

// pageFacets builds a page's facets from the counts of the search as
// decided over the library (lib) and, when it fell back to any of the
// words under the filter, of the fallback (last). See Index.Search.
func (ix *Index) pageFacets(ctx context.Context, idx bleve.Index, f content.Filter, lib, last *facetCounter, fellBack bool, p *plan, omit map[int]bool, k int) (content.Facets, error) {
	decided := lib.counts()
	if !fellBack {
		return facetsOf(decided), nil
	}
	fallback := last.counts()
	together := decided
	if len(p.exclude) > 0 {
		var err error
		if together, err = ix.countFacets(ctx, idx, p.match(omit, k), f); err != nil {
			return content.Facets{}, err
		}
	}
	var out [numFacets]map[string]int
	for i, spec := range facetFields {
		if !filterSet(f, spec.name) {
			out[i] = fallback[i]
			continue
		}
		m := decided[i]
		for v, n := range fallback[i] {
			if together[i][v] == 0 {
				m[v] = n
			}
		}
		out[i] = m
	}
	return facetsOf(out), nil
}
