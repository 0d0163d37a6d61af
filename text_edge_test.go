package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestJSONTextTheDecoderWouldAlter: bytes that are not UTF-8 and lone
// UTF-16 surrogate escapes anywhere in a request (the breaker found that
// encoding/json turned them into U+FFFD, so a search for "\xff" browsed the
// whole library and an editor's text would be stored altered) answer 400
// BAD_REQUEST and change nothing; a surrogate pair is still fine.
func TestJSONTextTheDecoderWouldAlter(t *testing.T) {
	e := startEditorialHub(t)
	before := path(post(t, e.url, `{ resources { totalCount } }`, nil).Data, "resources", "totalCount")
	search := `{"query":"query($q: String!) { search(query: $q) { totalCount } }","variables":{"q":"%s"}}`
	for name, body := range map[string]string{
		"invalid UTF-8 in a variable":      "{\"query\":\"query($q: String!) { search(query: $q) { totalCount } }\",\"variables\":{\"q\":\"\xff\"}}",
		"overlong NUL in a variable":       "{\"query\":\"query($q: String!) { search(query: $q) { totalCount } }\",\"variables\":{\"q\":\"a\xc0\x80\"}}",
		"lone high surrogate":              fmt.Sprintf(search, `\ud800`),
		"lone low surrogate":               fmt.Sprintf(search, `gp\udfff`),
		"high surrogate then a letter":     fmt.Sprintf(search, `\ud83d\u0041`),
		"invalid UTF-8 in operationName":   "{\"query\":\"{ __typename }\",\"operationName\":\"\xfe\"}",
		"lone surrogate in the query text": `{"query":"{ search(query: \"\ud800\") { totalCount } }"}`,
	} {
		r := do(t, http.MethodPost, e.url+"/graphql", "application/json", []byte(body))
		if r.status != 400 || r.code() != "BAD_REQUEST" || r.Data != nil {
			t.Errorf("%s: status %d code %q data %v, want 400 BAD_REQUEST and no data", name, r.status, r.code(), r.Data)
		}
	}
	// The same over GET.
	for _, v := range []string{"{\"q\":\"\xff\"}", `{"q":"\udc00"}`} {
		u := e.url + "/graphql?query=" + url.QueryEscape(`query($q: String!) { search(query: $q) { totalCount } }`) + "&variables=" + url.QueryEscape(v)
		if r := do(t, http.MethodGet, u, "", nil); r.status != 400 || r.code() != "BAD_REQUEST" {
			t.Errorf("GET variables %q: status %d code %q, want 400 BAD_REQUEST", v, r.status, r.code())
		}
	}
	// An editor's title with a lone surrogate is refused and nothing is
	// stored: the same slug can then be created.
	raw, _ := json.Marshal(map[string]any{"query": createQ, "variables": newDraft("lone-surrogate", "TITLE")})
	body := strings.Replace(string(raw), `"TITLE"`, `"Title \ud800"`, 1)
	if r := doWith(t, http.MethodPost, e.url+"/graphql", "application/json", map[string]string{"Authorization": "Bearer " + e.editor}, []byte(body)); r.status != 400 || r.code() != "BAD_REQUEST" {
		t.Errorf("editor's title with a lone surrogate: status %d code %q, want 400 BAD_REQUEST", r.status, r.code())
	}
	if r := authed(t, e.url, e.editor, createQ, newDraft("lone-surrogate", "Title")); len(r.Errors) > 0 {
		t.Errorf("creating the slug after the refused request: %+v (was the refused one stored?)", r.Errors)
	}
	// A surrogate pair is text like any other.
	if r := do(t, http.MethodPost, e.url+"/graphql", "application/json", []byte(fmt.Sprintf(search, `\ud83d\ude00 gp`))); r.status != 200 || len(r.Errors) > 0 {
		t.Errorf("surrogate pair: status %d errors %v, want 200", r.status, r.Errors)
	}
	if after := path(post(t, e.url, `{ resources { totalCount } }`, nil).Data, "resources", "totalCount"); after != before {
		t.Errorf("totalCount %v after the refused requests, was %v", after, before)
	}
}
