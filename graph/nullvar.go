package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
)

// nullVariableCheck refuses an operation in which a variable whose value
// is null stands where a non-null value is expected: a field's or a
// directive's argument (@include(if: $b)), an input object's field or a list
// item. Validation allows that usage when the variable has a default (spec
// §5.8.5 IsVariableUsageAllowed), but an explicit null is kept (§6.4.1
// CoerceVariableValues) and then "must not be null" (§6.4.1
// CoerceArgumentValues: a field error in graphql-js, "Argument "if" of
// non-null type "Boolean!" must not be null."). gqlgen panicked on such an
// @include (INTERNAL, breaker4 F1) and ran search(query: $s) with null as
// "" (a browse of every resource: breaker4 F2). The values are known before
// anything runs, so the hub refuses the whole request (nothing runs, no
// data) with INVALID_ARGUMENT naming the variable, as it refuses a variable
// that does not coerce, rather than answering part of it.
type nullVariableCheck struct{}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = nullVariableCheck{}

func (nullVariableCheck) ExtensionName() string                   { return "NullVariableCheck" }
func (nullVariableCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (nullVariableCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !hasNullVariable(oc) {
		return nil
	}
	var bad *gqlerror.Error
	// value checks one argument's value; arg names the argument.
	var value func(v *ast.Value, arg string, top bool)
	value = func(v *ast.Value, arg string, top bool) {
		if v == nil || bad != nil {
			return
		}
		switch v.Kind {
		case ast.Variable:
			if x, ok := oc.Variables[v.Raw]; ok && x == nil && v.ExpectedType != nil && v.ExpectedType.NonNull {
				msg := fmt.Sprintf("Argument %q of non-null type %q must not be null (variable $%s is null).", arg, v.ExpectedType.String(), v.Raw)
				if !top {
					msg = fmt.Sprintf("Argument %q has an invalid value: variable $%s is null where %q is expected.", arg, v.Raw, v.ExpectedType.String())
				}
				bad = &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": apierror.InvalidArgument, "field": "$" + v.Raw}}
				if v.Position != nil {
					bad.Locations = []gqlerror.Location{{Line: v.Position.Line, Column: v.Position.Column}}
				}
			}
		case ast.ListValue, ast.ObjectValue:
			for _, c := range v.Children {
				value(c.Value, arg, false)
			}
		}
	}
	arguments := func(args ast.ArgumentList) {
		for _, a := range args {
			value(a.Value, a.Name, true)
		}
	}
	directives := func(ds ast.DirectiveList) {
		for _, d := range ds {
			arguments(d.Arguments)
		}
	}
	seen := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				directives(x.Directives)
				arguments(x.Arguments)
				walk(x.SelectionSet)
			case *ast.InlineFragment:
				directives(x.Directives)
				walk(x.SelectionSet)
			case *ast.FragmentSpread:
				directives(x.Directives)
				if x.Definition != nil && !seen[x.Name] {
					seen[x.Name] = true
					directives(x.Definition.Directives)
					walk(x.Definition.SelectionSet)
				}
			}
		}
	}
	directives(oc.Operation.Directives)
	walk(oc.Operation.SelectionSet)
	return bad
}

// hasNullVariable reports whether any variable of the operation is null:
// otherwise there is nothing to look for (the common case costs a map
// scan of the variables).
func hasNullVariable(oc *graphql.OperationContext) bool {
	for _, v := range oc.Variables {
		if v == nil {
			return true
		}
	}
	return false
}
