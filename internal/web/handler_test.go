package web_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

type response struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, h http.Handler, target string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://hub.test"+target, nil)
	if strings.Contains(target, "?") {
		// httptest.NewRequest parses the URL; keep the raw query as sent.
		req.URL.RawQuery = target[strings.Index(target, "?")+1:]
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

// TestPagesAnswer checks each page type's status, content and headers
// through the hub's real router.
func TestPagesAnswer(t *testing.T) {
	h := startHub(t).Handler
	tests := []struct {
		path   string
		status int
		want   []string // substrings of the body
		not    []string
	}{
		{"/", 200, []string{"<h1", "Search the library", "Newest", "GP registration", "/graphiql"}, nil},
		{"/search", 200, []string{"Showing 1 to 10 of", "Filter and sort"}, []string{"draft-test-guidance", "withdrawn-test-guidance"}},
		{"/search?q=register+without+proof+of+address&kind=guidance", 200, []string{"<mark>", `value="guidance" form="search-form" checked`}, nil},
		{"/search?q=zzzzqqqq", 200, []string{"No results"}, nil},
		// A word no resource has is left out, and the page says which.
		{"/search?q=register+zzqxv", 200, []string{"Showing results for some of your words", "<s><bdi>zzqxv</bdi></s>", "<mark>"}, nil},
		{"/search?q=register+without+proof+of+address", 200, []string{"<mark>"}, []string{"some of your words"}},
		{"/search?q=registraton", 200, []string{"Did you mean"}, nil},
		{"/search?q=Unpublished+draft+test+guidance", 200, nil, []string{"draft-test-guidance"}},
		{"/search?q=superseded+test+guidance", 200, nil, []string{"withdrawn-test-guidance"}},
		{"/resources/register-with-a-gp-without-documents", 200, []string{"What to do", "Sources", "Cite this", "Last reviewed", "Next review due", "Related", `<link rel="alternate" type="application/json+oembed" href="http://hub.test/oembed?url=`,
			`href="/resources/register-with-a-gp-without-documents.ris"`, `href="/resources/register-with-a-gp-without-documents.bib"`, `href="/resources/register-with-a-gp-without-documents.json"`}, nil},
		// Links inside a body to other resources stay links.
		{"/resources/asylum-seekers-and-refugees-nhs-entitlements", 200, []string{`href="/resources/register-with-a-gp-without-documents"`}, nil},
		{"/resources/everyone-can-register-with-a-gp-ar", 200, []string{`<h1 class="nhsuk-heading-xl" lang="ar" dir="rtl">`, "Review status:", `href="/resources/everyone-can-register-with-a-gp"`}, nil},
		{"/resources/everyone-can-register-with-a-gp", 200, []string{`href="/resources/everyone-can-register-with-a-gp-ar" hreflang="ar" lang="ar" dir="rtl"`, "Review status:"}, nil},
		{"/resources/withdrawn-test-guidance", 410, []string{"has been withdrawn", "Its source file was removed from the library."}, []string{"This body must never be shown"}},
		{"/resources/draft-test-guidance", 404, []string{"Page not found"}, []string{"Unpublished draft"}},
		{"/resources/no-such-thing", 404, []string{"Page not found"}, nil},
		{"/resources/Not%20A%20Slug", 404, []string{"Page not found"}, nil},
		{"/topics", 200, []string{"GP registration", "Evidence of barriers"}, nil},
		{"/topics/gp-registration", 200, []string{"<h1 class=\"nhsuk-heading-xl\">GP registration</h1>", "Showing 1 to 10 of"}, nil},
		{"/topics/gp-registration?page=2", 200, []string{"Showing 11 to"}, nil},
		{"/topics/nothing-here", 404, nil, nil},
		{"/no/such/page", 404, []string{"Page not found", `class="nhsuk-skip-link"`}, nil},
		{"/search?q=%ff%fe", 400, []string{"The q in the address is not valid UTF-8 text."}, nil},
		{"/search?q=a%00b", 400, []string{"contains a control character (such as NUL)"}, nil},
		{"/search?q=%zz", 400, []string{"The q in the address has a malformed % escape"}, nil},
		{"/search?kind=guidence", 400, []string{"is not a kind: use guidance, research-brief or policy-position"}, nil},
		{"/search?topic=nope", 400, []string{"is not one of the hub&#39;s topics"}, nil},
		{"/search?nation=france", 400, []string{"is not a nation"}, nil},
		{"/search?sort=oldest", 400, []string{"is not an order"}, nil},
		{"/search?page=0", 400, []string{"is not a page number"}, nil},
		{"/search?page=101", 400, []string{"goes up to 100"}, nil},
		{"/search?page=50", 200, []string{"is past the last page", `href="/search"`}, nil},
		{"/search?q=" + strings.Repeat("a", 257), 400, []string{"a search may be at most 256"}, nil},
		{"/topics/gp-registration?page=x", 400, nil, nil},
		{"/resources/%ff", 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := get(t, h, tt.path)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d:\n%.600s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			csp := r.header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "form-action 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if cc := r.header.Get("Cache-Control"); cc == "" {
				t.Error("no Cache-Control")
			} else if tt.status == 200 && cc != "public, max-age=60, stale-while-revalidate=300" {
				t.Errorf("Cache-Control %q", cc)
			}
			if tag := r.header.Get("ETag"); (tt.status == 200) != (tag != "") {
				t.Errorf("status %d with ETag %q (only 200 answers are tagged)", tt.status, tag)
			}
			if n := strings.Count(r.body, "<h1"); n != 1 {
				t.Errorf("%d h1 elements, want 1", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(r.body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if strings.Contains(r.body, "https://") && regexp.MustCompile(`(src|href)="https://[^"]*\.(css|js)"`).MatchString(r.body) {
				t.Error("page loads a script or stylesheet from another site")
			}
		})
	}
}

// HEAD answers carry the tag GET does (RFC 9110 9.3.2: the same header
// fields), with no body; a token makes any page private.
func TestHeadAndTokenOnPages(t *testing.T) {
	h := startHub(t).Handler
	for _, path := range []string{"/", "/search?q=register", "/topics", "/resources/register-with-a-gp-without-documents", "/search/suggest?q=reg"} {
		g := get(t, h, path)
		req := httptest.NewRequest(http.MethodHead, "http://hub.test"+path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if g.status != 200 || rec.Code != 200 || rec.Header().Get("ETag") != g.header.Get("ETag") || g.header.Get("ETag") == "" || rec.Body.Len() != 0 {
			t.Errorf("%s: GET %d %q, HEAD %d %q with %d bytes", path, g.status, g.header.Get("ETag"), rec.Code, rec.Header().Get("ETag"), rec.Body.Len())
		}
	}
	for _, path := range []string{"/", "/no/such/page", "/resources/withdrawn-test-guidance", "/assets/hub.css", "/favicon.ico", "/search?kind=nope"} {
		req := httptest.NewRequest(http.MethodGet, "http://hub.test"+path, nil)
		req.Header.Set("Authorization", "Bearer anything")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if cc := rec.Header().Get("Cache-Control"); cc != "private, no-store" || rec.Header().Get("ETag") != "" {
			t.Errorf("%s with a token: %d Cache-Control %q ETag %q", path, rec.Code, cc, rec.Header().Get("ETag"))
		}
	}
}

func TestAssetsAndFavicon(t *testing.T) {
	h := startHub(t).Handler
	for path, ct := range map[string]string{
		"/favicon.ico":                                    "image/x-icon",
		"/assets/favicon.svg":                             "image/svg+xml",
		"/assets/vendor/nhsuk-frontend.min.css":           "text/css; charset=utf-8",
		"/assets/vendor/nhsuk-frontend.min.js":            "text/javascript; charset=utf-8",
		"/assets/vendor/accessible-autocomplete.min.js":   "text/javascript; charset=utf-8",
		"/assets/vendor/images/nhsuk-icon-arrow-down.svg": "image/svg+xml",
		"/assets/hub.css":                                 "text/css; charset=utf-8",
	} {
		r := get(t, h, path)
		if r.status != 200 || r.header.Get("Content-Type") != ct || r.header.Get("Cache-Control") != "public, max-age=86400" {
			t.Errorf("%s: %d %q %q", path, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
	}
	if r := get(t, h, "/favicon.ico"); !strings.HasPrefix(r.body, "\x00\x00\x01\x00\x01\x00") || !strings.Contains(r.body, "PNG") {
		t.Error("favicon.ico is not an icon holding a PNG")
	}
	for _, path := range []string{"/assets/nope.css", "/assets/", "/assets/vendor/"} {
		if r := get(t, h, path); r.status != 404 {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
	// The stylesheet loads nothing from another site (its web fonts were
	// stripped by `make web-assets`).
	if r := get(t, h, "/assets/vendor/nhsuk-frontend.min.css"); strings.Contains(r.body, "url(http") || strings.Contains(r.body, "@font-face") {
		t.Error("nhsuk-frontend.min.css refers to another site")
	}
}

// TestGraphiQLLinksHome: GraphiQL keeps working and gets a favicon and a
// way back to the pages.
func TestGraphiQLLinksHome(t *testing.T) {
	r := get(t, startHub(t).Handler, "/graphiql")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, w := range []string{`rel="icon"`, `href="/"`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("GraphiQL page lacks %q", w)
		}
	}
}

// TestAnyQueryStringIsAnsweredWithoutError sends generated query strings
// (random bytes, escapes, NULs, invalid UTF-8, long values, every page)
// and wants a page for each: 200 or 400 (a topic page may send the
// reader to a search that answers so), never a 500.
func TestAnyQueryStringIsAnsweredWithoutError(t *testing.T) {
	h := startHub(t).Handler
	rng := rand.New(rand.NewPCG(16, 2026))
	params := []string{"q", "kind", "topic", "audience", "nation", "language", "sort", "page", "x"}
	values := []string{"", "guidance", "research-brief", "gp-registration", "england", "ar", "newest", "2", "-1", "99999999999999999999", "%00", "%ff", "%e2%82", "\"", "-", "a&b", "%3Cscript%3E", "register", "%0a", "%"}
	paths := []string{"/search", "/topics/gp-registration", "/", "/topics", "/resources/everyone-can-register-with-a-gp", "/search/suggest"}
	for i := 0; i < 400; i++ {
		var parts []string
		for j := rng.IntN(5); j >= 0; j-- {
			v := values[rng.IntN(len(values))]
			if rng.IntN(4) == 0 {
				b := make([]byte, rng.IntN(12))
				for k := range b {
					b[k] = byte(rng.IntN(256))
				}
				v = url.QueryEscape(string(b))
			}
			parts = append(parts, params[rng.IntN(len(params))]+"="+v)
		}
		target := paths[rng.IntN(len(paths))] + "?" + strings.Join(parts, "&")
		r := get(t, h, target)
		if r.status == http.StatusFound && strings.HasPrefix(target, "/topics/") {
			// A topic page given search parameters sends the reader to
			// the search within the topic, which must answer.
			loc := r.header.Get("Location")
			if !strings.HasPrefix(loc, "/search?") {
				t.Errorf("%s: 302 to %q", target, loc)
			}
			r = get(t, h, loc)
		}
		if r.status != 200 && r.status != 400 {
			t.Errorf("%s: status %d, want 200 or 400", target, r.status)
		}
	}
}

// TestSearchPagesMatchTheLibrary checks pagination and facet counts
// against the use case itself: pages 1 and 2 of a search list the first
// 20 results in order, and the count beside a kind's checkbox is the
// total the page shows when that kind is chosen.
func TestSearchPagesMatchTheLibrary(t *testing.T) {
	hb := startHub(t)
	ctx := context.Background()
	for _, q := range []string{"", "gp registration", "charging", "interpreting"} {
		want, err := hb.Service.Search(ctx, content.SearchQuery{Text: q, First: 20, Order: content.SearchRelevance})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for page := 1; page <= 2; page++ {
			r := get(t, hb.Handler, "/search?q="+url.QueryEscape(q)+"&page="+strconv.Itoa(page))
			for _, m := range regexp.MustCompile(`<h3 class="nhsuk-heading-s nhsuk-u-margin-bottom-1"><a href="/resources/([^"]+)"`).FindAllStringSubmatch(r.body, -1) {
				got = append(got, m[1])
			}
			if !strings.Contains(r.body, "<strong>"+strconv.Itoa(want.Total)+"</strong>") {
				t.Errorf("%q page %d does not show the total %d", q, page, want.Total)
			}
		}
		var wantSlugs []string
		for _, h := range want.Hits {
			wantSlugs = append(wantSlugs, h.Resource.Slug)
		}
		if strings.Join(got, " ") != strings.Join(wantSlugs, " ") {
			t.Errorf("%q: pages 1-2 list\n%v\nwant\n%v", q, got, wantSlugs)
		}

		checkFacetCounts(t, hb.Handler, q, "")
		checkFacetCounts(t, hb.Handler, q, "kind=guidance&nation=england")
	}
}

// checkFacetCounts checks every checkbox count of a search page (q under
// the filter parameters base): choosing that value alone in its group,
// the rest of the filter kept, shows that total. Every group is checked,
// languages included.
func checkFacetCounts(t *testing.T, h http.Handler, q, base string) {
	t.Helper()
	page := get(t, h, "/search?q="+url.QueryEscape(q)+"&"+base)
	boxes := regexp.MustCompile(`id="f-([a-z]+)-([^"]+)"[^>]*>\s*<label[^>]*>(?:[^<]|<span [^>]*>[^<]*</span>)*<span class="hub-facet-count">\((\d+)\)`).FindAllStringSubmatch(page.body, -1)
	groups := map[string]bool{}
	for _, m := range boxes {
		group, value, count := m[1], m[2], m[3]
		groups[group] = true
		if count == "0" {
			continue
		}
		v, _ := url.ParseQuery(base)
		v.Set("q", q)
		v.Set(group, value)
		filtered := get(t, h, "/search?"+v.Encode())
		if !strings.Contains(filtered.body, "of <strong>"+count+"</strong>") {
			t.Errorf("%q %s: %s %s shows count %s but choosing it shows another total", q, base, group, value, count)
		}
	}
	if !groups["kind"] || !groups["language"] {
		t.Errorf("%q %s: checkboxes with counts in groups %v, want kind and language among them", q, base, groups)
	}
}

func TestSuggest(t *testing.T) {
	h := startHub(t).Handler
	r := get(t, h, "/search/suggest?q=everyone")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %q", r.status, r.header.Get("Content-Type"))
	}
	for _, w := range []string{`"slug":"everyone-can-register-with-a-gp"`, `"url":"/resources/everyone-can-register-with-a-gp"`, `"lang":"en"`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("suggestions lack %s: %s", w, r.body)
		}
	}
	if r := get(t, h, "/search/suggest?q="); r.body != "[]\n" {
		t.Errorf("empty prefix: %q", r.body)
	}
	if r := get(t, h, "/search/suggest?q=%00"); r.status != 400 {
		t.Errorf("NUL: %d", r.status)
	}
}
