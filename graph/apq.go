package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
)

// PersistedQueriesSize bounds the automatic persisted queries each replica
// remembers (least recently used first out). A document is at most 64 KiB
// (the anonymous body limit), so the cache holds at most 64 MiB, and in
// practice a few hundred partner queries of a few hundred bytes.
const PersistedQueriesSize = 1000

// PersistedQueries is a replica's automatic-persisted-query cache: SHA-256
// hash (hex) → document. A replica that lacks a hash answers
// PERSISTED_QUERY_NOT_FOUND and the client sends the document once more
// (Apollo's protocol), so each replica keeps its own.
type PersistedQueries = lru.LRU[string]

// NewPersistedQueries returns an empty cache of PersistedQueriesSize.
func NewPersistedQueries() *PersistedQueries { return lru.New[string](PersistedQueriesSize) }

// persistedQueries is gqlgen's AutomaticPersistedQuery extension (the
// protocol of Apollo Client's persisted-queries link:
// extensions.persistedQuery {version: 1, sha256Hash}, over GET or POST),
// with its uncoded errors given the hub's INVALID_ARGUMENT code.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && err.Extensions["code"] == nil {
		// A hash that does not match the document, or another version.
		err.Extensions = map[string]any{"code": apierror.InvalidArgument, "field": "extensions.persistedQuery"}
	}
	return err
}
