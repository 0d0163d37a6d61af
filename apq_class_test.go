package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPersistedQueryShapes: every wrong-typed extensions, persistedQuery,
// sha256Hash or version, sent over POST and GET, with and without the
// query, is 400 BAD_REQUEST naming the member (README: BAD_REQUEST when a
// request's extensions have the wrong type), never PERSISTED_QUERY_NOT_FOUND
// (which makes Apollo's link retry) nor a misleading "not valid JSON".
// Well-typed shapes are not refused for their extensions (without a query
// and without a persisted query, "the request has no query").
func TestPersistedQueryShapes(t *testing.T) {
	h, _ := startFixtureHub(t)
	const doc = `{ topics { slug } }`
	sum := sha256.Sum256([]byte(doc))
	hash := hex.EncodeToString(sum[:])
	wrong := []string{`"x"`, `5`, `[]`, `true`, `[1]`, `""`}
	type c struct {
		ext   string // the extensions value, as JSON
		valid bool
	}
	var cases []c
	for _, v := range wrong {
		cases = append(cases, c{v, false}, c{`{"persistedQuery":` + v + `}`, false},
			c{`{"persistedQuery":{"version":1,"sha256Hash":` + v + `}}`, v == `"x"`},
			c{`{"persistedQuery":{"version":` + v + `,"sha256Hash":"` + hash + `"}}`, v == "5"})
	}
	cases = append(cases, c{`{"persistedQuery":{"version":1}}`, false}, c{`{"persistedQuery":{"sha256Hash":"` + hash + `"}}`, false},
		c{`{"persistedQuery":{"version":1,"sha256Hash":null}}`, false}, c{`{"persistedQuery":{"version":1,"sha256Hash":{}}}`, false},
		c{`null`, true}, c{`{}`, true}, c{`{"persistedQuery":null}`, true}, c{`{"other":1}`, true},
		c{`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`, true})
	for _, cs := range cases {
		for _, withQuery := range []bool{false, true} {
			body := `{"extensions":` + cs.ext + `}`
			params := "extensions=" + url.QueryEscape(cs.ext)
			if withQuery {
				body = `{"query":` + mustJSON(doc) + `,"extensions":` + cs.ext + `}`
				params += "&query=" + url.QueryEscape(doc)
			}
			for _, r := range []*gqlResponse{
				doWith(t, http.MethodPost, h.url+"/graphql", "application/json", nil, []byte(body)),
				doWith(t, http.MethodGet, h.url+"/graphql?"+params, "", nil, nil),
			} {
				what := fmt.Sprintf("extensions %s (query %v)", cs.ext, withQuery)
				if !cs.valid && (r.code() != "BAD_REQUEST" || r.status != http.StatusBadRequest || !strings.Contains(r.Errors[0].Message, "extensions")) {
					t.Errorf("%s: %d %s %+v, want 400 BAD_REQUEST naming extensions", what, r.status, r.code(), r.Errors)
				}
				if cs.valid && r.code() == "BAD_REQUEST" && (withQuery || strings.Contains(r.Errors[0].Message, "extensions")) {
					t.Errorf("%s: refused %+v", what, r.Errors)
				}
			}
		}
	}
}

// TestPersistedQueryHashCase: SHA-256 hex is case-insensitive. For
// generated documents, a hash in upper, lower or mixed case registers its
// document with the query, and the hash-only request in any other case
// finds it, over POST and GET; a hash of another document still does not
// match (INVALID_ARGUMENT).
func TestPersistedQueryHashCase(t *testing.T) {
	h, _ := startFixtureHub(t)
	rng := rand.New(rand.NewPCG(20, 2026))
	cases := []func(string) string{strings.ToUpper, strings.ToLower, func(s string) string {
		b := []byte(s)
		for i := range b {
			if rng.IntN(2) == 0 {
				b[i] = strings.ToUpper(string(b[i]))[0]
			}
		}
		return string(b)
	}}
	ext := func(hash string) string {
		return `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	}
	for i := 0; i < 12; i++ {
		doc := fmt.Sprintf(`query Q%d { topics { slug%s } }`, i, strings.Repeat(" name", rng.IntN(3)))
		sum := sha256.Sum256([]byte(doc))
		hash := hex.EncodeToString(sum[:])
		reg, look := cases[rng.IntN(3)](hash), cases[rng.IntN(3)](hash)
		r := doWith(t, http.MethodPost, h.url+"/graphql", "application/json", nil, []byte(`{"query":`+mustJSON(doc)+`,"extensions":`+ext(reg)+`}`))
		if r.code() != "" || path(r.Data, "topics") == nil {
			t.Errorf("register %s with %s: %s %+v", doc, reg, r.code(), r.Errors)
		}
		for _, r := range []*gqlResponse{
			doWith(t, http.MethodPost, h.url+"/graphql", "application/json", nil, []byte(`{"extensions":`+ext(look)+`}`)),
			doWith(t, http.MethodGet, h.url+"/graphql?extensions="+url.QueryEscape(ext(look)), "", nil, nil),
		} {
			if r.code() != "" || path(r.Data, "topics") == nil {
				t.Errorf("%s registered as %s, looked up as %s: %s %+v", doc, reg, look, r.code(), r.Errors)
			}
		}
		other := sha256.Sum256([]byte(doc + " "))
		if r := doWith(t, http.MethodPost, h.url+"/graphql", "application/json", nil, []byte(`{"query":`+mustJSON(doc)+`,"extensions":`+ext(strings.ToUpper(hex.EncodeToString(other[:])))+`}`)); r.code() != "INVALID_ARGUMENT" {
			t.Errorf("%s with another document's hash: %s", doc, r.code())
		}
	}
}
