package graph

import (
	"errors"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules are gqlparser's rules plus leafLiteralRule.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule(leafLiteralRule.Name, leafLiteralRule.RuleFunc)
	return r
}

// leafLiteralRule completes gqlparser's ValuesOfCorrectType for the
// built-in scalars where it lets a literal through that graphql-js's
// ValuesOfCorrectTypeRule refuses (GraphQL spec §5.6.1 Values of Correct
// Type: a literal must coerce by the input coercion rules of its type, and
// §3.5.1 Int is a signed 32-bit integer):
//
//   - an Int literal outside -2^31..2^31-1 (first: 2147483648), also as
//     a variable's default value;
//   - an object literal ({}, {a: 1}) where a scalar is expected
//     (first: {}, slug: {}, topics: {}): gqlparser checks the fields of an
//     object literal only against an input object.
//
// Both were answered as field errors with data (the object as "map[]"),
// though the document is invalid and nothing should run (breaker3 F2).
// Messages are graphql-js's (its scalars' parseLiteral). Custom scalars
// (Date, DateTime) keep their own check when the field runs: graphql-js
// calls their parseLiteral, which for a schema read from SDL accepts any
// literal.
var leafLiteralRule = core.Rule{Name: "LeafLiteralsOfCorrectType", RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
	observers.OnValue(func(_ *core.Walker, v *ast.Value) {
		if v.Definition == nil || v.ExpectedType == nil || v.Definition.Kind != ast.Scalar {
			return
		}
		switch v.Kind {
		case ast.IntValue:
			if v.Definition.Name != "Int" {
				return
			}
			if _, err := strconv.ParseInt(v.Raw, 10, 32); errors.Is(err, strconv.ErrRange) {
				addError(core.Message("Int cannot represent non 32-bit signed integer value: %s", v.Raw), core.At(v.Position))
			}
		case ast.ObjectValue:
			msg := map[string]string{
				"Int":     "Int cannot represent non-integer value: %s",
				"Float":   "Float cannot represent non numeric value: %s",
				"String":  "String cannot represent a non string value: %s",
				"Boolean": "Boolean cannot represent a non boolean value: %s",
				"ID":      "ID cannot represent a non-string and non-integer value: %s",
			}[v.Definition.Name]
			if msg != "" {
				addError(core.Message(msg, v.String()), core.At(v.Position))
			}
		}
	})
}}
