package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guidancehub/internal/ingest"
	"guidancehub/internal/testdb"
)

// rawAnswer is an HTTP answer with its JSON members kept raw, so a test can
// tell a missing "data" from "data": null.
type rawAnswer struct {
	status  int
	header  http.Header
	body    string
	members map[string]json.RawMessage
	errors  []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
}

func (a *rawAnswer) code() string {
	if len(a.errors) == 0 {
		return ""
	}
	c, _ := a.errors[0].Extensions["code"].(string)
	return c
}

// send makes one request and decodes its answer (the test fails if the
// answer is not JSON).
func send(t testing.TB, method, u string, headers map[string]string, body []byte) *rawAnswer {
	t.Helper()
	status, header, b := roundTrip(t, method, u, headers, body)
	a := &rawAnswer{status: status, header: header, body: string(b)}
	if err := json.Unmarshal(b, &a.members); err != nil {
		t.Fatalf("%s %s: status %d, answer not a JSON object: %.300q", method, u, status, b)
	}
	if e, ok := a.members["errors"]; ok {
		if err := json.Unmarshal(e, &a.errors); err != nil {
			t.Fatalf("errors not a list: %s", e)
		}
	}
	return a
}

// gql posts a GraphQL request as JSON asking for
// application/graphql-response+json, with a token ("" for anonymous).
func gql(t testing.TB, base, token, query string, vars any) *rawAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return send(t, "POST", base+"/graphql", h, body)
}

