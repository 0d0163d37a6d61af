package main

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// casings returns every upper/lower-case spelling of s (2^letters).
func casings(s string) []string {
	out := []string{""}
	for _, r := range s {
		lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
		var next []string
		for _, p := range out {
			next = append(next, p+lo)
			if up != lo {
				next = append(next, p+up)
			}
		}
		out = next
	}
	return out
}

// randomCase spells s with each letter's case drawn at random.
func randomCase(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		if rng.IntN(2) == 0 {
			b.WriteString(strings.ToUpper(string(r)))
		} else {
			b.WriteString(strings.ToLower(string(r)))
		}
	}
	return b.String()
}

// TestBearerSchemeInAnyCase: the authentication scheme is
// case-insensitive (RFC 9110 11.1) and separated from the token by one or
// more spaces (11.4). Every spelling of "bearer" (64) with one to three
// spaces authenticates a good token on /graphql (POST and GET) and on a
// reuse door, and refuses a bad one with 401 (never anonymous); other
// schemes and a missing token are 401.
func TestBearerSchemeInAnyCase(t *testing.T) {
	e := startEditorialHub(t)
	all := casings("bearer")
	if len(all) != 64 {
		t.Fatalf("%d casings", len(all))
	}
	for i, scheme := range all {
		sep := strings.Repeat(" ", 1+i%3)
		good := map[string]string{"Authorization": scheme + sep + e.editor, "Content-Type": "application/json"}
		a := send(t, "POST", e.url+"/graphql", good, []byte(`{"query":"{ viewer { role } }"}`))
		if a.status != 200 || !strings.Contains(a.body, `"role":"EDITOR"`) {
			t.Fatalf("POST with %q: %d %s", scheme+sep, a.status, a.body)
		}
		a = send(t, "GET", e.url+"/graphql?query=%7Bviewer%7Brole%7D%7D", good, nil)
		if a.status != 200 || !strings.Contains(a.body, `"role":"EDITOR"`) {
			t.Fatalf("GET with %q: %d %s", scheme+sep, a.status, a.body)
		}
		status, h, _ := roundTrip(t, "GET", e.url+"/resources/register-without-id.ris", good, nil)
		if status != 200 || h.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("citation with %q: %d %q", scheme+sep, status, h.Get("Cache-Control"))
		}
		bad := map[string]string{"Authorization": scheme + sep + e.editor + "x", "Content-Type": "application/json"}
		if a := send(t, "POST", e.url+"/graphql", bad, []byte(`{"query":"{ viewer { role } }"}`)); a.status != 401 {
			t.Fatalf("bad token with %q: %d %s", scheme+sep, a.status, a.body)
		}
		if status, _, _ := roundTrip(t, "GET", e.url+"/resources/register-without-id.ris", bad, nil); status != 401 {
			t.Fatalf("bad token with %q on a citation: %d", scheme+sep, status)
		}
	}
	for _, h := range []string{"Basic " + e.editor, "Token " + e.editor, "Bearer", "bearer ", "Bearer\t" + e.editor, "Bearerx " + e.editor, e.editor} {
		a := send(t, "POST", e.url+"/graphql", map[string]string{"Authorization": h, "Content-Type": "application/json"}, []byte(`{"query":"{ viewer { role } }"}`))
		if a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d %s", h, a.status, a.body)
		}
	}
}

// TestHeaderTokensInAnyCase is the class test: every case-insensitive part
// of a request header the hub reads is read without regard to case — media
// types, their parameter names and the charset value in Accept and
// Content-Type (RFC 9110 8.3.1, 8.3.2, 12.5.1) and the auth scheme
// (11.1). Over generated spellings, each request is answered exactly as
// its lower-case spelling is (status, Content-Type, body).
func TestHeaderTokensInAnyCase(t *testing.T) {
	e := startEditorialHub(t)
	rng := rand.New(rand.NewPCG(9110, 11))
	accepts := []string{"application/json", "application/graphql-response+json", "application/*", "*/*", "text/html",
		"application/graphql-response+json;q=0.9, application/json", "application/json;q=0, text/html", "application/json; charset=utf-8"}
	types := []string{"application/json", "application/json; charset=utf-8", "application/json;charset=utf8", "application/json; charset=latin1", "text/plain"}
	bodies := []string{`{"query":"{ viewer { role } }"}`, `{"query":"{ topics { slug } }"}`, `{"query":"{ nope }"}`}
	answer := func(method, accept, ctype, auth, body string) (int, string, string) {
		h := map[string]string{"Accept": accept, "Authorization": auth}
		var b []byte
		u := e.url + "/graphql"
		if method == "POST" {
			h["Content-Type"] = ctype
			b = []byte(body)
		} else {
			u += "?query=%7Btopics%7Bslug%7D%7D"
		}
		status, hd, out := roundTrip(t, method, u, h, b)
		return status, hd.Get("Content-Type"), string(out)
	}
	for i := range 150 {
		method := []string{"POST", "GET"}[i%2]
		accept, ctype, body := accepts[rng.IntN(len(accepts))], types[rng.IntN(len(types))], bodies[rng.IntN(len(bodies))]
		auth := "bearer " + e.partner
		s0, c0, b0 := answer(method, accept, ctype, auth, body)
		s1, c1, b1 := answer(method, randomCase(rng, accept), randomCase(rng, ctype), randomCase(rng, "bearer")+" "+e.partner, body)
		if s0 != s1 || c0 != c1 || b0 != b1 {
			t.Fatalf("%s Accept %q Content-Type %q: %d %q %.200s; in other case %d %q %.200s", method, accept, ctype, s0, c0, b0, s1, c1, b1)
		}
		if s0 == http.StatusUnauthorized {
			t.Fatalf("%s: a good token in lower case is refused", method)
		}
	}
}

// TestBadTokenIs401OnEveryProgramDoor: breaker3 F19, a bad or revoked
// token was read as anonymous on the export and the Atom feed (a revoked
// partner kept pulling and never learnt it). Every door for programs now
// checks a token as /graphql does: over each door and each kind of bad
// token, 401 UNAUTHENTICATED in the API's error shape, never cached; a
// good token is served, private.
func TestBadTokenIs401OnEveryProgramDoor(t *testing.T) {
	e := startEditorialHub(t)
	doors := []string{"/graphql?query=%7Btopics%7Bslug%7D%7D", "/export/resources.ndjson", "/feeds/resources.atom",
		"/resources/register-without-id.ris", "/schema.graphql", "/oembed?url=https://hub.example.org/resources/register-without-id"}
	bad := []string{"Bearer nope", "Bearer " + e.partner + "x", "bearer ghub_abcdefgh_secret", "Basic dXNlcjpwYXNz", "Bearer"}
	for _, d := range doors {
		for _, auth := range bad {
			status, h, body := roundTrip(t, "GET", e.url+d, map[string]string{"Authorization": auth}, nil)
			checkErrorShape(t, doorCase{method: "GET", path: d + " with " + auth, code: "UNAUTHENTICATED"}, status, h, body)
		}
		status, h, _ := roundTrip(t, "GET", e.url+d, map[string]string{"Authorization": "Bearer " + e.partner}, nil)
		if status != http.StatusOK || h.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s with a good token: %d %q", d, status, h.Get("Cache-Control"))
		}
	}
}
