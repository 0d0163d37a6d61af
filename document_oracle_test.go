package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// documentKind is what the hub made of a GraphQL document: "parse"
// (GRAPHQL_PARSE_FAILED), "validate" (GRAPHQL_VALIDATION_FAILED), "ok" (it
// ran: the answer has data, perhaps with field errors), or the code of
// another request error.
func documentKind(t *testing.T, base, doc string) (kind string, r *gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc})
	status, _, b := roundTrip(t, http.MethodPost, base+"/graphql", map[string]string{
		"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body)
	return classify(t, doc, status, b)
}

// documentKindGET is documentKind with the document sent by GET.
func documentKindGET(t *testing.T, base, doc string) (kind string, r *gqlResponse) {
	t.Helper()
	status, _, b := roundTrip(t, http.MethodGet, base+"/graphql?query="+url.QueryEscape(doc), map[string]string{
		"Accept": "application/graphql-response+json"}, nil)
	return classify(t, doc, status, b)
}

func classify(t *testing.T, doc string, status int, b []byte) (kind string, r *gqlResponse) {
	t.Helper()
	r = &gqlResponse{status: status}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%q: %d %s", doc, status, b)
	}
	json.Unmarshal(b, r)
	switch code := r.code(); {
	case code == "GRAPHQL_PARSE_FAILED" || code == "GRAPHQL_VALIDATION_FAILED":
		if _, ok := raw["data"]; ok || status != http.StatusBadRequest {
			t.Errorf("%q: %s with status %d and data %s (want 400, no data)", doc, code, status, raw["data"])
		}
		return map[string]string{"GRAPHQL_PARSE_FAILED": "parse", "GRAPHQL_VALIDATION_FAILED": "validate"}[code], r
	case raw["data"] != nil:
		return "ok", r
	default:
		return "request error " + code, r
	}
}

// graphqlJS runs testdata/node/validate.js: what graphql-js makes of each
// document against the schema the hub serves at /schema.graphql.
func graphqlJS(t *testing.T, base string, docs []string) []struct{ Kind, Message string } {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: this test needs Node 18+ (apt-get install nodejs)")
	}
	status, _, sdl := getWith(t, base+"/schema.graphql", nil)
	if status != http.StatusOK {
		t.Fatalf("/schema.graphql: %d", status)
	}
	dir := t.TempDir()
	schemaF, docsF := filepath.Join(dir, "schema.graphql"), filepath.Join(dir, "docs.json")
	b, _ := json.Marshal(docs)
	os.WriteFile(schemaF, []byte(sdl), 0o644)
	os.WriteFile(docsF, b, 0o644)
	cmd := exec.Command("node", "testdata/node/validate.js", schemaF, docsF)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validate.js: %v", err)
	}
	var res []struct{ Kind, Message string }
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(docs) {
		t.Fatalf("validate.js: %v, %d answers for %d documents", err, len(res), len(docs))
	}
	return res
}

// TestDocumentErrorsAgreeWithGraphQLJS: breaker3's F1 and F2. A lone
// surrogate escape in a string ("\uD800") was read as U+FFFD and run
// (graphql-js: a syntax error, GraphQL spec §2.9.4); an Int literal out of
// 32-bit range and an object literal where a scalar is expected were field
// errors with data (graphql-js: validation errors, §5.6.1); a document of
// comments only was a validation error (graphql-js: a syntax error,
// Document is Definition+). The failing examples first, then generated
// documents, each sent to the hub and to graphql-js 16 (the oracle): the
// hub says GRAPHQL_PARSE_FAILED exactly when graphql-js cannot parse the
// document, GRAPHQL_VALIDATION_FAILED (400, no data) exactly when it
// parses but does not validate, and runs it otherwise.
func TestDocumentErrorsAgreeWithGraphQLJS(t *testing.T) {
	h, _ := startFixtureHub(t)
	examples := []struct{ doc, kind string }{
		{`{ resources(filter:{topics:["\uD800"]}) { totalCount } }`, "parse"},
		{`{ search(query:"asylum \uDC00") { totalCount } }`, "parse"},
		{`{ resources(first: 2147483648) { totalCount } }`, "validate"},
		{`{ resources(first: {}) { totalCount } }`, "validate"},
		{`{ resource(slug: {}) { slug } }`, "validate"},
		{`{ resources(filter: {topics: {}}) { totalCount } }`, "validate"},
		{`query($n: Int = 2147483648) { resources(first: $n) { totalCount } }`, "validate"},
		{`# only a comment`, "parse"},
		{`{ search(query:"asylum \uD83D\uDE00") { totalCount } }`, "ok"},
		{`{ resource(slug: """\uD800""") { slug } }`, "ok"},
	}
	for _, e := range examples {
		if got, r := documentKind(t, h.url, e.doc); got != e.kind {
			t.Errorf("%s: %s, want %s (%+v)", e.doc, got, e.kind, r.Errors)
		}
		if got, r := documentKindGET(t, h.url, e.doc); got != e.kind {
			t.Errorf("GET %s: %s, want %s (%+v)", e.doc, got, e.kind, r.Errors)
		}
	}

	docs := generateDocuments(rand.New(rand.NewPCG(4, 2026)), 400)
	want := graphqlJS(t, h.url, docs)
	counts := map[string]int{}
	for i, doc := range docs {
		got, r := documentKind(t, h.url, doc)
		counts[want[i].Kind]++
		if got != want[i].Kind {
			t.Errorf("%s\nhub: %s %+v\ngraphql-js: %s %s", doc, got, r.Errors, want[i].Kind, want[i].Message)
		}
		// GET answers as POST (breaker4 F3: a lone surrogate escape was
		// BAD_REQUEST over GET, read as a JSON escape).
		if got, r := documentKindGET(t, h.url, doc); got != want[i].Kind {
			t.Errorf("GET %s\nhub: %s %+v\ngraphql-js: %s %s", doc, got, r.Errors, want[i].Kind, want[i].Message)
		}
	}
	// The generator must reach every outcome, or the test proves little.
	for _, k := range []string{"parse", "validate", "ok"} {
		if counts[k] < 40 {
			t.Errorf("only %d generated documents are %q by graphql-js: %v", counts[k], k, counts)
		}
	}
}

