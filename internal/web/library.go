package web

import (
	"context"

	"guidancehub/internal/content"
)

// Library is what the pages read: the hub's public use cases. Every method
// applies the public's visibility (published resources only; a withdrawn
// resource answers by slug with its notice; drafts are not found), so the
// pages never decide who may see what.
type Library interface {
	// Search runs a search (an empty text browses, newest first) and
	// returns the page of hits with their published resources.
	Search(ctx context.Context, q content.SearchQuery) (*Results, error)
	// List returns a page of published resources.
	List(ctx context.Context, q content.ListQuery) (*content.ListPage, error)
	// Resource returns the resource with the slug as the public sees it:
	// published, or withdrawn with its notice; ENOTFOUND otherwise.
	Resource(ctx context.Context, slug string) (*content.Resource, error)
	// Resources returns the published resources with the slugs, in the
	// slugs' order, leaving out those the public cannot see.
	Resources(ctx context.Context, slugs []string) ([]*content.Resource, error)
	// Translations returns the published translations of the resource.
	Translations(ctx context.Context, slug string) ([]*content.Resource, error)
	// Topics returns every topic of the controlled list with its count of
	// published resources.
	Topics(ctx context.Context) ([]TopicCount, error)
	// Complete returns up to n published titles with a word starting with
	// the prefix, with their resources' language.
	Complete(ctx context.Context, prefix string, n int) ([]Completion, error)
}

// Results is a page of search results.
type Results struct {
	Total   int
	HasNext bool
	Hits    []Hit
	Facets  content.Facets
	// Suggestion is a corrected query ("did you mean"), or nil.
	Suggestion *string
	// OmittedWords are the words left out because no resource matched all
	// of them; empty otherwise.
	OmittedWords []string
	// Last is the cursor after the last hit ("" for none): the next
	// page's SearchQuery.After.
	Last string
}

// Hit is one search result: a published resource with the fragments that
// matched, marked <mark>…</mark> with the rest HTML-escaped.
type Hit struct {
	Resource   *content.Resource
	Highlights []content.Highlight
}

// TopicCount is a topic with its number of published resources.
type TopicCount struct {
	content.Topic
	Count int
}

// Completion is a title offered while a reader types.
type Completion struct {
	Title    string
	Slug     string
	Kind     content.Kind
	Language string
}
