package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestFragmentBombsAreRefusedCheaply (breaker4 F14): a 1 KB document of
// fragments each spreading the one before twice made the depth walk and
// gqlgen's complexity walk exponential (n=23: 30 s of a core, anonymous).
// Every shape of the class (each fragment spreading the previous one k
// times, chains with fields between, spreads inside inline fragments and
// inside fields, under every root field that takes a selection) must be
// refused (LIMIT_EXCEEDED, "expanded fields") before the walks; n=40 would never finish with an
// exponential walk, so a regression hangs this test until go test's
// timeout rather than passing.
func TestFragmentBombsAreRefusedCheaply(t *testing.T) {
	srv := NewServer(&Resolver{PublicURL: "http://x"}, DefaultLimits, slog.New(slog.DiscardHandler))
	type shape struct {
		name string
		frag func(i int) string // fragment F<i>'s body, spreading F<i-1>
	}
	shapes := []shape{
		{"two spreads", func(i int) string { return fmt.Sprintf("...F%d ...F%d", i-1, i-1) }},
		{"three spreads and a field", func(i int) string { return fmt.Sprintf("title ...F%d ...F%d ...F%d", i-1, i-1, i-1) }},
		{"inline fragments", func(i int) string {
			return fmt.Sprintf("... on Resource { ...F%d } ... on GuidanceDocument { ...F%d }", i-1, i-1)
		}},
		{"inside a field", func(i int) string { return fmt.Sprintf("related { ...F%d } translations { ...F%d }", i-1, i-1) }},
	}
	roots := []string{`resource(slug: "x") { ...F%d }`, `resources(first: 1) { edges { node { ...F%d } } }`, `search(query: "gp", first: 1) { edges { node { ...F%d } } }`}
	for _, sh := range shapes {
		for _, root := range roots {
			for _, n := range []int{20, 40} {
				fr := []string{"fragment F0 on Resource { slug }"}
				for i := 1; i <= n; i++ {
					fr = append(fr, fmt.Sprintf("fragment F%d on Resource { %s }", i, sh.frag(i)))
				}
				q := "{ " + fmt.Sprintf(root, n) + " } " + strings.Join(fr, " ")
				body, _ := json.Marshal(map[string]any{"query": q})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), `"code":"`+limitCode+`"`) {
					t.Errorf("%s under %.20s, n=%d: %d %.300s", sh.name, root, n, rec.Code, rec.Body.String())
				}
			}
		}
	}
}

// TestExpandedFieldsCountsTheExpansion: expandedFields counts exactly what
// a naive expansion of every spread counts (the oracle), for generated
// documents (random fragment graphs without cycles, fields with and
// without selections, inline fragments, repeats), and stops past its
// limit; and no generated document within the limit is refused by it
// through the real handler while gqlgen's complexity passes it.
func TestExpandedFieldsCountsTheExpansion(t *testing.T) {
	cfg := Config{Resolvers: &Resolver{}}
	cfg.Directives.HasRole = hasRole
	setComplexity(&cfg.Complexity)
	es := NewExecutableSchema(cfg)
	rng := rand.New(rand.NewSource(14))
	leaves := []string{"slug", "title", "summary", "kind", "publishedAt", "__typename"}
	objects := []string{"topics { slug }", "sources { title }"}
	checked := 0
	for doc := 0; doc < 400; doc++ {
		nf := 1 + rng.Intn(8)
		var frags []string
		for i := 0; i < nf; i++ {
			var parts []string
			for k := rng.Intn(4); k >= 0; k-- {
				switch r := rng.Intn(10); {
				case r < 3:
					parts = append(parts, leaves[rng.Intn(len(leaves))])
				case r < 5:
					parts = append(parts, objects[rng.Intn(len(objects))])
				case r < 8 && i > 0:
					parts = append(parts, fmt.Sprintf("...F%d", rng.Intn(i)))
				case i > 0:
					parts = append(parts, fmt.Sprintf("... on GuidanceDocument { ...F%d }", rng.Intn(i)))
				default:
					parts = append(parts, "slug")
				}
			}
			frags = append(frags, fmt.Sprintf("fragment F%d on Resource { %s }", i, strings.Join(parts, " ")))
		}
		var all []string // every fragment used at least once
		for i := 0; i < nf; i++ {
			all = append(all, fmt.Sprintf("...F%d", i))
		}
		q := fmt.Sprintf(`{ resource(slug: "x") { %s slug } resources(first: %d) { edges { node { ...F%d } } } } %s`,
			strings.Join(all, " "), 1+rng.Intn(5), rng.Intn(nf), strings.Join(frags, " "))
		qd, errs := gqlparser.LoadQuery(es.Schema(), q)
		if errs != nil {
			continue // unused fragments and the like: validation's business
		}
		checked++
		op := qd.Operations[0]
		want := naiveFields(op.SelectionSet)
		if got := expandedFields(op.SelectionSet, 1<<30); got != want {
			t.Fatalf("%s\nexpandedFields %d, naive expansion %d", q, got, want)
		}
		if limit := want - 1; limit >= 0 {
			if got := expandedFields(op.SelectionSet, limit); got != limit+1 {
				t.Fatalf("%s\nwith limit %d: %d, want %d", q, limit, got, limit+1)
			}
		}
		if c := complexity.Calculate(context.Background(), es, op, nil); c <= DefaultLimits.Complexity && want > DefaultLimits.ExpandedFields() {
			t.Errorf("%s\ncomplexity %d passes, but %d expanded fields are refused", q, c, want)
		}
	}
	if checked < 200 {
		t.Errorf("only %d of 400 generated documents were valid", checked)
	}
}

// naiveFields counts the fields of set expanding each spread where used.
func naiveFields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			n += 1 + naiveFields(x.SelectionSet)
		case *ast.InlineFragment:
			n += naiveFields(x.SelectionSet)
		case *ast.FragmentSpread:
			n += naiveFields(x.Definition.SelectionSet)
		}
	}
	return n
}
