package main

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/partner"
	"guidancehub/internal/testdb"
)

// xmlNode is any XML element, kept whole so the test can check RFC 4287
// itself (feed parsers accept invalid Atom).
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlNode  `xml:",any"`
}

const atomNS = "http://www.w3.org/2005/Atom"

func (n xmlNode) all(ns, local string) []xmlNode {
	var out []xmlNode
	for _, c := range n.Children {
		if c.XMLName.Space == ns && c.XMLName.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func (n xmlNode) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func getFeed(t *testing.T, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// checkAtom asserts RFC 4287's required elements and returns the feed.
func checkAtom(t *testing.T, body []byte) xmlNode {
	t.Helper()
	var feed xmlNode
	if err := xml.Unmarshal(body, &feed); err != nil {
		t.Fatalf("feed is not XML: %v\n%s", err, body)
	}
	if feed.XMLName != (xml.Name{Space: atomNS, Local: "feed"}) {
		t.Fatalf("root = %v, want atom:feed", feed.XMLName)
	}
	isTime := func(what, s string) {
		if _, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err != nil {
			t.Errorf("%s %q is not an RFC 3339 date-time", what, s)
		}
	}
	one := func(n xmlNode, what, local string) xmlNode {
		got := n.all(atomNS, local)
		if len(got) != 1 {
			t.Fatalf("%s has %d atom:%s, want exactly 1 (RFC 4287)", what, len(got), local)
		}
		return got[0]
	}
	// 4.1.1's schema: the feed's metadata, then atomEntry* (breaker3 F15:
	// the links came after the entries).
	entries := 0
	for _, c := range feed.Children {
		switch {
		case c.XMLName.Space == atomNS && c.XMLName.Local == "entry":
			entries++
		case c.XMLName.Space == atomNS && entries > 0:
			t.Errorf("atom:%s after %d entries", c.XMLName.Local, entries)
		}
	}
	// 4.1.1: exactly one id, title, updated; author unless every entry has one.
	one(feed, "feed", "id")
	one(feed, "feed", "title")
	isTime("feed updated", one(feed, "feed", "updated").Text)
	if len(feed.all(atomNS, "author")) == 0 {
		t.Error("feed has no atom:author (entries rely on it)")
	}
	rels := map[string]int{}
	for _, l := range feed.all(atomNS, "link") {
		if l.attr("href") == "" {
			t.Error("feed link without href")
		}
		rels[l.attr("rel")]++
	}
	if rels["self"] != 1 || rels["alternate"] != 1 {
		t.Errorf("feed links by rel = %v, want one self (RFC 4287 4.1.1 SHOULD) and one alternate (at most one per type)", rels)
	}
	ids := map[string]bool{}
	for _, e := range feed.all(atomNS, "entry") {
		// 4.1.2: exactly one id, title, updated; alternate link when no content.
		id := strings.TrimSpace(one(e, "entry", "id").Text)
		if ids[id] {
			t.Errorf("entry id %s twice", id)
		}
		ids[id] = true
		if strings.TrimSpace(one(e, "entry "+id, "title").Text) == "" {
			t.Errorf("entry %s has an empty title", id)
		}
		isTime("entry updated", one(e, "entry "+id, "updated").Text)
		if len(e.all(atomNS, "content")) == 0 {
			alt := false
			for _, l := range e.all(atomNS, "link") {
				alt = alt || (l.attr("rel") == "alternate" || l.attr("rel") == "") && l.attr("href") != ""
			}
			if !alt {
				t.Errorf("entry %s has neither content nor an alternate link", id)
			}
		}
		if s := e.all(atomNS, "summary"); len(s) != 1 || strings.TrimSpace(s[0].Text) == "" {
			t.Errorf("entry %s: want one non-empty summary", id)
		}
	}
	for _, d := range feed.all(partner.TombstoneNS, "deleted-entry") {
		// RFC 6721 section 3: ref and when are required.
		if d.attr("ref") == "" {
			t.Error("deleted-entry without ref")
		}
		isTime("deleted-entry when", d.attr("when"))
	}
	return feed
}

func entryIDs(feed xmlNode) []string {
	var out []string
	for _, e := range feed.all(atomNS, "entry") {
		out = append(out, strings.TrimSpace(e.all(atomNS, "id")[0].Text))
	}
	return out
}

func TestAtomFeed(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	base := e.url + "/feeds/resources.atom"

	resp, body := getFeed(t, base, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	feed := checkAtom(t, body)
	// Newest first, as PostgreSQL orders the published resources.
	var want []string
	rows, _ := db.Pool().Query(t.Context(), `SELECT 'https://hub.example.org/resources/' || slug FROM resources
		WHERE status = 'PUBLISHED' ORDER BY published_at DESC, id DESC LIMIT $1`, partner.AtomEntries)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		want = append(want, s)
	}
	if got := entryIDs(feed); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entries =\n%v\nwant (newest first)\n%v", got, want)
	}

	// Discovery: the resource pages link to the feed.
	if r, b := getFeed(t, e.url+"/resources/register-without-id", nil); r.StatusCode != 200 ||
		!strings.Contains(string(b), `<link rel="alternate" type="application/atom+xml"`) || !strings.Contains(string(b), `href="/feeds/resources.atom"`) {
		t.Errorf("resource page has no Atom discovery link (status %d)", r.StatusCode)
	}
	if r, b := getFeed(t, e.url+"/search?kind=research-brief&nation=england", nil); r.StatusCode != 200 ||
		!strings.Contains(string(b), `href="/feeds/resources.atom?kind=research-brief&amp;nation=england"`) {
		t.Errorf("search page does not link to the feed of the same search (status %d)", r.StatusCode)
	}

	// ETag and 304.
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if r, b := getFeed(t, base, map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match with the ETag: %d (%d bytes), want 304 and no body", r.StatusCode, len(b))
	}

	// Filters with values as resource files spell them.
	resp, body = getFeed(t, base+"?kind=research-brief&nation=england", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("kind filter: %d %s", resp.StatusCode, body)
	}
	var briefs []string
	rows, _ = db.Pool().Query(t.Context(), `SELECT 'https://hub.example.org/resources/' || r.slug FROM resources r
		JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
		WHERE r.status = 'PUBLISHED' AND r.kind = 'RESEARCH_BRIEF' AND 'ENGLAND' = ANY(v.nations) ORDER BY r.published_at DESC, r.id DESC`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		briefs = append(briefs, s)
	}
	if got := entryIDs(checkAtom(t, body)); strings.Join(got, " ") != strings.Join(briefs, " ") || len(briefs) == 0 {
		t.Errorf("research briefs in England = %v, want %v", got, briefs)
	}
	for _, bad := range []string{"kind=RESEARCHBRIEF", "kind=blog", "nation=france", "audience=everyone", "topic=no-such-topic", "language=not_a_tag", "q=a&q=b"} {
		if r, b := getFeed(t, base+"?"+bad, nil); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, b)
		}
	}

	// A withdrawal becomes a tombstone, and the ETag changes.
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`
	r := authed(t, e.url, e.editor, createQ, newDraft("atom-gone", "Atom tombstone test"))
	id := path(r.Data, "createResource", "resource", "id").(string)
	authed(t, e.url, e.editor, publishQ, map[string]any{"id": id})
	if r := authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Replaced by newer guidance") { resource { id } } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	waitFor(t, "the feed to change", func() bool {
		r, _ := getFeed(t, base, map[string]string{"If-None-Match": etag})
		return r.StatusCode == 200
	})
	_, body = getFeed(t, base, nil)
	feed = checkAtom(t, body)
	var refs []string
	for _, d := range feed.all(partner.TombstoneNS, "deleted-entry") {
		refs = append(refs, d.attr("ref"))
		if c := d.all(partner.TombstoneNS, "comment"); len(c) != 1 || c[0].Text != "Replaced by newer guidance" {
			t.Errorf("tombstone comment = %+v", c)
		}
	}
	if len(refs) != 1 || refs[0] != "https://hub.example.org/resources/atom-gone" {
		t.Errorf("tombstones = %v, want the withdrawn resource", refs)
	}
	for _, id := range entryIDs(feed) {
		if strings.HasSuffix(id, "/atom-gone") {
			t.Error("withdrawn resource still an entry")
		}
	}
	// Filters apply to tombstones: the withdrawn guidance is not a brief.
	if _, body := getFeed(t, base+"?kind=research-brief", nil); len(checkAtom(t, body).all(partner.TombstoneNS, "deleted-entry")) != 0 {
		t.Error("a guidance tombstone in the research-brief feed")
	}
}
