package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"guidancehub/graph"
)

// get fetches u with headers and returns status, headers and body.
func get(t *testing.T, u string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
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
	return resp.StatusCode, resp.Header, string(b)
}

// TestCitationDoors: each download equals the GraphQL citation field in
// the same format, carries a strong ETag that holds across requests and
// answers If-None-Match with 304 and no body; drafts and unknown slugs are
// 404; /schema.graphql is the schema the API serves.
func TestCitationDoors(t *testing.T) {
	h, _ := startFixtureHub(t)
	for ext, format := range map[string]string{"ris": "RIS", "bib": "BIBTEX", "json": "CSL_JSON"} {
		status, hdr, body := get(t, h.url+"/resources/barriers-brief."+ext, nil)
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
		if _, hdr2, _ := get(t, h.url+"/resources/barriers-brief."+ext, nil); hdr2.Get("ETag") != tag {
			t.Errorf("%s: ETag changed between identical requests: %q, %q", ext, tag, hdr2.Get("ETag"))
		}
		if status, _, body := get(t, h.url+"/resources/barriers-brief."+ext, map[string]string{"If-None-Match": tag}); status != http.StatusNotModified || body != "" {
			t.Errorf("%s with If-None-Match: %d %q", ext, status, body)
		}
	}
	for _, p := range []string{"/resources/unpublished-position.ris", "/resources/no-such-thing.bib", "/resources/Not%20A%20Slug.json", "/resources/" + url.PathEscape("a\x00b") + ".ris"} {
		if status, _, body := get(t, h.url+p, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d %q, want 404", p, status, body)
		}
	}
	r := post(t, h.url, `{ resource(slug: "barriers-brief") { citation(format: MLA) } }`, nil)
	if r.code() == "" {
		t.Errorf("unknown citation format accepted: %v", r.Data)
	}
	status, hdr, body := get(t, h.url+"/schema.graphql", nil)
	if status != http.StatusOK || body != graph.SDL() || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("/schema.graphql: %d %q", status, hdr.Get("Content-Type"))
	}
	if !strings.Contains(body, "citation(format: CitationFormat!): String!") {
		t.Errorf("/schema.graphql lacks the citation field")
	}
}
