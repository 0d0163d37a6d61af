package content

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func validLibraryDraft() Draft {
	d := func(s string) *Date { t, _ := ParseDate(s); return &t }
	return Draft{Kind: KindGuidance, Slug: "a-guide", Title: "A guide", Summary: "What it says.", Body: strings.Repeat("word ", 300),
		Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "en",
		PublishedAt: d("2025-01-01"), LastReviewedAt: d("2025-02-01"), NextReviewDue: d("2026-02-01"),
		Sources: []Source{{Title: "A source", URL: "https://example.org/"}}}
}

// TestOneRuleSet: from a valid library draft, each broken rule is found by
// the library rules under its file spelling, and the API's rules find it
// too unless the rule is the library's own; the library never accepts what
// the API refuses.
func TestOneRuleSet(t *testing.T) {
	base := validLibraryDraft()
	if ps := base.Check(Rules{Publish: true, Library: true}); len(ps) > 0 {
		t.Fatalf("the valid draft breaks %v", ps)
	}
	neg := -1
	cases := []struct {
		name      string
		edit      func(*Draft)
		apiField  string // "" when only the library holds the rule
		fileField string
	}{
		{"bad kind", func(d *Draft) { d.Kind = "ESSAY" }, "kind", "kind"},
		{"bad slug", func(d *Draft) { d.Slug = "A Guide" }, "slug", "slug"},
		{"no title", func(d *Draft) { d.Title = "" }, "title", "title"},
		{"long summary", func(d *Draft) { d.Summary = strings.Repeat("x", MaxSummary+1) }, "summary", "summary"},
		{"empty body", func(d *Draft) { d.Body = " " }, "body", "body"},
		{"short body", func(d *Draft) { d.Body = "too short" }, "", "body"},
		{"unknown topic", func(d *Draft) { d.Topics = []string{"charging", "astrology"} }, "topics[1]", "topics"},
		// breaker7 F5: a published resource has what a file has, whichever
		// door published it.
		{"no topics", func(d *Draft) { d.Topics = nil }, "topics", "topics"},
		{"no nations", func(d *Draft) { d.Nations = nil }, "nations", "nations"},
		{"no audiences", func(d *Draft) { d.Audiences = nil }, "audiences", "audiences"},
		{"brief without findings", func(d *Draft) { d.Kind = KindResearchBrief; d.Details.Methods = "a survey" }, "keyFindings", "key_findings"},
		{"position without asks", func(d *Draft) { d.Kind = KindPolicyPosition; d.Details.Rationale = "because" }, "recommendations", "recommendations"},
		{"published in the future", func(d *Draft) { y := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC); d.PublishedAt = &y }, "publishedAt", "published"},
		{"bad language", func(d *Draft) { d.Language = "english!" }, "language", "language"},
		{"translation of itself", func(d *Draft) { d.TranslationOf = "a-guide"; d.TranslationStatus = "reviewed" }, "translationOf", "translation_of"},
		{"translation without status", func(d *Draft) { d.TranslationOf = "other" }, "translationStatus", "translation_status"}, // breaker5 F7
		{"status without translation", func(d *Draft) { d.TranslationStatus = "reviewed" }, "translationStatus", "translation_status"},
		{"review order", func(d *Draft) { d.NextReviewDue = d.LastReviewedAt }, "nextReviewDue", "next_review"},
		{"reviewed before published", func(d *Draft) { d.LastReviewedAt, d.PublishedAt = d.PublishedAt, d.LastReviewedAt }, "lastReviewedAt", "last_reviewed"},
		{"no published date", func(d *Draft) { d.PublishedAt = nil }, "", "published"},
		{"source url", func(d *Draft) { d.Sources[0].URL = "javascript:alert(1)" }, "sources[0].url", "sources[0].url"},
		{"source without link", func(d *Draft) { d.Sources[0].URL = "" }, "sources[0]", "sources[0]"},
		{"no sources", func(d *Draft) { d.Sources = nil }, "sources", "sources"},
		{"related to itself", func(d *Draft) { d.Related = []string{"a-guide"} }, "related[0]", "related"},
		{"field of another kind", func(d *Draft) { d.Details.Methods = "survey" }, "methods", "methods"}, // breaker5 F7
		{"negative sample", func(d *Draft) { d.Details.SampleSize = &neg }, "sampleSize", "sample_size"},
	}
	for _, c := range cases {
		d := validLibraryDraft()
		c.edit(&d)
		fields := func(ps []*Error) map[string]bool {
			m := map[string]bool{}
			for _, p := range ps {
				m[p.Field] = true
			}
			return m
		}
		file := fields(d.Check(Rules{Publish: true, Library: true, Spell: FileFieldName}))
		api := fields(d.Check(Rules{Publish: true}))
		if !file[c.fileField] {
			t.Errorf("%s: the library rules found %v, want %s", c.name, file, c.fileField)
		}
		if c.apiField == "" && len(api) > 0 || c.apiField != "" && !api[c.apiField] {
			t.Errorf("%s: the API's rules found %v, want %q", c.name, api, c.apiField)
		}
		for f := range api {
			if !file[FileFieldName(f)] {
				t.Errorf("%s: the API refuses %s but the library accepts it", c.name, f)
			}
		}
	}
}

// TestCheckReviewDateAgainstTheEarliestZone: over generated instants and
// dates around them, a review date is refused exactly when it is after the
// calendar date in UTC+14 (Line Islands, the earliest zone) at that
// instant: the oracle is the time package's own zone conversion.
func TestCheckReviewDateAgainstTheEarliestZone(t *testing.T) {
	kiritimati := time.FixedZone("UTC+14", 14*60*60)
	rng := rand.New(rand.NewPCG(14, 9110))
	for range 20000 {
		now := time.Unix(rng.Int64N(4102444800), 0) // 1970 to 2100
		y, m, d := now.In(kiritimati).Date()
		latest := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		last := time.Date(now.Year(), now.Month(), now.Day()+rng.IntN(7)-3, 0, 0, 0, 0, time.UTC)
		err := CheckReviewDate("lastReviewedAt", last, now)
		if want := last.After(latest); (err != nil) != want {
			t.Fatalf("now %s, review %s: refused %v, want %v", now.UTC(), last.Format(DateLayout), err != nil, want)
		}
		if err != nil && (err.Code != EINVALID || err.Field != "lastReviewedAt") {
			t.Fatalf("error %+v", err)
		}
	}
}
