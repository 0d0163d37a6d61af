package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// door is one anonymous GET door of the hub for the caching test, and
// whether publishing or withdrawing the test resource changes its answer.
type door struct {
	path string
	// affected: the test resource shows in the answer once published (and
	// leaves it, or the answer becomes 410, once withdrawn).
	affected bool
	// tagged before the publish: false for the resource's own page (404).
	before bool
}

// cacheDoors are every kind of GET door other than /graphql (which
// cache_test.go covers): each page type, the completions, the Atom feed
// and the export, with answers the test resource changes and answers it
// cannot change.
var cacheDoors = []door{
	{"/", true, true},
	{"/search?q=zephyrwort", true, true},
	{"/search?kind=guidance&nation=wales", true, true},
	{"/search?q=zephyrwort&sort=newest&topic=data-sharing", true, true},
	{"/search/suggest?q=zephyrw", true, true},
	{"/topics", true, true},
	{"/topics/data-sharing", true, true},
	{"/resources/door-cache-guide", true, false},
	{"/feeds/resources.atom", true, true},
	{"/feeds/resources.atom?q=zephyrwort&kind=guidance", true, true},
	{"/export/resources.ndjson", true, true},
	// Answers the test resource does not touch: their tags hold.
	{"/resources/free-care-for-all", false, true},
	{"/topics/charging", false, true},
	// Each facet ignores its own filter: with two filters the resource
	// (Wales, data sharing) is in no count.
	{"/search?topic=interpreting&nation=england", false, true},
	{"/feeds/resources.atom?topic=charging", false, true},
	{"/search/suggest?q=barriers", false, true},
}