// TestIssue11Examples: each example of issue 11 with its answer. A request
// error (nothing executed) is 400 with no "data" member; a field error is
// 200 with data and an error naming the field.
func TestIssue11Examples(t *testing.T) {
	e := startEditorialHub(t)
	published := path(post(t, e.url, `{ resource(slug: "register-without-id") { id } }`, nil).Data, "resource", "id").(string)
	r := authed(t, e.url, e.editor, createQ, newDraft("issue-eleven", "Issue eleven"))
	draft := path(r.Data, "createResource", "resource", "id").(string)
	cursor := base64.RawURLEncoding.EncodeToString([]byte(`{"f":"PUBLISHED_AT","d":"DESC","k":"0000-01-01","i":1}`))
	nulTitle := newDraft("nul-title", "NUL title")
	nulTitle["in"].(map[string]any)["title"] = "a\x00b"

	type want struct {
		status int
		code   string
		field  string // extensions.field, when the error names one
		msg    string // part of the first message
		data   bool   // whether the answer has a "data" member
	}
	tests := []struct {
		name  string
		token string
		query string
		vars  any
		want  want
	}{
		{"NUL in a slug", "", `{ resource(slug: "a\u0000b") { id } }`, nil, want{400, "INVALID_ARGUMENT", "slug", "U+0000", false}},
		{"NUL in a slug variable", "", `query($s: String!) { resource(slug: $s) { id } }`, map[string]any{"s": "a\x00b"}, want{400, "INVALID_ARGUMENT", "slug", "U+0000", false}},
		{"NUL in an editor's title", e.editor, createQ, nulTitle, want{400, "INVALID_ARGUMENT", "input.title", "U+0000", false}},
		{"a string that cannot be a slug", "", `{ resource(slug: "Not a slug!") { id } }`, nil, want{200, "", "", "", true}},
		{"tampered cursor, year 0", "", `query($c: String) { resources(after: $c) { totalCount } }`, map[string]any{"c": cursor}, want{200, "INVALID_ARGUMENT", "after", "not a valid cursor", true}},
		{"lower-case kind in a variable", "", `query($k: [ResourceKind!]) { resources(filter: {kinds: $k}) { totalCount } }`, map[string]any{"k": []string{"guidance"}},
			want{400, "INVALID_ARGUMENT", "$k[0]", `Value "guidance" does not exist in "ResourceKind" enum. Did you mean the enum value "GUIDANCE"?`, false}},
		{"lower-case search order", "", `query($o: SearchOrder) { search(query: "gp", orderBy: $o) { totalCount } }`, map[string]any{"o": "newest"},
			want{400, "INVALID_ARGUMENT", "$o", `Value "newest" does not exist in "SearchOrder" enum.`, false}},
		{"lower-case role", e.admin, `mutation($r: Role!) { createToken(input: {name: "x", role: $r}) { token } }`, map[string]any{"r": "editor"},
			want{400, "INVALID_ARGUMENT", "$r", `Value "editor" does not exist in "Role" enum.`, false}},
		{"Int 2^53+1", "", `query($n: Int) { resources(first: $n) { totalCount } }`, json.RawMessage(`{"n": 9007199254740993}`),
			want{400, "INVALID_ARGUMENT", "$n", "Int cannot represent non 32-bit signed integer value: 9007199254740993", false}},
		{"Int as a string", "", `query($n: Int) { resources(first: $n) { totalCount } }`, map[string]any{"n": "5"},
			want{400, "INVALID_ARGUMENT", "$n", `Int cannot represent non-integer value: "5"`, false}},
		{"Int 2.5", "", `query($n: Int) { resources(first: $n) { totalCount } }`, map[string]any{"n": 2.5},
			want{400, "INVALID_ARGUMENT", "$n", "Int cannot represent non-integer value: 2.5", false}},
		{"Int literal 2^31 (validation, as graphql-js: breaker3 F2)", "", `{ resources(first: 2147483648) { totalCount } }`, nil,
			want{400, "GRAPHQL_VALIDATION_FAILED", "", "Int cannot represent non 32-bit signed integer value: 2147483648", false}},
		{"DateTime without a zone", e.editor, `mutation($id: ID!) { publishResource(id: $id, at: "2027-01-04T09:00:00") { resource { id } } }`, map[string]any{"id": draft},
			want{200, "INVALID_ARGUMENT", "at", `e.g. "2027-01-04T09:00:00Z"`, true}},
		{"DateTime without a zone in a variable", e.editor, `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { id } } }`, map[string]any{"id": draft, "at": "2027-01-04T09:00:00"},
			want{400, "INVALID_ARGUMENT", "$at", `e.g. "2027-01-04T09:00:00Z"`, false}},
		{"a number no scalar can read (found by the class test)", e.editor, `mutation($id: ID!) { publishResource(id: $id, at: 1e400) { resource { id } } }`, map[string]any{"id": draft},
			want{400, "INVALID_ARGUMENT", "at", "out of range", false}},
		{"a bad Date names its argument", e.editor, `mutation($id: ID!) { markReviewed(id: $id, lastReviewedAt: "2026-13-01", nextReviewDue: "2027-01-01") { resource { id } } }`, map[string]any{"id": published},
			want{200, "INVALID_ARGUMENT", "lastReviewedAt", `e.g. "2027-01-04"`, true}},
		{"a bad Date in an input names its path", e.editor, createQ, map[string]any{"in": map[string]any{"kind": "GUIDANCE", "slug": "bad-date", "title": "t", "summary": "s", "body": "b",
			"content": map[string]any{"sources": []any{map[string]any{"title": "x", "date": "yesterday"}}}}},
			want{400, "INVALID_ARGUMENT", "$in.content.sources[0].date", `"yesterday" is not a Date`, false}},
		{"DateTime at second 60 that is no leap second (breaker3 F17)", e.editor, `mutation($id: ID!) { publishResource(id: $id, at: "2026-11-30T10:00:60Z") { resource { id } } }`, map[string]any{"id": draft},
			want{200, "INVALID_ARGUMENT", "at", "leap second", true}},
		{"DateTime with RFC 3339's lower-case t and z (breaker3 F17)", e.editor, `mutation($id: ID!) { publishResource(id: $id, at: "2027-01-04t09:00:00z") { resource { id } } }`, map[string]any{"id": draft},
			want{200, "", "", "", true}},
		{"two operations without operationName", "", `query A { __typename } query B { __typename }`, nil,
			want{400, "GRAPHQL_VALIDATION_FAILED", "", "send operationName (one of A, B)", false}},
		{"validation error", "", `{ resources { nope } }`, nil, want{400, "GRAPHQL_VALIDATION_FAILED", "", "nope", false}},
		{"parse error", "", `{ resources(`, nil, want{400, "GRAPHQL_PARSE_FAILED", "", "", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := gql(t, e.url, tt.token, tt.query, tt.vars)
			if a.status != tt.want.status || a.code() != tt.want.code {
				t.Fatalf("status %d code %q, want %d %q: %s", a.status, a.code(), tt.want.status, tt.want.code, a.body)
			}
			if _, ok := a.members["data"]; ok != tt.want.data {
				t.Errorf("data member present = %v, want %v: %s", ok, tt.want.data, a.body)
			}
			if tt.want.code == "" {
				return
			}
			if f, _ := a.errors[0].Extensions["field"].(string); f != tt.want.field {
				t.Errorf("field %q, want %q: %s", f, tt.want.field, a.body)
			}
			if !strings.Contains(a.errors[0].Message, tt.want.msg) {
				t.Errorf("message %q does not say %q", a.errors[0].Message, tt.want.msg)
			}
			t.Logf("%d %s", a.status, a.body)
		})
	}
	if strings.Contains(e.logs.String(), "level=ERROR") {
		t.Errorf("client input logged at ERROR:\n%s", e.logs)
	}

	// Transport errors: a code, a plain message, never the body echoed.
	secret := "do-not-echo-me"
	transport := []struct {
		name, method, ctype, target, body string
		status                            int
		code                              string
	}{
		{"iso-8859-1 body", "POST", "application/json; charset=iso-8859-1", "/graphql", `{"query":"{ __typename }","variables":{"x":"` + secret + "\xe9" + `"}}`, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"variables as a string", "POST", "application/json", "/graphql", `{"query":"{ __typename }","variables":"` + secret + `"}`, 400, "BAD_REQUEST"},
		{"operationName a number", "POST", "application/json", "/graphql", `{"query":"{ __typename }","operationName":5,"x":"` + secret + `"}`, 400, "BAD_REQUEST"},
		{"GET with broken variables", "GET", "", "/graphql?query=" + url.QueryEscape("{ __typename }") + "&variables=" + url.QueryEscape("{"+secret), "", 400, "BAD_REQUEST"},
		{"GET with variables a list", "GET", "", "/graphql?query=" + url.QueryEscape("{ __typename }") + "&variables=" + url.QueryEscape(`["`+secret+`"]`), "", 400, "BAD_REQUEST"},
	}
	for _, tt := range transport {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.ctype != "" {
				h["Content-Type"] = tt.ctype
			}
			a := send(t, tt.method, e.url+tt.target, h, []byte(tt.body))
			if a.status != tt.status || a.code() != tt.code {
				t.Errorf("status %d code %q, want %d %q: %s", a.status, a.code(), tt.status, tt.code, a.body)
			}
			if strings.Contains(a.body, secret) || strings.Contains(a.body, "map[") || strings.Contains(a.body, "json:") {
				t.Errorf("answer echoes the request or Go types: %s", a.body)
			}
			if _, ok := a.members["data"]; ok {
				t.Errorf("transport error has data: %s", a.body)
			}
		})
	}

	// Introspection lists only object types among Node's possible types.
	a := gql(t, e.url, "", `{ __type(name: "Node") { possibleTypes { name kind } } }`, nil)
	var pt struct {
		Data struct {
			Type struct {
				PossibleTypes []struct{ Name, Kind string }
			} `json:"__type"`
		}
	}
	json.Unmarshal([]byte(a.body), &pt)
	if len(pt.Data.Type.PossibleTypes) != 3 {
		t.Errorf("Node.possibleTypes = %+v, want the three object types", pt.Data.Type.PossibleTypes)
	}
	for _, p := range pt.Data.Type.PossibleTypes {
		if p.Kind != "OBJECT" {
			t.Errorf("Node.possibleTypes lists %s (%s)", p.Name, p.Kind)
		}
	}
	// Fragments on the interface still work through node.
	if r := post(t, e.url, `query($id: ID!) { node(id: $id) { ... on Resource { slug } } }`, map[string]any{"id": published}); path(r.Data, "node", "slug") != "register-without-id" {
		t.Errorf("fragment on Resource inside node: %+v %+v", r.Data, r.Errors)
	}
	// The right case still works, and enums reach the store typed.
	if r := post(t, e.url, `query($k: [ResourceKind!], $o: SearchOrder) { resources(filter: {kinds: $k}) { totalCount } search(query: "", orderBy: $o) { totalCount } }`,
		map[string]any{"k": []string{"GUIDANCE"}, "o": "NEWEST"}); len(r.Errors) > 0 || path(r.Data, "resources", "totalCount") == float64(0) {
		t.Errorf("upper-case enums: %+v %+v", r.Data, r.Errors)
	}
	// The refused requests changed nothing.
	if r := authed(t, e.url, e.editor, `{ resource(slug: "nul-title") { id } }`, nil); path(r.Data, "resource") != nil {
		t.Errorf("a refused create stored something: %+v", r.Data)
	}
}

