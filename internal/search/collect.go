package search

import (
	"container/heap"
	"context"
	"strconv"

	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// relevanceTop collects the best k hits of a search in relevance order
// (score, then newest published, then highest id; all descending), the
// order Bleve gives for SortBy("-_score", "-published", "-_id"), and
// optionally only hits after a cursor in that order.
//
// Why not Bleve's own sort: with a sort key other than the score, Bleve's
// TopN collector (v2.6.3 search/collector/topn.go prepareDocumentMatch)
// reads the published date from doc values and the external id for every
// matching document before it knows whether the document can enter the
// page; at 100,000 resources a common word matches tens of thousands.
// Here both are read only for a hit whose score ties with or beats the
// worst hit kept so far, so a search reads them for about k·ln(n/k) hits.
// The search runs with Size 0 (Bleve still counts every match, and builds
// facets), and this handler replaces the collector's own store through
// search.MakeDocumentMatchHandlerKey.
type relevanceTop struct {
	k     int
	after *relevanceKey // nil: from the start
	kept  relevanceHeap
	dv    index.DocValueReader
	r     index.IndexReader
	err   error
	loads int // hits whose date and id were read (for benchmarks)
	// skip are external ids never kept (rerank's candidates, when the
	// page is past them), nil for none.
	skip map[string]struct{}
}

// relevanceKey is a hit's place in relevance order.
type relevanceKey struct {
	score     float64
	published string
	id        string
}

// before reports whether a comes before b in relevance order.
func (a *relevanceKey) before(b *relevanceKey) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.published != b.published {
		return a.published > b.published
	}
	return a.id > b.id
}

// relevanceHeap holds the kept hits, the last in relevance order on top.
type relevanceHeap []*relevanceKey

func (h relevanceHeap) Len() int           { return len(h) }
func (h relevanceHeap) Less(i, j int) bool { return h[j].before(h[i]) }
func (h relevanceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *relevanceHeap) Push(x any)        { *h = append(*h, x.(*relevanceKey)) }
func (h *relevanceHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// missingPublished is what Bleve sorts a document without a published
// date as in a descending sort with missing values last
// (search.LowTerm).
var missingPublished = search.LowTerm

// newRelevanceTop returns a collector of the best k hits, after the
// cursor values after ([score, published, id], as sortValues writes them)
// when not nil.
func newRelevanceTop(k int, after []string) (*relevanceTop, error) {
	t := &relevanceTop{k: k}
	if after != nil {
		s, err := strconv.ParseFloat(after[0], 64)
		if err != nil {
			return nil, err
		}
		t.after = &relevanceKey{score: s, published: after[1], id: after[2]}
	}
	return t, nil
}

// context returns ctx carrying the handler for a search request.
func (t *relevanceTop) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(t.maker))
}

func (t *relevanceTop) maker(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	t.r = sc.IndexReader
	dv, err := sc.IndexReader.DocValueReader([]string{"published"})
	if err != nil {
		return nil, false, err
	}
	t.dv = dv
	return func(d *search.DocumentMatch) error {
		if d == nil {
			return nil
		}
		defer sc.DocumentMatchPool.Put(d)
		return t.offer(d)
	}, false, nil
}

// offer considers one hit.
func (t *relevanceTop) offer(d *search.DocumentMatch) error {
	if t.after != nil && d.Score > t.after.score {
		return nil // on an earlier page
	}
	if len(t.kept) == t.k && d.Score < t.kept[0].score {
		return nil // cannot enter the page
	}
	key, err := t.key(d)
	if err != nil {
		return err
	}
	if t.after != nil && !t.after.before(key) {
		return nil
	}
	if _, ok := t.skip[key.id]; ok {
		return nil
	}
	if len(t.kept) < t.k {
		heap.Push(&t.kept, key)
	} else if key.before(t.kept[0]) {
		t.kept[0] = key
		heap.Fix(&t.kept, 0)
	}
	return nil
}

// key reads a hit's published date and id.
func (t *relevanceTop) key(d *search.DocumentMatch) (*relevanceKey, error) {
	t.loads++
	key := &relevanceKey{score: d.Score, published: missingPublished}
	id, err := t.r.ExternalID(d.IndexInternalID)
	if err != nil {
		return nil, err
	}
	key.id = id
	err = t.dv.VisitDocValues(d.IndexInternalID, func(field string, term []byte) {
		if field == "published" && key.published == missingPublished {
			key.published = string(term)
		}
	})
	return key, err
}

// hits returns the kept hits in relevance order, as Bleve's document
// matches with the published date as the second sort value.
func (t *relevanceTop) hits() []*search.DocumentMatch {
	out := make([]*search.DocumentMatch, len(t.kept))
	for i := len(t.kept) - 1; i >= 0; i-- {
		k := heap.Pop(&t.kept).(*relevanceKey)
		out[i] = &search.DocumentMatch{ID: k.id, Score: k.score, Sort: []string{"", k.published, k.id}}
	}
	return out
}
