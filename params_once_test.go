package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestScalarParametersGivenOnce: breaker2 found /search?q=gp&q=asylum and
// page=1&page=2 read as their first value. Every door refuses a scalar
// parameter given twice with a 400 naming it (content.GivenOnce): an HTML
// page saying "The <name> in the address" on the pages, the API's error
// shape with extensions.field on the doors for programs. Generated: each
// door's valid request with one of its scalar parameters repeated (the
// same value or another), and the valid request itself, which is served.
func TestScalarParametersGivenOnce(t *testing.T) {
	h, _ := startFixtureHub(t)
	page := "https://hub.example.org/resources/register-without-id"
	doors := []struct {
		path   string
		params url.Values
		html   bool
		second map[string][]string // other values to repeat with
	}{
		{"/search", url.Values{"q": {"gp"}, "sort": {"newest"}, "page": {"1"}}, true, map[string][]string{"q": {"asylum"}, "sort": {"relevance"}, "page": {"2"}}},
		{"/topics/charging", url.Values{"page": {"1"}}, true, map[string][]string{"page": {"2"}}},
		{"/topics/charging", url.Values{"q": {"gp"}, "sort": {"newest"}}, true, map[string][]string{"q": {"asylum"}, "sort": {"relevance"}}},
		{"/feeds/resources.atom", url.Values{"q": {"gp"}, "sort": {"newest"}}, false, map[string][]string{"q": {"asylum"}, "sort": {"relevance"}}},
		{"/search/suggest", url.Values{"q": {"reg"}}, false, map[string][]string{"q": {"gp"}}},
		{"/graphql", url.Values{"query": {"query T { topics { slug } }"}, "operationName": {"T"}, "variables": {"{}"}, "extensions": {"{}"}}, false,
			map[string][]string{"query": {"{ topics { name } }"}, "operationName": {"U"}, "variables": {`{"a":1}`}, "extensions": {`{"x":1}`}}},
		{"/graphql", url.Values{"documentId": {"nope"}}, false, map[string][]string{"documentId": {"other"}}},
		{"/graphql", url.Values{"doc_id": {"nope"}}, false, map[string][]string{"doc_id": {"other"}}},
		{"/oembed", url.Values{"url": {page}, "format": {"json"}, "maxwidth": {"400"}, "maxheight": {"200"}}, false,
			map[string][]string{"url": {page + "-ar"}, "format": {"xml"}, "maxwidth": {"300"}, "maxheight": {"100"}}},
	}
	rng := rand.New(rand.NewPCG(3986, 34))
	n := 0
	for _, d := range doors {
		status, _, body := roundTrip(t, "GET", h.url+d.path+"?"+d.params.Encode(), nil, nil)
		if status == http.StatusBadRequest {
			t.Fatalf("%s?%s: the valid request is refused: %.300s", d.path, d.params.Encode(), body)
		}
		for name := range d.params {
			for range 3 {
				v := url.Values{}
				for k, vs := range d.params {
					v[k] = append([]string(nil), vs...)
				}
				again := v[name][0]
				if rng.IntN(2) == 0 {
					again = d.second[name][rng.IntN(len(d.second[name]))]
				}
				v[name] = append(v[name], again)
				if rng.IntN(2) == 0 {
					v[name][0], v[name][1] = v[name][1], v[name][0]
				}
				u := h.url + d.path + "?" + v.Encode()
				status, hd, body := roundTrip(t, "GET", u, nil, nil)
				n++
				if status != http.StatusBadRequest {
					t.Errorf("%s with %s twice: %d, want 400", d.path, name, status)
					continue
				}
				if d.html {
					if !strings.Contains(string(body), "The "+name+" in the address is given 2 times") {
						t.Errorf("%s with %s twice: the page does not name it", d.path, name)
					}
					continue
				}
				var e errorShape
				if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 || e.Errors[0].Extensions.Field != name ||
					!strings.HasPrefix(hd.Get("Content-Type"), "application/json") {
					t.Errorf("%s with %s twice: %s %.300s", d.path, name, hd.Get("Content-Type"), body)
				}
			}
		}
	}
	t.Logf("%d requests with a parameter repeated", n)
}

// TestDocumentIDAndDocIDAgreeOnEveryMethod: a GET naming a trusted
// document by both documentId and doc_id was read as documentId alone,
// while the same POST was a 400; both transports now read the id with one
// function (graph.GETDocumentID). Over generated pairs (equal, different,
// one empty) the GET answers as the POST does.
func TestDocumentIDAndDocIDAgreeOnEveryMethod(t *testing.T) {
	h, _ := startFixtureHub(t)
	ids := []string{"", "a", "b", "sha256:00"}
	for _, x := range ids {
		for _, y := range ids {
			if x == "" && y == "" {
				continue
			}
			body := map[string]any{}
			v := url.Values{}
			if x != "" {
				body["documentId"], v["documentId"] = x, []string{x}
			}
			if y != "" {
				body["doc_id"], v["doc_id"] = y, []string{y}
			}
			b, _ := json.Marshal(body)
			post := send(t, "POST", h.url+"/graphql", map[string]string{"Content-Type": "application/json"}, b)
			get := send(t, "GET", h.url+"/graphql?"+v.Encode(), nil, nil)
			code := func(a *rawAnswer) string {
				if len(a.errors) == 0 {
					return ""
				}
				c, _ := a.errors[0].Extensions["code"].(string)
				return c
			}
			if post.status != get.status || code(post) != code(get) {
				t.Errorf("documentId %q doc_id %q: POST %d %s, GET %d %s", x, y, post.status, code(post), get.status, code(get))
			}
			if x != "" && y != "" && x != y && (get.status != http.StatusBadRequest || code(get) != "BAD_REQUEST") {
				t.Errorf("documentId %q doc_id %q over GET: %d %s", x, y, get.status, get.body)
			}
		}
	}
}
