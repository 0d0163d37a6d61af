package search

import (
	"context"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Relaxing (Index.relax) and the words a relaxed search left out
// (Index.omittedWords) ask questions about the required clauses only:
// how many resources have at least k of them, and which of them the best
// match has. Asked one search per question, each builds the clauses'
// searchers again, with the tiers, pairs and optional words that
// p.match adds for ranking and that never change which resources match;
// building searchers (analysing the words, opening a term reader per
// field and segment) is most of a search's cost on a small library. Here
// each required clause's searcher is built once per question set, in one
// search: relaxOnePass reads every clause's matches into a set (so any
// count of at least k of them is set arithmetic), and omittedOnePass
// moves each clause's searcher to the best match only.
//
// The decision itself (decideRelax) is the same for both ways of
// counting; Index.plain keeps the one search per count as the reference
// (TestFacetsMatchBleve compares whole pages, omitted words included,
// and TestRelaxCountsAreTheSearches compares the counts).

// decideRelax is relax's rule over counts (see Index.relax): match(omit,
// k) is how many resources p.match(omit, k) finds over the library,
// clause(i) how many the required clause i finds, known the number of
// p.match(nil, 0) when the caller has it (else -1) and enough
// Ranking.RelaxBelow (at least 1).
func decideRelax(p *plan, known int64, enough uint64, match func(omit map[int]bool, k int) (uint64, error), clause func(i int) (uint64, error)) (map[int]bool, int, error) {
	n := len(p.required)
	if n < 2 || p.browse {
		return nil, 0, nil
	}
	total, err := uint64(known), error(nil)
	if known < 0 {
		total, err = match(nil, 0)
	}
	if err != nil || total >= enough {
		return nil, 0, err
	}
	omit := map[int]bool{}
	if total == 0 {
		for i := range p.required {
			t, err := clause(i)
			if err != nil {
				return nil, 0, err
			}
			if t == 0 {
				omit[i] = true
			}
		}
	}
	left := n - len(omit)
	if left == 0 {
		return nil, 0, nil
	}
	bestK, bestTotal := 0, total
	if len(omit) > 0 {
		if bestTotal, err = match(omit, 0); err != nil {
			return nil, 0, err
		}
	}
	if left > 4 {
		// Many words: the same k as the loop below, in O(log n) counts
		// instead of n (breaker5 F37: 24 misspelt words cost 23 counts).
		if bestK, bestTotal, err = relaxLevel(func(k int) (uint64, error) { return match(omit, k) }, left, bestTotal, enough); err != nil {
			return nil, 0, err
		}
	} else {
		for k := left - 1; k >= 1 && bestTotal < enough; k-- {
			t, err := match(omit, k)
			if err != nil {
				return nil, 0, err
			}
			if t > bestTotal {
				bestK, bestTotal = k, t
			}
		}
	}
	if bestTotal == 0 {
		return nil, 0, nil
	}
	return omit, bestK, nil
}

// relaxOnePass is Index.relax with every count taken from the sets of
// resources each required clause matches, read in one search (on one
// snapshot, so the sets' document numbers agree) the first time a count
// is needed: p.match(omit, k) finds exactly the resources with at least
// k of the required clauses not in omit (all of them for k = 0), as its
// tiers, pairs, phrase and optional words are should clauses beside a
// must (plan.matching), which never change what matches.
func (ix *Index) relaxOnePass(ctx context.Context, idx bleve.Index, p *plan, known int64) (map[int]bool, int, error) {
	cc := &clauseCounts{ctx: ctx, idx: idx, p: p}
	return decideRelax(p, known, uint64(max(1, ix.rank.RelaxBelow)), cc.match, cc.clause)
}

// setsFirstDocs is the largest library whose clause sets relaxFirst reads
// before it knows whether the search relaxes: on a small library reading
// a clause's matches costs little more than building its searcher, which
// counting every word's matches needs anyway; on a large one a common
// word's matches are many.
const setsFirstDocs = 5000

// relaxFirst is relax decided before the strict search is run, for a
// search whose query is the plan's own strict query (see Index.Search):
// it counts the resources of the library with every required word (the
// clause sets on a library of at most Index.setsFirst resources,
// setsFirstDocs by default; else a search that stops at RelaxBelow
// matches), and relaxes as relax does with that count as known when it
// is below RelaxBelow; it never relaxes otherwise.
func (ix *Index) relaxFirst(ctx context.Context, idx bleve.Index, p *plan) (map[int]bool, int, error) {
	enough := uint64(max(1, ix.rank.RelaxBelow))
	if len(p.required) < 2 || p.browse {
		return nil, 0, nil
	}
	cc := &clauseCounts{ctx: ctx, idx: idx, p: p}
	limit := uint64(setsFirstDocs)
	if ix.setsFirst != 0 {
		limit = uint64(max(0, ix.setsFirst))
	}
	var all uint64
	if docs, err := idx.DocCount(); err == nil && docs <= limit {
		if all, err = cc.match(nil, 0); err != nil {
			return nil, 0, err
		}
	} else {
		var qs []query.Query
		for _, c := range p.required {
			qs = append(qs, c.q)
		}
		up := &countUpTo{q: bleve.NewConjunctionQuery(qs...), limit: enough}
		if _, err := idx.SearchInContext(ctx, countRequest(up)); err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		all = up.n
	}
	if all >= enough {
		return nil, 0, nil
	}
	return decideRelax(p, int64(all), enough, cc.match, cc.clause)
}

// clauseCounts answers relaxing's counts (see decideRelax) from the sets
// of resources each required clause of p matches, read in one search the
// first time a count is needed.
type clauseCounts struct {
	ctx  context.Context
	idx  bleve.Index
	p    *plan
	sets []*roaring64.Bitmap
}

func (cc *clauseCounts) load() error {
	if cc.sets != nil {
		return nil
	}
	cs := &clauseSets{}
	for _, c := range cc.p.required {
		cs.qs = append(cs.qs, c.q)
	}
	if _, err := cc.idx.SearchInContext(cc.ctx, countRequest(cs)); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	cc.sets = cs.sets
	return nil
}

// match is how many resources p.match(omit, k) finds.
func (cc *clauseCounts) match(omit map[int]bool, k int) (uint64, error) {
	if err := cc.load(); err != nil {
		return 0, err
	}
	in := make([]*roaring64.Bitmap, 0, len(cc.sets))
	for i, s := range cc.sets {
		if !omit[i] {
			in = append(in, s)
		}
	}
	return atLeast(in, k), nil
}

// clause is how many resources the required clause i finds.
func (cc *clauseCounts) clause(i int) (uint64, error) {
	if err := cc.load(); err != nil {
		return 0, err
	}
	return cc.sets[i].GetCardinality(), nil
}

// countUpTo is a query that matches nothing and, as its searcher is
// built, counts the matches of q up to limit (then stops): n.
type countUpTo struct {
	q     query.Query
	limit uint64
	n     uint64
}

func (q *countUpTo) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	s, err := q.q.Searcher(ctx, r, memoMapping(ctx, m), o)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	for q.n = 0; q.n < q.limit; q.n++ {
		d, err := s.Next(sctx)
		if err != nil {
			return nil, err
		}
		if d == nil {
			break
		}
		sctx.DocumentMatchPool.Put(d)
	}
	return searcher.NewMatchNoneSearcher(r)
}

