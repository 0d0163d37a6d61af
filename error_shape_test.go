package main

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/apierror"
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
