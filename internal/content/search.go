package content

import (
	"context"
)

// EUNAVAILABLE says a service cannot answer for now (the search index is
// still being built, or PostgreSQL is down and being restarted); the client
// may retry after Error.RetryAfter.
const EUNAVAILABLE = "unavailable"

// SearchOrder is the order of search results.
type SearchOrder string

// Search orders: best match first (ties newest first, then by id), or
// newest first (ties by id).
const (
	SearchRelevance SearchOrder = "RELEVANCE"
	SearchNewest    SearchOrder = "NEWEST"
)

// SearchQuery asks for one page of search results.
type SearchQuery struct {
	Text   string
	Filter Filter
	Order  SearchOrder
	First  int
	After  string // an opaque cursor from an earlier page, or ""
	// Skip passes over that many results (after After) before the page:
	// the page holds results Skip+1 to Skip+First, found in one search
	// (the pages' numbered pages, instead of walking cursors). 0 to
	// MaxSkip. A search with Skip > 0 is a later page: no suggestion, not
	// counted in zero_result_queries.
	Skip int
	// Skip work the caller will not show: facets are counted over every
	// match, highlights read stored text, suggestions read the vocabulary.
	NoFacets, NoHighlights, NoSuggestion bool
	// NoRecord: the search is not a person's search and is not counted
	// in zero_result_queries even when it finds nothing (a count, a feed
	// reader's poll). Pages after the first (After or Skip set) are never
	// counted either: see service.Search.
	NoRecord bool
	// Omit names the parts of each resource the caller will not show, so
	// the store need not load them.
	Omit Part
}

// MaxSkip is the most results a search passes over with
// SearchQuery.Skip: the pages' last page (100) starts after 990.
const MaxSkip = 1000

// Validate checks a search query as the domain defines it: a valid filter
// (search covers published resources only, so no statuses or overdue
// reviews), First in 0..MaxPageSize and a known order. Errors are EINVALID
// naming the field ("filter.topics", "first", "orderBy").
func (q SearchQuery) Validate() error {
	if err := q.Filter.Validate(); err != nil {
		return err
	}
	if len(q.Filter.Statuses) > 0 {
		return FieldErrorf("filter.statuses", "search covers published resources only")
	}
	if q.Filter.ReviewOverdue {
		return FieldErrorf("filter.reviewOverdue", "search covers published resources only")
	}
	if q.First < 0 || q.First > MaxPageSize {
		return FieldErrorf("first", "must be between 0 and %d", MaxPageSize)
	}
	if q.Skip < 0 || q.Skip > MaxSkip {
		return FieldErrorf("skip", "must be between 0 and %d", MaxSkip)
	}
	switch q.Order {
	case SearchRelevance, SearchNewest:
	default:
		return FieldErrorf("orderBy", "unknown order %q", q.Order)
	}
	return nil
}

// Highlight is a field's fragments with matches marked <mark>…</mark>; the
// rest of each fragment is HTML-escaped.
type Highlight struct {
	Field     string
	Fragments []string
}

// SearchHit is one result: a resource id with its score and highlights.
type SearchHit struct {
	ID         int64
	Score      float64
	Cursor     string
	Highlights []Highlight
}

// FacetValue is a value of a facet and the number of matching resources.
type FacetValue struct {
	Value string
	Count int
}

// Facets are counts per value. Each facet ignores its own filter, so
// choosing one kind still shows how many of each other kind match.
type Facets struct {
	Kinds, Topics, Audiences, Nations, Years []FacetValue
	// Languages counts language tags (lower case); the API does not
	// show it, the search page does.
	Languages []FacetValue
}

// SearchPage is a page of search results.
type SearchPage struct {
	Hits        []SearchHit
	Total       int
	HasNext     bool
	HasPrevious bool
	Facets      Facets
	// Suggestion is the query with unknown words corrected, or nil.
	Suggestion *string
	// OmittedWords are the query's words the best result lacks: empty
	// when it has every word, or when a resource under the filter has
	// them all (then only words no resource has are listed); so when it
	// is not empty, no resource in the results has every word.
	OmittedWords []string
	// Resources are the hits' resources as the index read them from the
	// library to highlight them, with every part but ResourcesOmit (only
	// those that answer publicly), or nil when it read none. A caller
	// that leaves out at least those parts may use them instead of
	// reading the hits again.
	Resources     []*Resource
	ResourcesOmit Part
}

// Completion is a title that starts a word with the typed prefix.
type Completion struct {
	ID    int64
	Title string
	Slug  string
	Kind  Kind
}

// Searcher answers searches from the full-text index. It returns ids;
// callers load the resources from the Store, which decides visibility.
type Searcher interface {
	// Search returns one page of matching ids with scores, cursors,
	// highlights, facets and a suggestion; EUNAVAILABLE until the index
	// has caught up, EINVALID for a bad query text or cursor.
	Search(ctx context.Context, q SearchQuery) (*SearchPage, error)
	// Complete returns up to first ids (Completion.ID only) whose titles
	// have a word starting with the prefix's last word, best first.
	Complete(ctx context.Context, prefix string, first int) ([]Completion, error)
}
