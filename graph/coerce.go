package graph

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"

	"guidancehub/graph/scalar"
)

// coerceVariables checks the request's variables against the operation's
// variable definitions the way graphql-js's coerceVariableValues does
// (GraphQL spec §6.1.2 CoerceVariableValues), with its messages: enum values
// are case-sensitive, Int is a signed 32-bit integer (no strings, no
// fractions), String, Boolean and Float accept only their own JSON type,
// input objects refuse unknown fields, and the custom scalars Date and
// DateTime are parsed here rather than during execution. gqlparser's own
// coercion is laxer (it matches enums in any case and accepts "5" for Int),
// so this runs first and its answer decides.
//
// It returns a copy of vars with numbers in canonical form (an integral
// 1e3 becomes 1000), or a request error (code INVALID_ARGUMENT, the
// variable's path in extensions.field) for the first value that does not
// coerce.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, *gqlerror.Error) {
	out := make(map[string]any, len(vars))
	for _, def := range op.VariableDefinitions {
		name := def.Variable
		v, ok := vars[name]
		if !ok {
			if def.DefaultValue == nil && def.Type.NonNull {
				return nil, variableError(def, name, fmt.Sprintf("Variable \"$%s\" of required type \"%s\" was not provided.", name, def.Type))
			}
			continue
		}
		if v == nil && def.Type.NonNull {
			return nil, variableError(def, name, fmt.Sprintf("Variable \"$%s\" of non-null type \"%s\" must not be null.", name, def.Type))
		}
		c := coercer{schema: schema}
		cv, err := c.value(v, def.Type, name)
		if err != "" {
			at := ""
			if c.path != name {
				at = fmt.Sprintf(" at \"%s\"", c.path)
			}
			return nil, variableError(def, c.path, fmt.Sprintf("Variable \"$%s\" got invalid value %s%s; %s", name, inspect(c.bad), at, err))
		}
		out[name] = cv
	}
	// Variables the operation does not define are ignored, as in graphql-js.
	return out, nil
}

func variableError(def *ast.VariableDefinition, field, msg string) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": apierror.InvalidArgument, "field": "$" + field}}
	if def.Position != nil {
		err.Locations = []gqlerror.Location{{Line: def.Position.Line, Column: def.Position.Column}}
	}
	return err
}

// coercer walks one variable's value; on failure path and bad say where.
type coercer struct {
	schema *ast.Schema
	path   string
	bad    any
}

func (c *coercer) fail(v any, path, msg string) (any, string) {
	c.bad, c.path = v, path
	return nil, msg
}

func (c *coercer) value(v any, t *ast.Type, path string) (any, string) {
	if v == nil {
		if t.NonNull {
			return c.fail(v, path, fmt.Sprintf("Expected non-nullable type \"%s\" not to be null.", t))
		}
		return nil, ""
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			// A single value is coerced to a list of one (spec §3.11).
			one, err := c.value(v, t.Elem, path)
			if err != "" {
				return nil, err
			}
			return []any{one}, ""
		}
		out := make([]any, len(list))
		for i, x := range list {
			cx, err := c.value(x, t.Elem, fmt.Sprintf("%s[%d]", path, i))
			if err != "" {
				return nil, err
			}
			out[i] = cx
		}
		return out, ""
	}
	def := c.schema.Types[t.NamedType]
	if def == nil {
		return c.fail(v, path, fmt.Sprintf("Unknown type \"%s\".", t.NamedType))
	}
	switch def.Kind {
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return c.fail(v, path, fmt.Sprintf("Expected type \"%s\" to be an object.", def.Name))
		}
		out := make(map[string]any, len(m))
		for _, f := range def.Fields {
			fv, ok := m[f.Name]
			if !ok {
				if f.DefaultValue == nil && f.Type.NonNull {
					return c.fail(v, path, fmt.Sprintf("Field \"%s\" of required type \"%s\" was not provided.", f.Name, f.Type))
				}
				continue
			}
			cv, err := c.value(fv, f.Type, path+"."+f.Name)
			if err != "" {
				return nil, err
			}
			out[f.Name] = cv
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if def.Fields.ForName(k) == nil {
				return c.fail(v, path, fmt.Sprintf("Field \"%s\" is not defined by type \"%s\".", clip(k), def.Name))
			}
		}
		return out, ""
	case ast.Enum:
		s, ok := v.(string)
		if !ok {
			return c.fail(v, path, fmt.Sprintf("Enum \"%s\" cannot represent non-string value: %s.", def.Name, inspect(v)))
		}
		if def.EnumValues.ForName(s) != nil {
			return s, ""
		}
		msg := fmt.Sprintf("Value %s does not exist in \"%s\" enum.", inspect(s), def.Name)
		for _, ev := range def.EnumValues {
			if strings.EqualFold(ev.Name, s) {
				msg += fmt.Sprintf(" Did you mean the enum value \"%s\"?", ev.Name)
				break
			}
		}
		return c.fail(v, path, msg)
	case ast.Scalar:
		return c.scalar(v, def.Name, path)
	}
	return c.fail(v, path, fmt.Sprintf("Type \"%s\" is not an input type.", def.Name))
}

func (c *coercer) scalar(v any, name, path string) (any, string) {
	switch name {
	case "Int":
		n, ok := v.(json.Number)
		if !ok {
			return c.fail(v, path, "Int cannot represent non-integer value: "+inspect(v))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if (err != nil && !math.IsInf(f, 0)) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return c.fail(v, path, "Int cannot represent non-integer value: "+inspect(v))
		}
		if f > math.MaxInt32 || f < math.MinInt32 {
			return c.fail(v, path, "Int cannot represent non 32-bit signed integer value: "+inspect(v))
		}
		return json.Number(strconv.FormatInt(int64(f), 10)), ""
	case "Float":
		n, ok := v.(json.Number)
		if !ok {
			return c.fail(v, path, "Float cannot represent non numeric value: "+inspect(v))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return c.fail(v, path, "Float cannot represent non numeric value: "+inspect(v))
		}
		return n, ""
	case "String":
		if _, ok := v.(string); !ok {
			return c.fail(v, path, "String cannot represent a non string value: "+inspect(v))
		}
		return v, ""
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return c.fail(v, path, "Boolean cannot represent a non boolean value: "+inspect(v))
		}
		return v, ""
	case "ID":
		switch x := v.(type) {
		case string:
			return x, ""
		case json.Number:
			if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return string(x), ""
			}
		}
		return c.fail(v, path, "ID cannot represent value: "+inspect(v))
	case "Date":
		if _, err := scalar.UnmarshalDate(v); err != nil {
			return c.fail(v, path, scalar.Message(err))
		}
		return v, ""
	case "DateTime":
		if _, err := scalar.UnmarshalDateTime(v); err != nil {
			return c.fail(v, path, scalar.Message(err))
		}
		return v, ""
	}
	return v, ""
}

// inspect writes a value as graphql-js's inspect does (JSON-like), cut
// short so a huge value is not sent back whole.
func inspect(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(clip(x))
	case json.Number:
		return clip(string(x))
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "[...]"
	case map[string]any:
		return "{...}"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens s to at most 40 characters, on a rune boundary.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
