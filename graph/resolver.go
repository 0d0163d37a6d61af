// Package graph is the GraphQL API: the schema, its resolvers, and the one
// place (errors.go) that decides what a client sees of an error. Resolvers
// only translate: the use cases (validation, visibility, side effects) are
// content.ResourceService and content.EditorialService.
package graph

import (
	"log/slog"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
)

// Resolver holds the API's dependencies. It is shared by concurrent
// requests: it never holds a request's context or data.
type Resolver struct {
	// Reading answers reads: search, lists, lookups, topics, completions.
	Reading content.ResourceService
	// Editing serves editors and admins (drafts, revisions, mutations,
	// tokens); nil when the API is read-only.
	Editing content.EditorialService
	// Feed answers the partner change feed (changes).
	Feed partner.Feed
	// Webhooks registers and lists webhook endpoints (admins).
	Webhooks *partner.Webhooks
	// PublicURL is the base of each resource's url, without a trailing slash.
	PublicURL string
	Log       *slog.Logger
	// APQ is the automatic-persisted-query cache (apq.go); nil: NewServer
	// makes one of its own.
	APQ *PersistedQueries
	// Trusted is the trusted-documents manifest (trusted.go): with it,
	// partner tokens may run only its operations. Nil: no manifest.
	Trusted *TrustedDocuments
	// GQLGenOnly turns the direct path off (direct.go): every field is
	// answered by gqlgen's executor. Tests compare the two with it.
	GQLGenOnly bool
	// UncachedComplexity uses gqlgen's own complexity extension, which
	// walks every operation (complexity.go remembers the result). Tests
	// compare the two with it.
	UncachedComplexity bool
	// UnrememberedPlans makes the direct path plan every root field anew
	// (direct.go remembers plans). Tests compare the two with it.
	UnrememberedPlans bool
	// DirectAnswered, if set, is called with the root field's name each
	// time the direct path answers one (tests check it is taken).
	DirectAnswered func(field string)
}
