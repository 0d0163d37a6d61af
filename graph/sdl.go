package graph

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// SDL returns the public schema in the GraphQL schema definition language:
// every type, field and directive the API serves, with descriptions, as
// gqlparser formats it. It is served at /schema.graphql and committed as
// graph/testdata/schema.graphql, the snapshot the breaking-change check
// compares against.
//
// It prints what introspection shows, as graphql-js reads both (checked by
// the root test TestSchemaFileMatchesIntrospection): the schema's
// description, and, besides the schema's own directives, the built-in
// ones whose definition graphql-js does not supply itself (sdlBuiltins);
// the other built-ins (@include, @skip, @specifiedBy, …) are left out, as
// graphql-js adds its identical definitions.
func SDL() string {
	s := NewExecutableSchema(Config{}).Schema()
	var b strings.Builder
	head := &ast.SchemaDocument{Schema: ast.SchemaDefinitionList{{Description: s.Description, OperationTypes: ast.OperationTypeDefinitionList{
		{Operation: ast.Query, Type: s.Query.Name}, {Operation: ast.Mutation, Type: s.Mutation.Name}}}}}
	for _, name := range sdlBuiltins {
		if d := s.Directives[name]; d != nil {
			c := *d
			c.Position = nil // the formatter leaves out definitions from the built-in source
			head.Directives = append(head.Directives, &c)
		}
	}
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchemaDocument(head)
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(s)
	return b.String()
}

// sdlBuiltins are the built-in directives SDL prints: @defer, which
// gqlgen accepts (answered inline, not incrementally) and graphql-js 16
// does not define.
var sdlBuiltins = []string{"defer"}

func init() {
	inheritDescriptions(parsedSchema)
	specDeprecated(parsedSchema)
}

// specDeprecated gives @deprecated the locations the GraphQL specification
// gives it (October 2021, 3.13.3: field, argument, input field and enum
// value definitions). gqlparser's prelude adds DIRECTIVE_DEFINITION, which
// is no directive location in the specification (graphql-js cannot even
// parse it in SDL) and which nothing here uses: introspection would show
// a location the SDL cannot print.
func specDeprecated(s *ast.Schema) {
	if d := s.Directives["deprecated"]; d != nil {
		d.Locations = slices.DeleteFunc(slices.Clone(d.Locations), func(l ast.DirectiveLocation) bool {
			return l == ast.LocationDirectiveDefinition
		})
	}
}

// inheritDescriptions gives a field that implements an interface field,
// and has no description of its own, the interface field's description
// (and each of its arguments the interface argument's):
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
				inf := iface.Fields.ForName(f.Name)
				if inf == nil {
					continue
				}
				if f.Description == "" {
					f.Description = inf.Description
				}
				for _, a := range f.Arguments {
					if ia := inf.Arguments.ForName(a.Name); ia != nil && a.Description == "" {
						a.Description = ia.Description
					}
				}
			}
		}
	}
}