// atLeast counts the documents in at least k of the sets (in all of them
// for k = 0 or k = len(sets); none when there are no sets).
func atLeast(sets []*roaring64.Bitmap, k int) uint64 {
	switch {
	case len(sets) == 0 || k > len(sets):
		return 0
	case k <= 0 || k == len(sets):
		return roaring64.FastAnd(sets...).GetCardinality()
	case k == 1:
		return roaring64.FastOr(sets...).GetCardinality()
	}
	// in[j-1] holds the documents in at least j of the sets seen so far.
	in := make([]*roaring64.Bitmap, k)
	for i, s := range sets {
		for j := min(i+1, k); j >= 2; j-- {
			if in[j-2] == nil {
				continue
			}
			both := roaring64.And(in[j-2], s)
			if in[j-1] == nil {
				in[j-1] = both
			} else {
				in[j-1].Or(both)
			}
		}
		if in[0] == nil {
			in[0] = s.Clone()
		} else {
			in[0].Or(s)
		}
	}
	if in[k-1] == nil {
		return 0
	}
	return in[k-1].GetCardinality()
}

// clauseSets is a query that matches nothing and, as its searcher is
// built, reads the documents each of qs matches into sets (by the
// reader's document numbers, valid for that reader only). A search with
// it must not score (countRequest), so the clauses' searchers read no
// frequencies or norms either.
type clauseSets struct {
	qs   []query.Query
	sets []*roaring64.Bitmap
}

