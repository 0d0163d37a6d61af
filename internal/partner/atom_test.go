package partner

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// Every value a resource file may hold is accepted as a feed parameter and
// survives Canonical; everything else is EINVALID naming its parameter.
func TestParseAtomQueryTakesFileSpellings(t *testing.T) {
	v := url.Values{"q": {" gp registration "}, "kind": {"guidance", "research-brief", "policy-position"}}
	for _, a := range content.Audiences {
		v.Add("audience", lower(a))
	}
	for _, n := range content.Nations {
		v.Add("nation", lower(n))
	}
	for _, tp := range content.Topics {
		v.Add("topic", tp.Slug)
	}
	v.Add("language", "fa")
	q, err := ParseAtomQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "gp registration" || len(q.Filter.Kinds) != 3 || len(q.Filter.Audiences) != len(content.Audiences) ||
		len(q.Filter.Nations) != 4 || len(q.Filter.Topics) != len(content.Topics) {
		t.Fatalf("parsed %+v", q)
	}
	back, _ := url.ParseQuery(q.Canonical())
	q2, err := ParseAtomQuery(back)
	if err != nil || q2.Canonical() != q.Canonical() {
		t.Errorf("canonical %q parses to %q, %v", q.Canonical(), q2.Canonical(), err)
	}
	for param, bad := range map[string]string{"kind": "RESEARCHBRIEF", "audience": "everyone", "nation": "france", "topic": "nope", "language": "x_y"} {
		_, err := ParseAtomQuery(url.Values{param: {bad}})
		if e, ok := err.(*content.Error); !ok || e.Code != content.EINVALID || e.Field != param {
			t.Errorf("%s=%s: error %v, want EINVALID on %s", param, bad, err, param)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '_':
			b[i] = '-'
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// fakeSource answers every search with the same hits.
type fakeSource []content.Hit

func (f fakeSource) Search(context.Context, content.SearchQuery) (*content.SearchResult, error) {
	return &content.SearchResult{Hits: f}, nil
}

// TestAtomMetadataBeforeEntries: breaker3 F15, the feed's self and
// alternate links came after the entries. RFC 4287 section 4.1.1 lays out
// atom:feed as its metadata (author, id, link, title, updated, extension
// elements… in any order among themselves) followed by atomEntry*, and
// gorilla/feeds writes its own link there. Over generated feeds (0 to 50
// entries, 0 to 5 tombstones, with and without a query), every child of the
// feed in the Atom namespace that is not an entry comes before the first
// entry, and the two links are there.
func TestAtomMetadataBeforeEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for n := 0; n < 60; n++ {
		var hits fakeSource
		for i := rng.IntN(AtomEntries + 1); i > 0; i-- {
			day := now.Add(-time.Duration(rng.IntN(1000)) * time.Hour)
			hits = append(hits, content.Hit{Resource: &content.Resource{UpdatedAt: day, Draft: content.Draft{Slug: fmt.Sprintf("r-%d", i),
				Title: "Title <&> " + strconv.Itoa(i), Summary: "S", PublishedAt: &day}}})
		}
		gone := rng.IntN(6)
		withdrawn := func(context.Context, content.Filter, time.Time, int) ([]*content.Resource, error) {
			var out []*content.Resource
			for i := range gone {
				out = append(out, &content.Resource{Draft: content.Draft{Slug: fmt.Sprintf("gone-%d", i)},
					Withdrawal: &content.Withdrawal{Reason: "Replaced", WithdrawnAt: now.Add(-time.Hour)}})
			}
			return out, nil
		}
		q := AtomQuery{}
		if rng.IntN(2) == 0 {
			q.Text = "gp registration"
		}
		body, err := AtomFeed(context.Background(), hits, withdrawn, q, "https://hub.example.org", now)
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(bytes.NewReader(body))
		depth, entries, links := 0, 0, 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("not XML: %v\n%s", err, body)
			}
			switch el := tok.(type) {
			case xml.StartElement:
				depth++
				if depth != 2 {
					continue
				}
				switch {
				case el.Name.Space == atomNS && el.Name.Local == "entry":
					entries++
				case el.Name.Space == atomNS:
					if entries > 0 {
						t.Fatalf("atom:%s after %d entries:\n%s", el.Name.Local, entries, body)
					}
					if el.Name.Local == "link" {
						links++
					}
				}
			case xml.EndElement:
				depth--
			}
		}
		if entries != len(hits) || links != 2 {
			t.Fatalf("%d entries for %d hits, %d feed links:\n%s", entries, len(hits), links, body)
		}
	}
}

const atomNS = "http://www.w3.org/2005/Atom"
