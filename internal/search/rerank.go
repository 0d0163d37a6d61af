package search

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// pairCandidates is how many of the best hits of a query without its
// neighbouring-word phrases (plan.pairs) rerank collects and scores with
// them, whatever the page asked for. When the query matches at most this
// many resources, every match is scored with the phrases and the pages are
// exactly the full query's; above it, a resource outside these candidates
// that the phrases would have lifted among them comes after them (measured
// in TestRerankMatchesFullQuery and the issue-15 note): the order of the
// pages is the candidates in the full query's order, then every other
// match in the full query's order (Index.Search's pastCandidates), so that
// every match counted is on exactly one page (breaker9 F1) and the pages
// of a search, by cursor or by skip, are slices of one order (breaker9
// F4: the count once grew with the page asked for).
const pairCandidates = 1000

// Every disjunction sums its matching clauses' scores in the order of its
// clauses. Bleve v2.6.3 switches a disjunction of more than
// DisjunctionHeapTakeover (10) clauses to a heap
// (search/searcher/search_disjunction_heap.go) whose order of equal
// documents, and so the order in which floating-point scores are added,
// depends on how the search advanced: the same document then scores a few
// ulps apart when searched over the candidates (rerankTop) and over the
// whole index, and two resources with equal scores could be ordered by
// that noise rather than by date. The slice form sums in clause order
// whatever the path. (A disjunction of the index's terms without scores,
// as filters and counts are, is a bitmap union either way.)
func init() { searcher.DisjunctionHeapTakeover = math.MaxInt }

// rerankTop collects a page of a query in relevance order the way
// relevanceTop does, in two passes over one index snapshot:
//
//  1. the search runs the query without its neighbouring-word phrase
//     clauses (cheap: no term positions are read), which finds exactly the
//     same resources (the phrases are optional clauses), so the total and
//     the facets are those of the full query; the handler keeps the k best
//     of them by that score;
//  2. at the end of the search the full query is run over those k
//     candidates only (candidateReader hides every other document from its
//     term readers), and its exact scores go to relevanceTop.
//
// Why: a phrase query reads term positions for every document that has all
// its words (Bleve v2.6.3 search/searcher/search_phrase.go), and a
// multi-word query at 100,000 resources spent most of its time there.
// The scores of phase 2 are the full query's to the bit: a searcher's score
// of a document depends on that document's postings and on statistics
// (document counts, term document frequencies, field lengths) that
// candidateReader passes through unchanged.
type rerankTop struct {
	top     *relevanceTop
	full    query.Query
	m       mapping.IndexMapping
	ctx     context.Context
	k       int
	cands   candidateHeap
	scored  int // candidates scored with the full query (for tests)
	scoring string
	fast    bool // rescore through fastRescore (topk.go) when it can
	// keys are the first pass's terms and src reads their postings at
	// the hit being offered, when the first pass runs through the
	// compiled scorer (rescorebounds.go); nil otherwise.
	keys []termKey
	src  *featSource
	// idsOnly: the page is past the candidates, so rescore only reads
	// their ids; candIDs are the candidates' external ids, read by
	// rescore when the page may reach past them (idsOnly, or fewer hits
	// than the page wants while the candidates are k).
	idsOnly bool
	candIDs map[string]struct{}
}

// candidate is one hit of phase 1, with the postings of phase 1's terms
// there when they were kept (rescorebounds.go).
type candidate struct {
	score float64
	id    index.IndexInternalID
	feats []termFeat
}

// candidateHeap keeps the best candidates, the worst on top: the order is
// total (score, then the earlier document first), so the candidates kept
// are the k best by that order whatever order hits arrive in. Bleve's
// searchers hand hits over in document order, where the rule is "of equal
// scores the earlier document is kept"; fastScore may score two groups of
// segments at once and merge them (see scoreInParallel), which the total
// order makes exact.
type candidateHeap []candidate

func (h candidateHeap) Len() int           { return len(h) }
func (h candidateHeap) Less(i, j int) bool { return worse(h[i], h[j]) }
func (h candidateHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidateHeap) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *candidateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// worse reports whether a ranks below b: a lower score, or an equal score
// and a later document.
func worse(a, b candidate) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return bytes.Compare(a.id, b.id) > 0
}

