package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"guidancehub/graph"
)

// get fetches u with headers and returns status, headers and body.
func getWith(t *testing.T, u string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	status, header, b := roundTrip(t, http.MethodGet, u, headers, nil)
	return status, header, string(b)
}

// TestCitationDoors: each download equals the GraphQL citation field in
// the same format, carries a strong ETag that holds across requests and
// answers If-None-Match with 304 and no body; drafts and unknown slugs are
// 404; /schema.graphql is the schema the API serves.
func TestCitationDoors(t *testing.T) {
	h, _ := startFixtureHub(t)
	for ext, format := range map[string]string{"ris": "RIS", "bib": "BIBTEX", "json": "CSL_JSON"} {
		status, hdr, body := getWith(t, h.url+"/resources/barriers-brief."+ext, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", ext, status, body)
		}
		if !strings.Contains(hdr.Get("Content-Disposition"), `filename="barriers-brief.`+ext+`"`) {
			t.Errorf("%s: Content-Disposition %q", ext, hdr.Get("Content-Disposition"))
		}
		r := post(t, h.url, `query($f: CitationFormat!) { resource(slug: "barriers-brief") { citation(format: $f) } }`, map[string]any{"f": format})
		if got := path(r.Data, "resource", "citation"); got != body {
			t.Errorf("%s: GraphQL citation %q differs from the download %q (errors %v)", ext, got, body, r.Errors)
		}
		for _, want := range []string{"Barriers to GP registration", "https://hub.example.org/resources/barriers-brief", "Registration refused"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: %q missing from\n%s", ext, want, body)
			}
		}
		tag := hdr.Get("ETag")
		if !strings.HasPrefix(tag, `"`) {
			t.Errorf("%s: ETag %q is not strong", ext, tag)
		}
		if _, hdr2, _ := getWith(t, h.url+"/resources/barriers-brief."+ext, nil); hdr2.Get("ETag") != tag {
			t.Errorf("%s: ETag changed between identical requests: %q, %q", ext, tag, hdr2.Get("ETag"))
		}
		if status, _, body := getWith(t, h.url+"/resources/barriers-brief."+ext, map[string]string{"If-None-Match": tag}); status != http.StatusNotModified || body != "" {
			t.Errorf("%s with If-None-Match: %d %q", ext, status, body)
		}
	}
	for _, p := range []string{"/resources/unpublished-position.ris", "/resources/no-such-thing.bib", "/resources/Not%20A%20Slug.json", "/resources/" + url.PathEscape("a\x00b") + ".ris"} {
		if status, _, body := getWith(t, h.url+p, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d %q, want 404", p, status, body)
		}
	}
	r := post(t, h.url, `{ resource(slug: "barriers-brief") { citation(format: MLA) } }`, nil)
	if r.code() == "" {
		t.Errorf("unknown citation format accepted: %v", r.Data)
	}
	status, hdr, body := getWith(t, h.url+"/schema.graphql", nil)
	if status != http.StatusOK || body != graph.SDL() || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("/schema.graphql: %d %q", status, hdr.Get("Content-Type"))
	}
	if !strings.Contains(body, "citation(") || !strings.Contains(body, "format: CitationFormat!\n  ): String!") {
		t.Errorf("/schema.graphql lacks the citation field")
	}
}

