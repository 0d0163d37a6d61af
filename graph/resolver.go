// Package graph is the GraphQL API: the schema, its resolvers, and the one
// place (errors.go) that decides what a client sees of an error.
package graph

import (
	"log/slog"

	"guidancehub/internal/content"
)

// Resolver holds the API's dependencies. It is shared by concurrent
// requests: it never holds a request's context or data.
type Resolver struct {
	Store content.Store
	// PublicURL is the base of each resource's url, without a trailing slash.
	PublicURL string
	// Editor serves editors and admins (drafts, revisions, mutations, tokens).
	Editor content.Editor
	// Search answers search and completions (nil: search unavailable).
	Search content.Searcher
	// ZeroResults records searches that found nothing; ZeroResultTerm
	// normalises the query text for it ("" means do not record).
	ZeroResults    ZeroResults
	ZeroResultTerm func(text string) string
	Log            *slog.Logger
}
