package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNullVariablesAgreeWithGraphQLJS: breaker4 F1 and F2. A nullable
// variable with a default may stand where a non-null value is expected
// (spec §5.8.5), and an explicit null is kept (§6.4.1), so such a null must
// be refused (§6.4.1 CoerceArgumentValues). `@include(if: $b)` with null
// panicked (INTERNAL) and `search(query: $s)` with null browsed every
// resource. The examples, then generated requests: a variable in each
// non-null position of the schema's queries (field and directive arguments,
// list items, input object fields), sent null, left out (its default) or
// given a value, each also sent to graphql-js 16's execute
// (testdata/node/execute.js, every field answering a sample value): the hub
// refuses the request with INVALID_ARGUMENT naming the variable (no data)
// exactly when graphql-js raises an argument error, and never INTERNAL.
func TestNullVariablesAgreeWithGraphQLJS(t *testing.T) {
	h, _ := startFixtureHub(t)
	for _, c := range []struct {
		query string
		vars  map[string]any
	}{
		{`query($b: Boolean = true) { topics @include(if: $b) { slug } }`, map[string]any{"b": nil}},
		{`query($b: Boolean = true) { resource(slug: "register-without-id") { slug @include(if: $b) } }`, map[string]any{"b": nil}},
		{`query($s: String = "gp") { search(query: $s) { totalCount } }`, map[string]any{"s": nil}},
		{`query($s: String = "gp") { completions(prefix: $s) { slug } }`, map[string]any{"s": nil}},
		{`query($s: String = "register-without-id") { resource(slug: $s) { slug } }`, map[string]any{"s": nil}},
	} {
		r := post(t, h.url, c.query, c.vars)
		if r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] == nil || r.Data != nil {
			t.Errorf("%s with null: %+v %v, want INVALID_ARGUMENT naming the variable, no data", c.query, r.Errors, r.Data)
		}
	}

	// Positions: the variable's type (nullable), a default, a value, and
	// the query with $v where the non-null value goes.
	type position struct{ typ, def, value, query string }
	positions := []position{
		{"String", `"gp"`, "asylum", `search(query: $v) { totalCount }`},
		{"String", `"g"`, "re", `completions(prefix: $v) { slug }`},
		{"String", `"register-without-id"`, "charging-exemptions", `resource(slug: $v) { slug }`},
		{"ID", `"x"`, "y", `node(id: $v) { id }`},
		{"String", `"charging"`, "maternity", `resources(filter: {topics: [$v]}) { totalCount }`},
		{"ResourceKind", `GUIDANCE`, "RESEARCH_BRIEF", `resources(filter: {kinds: [$v, GUIDANCE]}) { totalCount }`},
		{"ResourceOrderField", `TITLE`, "UPDATED_AT", `resources(orderBy: {field: $v}) { totalCount }`},
		{"Boolean", `true`, "false", `topics @include(if: $v) { slug }`},
		{"Boolean", `false`, "true", `topics @skip(if: $v) { slug }`},
		{"Boolean", `true`, "true", `resource(slug: "register-without-id") { slug @include(if: $v) }`},
		{"Boolean", `true`, "false", `search(query: "gp") { totalCount ... @include(if: $v) { omittedWords } }`},
		{"Boolean", `true`, "false", `resources(first: 2) { edges { node { ...F @skip(if: $v) } } }`},
		{"CitationFormat", `RIS`, "BIBTEX", `resource(slug: "register-without-id") { ... on GuidanceDocument { citation(format: $v) } }`},
		{"Int", `5`, "3", `resources(first: $v) { totalCount }`}, // nullable: null is allowed
	}
	rng := rand.New(rand.NewPCG(21, 2026))
	type request struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	var reqs []request
	for n := 0; n < 150; n++ {
		// One or two positions, each with its own variable.
		var decls, fields []string
		vars := map[string]any{}
		frag := ""
		for k := rng.IntN(2) + 1; k > 0; k-- {
			p := positions[rng.IntN(len(positions))]
			name := fmt.Sprintf("v%d", len(decls))
			decls = append(decls, fmt.Sprintf("$%s: %s = %s", name, p.typ, p.def))
			fields = append(fields, fmt.Sprintf("f%d: %s", len(fields), strings.ReplaceAll(p.query, "$v", "$"+name)))
			switch rng.IntN(3) {
			case 0:
				vars[name] = nil
			case 1:
				vars[name] = p.value
			}
			if strings.Contains(p.query, "...F") {
				frag = ` fragment F on Resource { slug }`
			}
		}
		reqs = append(reqs, request{fmt.Sprintf("query(%s) { %s }%s", strings.Join(decls, ", "), strings.Join(fields, " "), frag), vars})
	}
	status, _, sdl := getWith(t, h.url+"/schema.graphql", nil)
	if status != http.StatusOK {
		t.Fatal(status)
	}
	schemaF := filepath.Join(t.TempDir(), "schema.graphql")
	os.WriteFile(schemaF, []byte(sdl), 0o644)
	want := nodeOracle[[]string](t, "execute.js", map[string]any{"schema": schemaF, "requests": reqs})
	refused := 0
	for i, req := range reqs {
		r := post(t, h.url, req.Query, req.Variables)
		js := len(want[i]) > 0
		hub := r.code() == "INVALID_ARGUMENT" && strings.HasPrefix(fmt.Sprint(r.Errors[0].Extensions["field"]), "$")
		if js {
			refused++
		}
		for _, e := range r.Errors {
			if e.Extensions["code"] == "INTERNAL" {
				t.Errorf("%s %v: INTERNAL", req.Query, req.Variables)
			}
		}
		if hub != js || (hub && r.Data != nil) {
			t.Errorf("%s %v\nhub: %+v data %v\ngraphql-js: %q", req.Query, req.Variables, r.Errors, r.Data != nil, want[i])
		}
	}
	if refused < 20 || refused > len(reqs)-20 {
		t.Errorf("graphql-js refuses %d of %d: the generator should reach both outcomes", refused, len(reqs))
	}
}
