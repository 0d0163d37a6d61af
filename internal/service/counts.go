package service

import (
	"slices"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"guidancehub/internal/content"
)

// Position is the change-log position a replica has applied, as the
// search index reports it (search.Index.Position plus its readiness):
// Watermark is the change-log watermark of the last batch applied (every
// change in a transaction below it is applied), Generation grows by one
// with every batch applied or rebuild swapped in, and Current says the
// index is caught up and undamaged (false while it starts, rebuilds after
// damage, or has never applied a position).
type Position struct {
	Watermark, Generation uint64
	Current               bool
}

// DefaultCountEntries bounds the cached counts: one per distinct public
// filter, each a few dozen bytes.
const DefaultCountEntries = 10000

// counts caches the totalCount of public lists by filter, valid for one
// generation of the change-log position: a list asked for again while the
// replica has applied no change reuses the count instead of reading every
// matching row again (an index-only scan of 100,000 rows per request).
//
// Why it is exact: every change to what the public sees writes a change
// row in the same transaction (the outbox), and the replica's position
// moves (Generation grows) with every batch of such changes it applies.
// An entry is stored with the generation read before its count was run, so
// the count's snapshot includes every change applied at that generation,
// and it is only served while the generation has not moved: a count is
// never served after the replica applied a later change. (Like the search
// index at the same watermark, it may also include a change committed
// just after the watermark that the replica has not yet applied; the next
// batch it applies replaces it.)
type counts struct {
	entries *lru.Cache[string, countEntry]
}

type countEntry struct {
	generation uint64
	total      int
}

func newCounts(size int) *counts {
	if size <= 0 {
		size = DefaultCountEntries
	}
	c, _ := lru.New[string, countEntry](size) // only errors on size <= 0
	return &counts{entries: c}
}

// get returns the count of key computed at generation, if cached.
func (c *counts) get(key string, generation uint64) (int, bool) {
	e, ok := c.entries.Get(key)
	if !ok || e.generation != generation {
		return 0, false
	}
	return e.total, true
}

// put records a count computed after generation was read.
func (c *counts) put(key string, generation uint64, total int) {
	if e, ok := c.entries.Peek(key); ok && e.generation > generation {
		return // a newer count is already there
	}
	c.entries.Add(key, countEntry{generation: generation, total: total})
}

// cacheableCount reports whether a list's count may be cached: a public
// list (not an editor's, whose drafts change without a public change row),
// and a filter that does not depend on the clock (ReviewOverdue compares
// with today's date).
func cacheableCount(q content.ListQuery) bool {
	return !q.NoCount && !q.Editor && len(q.Filter.Statuses) == 0 && !q.Filter.ReviewOverdue
}

// countKey is a canonical text of a public filter: the same set of
// values in any order and with repeats gives the same key (lists are OR
// within a field), languages are compared without case as the store does.
func countKey(f content.Filter) string {
	var b strings.Builder
	field := func(name string, vals []string, lower bool) {
		if len(vals) == 0 {
			return
		}
		vs := make([]string, len(vals))
		for i, v := range vals {
			if lower {
				v = strings.ToLower(v)
			}
			vs[i] = v
		}
		slices.Sort(vs)
		vs = slices.Compact(vs)
		b.WriteString(name)
		b.WriteByte('=')
		for _, v := range vs {
			b.WriteString(strconv.Quote(v))
			b.WriteByte(',')
		}
		b.WriteByte(';')
	}
	kinds := make([]string, len(f.Kinds))
	for i, k := range f.Kinds {
		kinds[i] = string(k)
	}
	field("kinds", kinds, false)
	field("topics", f.Topics, false)
	field("audiences", f.Audiences, false)
	field("nations", f.Nations, false)
	field("languages", f.Languages, true)
	if f.PublishedAfter != nil {
		b.WriteString("after=" + f.PublishedAfter.Format(time.RFC3339Nano) + ";")
	}
	if f.PublishedBefore != nil {
		b.WriteString("before=" + f.PublishedBefore.Format(time.RFC3339Nano) + ";")
	}
	return b.String()
}

// IndexPosition adapts a search index (search.Syncer) to Options.Position:
// its applied position, current while the index is ready (caught up and
// not being rebuilt after damage).
func IndexPosition(ix interface {
	Position() (watermark, generation uint64)
	Ready() bool
}) func() Position {
	return func() Position {
		// Ready first: a position read after it is at least as new as the
		// one that made the index ready.
		current := ix.Ready()
		w, g := ix.Position()
		return Position{Watermark: w, Generation: g, Current: current}
	}
}
