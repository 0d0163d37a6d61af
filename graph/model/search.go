package model

import (
	"guidancehub/internal/content"
)

// SearchResults is a page of search results with their resources loaded.
type SearchResults struct {
	TotalCount int
	Edges      []SearchEdge
	PageInfo   *PageInfo
	Facets     content.Facets
	Suggestion *string
	// OmittedWords are the query's words the best result leaves out (see content.SearchPage).
	OmittedWords []string
}

// SearchEdge is one search result.
type SearchEdge struct {
	Cursor     string
	Node       Resource
	Score      float64
	Highlights []content.Highlight
}

// Completion is a title for search-as-you-type.
type Completion struct {
	Title string
	Slug  string
	Kind  content.Kind
}
