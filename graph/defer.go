package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// inlineDefer is the parsed-query cache with one duty added: every
// document gqlgen parses and validates passes through Add before it is
// executed (executor.parseQuery adds it to the cache and then returns the
// same pointer; a cached one comes back through Get), and Add removes the
// @defer directives from it. The hub declares @defer so that clients
// which send it are not refused, and answers such requests inline (README):
// gqlgen's executor, given a deferred fragment, leaves its fields null in
// the one JSON answer and says "hasNext": true, so deferred fields of
// non-null types came back null, deferred errors were dropped and the
// wrong answer was cached (breaker3 F22). The document is changed before
// any other request can see it, so no lock is needed.
type inlineDefer struct {
	graphql.Cache[*ast.QueryDocument]
}

// Add removes @defer from doc, then caches it.
func (c inlineDefer) Add(ctx context.Context, key string, doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		undefer(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		undefer(f.SelectionSet)
	}
	c.Cache.Add(ctx, key, doc)
}

// undefer removes @defer from every fragment spread and inline fragment
// in set, at any depth.
func undefer(set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			undefer(s.SelectionSet)
		case *ast.InlineFragment:
			s.Directives = withoutDefer(s.Directives)
			undefer(s.SelectionSet)
		case *ast.FragmentSpread:
			s.Directives = withoutDefer(s.Directives)
		}
	}
}

func withoutDefer(ds ast.DirectiveList) ast.DirectiveList {
	out := ds[:0:0]
	for _, d := range ds {
		if d.Name != "defer" {
			out = append(out, d)
		}
	}
	return out
}
