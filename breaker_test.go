package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// get fetches u and returns its status, headers and body.
func get(t *testing.T, method, u string) (int, http.Header, string) {
	t.Helper()
	status, header, b := roundTrip(t, method, u, nil, nil)
	return status, header, string(b)
}

// roundTrip sends one request with the given headers and body (nil for
// none) and returns the answer's status, headers and whole body; the test
// fails if the request cannot be made or sent.
func roundTrip(t testing.TB, method, u string, headers map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// The Atom feed takes the search page's parameters, so a query string the
// search page refuses with 400 (a NUL or control character, invalid UTF-8, a
// malformed escape) is refused by the feed too, naming the parameter, rather
// than answered with every resource under a title holding U+FFFD.
// Found by hand: /feeds/resources.atom?q=%00 and ?q=%ff answered 200 with
// all 44 shipped resources. The oracle for the class is the search page
// itself, over HTTP, for generated query strings.
func TestAtomFeedRefusesWhatTheSearchPageRefuses(t *testing.T) {
	h, _ := startFixtureHub(t)
	for _, raw := range []string{"q=%00", "q=%ff", "q=%01x", "q=%", "q=a%zz", "kind=%ff", "topic=%00"} {
		status, _, body := get(t, http.MethodGet, h.url+"/feeds/resources.atom?"+raw)
		if status != http.StatusBadRequest {
			t.Errorf("feed ?%s: status %d, want 400 (body %.80q)", raw, status, body)
			continue
		}
		name := strings.SplitN(raw, "=", 2)[0]
		if raw != "q=%" && raw != "q=a%zz" && !strings.Contains(body, name) {
			t.Errorf("feed ?%s: 400 does not name %q: %q", raw, name, body)
		}
	}

	rng := rand.New(rand.NewPCG(3, 9))
	pieces := []string{"gp", "charging", "%00", "%ff", "%c3", "%e2%80%ae", "%d8%a7", "%7f", "%09", "%", "%g1", "+", "%2B", "%ef%bf%bd", "%ed%a0%80", "a"}
	names := []string{"q", "kind", "topic", "audience", "nation", "language", "x"}
	values := map[string][]string{
		"kind": {"guidance", "research-brief", "nope"}, "topic": {"charging", "nope"},
		"audience": {"gp-practices", "nope"}, "nation": {"england", "nope"}, "language": {"en", "ar", "x_y"},
	}
	for i := range 60 {
		var params []string
		seen := map[string]bool{}
		for range 1 + rng.IntN(3) {
			n := names[rng.IntN(len(names))]
			if n == "q" && seen["q"] {
				continue // the page reads the first q, the feed refuses a second: not this test's subject
			}
			seen[n] = true
			var v string
			if vs := values[n]; vs != nil && rng.IntN(2) == 0 {
				v = vs[rng.IntN(len(vs))]
			} else {
				for range 1 + rng.IntN(3) {
					v += pieces[rng.IntN(len(pieces))]
				}
			}
			params = append(params, n+"="+v)
		}
		raw := strings.Join(params, "&")
		pageStatus, _, _ := get(t, http.MethodGet, h.url+"/search?"+raw)
		feedStatus, _, body := get(t, http.MethodGet, h.url+"/feeds/resources.atom?"+raw)
		if pageStatus >= 500 || feedStatus >= 500 {
			t.Fatalf("case %d ?%s: page %d, feed %d", i, raw, pageStatus, feedStatus)
		}
		if (pageStatus == http.StatusBadRequest) != (feedStatus == http.StatusBadRequest) {
			t.Errorf("case %d ?%s: search page %d, feed %d (%.100q)", i, raw, pageStatus, feedStatus, body)
		}
		if feedStatus == http.StatusBadRequest {
			feedNamesAParameter(t, raw, body, names)
		}
	}
	// breaker7 F18: a q of more than 24 words named the search's argument.
	for _, n := range []int{25, 30, 60} {
		raw := "q=" + strings.TrimSuffix(strings.Repeat("gp+", n), "+")
		if status, _, body := get(t, http.MethodGet, h.url+"/feeds/resources.atom?"+raw); status != http.StatusBadRequest {
			t.Errorf("feed with %d words: status %d", n, status)
		} else {
			feedNamesAParameter(t, raw, body, []string{"q"})
		}
	}
}

// feedNamesAParameter checks that a feed's 400 names, in
// extensions.field, one of the feed's own parameters (README: "naming the
// parameter").
func feedNamesAParameter(t *testing.T, raw, body string, params []string) {
	t.Helper()
	var e struct {
		Errors []struct {
			Extensions struct {
				Field string `json:"field"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) == 0 {
		t.Errorf("feed ?%.60s: 400 is not the API's error shape: %.100q", raw, body)
		return
	}
	if f := e.Errors[0].Extensions.Field; f != "" && !slices.Contains(params, f) {
		t.Errorf("feed ?%.60s: 400 names %q, not one of the feed's parameters %v", raw, f, params)
	}
}

// Every page and endpoint other than /graphql is GET (and HEAD) only: other
// methods get 405 with Allow (RFC 9110 section 15.5.6). Found by hand:
// POST, PUT, DELETE and OPTIONS /graphiql answered 200 with the page.
func TestReadOnlyEndpointsRefuseOtherMethods(t *testing.T) {
	h, _ := startFixtureHub(t)
	for _, p := range []string{"/", "/search", "/search/suggest?q=re", "/topics", "/resources/x", "/graphiql", "/graphiql/", "/feeds/resources.atom", "/export/resources.ndjson", "/healthz", "/readyz", "/metrics"} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			status, hdr, _ := get(t, m, h.url+p)
			if status != http.StatusMethodNotAllowed || !strings.Contains(hdr.Get("Allow"), "GET") {
				t.Errorf("%s %s: status %d, Allow %q; want 405 with Allow: GET, HEAD", m, p, status, hdr.Get("Allow"))
			}
		}
	}
}

// Language tags are case-insensitive (RFC 5646 section 2.1.1), and the
// search index already compares them lower-cased: for every casing of every
// tag in the library, resources(filter: {languages}) counts what
// search(query: "", filter: {languages}) counts, and finds the resources.
// Found by hand: resources(filter: {languages: ["AR"]}) answered 0 where
// "ar" found the Arabic translation.
func TestLanguageFilterIgnoresCase(t *testing.T) {
	h, _ := startFixtureHub(t)
	waitFor(t, "the search index", func() bool {
		return post(t, h.url, `{ search(query: "") { totalCount } }`, nil).code() == ""
	})
	for _, tag := range []string{"ar", "en"} {
		variants := []string{tag, strings.ToUpper(tag), strings.ToUpper(tag[:1]) + tag[1:], tag[:1] + strings.ToUpper(tag[1:])}
		var want float64 = -1
		for _, v := range variants {
			r := post(t, h.url, `query($l: [String!]) {
				resources(filter: {languages: $l}) { totalCount }
				search(query: "", filter: {languages: $l}) { totalCount }
			}`, map[string]any{"l": []string{v}})
			if len(r.Errors) > 0 {
				t.Fatalf("%q: %v", v, r.Errors)
			}
			list, _ := path(r.Data, "resources", "totalCount").(float64)
			search, _ := path(r.Data, "search", "totalCount").(float64)
			if list != search || list == 0 {
				t.Errorf("language %q: resources counts %v, search %v (want equal and above 0)", v, list, search)
			}
			if want == -1 {
				want = list
			} else if list != want {
				t.Errorf("language %q: %v resources, %q: %v", v, list, variants[0], want)
			}
		}
	}
}
