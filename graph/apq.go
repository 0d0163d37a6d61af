package graph

import (
	"context"
	"strings"

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
	// Hex is case-insensitive: the hash is looked up and compared in
	// lower case, as gqlgen computes it.
	if pq, ok := raw.Extensions["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok && APQHash(h) != h {
			c := make(map[string]any, len(pq))
			for k, v := range pq {
				c[k] = v
			}
			c["sha256Hash"] = APQHash(h)
			raw.Extensions["persistedQuery"] = c
		}
	}
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && err.Extensions["code"] == nil {
		// A hash that does not match the document, or another version.
		err.Extensions = map[string]any{"code": apierror.InvalidArgument, "field": "extensions.persistedQuery"}
	}
	return err
}

// APQHash is an automatic persisted query's hash as the cache keys it: a
// SHA-256 in hex (64 hex digits, either case) in lower case; anything else
// as it is (it will not be found).
func APQHash(h string) string {
	if len(h) != 64 || strings.Trim(h, "0123456789abcdefABCDEF") != "" {
		return h
	}
	return strings.ToLower(h)
}
