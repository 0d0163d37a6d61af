package partner

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// reasonLanguages are withdrawal reasons in each script the library's
// pages name, with the language their letters stand for ("" for English
// or mixed: the feed's own language).
var reasonLanguages = []struct{ reason, lang string }{
	{"Replaced by newer guidance", ""},
	{"تم استبداله بدليل جديد", "ar"},
	{"با راهنمای جدید جایگزین شد", "fa"},
	{"نئی رہنمائی سے بدل دیا گیا", "ur"},
	{"הוחלף בהנחיה חדשה", "he"},
	{"Αντικαταστάθηκε", "el"},
	{"Replaced: see تم استبداله", ""},
	{"تم استبداله بدليل جديد من NHS", "ar"},
	{"Replaced by the NHS guide: حسنا", ""},
	{"2026-11-30", ""},
}

// TestTombstoneCommentCarriesItsLanguage (breaker7 F10): a withdrawal
// reason in another script than the feed's English is marked with its
// xml:lang in the tombstone's at:comment; an English or mixed one inherits
// the feed's.
func TestTombstoneCommentCarriesItsLanguage(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	withdrawn := func(context.Context, content.Filter, time.Time, int) ([]*content.Resource, error) {
		var out []*content.Resource
		for i, c := range reasonLanguages {
			out = append(out, &content.Resource{Draft: content.Draft{Slug: fmt.Sprintf("gone-%d", i)},
				Withdrawal: &content.Withdrawal{Reason: c.reason, WithdrawnAt: now.Add(-time.Duration(i+1) * time.Hour)}})
		}
		return out, nil
	}
	body, err := AtomFeed(context.Background(), fakeSource{}, withdrawn, AtomQuery{}, "https://hub.example.org", now)
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Gone []struct {
			Comment struct {
				Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
				Text string `xml:",chardata"`
			} `xml:"comment"`
		} `xml:"deleted-entry"`
	}
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Gone) != len(reasonLanguages) {
		t.Fatalf("%d tombstones, want %d:\n%s", len(feed.Gone), len(reasonLanguages), body)
	}
	for i, c := range reasonLanguages {
		if got := feed.Gone[i].Comment; got.Text != c.reason || got.Lang != c.lang {
			t.Errorf("reason %q: comment %q xml:lang %q, want xml:lang %q", c.reason, got.Text, got.Lang, c.lang)
		}
	}
}
