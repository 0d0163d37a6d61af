package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/graph/model"
	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

// Limits bound what one operation may ask for.
type Limits struct {
	// Tokens caps the lexer tokens of a query document.
	Tokens int
	// Depth caps the nesting of fields outside introspection.
	Depth int
	// IntrospectionDepth caps nesting inside __schema and __type, measured
	// apart so GraphiQL's introspection query keeps working.
	IntrospectionDepth int
	// Aliases caps the aliased fields of an operation.
	Aliases int
	// RootFields caps the top-level fields of an operation.
	RootFields int
	// Complexity caps the cost computed from list sizes (first × child cost).
	Complexity int
}

// DefaultLimits are the limits of product.md. Complexity counts 1 per
// field, a page as first × its items' cost and any other list as ten
// items: resources(first: 100) with every scalar field and a few nested
// lists of scalars costs about 9,000–20,000 and passes; two levels of
// nested lists with three fields cost 30,200 and are refused.
var DefaultLimits = Limits{Tokens: 2000, Depth: 8, IntrospectionDepth: 15, Aliases: 15, RootFields: 10, Complexity: 25_000}

// limitCode is the extensions.code of a refused operation.
const limitCode = apierror.LimitExceeded

func init() {
	// A refused operation is a request error (HTTP 422), like a
	// validation failure: nothing ran.
	errcode.RegisterErrorType(limitCode, errcode.KindProtocol)
	errcode.RegisterErrorType(apierror.ComplexityLimitExceeded, errcode.KindProtocol)
}

// shapeLimit refuses operations that nest too deep or alias too much,
// before any resolver runs.
type shapeLimit struct{ limits Limits }

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (s shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	m := measure(oc.Operation.SelectionSet)
	switch {
	case m.depth > s.limits.Depth:
		return limitError("depth", m.depth, s.limits.Depth)
	case m.introspectionDepth > s.limits.IntrospectionDepth:
		return limitError("introspection depth", m.introspectionDepth, s.limits.IntrospectionDepth)
	case m.aliases > s.limits.Aliases:
		return limitError("aliases", m.aliases, s.limits.Aliases)
	case m.roots > s.limits.RootFields:
		return limitError("root fields", m.roots, s.limits.RootFields)
	}
	return nil
}

func limitError(name string, got, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("operation %s is %d, which exceeds the limit of %d", name, got, limit)
	errcode.Set(err, limitCode)
	err.Extensions["limit"] = name
	return err
}

type shape struct{ depth, introspectionDepth, aliases, roots int }

// measure walks a selection set, following fragments (each fragment
// spread is walked where it is used; validation has already refused cycles).
func measure(set ast.SelectionSet) shape {
	var s shape
	var walk func(set ast.SelectionSet, depth int, intro bool, seen map[string]bool)
	walk = func(set ast.SelectionSet, depth int, intro bool, seen map[string]bool) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				if x.Alias != "" && x.Alias != x.Name {
					s.aliases++
				}
				in := intro || x.Name == "__schema" || x.Name == "__type"
				if in {
					s.introspectionDepth = max(s.introspectionDepth, depth)
				} else if !strings.HasPrefix(x.Name, "__") {
					s.depth = max(s.depth, depth)
				}
				walk(x.SelectionSet, depth+1, in, seen)
			case *ast.InlineFragment:
				walk(x.SelectionSet, depth, intro, seen)
			case *ast.FragmentSpread:
				if x.Definition == nil || seen[x.Name] {
					continue
				}
				seen[x.Name] = true
				walk(x.Definition.SelectionSet, depth, intro, seen)
				delete(seen, x.Name)
			}
		}
	}
	walk(set, 1, false, map[string]bool{})
	s.roots = countRoots(set, map[string]bool{})
	return s
}

// complexity sets the cost of list fields: a page costs its size times the
// cost of one item; lists without a size argument count as ten items.
func setComplexity(c *ComplexityRoot) {
	const unsized = 10
	list := func(child int) int { return unsized * max(child, 1) }
	c.Query.Resources = func(child int, _ *model.ResourceFilter, _ *model.ResourceOrder, first *int, _ *string) int {
		return pageSize(first) * max(child, 1)
	}
	c.GuidanceDocument.Related, c.ResearchBrief.Related, c.PolicyPosition.Related = list, list, list
	c.GuidanceDocument.Translations, c.ResearchBrief.Translations, c.PolicyPosition.Translations = list, list, list
	c.GuidanceDocument.Topics, c.ResearchBrief.Topics, c.PolicyPosition.Topics = list, list, list
	c.GuidanceDocument.Sources, c.ResearchBrief.Sources, c.PolicyPosition.Sources = list, list, list
	c.Query.Topics = list
	c.Query.Search = func(child int, _ string, _ *model.ResourceFilter, _ *content.SearchOrder, first *int, _ *string) int {
		return pageSize(first) * max(child, 1)
	}
}

// pageSize is the page size a complexity estimate assumes: the requested
// size capped at the maximum, so that an oversized first gets the resolver's
// clear "at most 100" error rather than a complexity refusal.
func pageSize(first *int) int {
	if first == nil {
		return content.DefaultPageSize
	}
	return min(max(*first, 1), content.MaxPageSize)
}

// countRoots counts the top-level fields (not __typename), following
// fragments at the top level.
func countRoots(set ast.SelectionSet, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if x.Name != "__typename" {
				n++
			}
		case *ast.InlineFragment:
			n += countRoots(x.SelectionSet, seen)
		case *ast.FragmentSpread:
			if x.Definition != nil && !seen[x.Name] {
				seen[x.Name] = true
				n += countRoots(x.Definition.SelectionSet, seen)
			}
		}
	}
	return n
}

// WithDefaults fills zero limits from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return Limits{Tokens: pick(l.Tokens, d.Tokens), Depth: pick(l.Depth, d.Depth), IntrospectionDepth: pick(l.IntrospectionDepth, d.IntrospectionDepth),
		Aliases: pick(l.Aliases, d.Aliases), RootFields: pick(l.RootFields, d.RootFields), Complexity: pick(l.Complexity, d.Complexity)}
}
