package graph

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestRememberedComplexityIsCalculated: for generated operations whose
// complexity depends on their variables (page sizes, @skip and @include)
// asked in random order, so one text comes back with other variables, the
// remembered complexity (and the refusal over the limit) is what gqlgen's
// complexity.Calculate gives for those variables.
func TestRememberedComplexityIsCalculated(t *testing.T) {
	cfg := Config{Resolvers: &Resolver{}}
	cfg.Directives.HasRole = hasRole
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	c := newComplexityLimit(900)
	if err := c.Validate(es); err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	texts := []string{
		`query Q($n: Int, $a: Boolean!, $b: Boolean!) { resources(first: $n) { edges { node { slug topics @include(if: $a) { slug } title @skip(if: $b) } } } }`,
		`query Q($n: Int, $a: Boolean!, $b: Boolean!) { a: resources(first: $n) { totalCount } b: resources(first: 7) { edges { node { ... on GuidanceDocument @include(if: $a) { related { slug } } } } } topics @skip(if: $b) { slug } }`,
		`query Q($n: Int, $a: Boolean!, $b: Boolean!) { search(query: "gp", first: $n) { edges { node { slug ...F @include(if: $a) } } } } fragment F on Resource { topics { slug } sources @skip(if: $b) { title } }`,
		`query Q($n: Int, $a: Boolean!, $b: Boolean!) { resources(first: 3) { edges @include(if: $a) { node { slug } } } l: resources(first: $n) { totalCount } resource(slug: "x") @skip(if: $b) { topics { slug } } } query Other { topics { slug } }`,
	}
	over, under := 0, 0
	for i := 0; i < 2000; i++ {
		text := texts[rng.Intn(len(texts))]
		raw := map[string]any{"a": rng.Intn(2) == 0, "b": rng.Intn(2) == 0}
		if rng.Intn(4) > 0 {
			raw["n"] = []int{1, 5, 20, 50, 100, 150}[rng.Intn(6)]
		}
		doc, errs := gqlparser.LoadQuery(es.Schema(), text)
		if errs != nil {
			t.Fatalf("%s: %v", text, errs)
		}
		name := "Q"
		if rng.Intn(8) == 0 && len(doc.Operations) > 1 {
			name = "Other"
		}
		op := doc.Operations.ForName(name)
		vars, err := validator.VariableValues(es.Schema(), op, raw)
		if err != nil {
			t.Fatal(err)
		}
		opCtx := &graphql.OperationContext{RawQuery: text, Doc: doc, OperationName: name, Operation: op, Variables: vars}
		gotErr := c.MutateOperationContext(context.Background(), opCtx)
		want := complexity.Calculate(context.Background(), es, op, vars)
		got := extension.GetComplexityStats(graphql.WithOperationContext(context.Background(), opCtx))
		if got == nil || got.Complexity != want || got.ComplexityLimit != 900 {
			t.Fatalf("%s %v: remembered %+v, calculated %d", text, raw, got, want)
		}
		if wantErr := want > 900; (gotErr != nil) != wantErr {
			t.Fatalf("%s %v: complexity %d, error %v", text, raw, want, gotErr)
		}
		if gotErr != nil {
			if msg := fmt.Sprintf("operation has complexity %d, which exceeds the limit of %d", want, 900); gotErr.Message != msg || gotErr.Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Fatalf("error %+v", gotErr)
			}
			over++
		} else {
			under++
		}
	}
	t.Logf("%d over the limit, %d under", over, under)
	if over < 100 || under < 100 {
		t.Errorf("%d over the limit, %d under: the generator no longer tests both", over, under)
	}
}

// TestRevisionsCostTheirPage: editorial.revisions costs its page size
// times the cost of one revision, as resources and search do (breaker5
// F24: it cost one item whatever it listed). Over page sizes 1..100 and
// the default (50), gqlgen's complexity.Calculate grows by the cost of
// one revision per revision asked.
func TestRevisionsCostTheirPage(t *testing.T) {
	cfg := Config{Resolvers: &Resolver{}}
	cfg.Directives.HasRole = hasRole
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	cost := func(first string) int {
		text := `{ resource(slug: "x") { editorial { revisions` + first + ` { revision title author } } } }`
		doc, errs := gqlparser.LoadQuery(es.Schema(), text)
		if errs != nil {
			t.Fatalf("%s: %v", text, errs)
		}
		return complexity.Calculate(context.Background(), es, doc.Operations[0], nil)
	}
	one := cost("(first: 1)")
	per := cost("(first: 2)") - one
	if per < 3 {
		t.Fatalf("a revision of three fields costs %d", per)
	}
	for n := 1; n <= 100; n++ {
		if got, want := cost(fmt.Sprintf("(first: %d)", n)), one+(n-1)*per; got != want {
			t.Errorf("revisions(first: %d) costs %d, want %d", n, got, want)
		}
	}
	if got, want := cost(""), one+49*per; got != want {
		t.Errorf("revisions with the default page (50) costs %d, want %d", got, want)
	}
}