// newRerankTop returns a collector of top's page that scores the k best
// hits of the search it is given with full (the same query with its
// phrase clauses; with the same filter).
func newRerankTop(top *relevanceTop, full query.Query, m mapping.IndexMapping, k int) *rerankTop {
	scoring := index.DefaultScoringModel
	if im, ok := m.(*mapping.IndexMappingImpl); ok && im.ScoringModel == index.BM25Scoring {
		scoring = index.BM25Scoring
	}
	return &rerankTop{top: top, full: full, m: m, k: k, scoring: scoring}
}

// context returns ctx carrying the handler for the phase-1 request.
func (r *rerankTop) context(ctx context.Context) context.Context {
	r.ctx = ctx
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(r.maker))
}

func (r *rerankTop) maker(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	if _, _, err := r.top.maker(sc); err != nil {
		return nil, false, err
	}
	r.cands = make(candidateHeap, 0, min(r.k, 1024))
	return func(d *search.DocumentMatch) error {
		if d == nil {
			return r.rescore(sc.IndexReader)
		}
		r.offer(d)
		sc.DocumentMatchPool.Put(d)
		return nil
	}, false, nil
}

// offer keeps d if it is among the k best so far.
func (r *rerankTop) offer(d *search.DocumentMatch) {
	r.offerCandidate(d.Score, d.IndexInternalID)
}

// offerCandidate keeps the hit (score, id) if it is among the k best so
// far (candidateHeap's order); id is copied, and with src the postings of
// the first pass's terms at id are kept with it.
func (r *rerankTop) offerCandidate(score float64, id index.IndexInternalID) {
	r.offerWith(score, id, nil)
}

// offerWith is offerCandidate with the postings feats (copied) instead of
// src's, when not nil.
func (r *rerankTop) offerWith(score float64, id index.IndexInternalID, feats []termFeat) {
	if len(r.cands) < r.k {
		heap.Push(&r.cands, candidate{score: score, id: slices.Clone(id), feats: r.featsAt(id, feats, nil)})
		return
	}
	if !worse(r.cands[0], candidate{score: score, id: id}) {
		return
	}
	c := &r.cands[0]
	c.score = score
	c.id = append(c.id[:0], id...)
	c.feats = r.featsAt(id, feats, c.feats[:0])
	heap.Fix(&r.cands, 0)
}

// featsAt returns feats, or src's postings at id, in dst; nil when there
// are neither.
func (r *rerankTop) featsAt(id index.IndexInternalID, feats, dst []termFeat) []termFeat {
	switch {
	case feats != nil:
		return append(dst, feats...)
	case r.src != nil:
		return r.src.at(id, dst)
	}
	return nil
}

// rescore runs the full query over the candidates and offers each hit,
// with its exact score, to the page (unless idsOnly), then reads the
// candidates' ids when the page may reach past them.
func (r *rerankTop) rescore(reader index.IndexReader) error {
	if !r.idsOnly {
		if err := r.rescoreCands(reader); err != nil {
			return err
		}
	}
	if !r.idsOnly && (len(r.cands) < r.k || len(r.top.kept) >= r.top.k) {
		return nil
	}
	r.candIDs = make(map[string]struct{}, len(r.cands))
	for _, c := range r.cands {
		id, err := reader.ExternalID(c.id)
		if err != nil {
			return err
		}
		r.candIDs[id] = struct{}{}
	}
	return nil
}

// rescoreCands offers every candidate, with its full query's score, to
// the page.
func (r *rerankTop) rescoreCands(reader index.IndexReader) error {
	if len(r.cands) == 0 {
		return nil
	}
	ids := make([]index.IndexInternalID, len(r.cands))
	for i, c := range r.cands {
		ids[i] = c.id
	}
	sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i], ids[j]) < 0 })
	if r.fast {
		// The same scores through the compiled scorer (topk.go).
		var br *boundedRescore
		if !rescoreBoundsOff {
			br = &boundedRescore{keys: r.keys, cands: r.cands, theta: r.top.theta, k: r.top.k}
			if r.top.after != nil {
				br.k = 0
			}
		}
		n, err := fastRescore(r.ctx, reader, r.full, r.m, ids, br, r.top.offer)
		if !errors.As(err, new(fastUnsupported)) {
			r.scored += n
			return err
		}
	}
	cr := &candidateReader{IndexReader: reader, ids: ids}
	// What SearchInContext puts in the context for its searchers: the
	// scoring model (v2.6.3 index_impl.go).
	ctx := context.WithValue(r.ctx, search.GetScoringModelCallbackKey, search.GetScoringModelCallbackFn(func() string { return r.scoring }))
	s, err := r.full.Searcher(ctx, cr, r.m, search.SearcherOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: cr}
	for {
		d, err := s.Next(sc)
		if err != nil || d == nil {
			return err
		}
		r.scored++
		if err := r.top.offer(d); err != nil {
			return err
		}
		sc.DocumentMatchPool.Put(d)
	}
}

