package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestHTTPCaching: an anonymous GET /graphql carries a strong ETag that
// holds across identical requests and answers If-None-Match with 304 and no
// body; the tag changes after a publish and after a withdrawal that change
// the answer; with a token the answer is private, no-store, without a tag.
func TestHTTPCaching(t *testing.T) {
	e := startEditorialHub(t)
	q := h2q(`{ resources(first: 50) { totalCount edges { node { slug title } } } }`)
	u := e.url + "/graphql?query=" + url.QueryEscape(q)
	status, hdr, body := getWith(t, u, nil)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	tag := hdr.Get("ETag")
	if !strings.HasPrefix(tag, `"`) || len(tag) < 10 {
		t.Fatalf("ETag %q is not a strong tag", tag)
	}
	cc := hdr.Get("Cache-Control")
	for _, want := range []string{"public", "max-age=", "stale-while-revalidate="} {
		if !strings.Contains(cc, want) {
			t.Errorf("Cache-Control %q lacks %s", cc, want)
		}
	}
	if v := hdr.Get("Vary"); !strings.Contains(v, "Authorization") || !strings.Contains(v, "Accept") {
		t.Errorf("Vary %q", v)
	}
	for i := 0; i < 3; i++ {
		if _, h2, b2 := getWith(t, u, nil); h2.Get("ETag") != tag || b2 != body {
			t.Fatalf("identical request %d: ETag %q (was %q)", i, h2.Get("ETag"), tag)
		}
	}
	if s, h304, b := getWith(t, u, map[string]string{"If-None-Match": tag}); s != http.StatusNotModified || b != "" || h304.Get("ETag") != tag {
		t.Errorf("If-None-Match: %d %q ETag %q", s, b, h304.Get("ETag"))
	}
	if s, _, _ := getWith(t, u, map[string]string{"If-None-Match": `"0-stale"`}); s != http.StatusOK {
		t.Errorf("a stale tag got %d, want 200", s)
	}
	s, hTok, _ := getWith(t, u, map[string]string{"Authorization": "Bearer " + e.partner, "If-None-Match": tag})
	if s != http.StatusOK || hTok.Get("ETag") != "" || hTok.Get("Cache-Control") != "private, no-store" {
		t.Errorf("with a token: %d ETag %q Cache-Control %q", s, hTok.Get("ETag"), hTok.Get("Cache-Control"))
	}

	// waitNewTag polls (bounded) until the answer's tag differs from old,
	// as it must once this replica has applied the change.
	waitNewTag := func(old, what string) string {
		t.Helper()
		for i := 0; i < 100; i++ {
			s, h, b := getWith(t, u, map[string]string{"If-None-Match": old})
			if s == http.StatusOK && h.Get("ETag") != old {
				return h.Get("ETag") + "\n" + b
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("ETag still %s 5 s after %s", old, what)
		return ""
	}
	r := authed(t, e.url, e.editor, createQ, newDraft("cache-guide", "Cache guide"))
	id, _ := path(r.Data, "createResource", "resource", "id").(string)
	if id == "" {
		t.Fatalf("create: %+v", r.Errors)
	}
	// A draft changes nothing the public sees: the tag holds.
	if s, _, _ := getWith(t, u, map[string]string{"If-None-Match": tag}); s != http.StatusNotModified {
		t.Errorf("after creating a draft: %d, want 304", s)
	}
	authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": id})
	got := waitNewTag(tag, "a publish")
	tag2, body2, _ := strings.Cut(got, "\n")
	if !strings.Contains(body2, "cache-guide") {
		t.Errorf("new answer lacks the published resource: %s", body2)
	}
	authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Test") { resource { id } } }`, map[string]any{"id": id})
	got = waitNewTag(tag2, "a withdrawal")
	tag3, body3, _ := strings.Cut(got, "\n")
	if strings.Contains(body3, "cache-guide") || tag3 == tag2 {
		t.Errorf("after withdrawal: tag %s body %s", tag3, body3)
	}
	// A mutation over GET is still refused, a POST is never cached.
	if s, h, _ := getWith(t, e.url+"/graphql?query="+url.QueryEscape(`mutation { __typename }`), nil); s != http.StatusMethodNotAllowed || h.Get("ETag") != "" {
		t.Errorf("mutation over GET: %d ETag %q", s, h.Get("ETag"))
	}
}

// h2q trims a query for a URL.
func h2q(q string) string { return strings.Join(strings.Fields(q), " ") }
