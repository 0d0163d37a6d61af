package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/content"
)

// A search feed's withdrawals (breaker5 F10). The index holds published
// resources only, so a withdrawn resource can no longer be searched; yet a
// search's Atom feed must tell its readers that a resource it listed was
// withdrawn, and not fill its tombstones with resources it never listed.
// MatchWithdrawn answers "would this search have found it": the withdrawn
// resources' last public text is indexed in memory with the same mapping
// and documents as the live index, and the search's words are run on it.

// withdrawnCacheSize is how many in-memory indexes of withdrawn resources
// are kept (one per distinct list: a feed's filters decide the list, its
// words only the query run on it).
const withdrawnCacheSize = 4

type withdrawnIndex struct {
	key string
	idx bleve.Index
}

type withdrawnCache struct {
	mu      sync.Mutex
	entries []withdrawnIndex // most recently used last
}

// close closes the cached indexes.
func (c *withdrawnCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		e.idx.Close()
	}
	c.entries = nil
}

// get returns the index of rs, building it when it is not cached. The
// caller holds c.mu.
func (c *withdrawnCache) get(rs []*content.Resource, r Ranking) (bleve.Index, error) {
	h := fnv.New64a()
	for _, x := range rs {
		fmt.Fprintf(h, "%d/%d/%s;", x.ID, x.Revision, x.UpdatedAt.UTC().Format("2006-01-02T15:04:05.999999999"))
	}
	key := strconv.FormatUint(h.Sum64(), 16) + "/" + strconv.Itoa(len(rs)) + "/" + strconv.FormatBool(r.PairMarks)
	for i, e := range c.entries {
		if e.key == key {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			return e.idx, nil
		}
	}
	m, err := newMapping(r)
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return nil, err
	}
	b := idx.NewBatch()
	for _, x := range rs {
		if err := indexResource(b, idx.Mapping(), docID(x.ID), x, r.PairMarks); err != nil {
			idx.Close()
			return nil, fmt.Errorf("index withdrawn %d: %w", x.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		idx.Close()
		return nil, err
	}
	if len(c.entries) == withdrawnCacheSize {
		c.entries[0].idx.Close()
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, withdrawnIndex{key, idx})
	return idx, nil
}

// MatchWithdrawn returns the resources of rs (withdrawn ones, with the text
// they had when public) that the search text would have found when they
// were published, in rs's order: those with at least one of its words
// (a relaxed search lists resources lacking some words, so a resource with
// any word may have been listed; a reader ignores the tombstone of an entry
// it never had). Text that searches nothing (browsing, stop words only,
// exclusions only) matches them all. Errors: EINVALID for text search
// refuses.
func (ix *Index) MatchWithdrawn(ctx context.Context, text string, rs []*content.Resource) ([]*content.Resource, error) {
	if len(rs) == 0 {
		return rs, nil
	}
	cs, err := parseQuery(text)
	if err != nil {
		return nil, err
	}
	p := buildPlan(cs, groups, ix.rank, nil, nil, nil)
	if p == nil || p.browse || len(p.required) == 0 {
		return rs, nil
	}
	any := make([]query.Query, len(p.required))
	for i, c := range p.required {
		any[i] = c.q
	}
	// The cache's lock is held for the search too: an index evicted by
	// another feed is closed, never while a search runs on it.
	ix.withdrawn.mu.Lock()
	defer ix.withdrawn.mu.Unlock()
	idx, err := ix.withdrawn.get(rs, ix.rank)
	if err != nil {
		return nil, fmt.Errorf("withdrawn matches: %w", err)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(any...), len(rs), 0, false)
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("withdrawn matches: %w", err)
	}
	hit := make(map[string]bool, len(res.Hits))
	for _, h := range res.Hits {
		hit[h.ID] = true
	}
	out := make([]*content.Resource, 0, len(hit))
	for _, x := range rs {
		if hit[docID(x.ID)] {
			out = append(out, x)
		}
	}
	return out, nil
}