// candidateReader is an index reader whose term and document readers see
// only the documents ids (sorted, all live); everything else, statistics
// included, is the underlying reader's.
type candidateReader struct {
	index.IndexReader
	ids []index.IndexInternalID
}

func (r *candidateReader) TermFieldReader(ctx context.Context, term []byte, field string, freq, norm, vectors bool) (index.TermFieldReader, error) {
	tfr, err := r.IndexReader.TermFieldReader(ctx, term, field, freq, norm, vectors)
	if err != nil {
		return nil, err
	}
	return &candidateTermReader{TermFieldReader: tfr, ids: r.ids}, nil
}

func (r *candidateReader) DocIDReaderAll() (index.DocIDReader, error) {
	return &candidateDocReader{ids: r.ids}, nil
}

// FieldCardinality passes BM25's field statistics through.
func (r *candidateReader) FieldCardinality(field string) (int, error) {
	if b, ok := r.IndexReader.(index.BM25Reader); ok {
		return b.FieldCardinality(field)
	}
	return 0, nil
}

// FieldDictFuzzy and FieldDictFuzzyAutomaton pass the fuzzy term
// dictionary through (a typo's candidate words are the whole index's).
func (r *candidateReader) FieldDictFuzzy(field, term string, fuzziness int, prefix string) (index.FieldDict, error) {
	return r.IndexReader.(index.IndexReaderFuzzy).FieldDictFuzzy(field, term, fuzziness, prefix)
}

func (r *candidateReader) FieldDictFuzzyAutomaton(field, term string, fuzziness int, prefix string) (index.FieldDict, index.FuzzyAutomaton, error) {
	return r.IndexReader.(index.IndexReaderFuzzy).FieldDictFuzzyAutomaton(field, term, fuzziness, prefix)
}

// candidateTermReader is a term's postings restricted to the candidates;
// Count is the term's document frequency in the whole index (idf).
type candidateTermReader struct {
	index.TermFieldReader
	ids []index.IndexInternalID
	pos int // the next candidate to look for
}

func (t *candidateTermReader) Next(pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	for t.pos < len(t.ids) {
		d, err := t.TermFieldReader.Advance(t.ids[t.pos], pre)
		if err != nil || d == nil {
			t.pos = len(t.ids)
			return nil, err
		}
		// The first candidate at or after the posting found.
		t.pos += sort.Search(len(t.ids)-t.pos, func(i int) bool { return bytes.Compare(t.ids[t.pos+i], d.ID) >= 0 })
		if t.pos < len(t.ids) && bytes.Equal(t.ids[t.pos], d.ID) {
			t.pos++
			return d, nil
		}
	}
	return nil, nil
}

func (t *candidateTermReader) Advance(id index.IndexInternalID, pre *index.TermFieldDoc) (*index.TermFieldDoc, error) {
	t.pos += sort.Search(len(t.ids)-t.pos, func(i int) bool { return bytes.Compare(t.ids[t.pos+i], id) >= 0 })
	return t.Next(pre)
}

// candidateDocReader iterates the candidates (a match-all searcher's
// documents).
type candidateDocReader struct {
	ids []index.IndexInternalID
	pos int
}

func (d *candidateDocReader) Next() (index.IndexInternalID, error) {
	if d.pos >= len(d.ids) {
		return nil, nil
	}
	d.pos++
	return d.ids[d.pos-1], nil
}

func (d *candidateDocReader) Advance(id index.IndexInternalID) (index.IndexInternalID, error) {
	d.pos += sort.Search(len(d.ids)-d.pos, func(i int) bool { return bytes.Compare(d.ids[d.pos+i], id) >= 0 })
	return d.Next()
}

func (d *candidateDocReader) Size() int    { return 0 }
func (d *candidateDocReader) Close() error { return nil }

