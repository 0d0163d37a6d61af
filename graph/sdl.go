package graph

import (
	"strings"

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
