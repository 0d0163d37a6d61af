package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/apierror"
	"guidancehub/internal/httpapi"
)

// errorShape is the API's error body; decoding it with unknown fields
// refused checks that an answer has nothing else.
type errorShape struct {
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code       string `json:"code"`
			Field      string `json:"field"`
			RetryAfter *int   `json:"retryAfter"`
		} `json:"extensions"`
	} `json:"errors"`
}

type doorCase struct {
	method, path string
	headers      map[string]string
	body         string
	code         string // the code the answer must carry
}

// checkErrorShape checks one refused request's answer against the one
// shape (apierror.Write): the code's status from the table, JSON (the
// media type the request negotiated on /graphql), not cached except a
// 404's minute, exactly {"errors":[{"message","extensions":{"code",
// "field"?,"retryAfter"?}}]}, and Retry-After equal to retryAfter.
func checkErrorShape(t *testing.T, c doorCase, status int, h http.Header, body []byte) {
	t.Helper()
	name := c.method + " " + c.path
	if want := apierror.Status(c.code); status != want {
		t.Errorf("%s: status %d, want %d (%s): %.200s", name, status, want, c.code, body)
		return
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "application/graphql-response+json") || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("%s: Content-Type %q", name, h.Get("Content-Type"))
	}
	if cc := h.Get("Cache-Control"); cc != "no-store" && !(status == 404 && cc == "public, max-age=60") && cc != "private, no-store" {
		t.Errorf("%s: Cache-Control %q", name, cc)
	}
	if h.Get("ETag") != "" {
		t.Errorf("%s: an error with an ETag", name)
	}
	var e errorShape
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || dec.More() || len(e.Errors) != 1 {
		t.Errorf("%s: not the API's error shape (%v): %.300s", name, err, body)
		return
	}
	x := e.Errors[0]
	if x.Message == "" || x.Extensions.Code != c.code {
		t.Errorf("%s: message %q code %q, want code %s", name, x.Message, x.Extensions.Code, c.code)
	}
	if x.Extensions.Field != "" && !strings.HasPrefix(x.Message, x.Extensions.Field+": ") && c.code != apierror.NotImplemented {
		t.Errorf("%s: field %q but message %q", name, x.Extensions.Field, x.Message)
	}
	ra := h.Get("Retry-After")
	if (x.Extensions.RetryAfter == nil) != (ra == "") || (ra != "" && ra != strconv.Itoa(*x.Extensions.RetryAfter)) {
		t.Errorf("%s: Retry-After %q, extensions.retryAfter %v", name, ra, x.Extensions.RetryAfter)
	}
}

