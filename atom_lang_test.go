package main

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/testdb"
)

// xmlLang is the namespace of the xml: prefix (XML Namespaces 1.0 section
// 3): encoding/xml's decoder resolves xml:lang to it.
const xmlLangNS = "http://www.w3.org/XML/1998/namespace"

func (n xmlNode) lang() (string, bool) {
	for _, a := range n.Attrs {
		if a.Name == (xml.Name{Space: xmlLangNS, Local: "lang"}) {
			return a.Value, true
		}
	}
	return "", false
}

// TestAtomEntriesCarryTheirLanguage is breaker5 F26: the Arabic entry of
// the language=ar feed had no xml:lang. Its class, through the real
// handler: the feed unfiltered and filtered by each language the library
// has, plus a search feed; the feed says xml:lang="en" (its own text), and
// every entry's xml:lang, as an XML parser resolves it, is the language
// PostgreSQL holds for that resource's published revision.
func TestAtomEntriesCarryTheirLanguage(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	rows, _ := db.Pool().Query(context.Background(), `SELECT r.slug, v.language FROM resources r
		JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.status = 'PUBLISHED'`)
	want := map[string]string{}
	var slug, lang string
	if _, err := pgx.ForEachRow(rows, []any{&slug, &lang}, func() error { want[slug] = lang; return nil }); err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, l := range want {
		langs[l] = true
	}
	if !langs["ar"] {
		t.Fatalf("the fixture library has no Arabic resource: %v", langs)
	}
	queries := []string{"", "?q=registration"}
	for l := range langs {
		queries = append(queries, "?language="+l)
	}
	seen := map[string]bool{}
	for _, q := range queries {
		_, body := getFeed(t, e.url+"/feeds/resources.atom"+q, nil)
		feed := checkAtom(t, body)
		if l, ok := feed.lang(); !ok || l != "en" {
			t.Errorf("feed%s: xml:lang %q (%v), want en", q, l, ok)
		}
		for _, entry := range feed.all(atomNS, "entry") {
			id := strings.TrimSpace(entry.all(atomNS, "id")[0].Text)
			slug := id[strings.LastIndex(id, "/")+1:]
			got, ok := entry.lang()
			if !ok || got != want[slug] {
				t.Errorf("feed%s: entry %s has xml:lang %q (%v), PostgreSQL says %q", q, slug, got, ok, want[slug])
			}
			seen[got] = true
		}
	}
	if !seen["ar"] || !seen["en"] {
		t.Errorf("entries seen in languages %v, want ar and en at least", seen)
	}
}
