package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

// presentError is the only place that decides what a client sees of an
// error (its codes come from the apierror table): domain errors show their message and code (and field); errors
// gqlgen made itself (parse, validation, limits) pass through; anything
// else is logged and shown as "internal error", so no SQL, driver or stack
// text ever reaches a client.
func presentError(log *slog.Logger, schema *ast.Schema) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Made by gqlgen or the limits: safe, keep as is.
			return gqlErr
		}
		path := graphql.GetPath(ctx)
		// An argument that did not coerce comes with the path of the
		// value inside the field's arguments (gqlgen's ErrorOnPath):
		// answer at the field, naming the argument.
		var arg string
		var argType *ast.Type
		if gqlErr != nil && gqlErr.Path != nil {
			if fc := graphql.GetFieldContext(ctx); fc != nil && hasPrefix(gqlErr.Path, fc.Path()) && len(gqlErr.Path) > len(fc.Path()) {
				rel := gqlErr.Path[len(fc.Path()):]
				path, arg = fc.Path(), argPath(rel)
				if fc.Field.Field != nil {
					argType = typeAt(schema, fc.Field.Definition, rel)
				}
			} else {
				path = gqlErr.Path
			}
		}
		var de *content.Error
		if errors.As(err, &de) && de.Code != content.EINTERNAL {
			field := de.Field
			if field == "" && de.Code == content.EINVALID {
				field = arg
			}
			msg := de.Message
			if field != "" {
				msg = field + ": " + msg
			}
			out := &gqlerror.Error{Message: msg, Path: path, Extensions: map[string]any{"code": apierror.ClientCode(de.Code)}}
			if field != "" {
				out.Extensions["field"] = field
			}
			if gqlErr != nil {
				out.Locations = gqlErr.Locations
			}
			if d, ok := content.RetryAfter(de); ok {
				// Whole seconds, as in an HTTP Retry-After header.
				out.Extensions["retryAfter"] = apierror.RetrySeconds(d)
			}
			return out
		}
		if out := stoppedError(err, path); out != nil {
			return out
		}
		if arg != "" && argType != nil {
			// A value gqlgen could not turn into its Go type (gqlparser's
			// validation lets some wrong literals through, e.g. an object
			// for a list of strings): the client's mistake, named.
			msg := fmt.Sprintf("%s: expected a value of type %s", arg, argType)
			return &gqlerror.Error{Message: msg, Path: path, Locations: gqlErr.Locations, Extensions: map[string]any{"code": "INVALID_ARGUMENT", "field": arg}}
		}
		log.ErrorContext(ctx, "resolver error", "path", path.String(), "err", err)
		return &gqlerror.Error{Message: "internal error", Path: path, Extensions: map[string]any{"code": apierror.Internal}}
	}
}

// stoppedError is the error a client sees when the request's context ended
// (TIMEOUT or CANCELLED), or nil if err is not that.
func stoppedError(err error, path ast.Path) *gqlerror.Error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &gqlerror.Error{Message: "the request took too long", Path: path, Extensions: map[string]any{"code": apierror.Timeout}}
	case errors.Is(err, context.Canceled):
		return &gqlerror.Error{Message: "the request was cancelled", Path: path, Extensions: map[string]any{"code": apierror.Cancelled}}
	}
	return nil
}

// recoverPanic logs a resolver panic with its stack and returns an error the
// presenter shows as "internal error".
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	}
}

func hasPrefix(p, prefix ast.Path) bool {
	if len(p) < len(prefix) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// argPath writes an argument path as "input.sources[0].date".
func argPath(p ast.Path) string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(e))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(e))
		}
	}
	return b.String()
}

// typeAt is the type of the value at an argument path ("input",
// "keyFindings", 0) of a field, or nil when the path leaves the schema.
func typeAt(schema *ast.Schema, def *ast.FieldDefinition, p ast.Path) *ast.Type {
	if def == nil || len(p) == 0 {
		return nil
	}
	name, ok := p[0].(ast.PathName)
	if !ok {
		return nil
	}
	a := def.Arguments.ForName(string(name))
	if a == nil {
		return nil
	}
	t := a.Type
	for _, e := range p[1:] {
		switch e := e.(type) {
		case ast.PathIndex:
			if t.Elem == nil {
				return nil
			}
			t = t.Elem
		case ast.PathName:
			in := schema.Types[t.Name()]
			if in == nil || t.Elem != nil {
				return nil
			}
			f := in.Fields.ForName(string(e))
			if f == nil {
				return nil
			}
			t = f.Type
		}
	}
	return t
}
