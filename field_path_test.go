package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestErrorFieldNamesTheArgumentSent (breaker5 F8): extensions.field
// named "input.topics[0]" for createResource's input.content.topics[0],
// and "expires" / "name" for createToken's input.expiresAt / input.name.
// Generated refusals of every field the resource rules check, sent through
// createResource (inside content, at a random list position), through
// updateResource (input itself) and createToken; the oracle is the request
// itself: the path in extensions.field, read in the arguments as sent,
// must reach the value that was refused.
func TestErrorFieldNamesTheArgumentSent(t *testing.T) {
	e := startEditorialHub(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 8))
	type bad struct {
		field string
		value func() (any, any) // what to send, and the value the path must reach
	}
	list := func(good string, badV string) func() (any, any) {
		return func() (any, any) {
			l := make([]any, 1+rng.IntN(3))
			for i := range l {
				l[i] = good
			}
			l[rng.IntN(len(l))] = badV
			return l, badV
		}
	}
	one := func(v any) func() (any, any) { return func() (any, any) { return v, v } }
	source := func(k string, v any) func() (any, any) {
		return func() (any, any) {
			l := make([]any, 1+rng.IntN(3))
			for i := range l {
				l[i] = map[string]any{"title": "A source", "url": "https://example.org/"}
			}
			s := map[string]any{"title": "A source", "url": "https://example.org/"}
			s[k] = v
			l[rng.IntN(len(l))] = s
			return l, v
		}
	}
	bads := []bad{
		{"topics", list("charging", "astrology")},
		{"related", list("register-without-id", "Not A Slug")},
		{"language", one("english!")},
		{"translationOf", one("Not A Slug")},
		{"translationStatus", one("reviewed")},
		{"lastReviewedAt", one("2999-01-01")},
		{"sampleSize", one(-1)},
		{"methods", one("a survey")},
		{"sources", source("url", "javascript:alert(1)")},
		{"sources", source("doi", "not a doi")},
		{"sources", source("publisher", "a\u0007b")},
		{"sources", source("publisher", "a\u0000b")},
		{"sources", source("title", " ")},
	}
	const updateQ = `mutation($id: ID!, $in: ResourceInput!) { updateResource(id: $id, revision: 1, input: $in) { resource { id } } }`
	r := authed(t, e.url, e.editor, createQ, newDraft("f8-target", "Field path target"))
	target := path(r.Data, "createResource", "resource", "id").(string)
	check := func(door string, args map[string]any, r *gqlResponse, want any) {
		t.Helper()
		if r.code() != "INVALID_ARGUMENT" {
			t.Errorf("%s: %+v, want INVALID_ARGUMENT", door, r.Errors)
			return
		}
		field, _ := r.Errors[0].Extensions["field"].(string)
		got, ok := atPath(args, field)
		if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: extensions.field %q reaches %v (%v) in the arguments sent, want the refused value %v", door, field, got, ok, want)
		}
	}
	for i := 0; i < 40; i++ {
		b := bads[i%len(bads)]
		v, want := b.value()
		d := newDraft(fmt.Sprintf("f8-case-%d", i), "Field path case")
		d["in"].(map[string]any)["content"].(map[string]any)[b.field] = v
		check("createResource "+b.field, map[string]any{"input": d["in"]}, authed(t, e.url, e.editor, createQ, d), want)
		in := map[string]any{b.field: v}
		check("updateResource "+b.field, map[string]any{"input": in}, authed(t, e.url, e.editor, updateQ, map[string]any{"id": target, "in": in}), want)
	}
	const tokenQ = `mutation($in: CreateTokenInput!) { createToken(input: $in) { token } }`
	for _, in := range []map[string]any{
		{"role": "PARTNER", "name": "", "expiresAt": "2099-01-01T00:00:00Z"},
		{"role": "PARTNER", "name": "x", "expiresAt": "2001-01-01T00:00:00Z"},
	} {
		want := in["name"]
		if want != "" {
			want = in["expiresAt"]
		}
		check("createToken", map[string]any{"input": in}, authed(t, e.url, e.admin, tokenQ, map[string]any{"in": in}), want)
	}
	// /oembed: each 400 names the parameter (the oracle: the one changed).
	res := url.QueryEscape("https://hub.example.org/resources/register-without-id")
	for _, c := range []struct{ query, param string }{
		{"maxwidth=0", "maxwidth"}, {"maxwidth=abc", "maxwidth"}, {"maxheight=-1", "maxheight"}, {"maxwidth=1.5", "maxwidth"},
		{"maxheight=" + strconv.Itoa(rng.IntN(100)) + "x", "maxheight"}, {"", "url"},
	} {
		u := e.url + "/oembed?" + c.query
		if c.param != "url" {
			u += "&url=" + res
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Errors []struct{ Extensions map[string]any }
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || len(body.Errors) != 1 || body.Errors[0].Extensions["field"] != c.param {
			t.Errorf("/oembed?%s: %d %+v, want 400 naming %s", c.query, resp.StatusCode, body.Errors, c.param)
		}
	}
}

var pathStep = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)`)

// atPath reads a GraphQL argument path ("input.content.sources[0].url") in
// the arguments as sent.
func atPath(args map[string]any, p string) (any, bool) {
	var cur any = args
	for p != "" {
		m := pathStep.FindStringSubmatch(p)
		if m == nil {
			return nil, false
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[m[1]]; !ok {
			return nil, false
		}
		for _, ix := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			n, _ := strconv.Atoi(ix)
			switch l := cur.(type) {
			case []any:
				if n >= len(l) {
					return nil, false
				}
				cur = l[n]
			case []string:
				if n >= len(l) {
					return nil, false
				}
				cur = l[n]
			default:
				return nil, false
			}
		}
		p = p[len(m[0]):]
		if p != "" {
			if p[0] != '.' {
				return nil, false
			}
			p = p[1:]
		}
	}
	return cur, true
}