// TestImportLinksResolveAgainstTheLibrary: a directory whose files link
// (related, translation_of, body links) to resources already in PostgreSQL
// imports; a link to a slug that is nowhere still fails, naming the field.
func TestImportLinksResolveAgainstTheLibrary(t *testing.T) {
	h, dir := startFixtureHub(t)
	db := testdb.OpenDSN(t, dsnFromLogs(t, h))
	src, err := os.ReadFile(filepath.Join(dir, "hostile-body.md"))
	if err != nil {
		t.Fatal(err)
	}
	file := func(slug, extra, link string) string {
		return strings.NewReplacer("slug: hostile-body\n", "slug: "+slug+"\n"+extra, "<script>alert(1)</script>", link).Replace(string(src))
	}
	other := t.TempDir()
	for name, body := range map[string]string{
		"links.md":    file("links-to-the-library", "related: [register-without-id, barriers-brief]\n", "See [free care](/resources/free-care-for-all)."),
		"cymraeg.md":  file("register-without-id-cy", "translation_of: register-without-id\nlanguage: cy\ntranslation_status: test\n", ""),
		"dangling.md": file("dangling-link", "related: [nowhere-at-all]\n", ""),
	} {
		if err := os.WriteFile(filepath.Join(other, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := ingest.Import(context.Background(), db, other, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts(); c["created"] != 2 {
		t.Errorf("imported %v, want the two files that link to the library created; errors %v", c, rep.Errors)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Field != "related" || !strings.Contains(rep.Errors[0].Message, "nowhere-at-all") {
		t.Errorf("errors %v, want one for dangling.md's related", rep.Errors)
	}
	r := post(t, h.url, `{ resource(slug: "links-to-the-library") { related { slug } } }`, nil)
	if got := mustJSON(path(r.Data, "resource", "related")); got != `[{"slug":"register-without-id"},{"slug":"barriers-brief"}]` {
		t.Errorf("related = %s %v", got, r.Errors)
	}
}