func (q *clauseSets) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	q.sets = make([]*roaring64.Bitmap, len(q.qs))
	m = memoMapping(ctx, m)
	for i, cq := range q.qs {
		set, err := matchSet(ctx, r, m, o, cq)
		if err != nil {
			return nil, err
		}
		q.sets[i] = set
	}
	return searcher.NewMatchNoneSearcher(r)
}

// matchSet reads every match of q in r.
func matchSet(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions, q query.Query) (*roaring64.Bitmap, error) {
	s, err := q.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	set := roaring64.New()
	for n := 0; ; n++ {
		if n%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d, err := s.Next(sctx)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return set, nil
		}
		set.Add(d.IndexInternalID.Value())
		sctx.DocumentMatchPool.Put(d)
	}
}

// omittedOnePass is Index.omittedWords in one search: each required
// clause not in omit is asked whether it matches the best match top (its
// searcher moved to that document, rather than one search per clause of
// the clause and the document's id), keeping only its clauses on the
// fields of top's language group (inGroups: a document has the text
// fields of its own group only, so the clause matches it exactly when the
// cut clause does). The group is read from the facet tables of the
// snapshot searched (facets.go: the language field's documents).
func (ix *Index) omittedOnePass(ctx context.Context, idx bleve.Index, p *plan, omit map[int]bool, top string) ([]string, error) {
	words := []string{}
	dc := &docClauses{doc: top, facets: &ix.facets}
	for i, c := range p.required {
		if !omit[i] {
			dc.qs = append(dc.qs, c.exact) // as typed: a typo's match is not the word
		} else {
			dc.qs = append(dc.qs, nil)
		}
	}
	if top != "" {
		if _, err := idx.SearchInContext(ctx, countRequest(dc)); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	for i, c := range p.required {
		if dc.matched == nil || !dc.matched[i] {
			words = append(words, c.word)
		}
	}
	return words, nil
}

// docClauses is a query that matches nothing and, as its searcher is
// built, records which of qs (nil: none) match the document doc.
type docClauses struct {
	doc     string
	qs      []query.Query
	facets  *facetCache
	matched []bool
}

func (q *docClauses) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	q.matched = make([]bool, len(q.qs))
	id, err := r.InternalID(q.doc)
	if err != nil {
		return nil, err
	}
	if id == nil {
		return searcher.NewMatchNoneSearcher(r)
	}
	group, err := q.facets.languageGroupOf(r, id.Value())
	if err != nil {
		return nil, err
	}
	m = memoMapping(ctx, m)
	for i, cq := range q.qs {
		if cq == nil {
			continue
		}
		if group != "" {
			cut, none := inGroups(cq, map[string]bool{group: true})
			if none {
				continue
			}
			cq = cut
		}
		s, err := cq.Searcher(ctx, r, m, o)
		if err != nil {
			return nil, err
		}
		sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
		d, err := s.Advance(sctx, id)
		s.Close()
		if err != nil {
			return nil, err
		}
		q.matched[i] = d != nil && d.IndexInternalID.Equals(id)
	}
	return searcher.NewMatchNoneSearcher(r)
}
