package graph

import (
	"context"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
)

// textCheck is the one check at the edge that every string argument and
// input field passes before any resolver runs (and before the limits, whose
// complexity count reads every argument): valid UTF-8 without U+0000, and
// every literal readable (a number such as 1e400 is not).
// PostgreSQL refuses both in text (its error would otherwise surface as an
// internal error), and no field of the hub has a use for them. A refused
// value is a request error with code INVALID_ARGUMENT naming the argument
// (extensions.field, e.g. "input.title").
type textCheck struct{}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = textCheck{}

func (textCheck) ExtensionName() string                   { return "TextCheck" }
func (textCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (textCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	var bad *gqlerror.Error
	var walk func(set ast.SelectionSet, seen map[string]bool)
	walk = func(set ast.SelectionSet, seen map[string]bool) {
		for _, sel := range set {
			if bad != nil {
				return
			}
			switch x := sel.(type) {
			case *ast.Field:
				for _, a := range x.Arguments {
					v, err := a.Value.Value(oc.Variables)
					field, why := badText(v, a.Name)
					if err != nil {
						// A literal Go cannot represent (1e400 for a
						// custom scalar, which validation lets through):
						// gqlgen's argument maps would panic on it.
						field, why = a.Name, "the value is out of range"
					}
					if why != "" {
						bad = &gqlerror.Error{
							Message:    fmt.Sprintf("%s: %s", field, why),
							Extensions: map[string]any{"code": apierror.InvalidArgument, "field": field},
						}
						if a.Position != nil {
							bad.Locations = []gqlerror.Location{{Line: a.Position.Line, Column: a.Position.Column}}
						}
						return
					}
				}
				walk(x.SelectionSet, seen)
			case *ast.InlineFragment:
				walk(x.SelectionSet, seen)
			case *ast.FragmentSpread:
				if x.Definition != nil && !seen[x.Name] {
					seen[x.Name] = true
					walk(x.Definition.SelectionSet, seen)
				}
			}
		}
	}
	walk(oc.Operation.SelectionSet, map[string]bool{})
	return bad
}

// badText finds the first string in v that is not valid UTF-8 or holds
// U+0000, and returns its path and what is wrong.
func badText(v any, path string) (string, string) {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return path, "must be valid UTF-8"
		}
		for i := 0; i < len(x); i++ {
			if x[i] == 0 {
				return path, "must not contain U+0000 (NUL)"
			}
		}
	case []any:
		for i, e := range x {
			if p, why := badText(e, fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return p, why
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := x[k]
			if !utf8.ValidString(k) {
				return path, "field names must be valid UTF-8"
			}
			if p, why := badText(e, path+"."+k); why != "" {
				return p, why
			}
		}
	}
	return "", ""
}
