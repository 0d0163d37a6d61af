package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// SDL returns the public schema in the GraphQL schema definition language:
// every type, field and directive the API serves, with descriptions, as
// gqlparser formats it (built-in types and directives left out). It is
// served at /schema.graphql and committed as graph/testdata/schema.graphql,
// the snapshot the breaking-change check compares against.
func SDL() string {
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(NewExecutableSchema(Config{}).Schema())
	return b.String()
}

func init() { inheritDescriptions(parsedSchema) }

// inheritDescriptions gives a field that implements an interface field,
// and has no description of its own, the interface field's description:
// GuidanceDocument.title means what Resource.title means, and the schema
// says so once.
func inheritDescriptions(s *ast.Schema) {
	for _, def := range s.Types {
		for _, iname := range def.Interfaces {
			iface := s.Types[iname]
			if iface == nil {
				continue
			}
			for _, f := range def.Fields {
				if f.Description != "" {
					continue
				}
				if inf := iface.Fields.ForName(f.Name); inf != nil {
					f.Description = inf.Description
				}
			}
		}
	}
}
