package graph

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
)

// complexityLimit is gqlgen's extension.FixedComplexityLimit (v0.17.98:
// the same statistics, the same error) with each operation's complexity
// remembered by its query text, operation name and coerced variables: the
// complexity is a function of those alone (the schema and setComplexity
// are fixed), and walking the operation on every request was 4 % of a
// list's CPU. A cache of a computation, not of results.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
	known *lru.LRU[int]
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = (*complexityLimit)(nil)

// maxKey bounds the bytes of a remembered key (1,000 keys: 8 MB at most).
const maxKey = 8 << 10

func newComplexityLimit(limit int) *complexityLimit {
	return &complexityLimit{limit: limit, known: lru.New[int](1000)}
}

// ExtensionName is gqlgen's, so extension.GetComplexityStats reads ours.
func (c *complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	n, ok := -1, false
	key := complexityKey(opCtx)
	// The direct path plans root fields by the same key: computed once
	// per request (it marshals the variables). This is the last mutator,
	// so the variables it was made of are the ones the operation runs with.
	opCtx.Stats.SetExtension(operationKeyName, key)
	if key != "" {
		n, ok = c.known.Get(ctx, key)
	}
	if !ok {
		n = complexity.Calculate(ctx, c.es, opCtx.Doc.Operations.ForName(opCtx.OperationName), opCtx.Variables)
		if key != "" {
			c.known.Add(ctx, key, n)
		}
	}
	opCtx.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, apierror.ComplexityLimitExceeded)
		return err
	}
	return nil
}

// operationKeyName names, in an operation's Stats, its complexityKey as
// complexityLimit computed it.
const operationKeyName = "guidancehub.operationKey"

// operationKey is complexityKey(opCtx), as complexityLimit left it in the
// operation's Stats when it ran (else computed).
func operationKey(opCtx *graphql.OperationContext) string {
	if k, ok := opCtx.Stats.GetExtension(operationKeyName).(string); ok {
		return k
	}
	return complexityKey(opCtx)
}

// complexityKey is the query text, operation name and variables (JSON,
// keys sorted), or "" when not remembered: no text, or over maxKey bytes
// (a key is kept in memory; a large query is walked each time).
func complexityKey(opCtx *graphql.OperationContext) string {
	if opCtx.RawQuery == "" || len(opCtx.RawQuery) > maxKey {
		return ""
	}
	vars := "{}"
	if len(opCtx.Variables) > 0 {
		b, err := json.Marshal(opCtx.Variables)
		if err != nil {
			return ""
		}
		vars = string(b)
	}
	if len(opCtx.RawQuery)+len(vars) > maxKey {
		return ""
	}
	var k strings.Builder
	k.Grow(len(opCtx.RawQuery) + len(opCtx.OperationName) + len(vars) + 2)
	k.WriteString(opCtx.OperationName)
	k.WriteByte(0)
	k.WriteString(vars)
	k.WriteByte(0)
	k.WriteString(opCtx.RawQuery)
	return k.String()
}