// TestOEmbedAndCard: /oembed answers per the oEmbed specification (rich,
// provider, cache_age, width and height within maxwidth and maxheight), 404
// for foreign, unknown and draft URLs, 501 for another format, a coded 400
// for parameters that are not UTF-8 text; the card is self-contained HTML
// in the resource's language and direction, framable by any site, without
// scripts, and shows a withdrawn resource's notice.
func TestOEmbedAndCard(t *testing.T) {
	e := startEditorialHub(t)
	page := "https://hub.example.org/resources/barriers-brief"
	oembed := func(params string) (int, http.Header, string) {
		return getWith(t, e.url+"/oembed?"+params, nil)
	}
	status, hdr, body := oembed("url=" + url.QueryEscape(page) + "&format=json&maxwidth=300&maxheight=200")
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("oembed: %d %s", status, body)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"version": "1.0", "type": "rich", "width": 300.0, "height": 200.0, "title": "Barriers to GP registration",
		"provider_name": "Guidance Hub", "provider_url": "https://hub.example.org/", "cache_age": 3600.0} {
		if o[k] != want {
			t.Errorf("oembed %s = %v, want %v", k, o[k], want)
		}
	}
	if html, _ := o["html"].(string); !strings.Contains(html, `<iframe src="https://hub.example.org/embed/resources/barriers-brief" width="300" height="200"`) {
		t.Errorf("oembed html %q", html)
	}
	if _, _, body := oembed("url=" + url.QueryEscape(page)); !strings.Contains(body, `"width":560`) || !strings.Contains(body, `"height":300`) {
		t.Errorf("default size: %s", body)
	}
	for _, c := range []struct {
		params string
		status int
	}{
		{"url=" + url.QueryEscape(page) + "&format=xml", http.StatusNotImplemented},
		{"url=" + url.QueryEscape("https://elsewhere.example/resources/barriers-brief"), http.StatusNotFound},
		{"url=" + url.QueryEscape("https://hub.example.org/resources/no-such-thing"), http.StatusNotFound},
		{"url=" + url.QueryEscape("https://hub.example.org/resources/unpublished-position"), http.StatusNotFound},
		{"url=" + url.QueryEscape("https://hub.example.org/topics/evidence"), http.StatusNotFound},
		{"url=javascript:alert(1)", http.StatusNotFound},
		{"", http.StatusBadRequest},
		{"url=%ff", http.StatusBadRequest},
		{"url=a%00b", http.StatusBadRequest},
		{"url=" + url.QueryEscape(page) + "&maxwidth=abc", http.StatusBadRequest},
		{"url=" + url.QueryEscape(page) + "&maxheight=-5", http.StatusBadRequest},
		{"%zz", http.StatusBadRequest},
	} {
		status, _, body := oembed(c.params)
		if status != c.status {
			t.Errorf("oembed?%s: %d, want %d (%s)", c.params, status, c.status, body)
		}
		if c.status == http.StatusBadRequest && !strings.Contains(body, `"code":"BAD_REQUEST"`) {
			t.Errorf("oembed?%s: 400 without a code: %s", c.params, body)
		}
	}

	status, hdr, card := getWith(t, e.url+"/embed/resources/barriers-brief", nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("card: %d %s", status, card)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || !strings.Contains(csp, "default-src 'none'") || hdr.Get("X-Frame-Options") != "" {
		t.Errorf("card CSP %q, X-Frame-Options %q", csp, hdr.Get("X-Frame-Options"))
	}
	for _, want := range []string{`<html lang="en">`, "Barriers to GP registration", "About one in five supported registration attempts were wrongly refused.",
		"Research brief", "Last reviewed 1 February 2025", `href="https://hub.example.org/resources/barriers-brief"`, "From <a"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if lc := strings.ToLower(card); strings.Contains(lc, "<script") || strings.Contains(lc, "javascript:") || strings.Contains(lc, " onload=") {
		t.Errorf("card has a script")
	}
	if _, _, ar := getWith(t, e.url+"/embed/resources/register-without-id-ar", nil); !strings.Contains(ar, `<html lang="ar" dir="rtl">`) {
		t.Errorf("Arabic card not right-to-left: %s", ar[:min(200, len(ar))])
	}
	if _, h, _ := getWith(t, e.url+"/resources/barriers-brief", nil); strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Errorf("the resource page is framable: %q", h.Get("Content-Security-Policy"))
	}
	for _, p := range []string{"/embed/resources/unpublished-position", "/embed/resources/no-such-thing"} {
		if s, _, _ := getWith(t, e.url+p, nil); s != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, s)
		}
	}

	// A withdrawn resource's card shows the notice, not the summary.
	r := authed(t, e.url, e.editor, createQ, newDraft("embed-guide", "Embed guide"))
	id, _ := path(r.Data, "createResource", "resource", "id").(string)
	authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": id})
	authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Superseded by <new> guidance") { resource { id } } }`, map[string]any{"id": id})
	_, _, wcard := getWith(t, e.url+"/embed/resources/embed-guide", nil)
	if !strings.Contains(wcard, "Withdrawn on") || !strings.Contains(wcard, "Superseded by &lt;new&gt; guidance") || strings.Contains(wcard, "A summary of Embed guide") {
		t.Errorf("withdrawn card:\n%s", wcard)
	}
}