// TestEveryGETDoorIsCacheable: for every door, an anonymous answer
// carries a strong ETag and Cache-Control public with max-age and
// stale-while-revalidate, Vary: Authorization; identical requests get the
// same tag and body; If-None-Match with the tag is 304 without a body; a
// request with a token is private, no-store, untagged. Saving a draft
// changes no tag; publishing the resource changes the tag of every door
// whose answer shows it and no other; so does withdrawing it.
func TestEveryGETDoorIsCacheable(t *testing.T) {
	e := startEditorialHub(t)
	tags := map[string]string{}
	check := func(d door, stage string) {
		t.Helper()
		u := e.url + d.path
		s, h, body := getWith(t, u, nil)
		if s != http.StatusOK {
			t.Fatalf("%s %s: %d %.300s", stage, d.path, s, body)
		}
		tag := h.Get("ETag")
		if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || len(tag) < 18 {
			t.Fatalf("%s %s: ETag %q is not a strong tag", stage, d.path, tag)
		}
		if cc := h.Get("Cache-Control"); cc != "public, max-age=60, stale-while-revalidate=300" {
			t.Errorf("%s %s: Cache-Control %q", stage, d.path, cc)
		}
		if v := h.Get("Vary"); v != "Authorization" {
			t.Errorf("%s %s: Vary %q, want Authorization (one media type, no compression)", stage, d.path, v)
		}
		if s2, h2, b2 := getWith(t, u, nil); s2 != 200 || h2.Get("ETag") != tag || b2 != body {
			t.Errorf("%s %s: identical request got %d, tag %q (was %q), same body %v", stage, d.path, s2, h2.Get("ETag"), tag, b2 == body)
		}
		s3, h3, b3 := getWith(t, u, map[string]string{"If-None-Match": tag})
		if s3 != http.StatusNotModified || b3 != "" || h3.Get("ETag") != tag || h3.Get("Content-Type") != "" {
			t.Errorf("%s %s: If-None-Match: %d, %d bytes, ETag %q, Content-Type %q", stage, d.path, s3, len(b3), h3.Get("ETag"), h3.Get("Content-Type"))
		}
		if s4, _, _ := getWith(t, u, map[string]string{"If-None-Match": `"0000"`}); s4 != 200 {
			t.Errorf("%s %s: another tag got %d, want 200", stage, d.path, s4)
		}
		s5, h5, _ := getWith(t, u, map[string]string{"Authorization": "Bearer " + e.partner, "If-None-Match": tag})
		if s5 != 200 || h5.Get("ETag") != "" || h5.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s %s: with a token: %d ETag %q Cache-Control %q", stage, d.path, s5, h5.Get("ETag"), h5.Get("Cache-Control"))
		}
		tags[d.path] = tag
	}
	// newTag polls (bounded: the index applies a change within a second)
	// until the door's answer is no longer the one tagged old.
	newTag := func(d door, old, what string) (int, string) {
		t.Helper()
		for range 100 {
			s, h, _ := getWith(t, e.url+d.path, map[string]string{"If-None-Match": old})
			if s != http.StatusNotModified {
				return s, h.Get("ETag")
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: ETag still %s 5 s after %s", d.path, old, what)
		return 0, ""
	}
	for _, d := range cacheDoors {
		if d.before {
			check(d, "start")
		} else if s, h, _ := getWith(t, e.url+d.path, nil); s != http.StatusNotFound || h.Get("ETag") != "" {
			t.Fatalf("%s before publishing: %d ETag %q, want 404 untagged", d.path, s, h.Get("ETag"))
		}
	}

	// A draft changes nothing the public sees: every tag holds, the
	// export's too (its change-feed position moves with public changes
	// only).
	draft := newDraft("door-cache-guide", "Zephyrwort door guide")
	r := authed(t, e.url, e.editor, createQ, draft)
	id, _ := path(r.Data, "createResource", "resource", "id").(string)
	if id == "" {
		t.Fatalf("create: %+v", r.Errors)
	}
	// Give the index time to apply the draft's change (it is woken by
	// PostgreSQL's NOTIFY), so the tags below are recomputed, not only
	// remembered.
	time.Sleep(time.Second)
	for _, d := range cacheDoors {
		if !d.before {
			continue
		}
		s, _, _ := getWith(t, e.url+d.path, map[string]string{"If-None-Match": tags[d.path]})
		if s != http.StatusNotModified {
			t.Errorf("%s after saving a draft: %d, want 304", d.path, s)
		}
	}

	// Publishing changes exactly the affected doors' tags.
	if r := authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	waitSearch(t, e.url, "zephyrwort", 1)
	for _, d := range cacheDoors {
		switch {
		case !d.before:
			check(d, "published")
		case d.affected:
			if s, tag := newTag(d, tags[d.path], "a publish"); s != 200 || tag == tags[d.path] {
				t.Errorf("%s after publishing: %d tag %q", d.path, s, tag)
			}
			check(d, "published")
		default:
			if s, _, _ := getWith(t, e.url+d.path, map[string]string{"If-None-Match": tags[d.path]}); s != http.StatusNotModified {
				t.Errorf("%s (not showing the resource) after publishing: %d, want 304", d.path, s)
			}
		}
	}

	// Withdrawing changes them again; the resource's page becomes an
	// untagged 410 (RFC 9110 13.2.1: no 304 for what would not be 2xx).
	if r := authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Cache test") { resource { id } } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	waitSearch(t, e.url, "zephyrwort", 0)
	for _, d := range cacheDoors {
		switch {
		case !d.before:
			if s, tag := newTag(d, tags[d.path], "a withdrawal"); s != http.StatusGone || tag != "" {
				t.Errorf("%s after withdrawing: %d tag %q, want 410 untagged", d.path, s, tag)
			}
		case d.affected:
			if s, tag := newTag(d, tags[d.path], "a withdrawal"); s != 200 || tag == tags[d.path] {
				t.Errorf("%s after withdrawing: %d tag %q", d.path, s, tag)
			}
		default:
			if s, _, _ := getWith(t, e.url+d.path, map[string]string{"If-None-Match": tags[d.path]}); s != http.StatusNotModified {
				t.Errorf("%s (not showing the resource) after withdrawing: %d, want 304", d.path, s)
			}
		}
	}

	// HEAD on the export: the tag and headers, no body, no rows read.
	req, _ := http.NewRequest(http.MethodHead, e.url+"/export/resources.ndjson", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Errorf("HEAD export: %d ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}