// generateDocuments writes n documents from the hub's schema whose literals
// are drawn from the edges of the lexer and of value validation: string
// escapes (surrogate pairs, lone surrogates, braced escapes, escaped
// backslashes, block strings), Int literals around 32 and 64 bits, object
// and list literals in scalar positions, variable defaults, comments.
// Never U+0000 (\u{0}): the hub refuses it in any string by its own rule
// (INVALID_ARGUMENT, README "Input is checked at the edge").
func generateDocuments(rng *rand.Rand, n int) []string {
	strs := []string{`abc`, `é`, `\u00e9`, `\uD83D\uDE00`, `\ud83d\ude00`, `\uDBFF\uDFFF`, `\uD800\uDC00`,
		`\uD800`, `\uDC00`, `\udfff`, `\uD800\u0041`, `\uD800\uD800`, `\uDC00\uD800`, `\u{1F600}`, `\u{D800}`,
		`\u{110000}`, `\u{41}`, `\u{0000E9}`, `\uD800\u{DC00}`, `\\uD800`, `\\\uD800`, `\n`, `\"`, `\u12`, `\uZZZZ`, `\q`, `x y`}
	str := func() string {
		if rng.IntN(8) == 0 {
			return `"""` + strs[rng.IntN(len(strs))] + `"""`
		}
		var b strings.Builder
		for k := rng.IntN(3) + 1; k > 0; k-- {
			b.WriteString(strs[rng.IntN(len(strs))])
		}
		return `"` + b.String() + `"`
	}
	ints := []string{"0", "1", "5", "-1", "100", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
		"1.5", "1e1", "-0", "007"}
	integer := func() string { return ints[rng.IntN(len(ints))] }
	others := []string{"{}", "{a: 1}", `{topics: ["x"]}`, "[]", "[1]", "true", "null", "GUIDANCE", "$v"}
	anyValue := func() string {
		switch rng.IntN(3) {
		case 0:
			return str()
		case 1:
			return integer()
		}
		return others[rng.IntN(len(others))]
	}
	comments := []string{"", "", "# a comment\n", "# \\uD800 in a comment\n", ",", "\uFEFF"}
	templates := []func() string{
		func() string {
			return fmt.Sprintf(`{ resources(first: %s) { totalCount } }`, pick(rng, integer, anyValue)())
		},
		func() string { return fmt.Sprintf(`{ resource(slug: %s) { slug } }`, pick(rng, str, anyValue)()) },
		func() string {
			return fmt.Sprintf(`{ search(query: %s, first: %s) { totalCount } }`, pick(rng, str, anyValue)(), integer())
		},
		func() string {
			return fmt.Sprintf(`{ resources(filter: {topics: [%s]}) { totalCount } }`, pick(rng, str, anyValue)())
		},
		func() string { return fmt.Sprintf(`{ resources(filter: {topics: %s}) { totalCount } }`, anyValue()) },
		func() string {
			return fmt.Sprintf(`{ completions(prefix: %s, first: %s) { slug } }`, pick(rng, str, anyValue)(), pick(rng, integer, anyValue)())
		},
		func() string {
			return fmt.Sprintf(`query Q($n: Int = %s) { resources(first: $n) { totalCount } }`, pick(rng, integer, anyValue)())
		},
		func() string {
			// Not an integer past 64 bits here: gqlparser refuses one as an
			// ID (validation) where graphql-js lets it through to the field,
			// which refuses it anyway (INVALID_ARGUMENT: not a global id).
			v := anyValue()
			for strings.Trim(v, "-0123456789") == "" && len(v) > 18 {
				v = anyValue()
			}
			return fmt.Sprintf(`{ node(id: %s) { id } }`, v)
		},
		func() string {
			return comments[rng.IntN(len(comments))] + comments[rng.IntN(len(comments))] + "# only comments"
		},
	}
	docs := make([]string, n)
	for i := range docs {
		docs[i] = comments[rng.IntN(len(comments))] + templates[rng.IntN(len(templates))]()
	}
	return docs
}

// pick returns one of two generators, the first three times in four.
func pick(rng *rand.Rand, usual, other func() string) func() string {
	if rng.IntN(4) == 0 {
		return other
	}
	return usual
}