// TestEveryDoorErrorHasOneShape: every door a program reads (/graphql,
// /search/suggest, /oembed, citation downloads, /schema.graphql, the
// Atom feed) refuses a request in one shape, written by apierror.Write.
// The cases: each door's own refusals, then every hostile query string
// (a malformed escape, text that is not UTF-8, NUL, a parameter repeated
// past the cap) on every door that reads its query string.
func TestEveryDoorErrorHasOneShape(t *testing.T) {
	h, dir := startFixtureHub(t)
	bogus := map[string]string{"Authorization": "Bearer ghub_nonexist_nothing"}
	json := map[string]string{"Content-Type": "application/json"}
	cases := []doorCase{
		{"GET", "/graphql?query=%7Btopics%7Bslug%7D%7D", map[string]string{"Accept": "text/html"}, "", apierror.NotAcceptable},
		{"POST", "/graphql", map[string]string{"Content-Type": "text/plain"}, `{"query":"{topics{slug}}"}`, apierror.UnsupportedMediaType},
		{"POST", "/graphql", json, `{"query":"` + strings.Repeat("x", 70<<10) + `"}`, apierror.RequestTooLarge},
		{"POST", "/graphql", json, `[{"query":"{topics{slug}}"}]`, apierror.BatchNotSupported},
		{"POST", "/graphql", json, `{"nothing":1}`, apierror.BadRequest},
		{"POST", "/graphql", json, `{"query":"{topics{slug}}","variables":[1]}`, apierror.BadRequest},
		{"PUT", "/graphql", json, `{"query":"{topics{slug}}"}`, apierror.MethodNotAllowed},
		{"GET", "/graphql?query=mutation%7BpublishResource(id:%22x%22)%7Bresource%7Bid%7D%7D%7D", nil, "", apierror.MethodNotAllowed},
		{"GET", "/graphql?query=%7Btopics%7Bslug%7D%7D&variables=%5B1%5D", nil, "", apierror.BadRequest},
		{"GET", "/graphql?query=%7Btopics%7Bslug%7D%7D&variables=%5B1%5D", map[string]string{"Accept": "application/graphql-response+json"}, "", apierror.BadRequest},
		{"POST", "/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer ghub_nonexist_nothing"}, `{"query":"{topics{slug}}"}`, apierror.Unauthenticated},
		{"GET", "/search/suggest?q=a&q=b", nil, "", apierror.InvalidArgument},
		{"POST", "/search/suggest?q=a", nil, "", apierror.MethodNotAllowed},
		{"GET", "/search/suggest?q=" + strings.Repeat("a", 300), nil, "", apierror.InvalidArgument},
		{"GET", "/oembed", nil, "", apierror.BadRequest},
		{"GET", "/oembed?url=https://hub.example.org/resources/register-without-id&format=xml", nil, "", apierror.NotImplemented},
		{"GET", "/oembed?url=https://hub.example.org/resources/register-without-id&maxwidth=abc", nil, "", apierror.BadRequest},
		{"GET", "/oembed?url=https://elsewhere.example/resources/register-without-id", nil, "", apierror.NotFound},
		{"POST", "/oembed?url=https://hub.example.org/resources/register-without-id", nil, "", apierror.MethodNotAllowed},
		{"GET", "/resources/no-such-resource.ris", nil, "", apierror.NotFound},
		{"GET", "/resources/no-such-resource.bib", nil, "", apierror.NotFound},
		{"GET", "/resources/no-such-resource.json", nil, "", apierror.NotFound},
		{"GET", "/resources/register-without-id.ris", bogus, "", apierror.Unauthenticated},
		{"GET", "/schema.graphql", bogus, "", apierror.Unauthenticated},
		{"DELETE", "/schema.graphql", nil, "", apierror.MethodNotAllowed},
		{"GET", "/feeds/resources.atom?kind=blog", nil, "", apierror.InvalidArgument},
	}
	// Every hostile query string on every door that reads one.
	hostile := []struct{ raw, code string }{{"q=%zz", apierror.BadRequest}, {"q=%ff", apierror.BadRequest}, {"q=a%00b", apierror.BadRequest},
		{"url=%ff", apierror.BadRequest}, {strings.Repeat("kind=guidance&", 31), apierror.BadRequest}}
	for _, door := range []string{"/search/suggest", "/oembed", "/feeds/resources.atom", "/embed/resources/register-without-id"} {
		for _, x := range hostile {
			if door == "/embed/resources/register-without-id" {
				continue // the card is HTML: its errors are pages
			}
			cases = append(cases, doorCase{"GET", door + "?" + x.raw, nil, "", x.code})
		}
	}
	// GET /graphql's own parameters, refused naming the parameter
	// (review4 R10: that answer had a writer of its own, without charset
	// or Cache-Control).
	for _, raw := range []string{"query=%zz", "query=%7Btopics%7Bslug%7D%7D&variables=%ff", "query=a%01b", "operationName=%zz&query=%7Btopics%7Bslug%7D%7D"} {
		cases = append(cases, doorCase{"GET", "/graphql?" + raw, nil, "", apierror.BadRequest})
	}
	for _, c := range cases {
		u, err := url.Parse(h.url + c.path)
		if err != nil {
			t.Fatal(err)
		}
		status, hd, body := roundTrip(t, c.method, u.String(), c.headers, []byte(c.body))
		checkErrorShape(t, c, status, hd, body)
	}

	// Over its rate: 429 with Retry-After, in the same shape.
	limited := startHub(t, map[string]string{"DATABASE_URL": h.dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": t.TempDir(), "HUB_RATE_LIMITS": "anonymous=1/1,partner=1/1,editor=1/1,admin=1/1"})
	c := doorCase{"GET", "/graphql?query=%7Btopics%7Bslug%7D%7D", nil, "", apierror.RateLimited}
	for i := range 5 {
		status, hd, body := roundTrip(t, c.method, limited.url+c.path, nil, nil)
		if status == http.StatusTooManyRequests {
			checkErrorShape(t, c, status, hd, body)
			break
		}
		if i == 4 {
			t.Errorf("no 429 after 5 requests at a rate of 1/s")
		}
	}
}

// TestLongRequestsAreRefusedInShape: breaker2's 60 KB GET /graphql was a
// plain-text 431 from net/http. An address over httpapi.MaxURIBytes is
// 414 URI_TOO_LONG (RFC 9110 15.5.15) and header fields over
// httpapi.MaxHeaderFieldBytes are 431 HEADERS_TOO_LARGE (RFC 6585 5), in
// the API's error shape on the doors for programs and as an HTML page on
// the pages; one byte under either limit is served. Past
// httpapi.MaxRequestHeadBytes net/http answers its own 431 (the memory a
// connection may hold before the hub sees it is bounded). Generated over
// the doors and sizes around each limit.
func TestLongRequestsAreRefusedInShape(t *testing.T) {
	h, _ := startFixtureHub(t)
	doors := []struct {
		path string
		api  bool
	}{{"/graphql?query=%7Btopics%7Bslug%7D%7D", true}, {"/search/suggest?q=gp", true}, {"/feeds/resources.atom?q=gp", true},
		{"/resources/register-without-id.ris?x=1", true}, {"/oembed?url=https://hub.example.org/resources/register-without-id", true},
		{"/search?q=gp", false}, {"/resources/register-without-id?x=1", false}, {"/?x=1", false}}
	for _, d := range doors {
		for _, size := range []int{httpapi.MaxURIBytes - 1, httpapi.MaxURIBytes, httpapi.MaxURIBytes + 1, 60 << 10, httpapi.MaxRequestHeadBytes - 1000, 900 << 10} {
			// The request target is the path, the query and &pad=aaa…
			pad := size - len(d.path) - len("&pad=")
			target := d.path + "&pad=" + strings.Repeat("a", pad)
			status, hd, body := roundTrip(t, "GET", h.url+target, nil, nil)
			want := 0
			if size > httpapi.MaxURIBytes {
				want = http.StatusRequestURITooLong
			}
			if refusedByServer(t, fmt.Sprintf("GET %s… (%d bytes)", d.path, size), size, status) {
				continue
			}
			checkRefusal(t, fmt.Sprintf("GET %s… (%d bytes)", d.path, size), d.api, want, apierror.URITooLong, status, hd, body)
		}
		for _, size := range []int{httpapi.MaxHeaderFieldBytes - 2000, httpapi.MaxHeaderFieldBytes + 1, 60 << 10, httpapi.MaxRequestHeadBytes - 1000, 900 << 10} {
			headers := map[string]string{"X-Padding": strings.Repeat("b", size)}
			status, hd, body := roundTrip(t, "GET", h.url+d.path, headers, nil)
			want := 0
			if size > httpapi.MaxHeaderFieldBytes {
				want = http.StatusRequestHeaderFieldsTooLarge
			}
			if refusedByServer(t, fmt.Sprintf("GET %s with %d bytes of header", d.path, size), size, status) {
				continue
			}
			checkRefusal(t, fmt.Sprintf("GET %s with %d bytes of header", d.path, size), d.api, want, apierror.HeadersTooLarge, status, hd, body)
		}
	}
}

// refusedByServer reports whether a request head of size bytes is past
// httpapi.MaxRequestHeadBytes, where net/http answers its own plain 431
// before the hub sees the request, and checks that status.
func refusedByServer(t *testing.T, name string, size, status int) bool {
	t.Helper()
	if size <= httpapi.MaxRequestHeadBytes {
		return false
	}
	if status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("%s: %d, want net/http's 431", name, status)
	}
	return true
}

// checkRefusal checks an answer that should be served (want 0) or refused
// with status want: in the API's error shape on an API door, as an HTML
// page otherwise.
func checkRefusal(t *testing.T, name string, api bool, want int, code string, status int, hd http.Header, body []byte) {
	t.Helper()
	switch {
	case want == 0:
		if status == http.StatusRequestURITooLong || status == http.StatusRequestHeaderFieldsTooLarge || status >= 500 {
			t.Errorf("%s: %d, want it served", name, status)
		}
	case api:
		checkErrorShape(t, doorCase{method: "GET", path: name, code: code}, status, hd, body)
	default:
		if status != want || !strings.HasPrefix(hd.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("the limit is")) {
			t.Errorf("%s: %d %q, want an HTML %d page", name, status, hd.Get("Content-Type"), want)
		}
	}
}
