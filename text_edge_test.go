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

// TestAPIRefusesForbiddenCharacters (breaker3 F14): a control character
// (other than tab and line breaks), DEL, a C1 control or a noncharacter in
// any text field of createResource is INVALID_ARGUMENT naming the field,
// the same rule (content.ForbiddenRune) that lint and import apply to
// resource files; nothing is stored. Before, a title with BEL and ESC was
// stored and each door showed it differently (raw in the page, U+FFFD in
// Atom, deleted in citations). A year-0 date is refused like any bad date.
func TestAPIRefusesForbiddenCharacters(t *testing.T) {
	e := startEditorialHub(t)
	fields := []struct {
		field string
		set   func(in map[string]any, v string)
	}{
		{"slug", func(in map[string]any, v string) { in["slug"] = "ctl-" + v + "-slug" }},
		{"title", func(in map[string]any, v string) { in["title"] = "A " + v + " title" }},
		{"summary", func(in map[string]any, v string) { in["summary"] = "A " + v + " summary" }},
		{"body", func(in map[string]any, v string) { in["body"] = "A " + v + " body" }},
		{"topics[0]", func(in map[string]any, v string) {
			in["content"].(map[string]any)["topics"] = []string{"data-" + v + "sharing"}
		}},
		{"language", func(in map[string]any, v string) { in["content"].(map[string]any)["language"] = "e" + v + "n" }},
		{"translationStatus", func(in map[string]any, v string) {
			c := in["content"].(map[string]any)
			c["translationOf"], c["translationStatus"] = "some-original", "needs "+v+" review"
		}},
		{"sources[0].title", func(in map[string]any, v string) {
			in["content"].(map[string]any)["sources"] = []map[string]any{{"title": "A " + v + " source", "url": "https://example.org/"}}
		}},
		{"sources[0].publisher", func(in map[string]any, v string) {
			in["content"].(map[string]any)["sources"] = []map[string]any{{"title": "A source", "publisher": "P" + v + "ub", "url": "https://example.org/"}}
		}},
		{"sources[0].doi", func(in map[string]any, v string) {
			in["content"].(map[string]any)["sources"] = []map[string]any{{"title": "A source", "doi": "10.5555/12" + v + "34"}}
		}},
		{"related[0]", func(in map[string]any, v string) {
			in["content"].(map[string]any)["related"] = []string{"other-" + v + "thing"}
		}},
		{"appliesTo", func(in map[string]any, v string) {
			in["content"].(map[string]any)["appliesTo"] = "All " + v + " practices"
		}},
		{"actions[0]", func(in map[string]any, v string) {
			in["content"].(map[string]any)["actions"] = []string{"Do " + v + " it"}
		}},
		{"methods", func(in map[string]any, v string) { in["content"].(map[string]any)["methods"] = "A " + v + " survey" }},
		{"keyFindings[0]", func(in map[string]any, v string) {
			in["content"].(map[string]any)["keyFindings"] = []string{"A " + v + " finding"}
		}},
		{"rationale", func(in map[string]any, v string) {
			in["content"].(map[string]any)["rationale"] = "Because " + v + " of it"
		}},
	}
	for _, f := range fields {
		for _, r := range []rune{0x01, 0x07, 0x1b, 0x7f, 0x85, 0x9f, 0xfdd0, 0xffff} {
			vars := newDraft("ctl-draft", "Control")
			f.set(vars["in"].(map[string]any), string(r))
			res := authed(t, e.url, e.editor, createQ, vars)
			// The argument sent (breaker5 F8): kind, slug, title, summary
			// and body beside content, every other field inside it.
			want := "input.content." + f.field
			switch f.field {
			case "slug", "title", "summary", "body":
				want = "input." + f.field
			}
			if got := errField(res); res.code() != "INVALID_ARGUMENT" || got != want {
				t.Errorf("%s with U+%04X: code %q field %q, want INVALID_ARGUMENT %s", f.field, r, res.code(), got, want)
			}
		}
	}
	vars := newDraft("ctl-year-zero", "Year zero")
	vars["in"].(map[string]any)["content"].(map[string]any)["publishedAt"] = "0000-01-01"
	if res := authed(t, e.url, e.editor, createQ, vars); res.code() != "INVALID_ARGUMENT" {
		t.Errorf("publishedAt 0000-01-01: code %q, want INVALID_ARGUMENT", res.code())
	}
	// Nothing was stored: the slug is free, and tab and line breaks are text.
	vars = newDraft("ctl-draft", "Control")
	vars["in"].(map[string]any)["body"] = "Line one\r\nline\ttwo\n"
	if res := authed(t, e.url, e.editor, createQ, vars); len(res.Errors) > 0 {
		t.Errorf("creating ctl-draft after the refused requests: %+v", res.Errors)
	}
}

// errField is the first error's extensions.field.
func errField(r *gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

// TestGETMalformedEscapeIsRefused (breaker3 F3): a GET /graphql whose
// variables (or any parameter) hold a malformed %-escape was answered
// without that parameter, an unfiltered, publicly cacheable 200. Each
// parameter with each kind of malformed escape is now 400 BAD_REQUEST
// naming it in extensions.field, never cached; the well-formed request
// still answers the filtered count.
func TestGETMalformedEscapeIsRefused(t *testing.T) {
	h, _ := startFixtureHubWith(t, nil)
	q := url.QueryEscape(`query($k: [ResourceKind!]) { resources(filter: {kinds: $k}) { totalCount } }`)
	vars := url.QueryEscape(`{"k":["RESEARCH_BRIEF"]}`)
	ok := do(t, http.MethodGet, h.url+"/graphql?query="+q+"&variables="+vars, "", nil)
	all := do(t, http.MethodGet, h.url+"/graphql?query="+url.QueryEscape(`{ resources { totalCount } }`), "", nil)
	filtered, unfiltered := path(ok.Data, "resources", "totalCount"), path(all.Data, "resources", "totalCount")
	if ok.status != 200 || filtered == unfiltered {
		t.Fatalf("filtered %v (status %d), unfiltered %v: the fixture cannot tell them apart", filtered, ok.status, unfiltered)
	}
	params := map[string]string{"query": q, "variables": vars, "operationName": "", "extensions": url.QueryEscape("{}")}
	for _, name := range []string{"variables", "query", "operationName", "extensions"} {
		for _, bad := range []string{"%ZZ", "%", "%7", "%u007B", "%%"} {
			var parts []string
			for _, n := range []string{"query", "variables", "operationName", "extensions"} {
				v := params[n]
				if n == name {
					v += bad
				}
				parts = append(parts, n+"="+v)
			}
			r := do(t, http.MethodGet, h.url+"/graphql?"+strings.Join(parts, "&"), "", nil)
			field := ""
			if len(r.Errors) > 0 {
				field, _ = r.Errors[0].Extensions["field"].(string)
			}
			if r.status != 400 || r.code() != "BAD_REQUEST" || field != name || r.Data != nil {
				t.Errorf("%s with %q: status %d code %q field %q data %v, want 400 BAD_REQUEST naming %s", name, bad, r.status, r.code(), field, r.Data, name)
			}
			if cc := r.header.Get("Cache-Control"); strings.Contains(cc, "public") {
				t.Errorf("%s with %q: Cache-Control %q on a refusal", name, bad, cc)
			}
		}
	}
	if r := do(t, http.MethodGet, h.url+"/graphql?query="+q+";variables="+vars, "", nil); r.status != 400 || r.code() != "BAD_REQUEST" {
		t.Errorf("';' separator: status %d code %q, want 400 BAD_REQUEST", r.status, r.code())
	}
}
