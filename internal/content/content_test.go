package content

import (
	"testing"
	"time"
)

func TestGlobalIDRoundTrip(t *testing.T) {
	id := GlobalID("Resource", 42)
	typ, n, err := ParseGlobalID(id)
	if err != nil || typ != "Resource" || n != 42 {
		t.Fatalf("ParseGlobalID(%q) = %q, %d, %v", id, typ, n, err)
	}
}

func TestParseGlobalIDRefusesForgeries(t *testing.T) {
	for _, s := range []string{"", "42", "UmVzb3VyY2U6", "UmVzb3VyY2U6LTE", "UmVzb3VyY2U6MDA0Mg", "!!!", GlobalID("Resource", 1) + "="} {
		if _, _, err := ParseGlobalID(s); ErrorCode(err) != EINVALID {
			t.Errorf("ParseGlobalID(%q) err = %v, want EINVALID", s, err)
		}
	}
}

func TestDecodeCursor(t *testing.T) {
	c := Cursor{Order: DefaultOrder, Key: "2025-01-02", ID: 7}
	got, err := DecodeCursor(EncodeCursor(c), DefaultOrder)
	if err != nil || *got != c {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if _, err := DecodeCursor(EncodeCursor(c), Order{Field: OrderTitle, Direction: Asc}); ErrorCode(err) != EINVALID {
		t.Errorf("cursor of another order: err %v, want EINVALID", err)
	}
	bad := Cursor{Order: DefaultOrder, Key: "not a date", ID: 7}
	for _, s := range []string{"", "garbage", EncodeCursor(bad), EncodeCursor(Cursor{Order: DefaultOrder, Key: "2025-01-02"})} {
		if _, err := DecodeCursor(s, DefaultOrder); ErrorCode(err) != EINVALID {
			t.Errorf("DecodeCursor(%q) err = %v, want EINVALID", s, err)
		}
	}
}

func TestPageSize(t *testing.T) {
	n := func(i int) *int { return &i }
	tests := []struct {
		in   *int
		want int
		code string
	}{{nil, 20, ""}, {n(0), 0, ""}, {n(100), 100, ""}, {n(101), 0, EINVALID}, {n(-1), 0, EINVALID}}
	for _, tt := range tests {
		got, err := PageSize(tt.in)
		if got != tt.want || ErrorCode(err) != tt.code {
			t.Errorf("PageSize(%v) = %d, %v; want %d, %q", tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestLanguages(t *testing.T) {
	for tag, ok := range map[string]bool{"en": true, "pt-BR": true, "zh-Hant-TW": true, "e": false, "english": false, "en-": false, "12": false, "<x>": false} {
		if ValidLanguage(tag) != ok {
			t.Errorf("ValidLanguage(%q) = %v", tag, !ok)
		}
	}
	if !IsRTL("ar") || !IsRTL("fa-IR") || IsRTL("en") {
		t.Error("IsRTL")
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor(Cursor{Order: DefaultOrder, Key: "2025-01-02", ID: 7}))
	f.Add("eyJmIjoiVElUTEUifQ")
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []Order{DefaultOrder, {OrderTitle, Asc}, {OrderUpdatedAt, Desc}} {
			c, err := DecodeCursor(s, o)
			if err == nil && (c.ID <= 0 || c.Order != o || !validCursorKey(o.Field, c.Key) || EncodeCursor(*c) != s) {
				t.Fatalf("accepted %q as %+v", s, c)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
		}
	})
}

func FuzzParseGlobalID(f *testing.F) {
	f.Add(GlobalID("Resource", 1))
	f.Add("UmVzb3VyY2U6MDA0Mg")
	f.Fuzz(func(t *testing.T, s string) {
		typ, n, err := ParseGlobalID(s)
		if err == nil && GlobalID(typ, n) != s {
			t.Fatalf("%q decodes to %s %d, which encodes differently", s, typ, n)
		}
	})
}

// TestApplyKeepsWhatIsLeftOut: an edit changes only the fields it gives; a
// given empty list clears one; text is trimmed; no language means English.
func TestApplyKeepsWhatIsLeftOut(t *testing.T) {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	n := 40
	d := Draft{Kind: KindGuidance, Title: "Old", Topics: []string{"charging"}, Nations: []string{"ENGLAND"},
		PublishedAt: &day, Details: Details{AppliesTo: "GPs", SampleSize: &n, Actions: []string{"register"}}}
	title, applies := "  New title ", " hospitals "
	got := ResourceEdit{Title: &title, AppliesTo: &applies, Topics: []string{}}.Apply(d)
	if got.Title != "New title" || got.Details.AppliesTo != "hospitals" {
		t.Errorf("given text: title %q, appliesTo %q", got.Title, got.Details.AppliesTo)
	}
	if got.Topics == nil || len(got.Topics) != 0 {
		t.Errorf("an empty topics list should clear them: %v", got.Topics)
	}
	if len(got.Nations) != 1 || got.PublishedAt != &day || got.Details.SampleSize != &n || len(got.Details.Actions) != 1 || got.Kind != KindGuidance {
		t.Errorf("fields left out changed: %+v", got)
	}
	if got.Language != "en" {
		t.Errorf("language %q, want en when none is given", got.Language)
	}
}