// restrictedQuery runs exact only over the documents superset finds (a
// query that finds every match of exact, and maybe more, cheaply: see
// plan.superset), in the same index snapshot: superset is searched without
// scores into a list of documents, and exact's searchers read postings
// through a candidateReader of that list. A phrase then reads term
// positions only in documents that have every other word of the query,
// not in every document of the index that has the phrase's words. The
// matches and their scores are exact's own (candidateReader passes every
// statistic through, and superset leaves out no match).
type restrictedQuery struct {
	superset, exact query.Query
}

func (q *restrictedQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	ss, err := q.superset.Searcher(ctx, r, m, search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, err
	}
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(ss.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	var ids []index.IndexInternalID
	var arena []byte
	for {
		d, err := ss.Next(sc)
		if err != nil {
			ss.Close()
			return nil, err
		}
		if d == nil {
			break
		}
		if len(arena)+len(d.IndexInternalID) > cap(arena) {
			arena = make([]byte, 0, max(4096, 2*cap(arena)))
		}
		start := len(arena)
		arena = append(arena, d.IndexInternalID...)
		ids = append(ids, index.IndexInternalID(arena[start:len(arena):len(arena)]))
		sc.DocumentMatchPool.Put(d)
	}
	if err := ss.Close(); err != nil {
		return nil, err
	}
	return q.exact.Searcher(ctx, &candidateReader{IndexReader: r, ids: ids}, m, options)
}

// queryShape walks q: leaves counts its term and phrase queries (a marked
// phrase counts its words) in the language group of their fields (field:
// name_group) that holds the most, positions reports whether searching it
// reads term positions (it holds a phrase query that is not marked:
// marks.go; a query of a type the plan does not build counts as reading
// them). Per group (breaker9 F2): a query spans every group present in the
// index, and a group's fields hold their own documents' terms, so one
// Arabic resource no longer makes every English two-word query "large".
func queryShape(q query.Query) (leaves int, positions bool) {
	byGroup := map[string]int{}
	positions = shapeWalk(q, byGroup)
	for _, n := range byGroup {
		leaves = max(leaves, n)
	}
	return leaves, positions
}

// fieldGroup is the language group of an index field (field(name, group)).
func fieldGroup(f string) string {
	return f[strings.LastIndexByte(f, '_')+1:]
}

// shapeWalk is queryShape's walk: it adds q's leaves to byGroup.
func shapeWalk(q query.Query, byGroup map[string]int) (positions bool) {
	var kids []query.Query
	switch q := q.(type) {
	case *query.MatchPhraseQuery:
		byGroup[fieldGroup(q.FieldVal)]++
		return true
	case *markedPhraseQuery:
		for _, s := range q.slots {
			byGroup[q.group] += len(s)
		}
		return false
	case *query.MatchQuery:
		byGroup[fieldGroup(q.FieldVal)]++
		return false
	case *query.TermQuery:
		byGroup[fieldGroup(q.FieldVal)]++
		return false
	case *query.FuzzyQuery:
		byGroup[fieldGroup(q.FieldVal)]++
		return false
	case *query.PrefixQuery:
		byGroup[fieldGroup(q.FieldVal)]++
		return false
	case *query.MatchAllQuery, *query.MatchNoneQuery:
		return false
	case *query.BooleanQuery:
		kids = []query.Query{q.Must, q.Should, q.MustNot, q.Filter}
	case *query.ConjunctionQuery:
		kids = q.Conjuncts
	case *query.DisjunctionQuery:
		kids = q.Disjuncts
	case *constantQuery:
		kids = []query.Query{q.q}
	case memoQuery:
		kids = []query.Query{q.q}
	default:
		byGroup[""]++
		return true
	}
	for _, k := range kids {
		if k != nil && shapeWalk(k, byGroup) {
			positions = true
		}
	}
	return positions
}

// singlePassLeaves is the most term and phrase-word queries (queryShape)
// a query whose pairs are all marked may hold to be searched in one exact
// pass; a larger one goes through rerank. Measured at 100,000 resources
// (searchprof, the kit's 20 queries and 1,000 generated ones, issue-15
// note): two-word queries without multi-word synonyms (16 leaves: four
// fields of two words and their pair) gain two to three times in one
// pass; "GP registration" (64: gp's six phrase alternatives) and most
// three- and four-word queries (28 to 76) lose, as a document's bound
// there is loose and the single pass reads most matches one by one.
const singlePassLeaves = 24
