package graph

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"guidancehub/internal/content"
)

// TestDiffNamesEveryInputField (breaker7 F7): editorial { diff } names a
// change by the ResourceInput field an editor sets (the oracle: the
// schema's own ResourceInput, read from the executable schema), for every
// one of them, and writes its values as the input takes them. For each
// field of ResourceInput, one draft is changed in that field alone: the
// diff lists exactly that name; a date is YYYY-MM-DD, a number in digits,
// a list or the sources JSON with the input's names (no storage names such
// as sample_size, no timestamps). A field of ResourceInput the test cannot
// change fails it, so a field added later must be diffed too.
func TestDiffNamesEveryInputField(t *testing.T) {
	cfg := Config{Resolvers: &Resolver{}}
	cfg.Directives.HasRole = hasRole
	input := NewExecutableSchema(cfg).Schema().Types["ResourceInput"]
	if input == nil {
		t.Fatal("no ResourceInput in the schema")
	}
	day := func(s string) *time.Time {
		d, _ := time.Parse(content.DateLayout, s)
		return &d
	}
	n := 40
	base := content.Draft{Kind: content.KindResearchBrief, Slug: "a", Title: "T", Summary: "S", Body: "B", Topics: []string{"charging"},
		Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "de", TranslationOf: "orig", TranslationStatus: "needs review",
		PublishedAt: day("2025-01-01"), LastReviewedAt: day("2025-02-01"), NextReviewDue: day("2026-02-01"),
		Sources: []content.Source{{Title: "Act", Publisher: "P", URL: "https://x.example", Date: day("2024-05-06")}}, Related: []string{"b"},
		Details: content.Details{AppliesTo: "all", Actions: []string{"x"}, Methods: "m1", Sample: "s1", SampleSize: &n, Period: "2019",
			KeyFindings: []string{"k1"}, Recommendations: []string{"r1"}, Rationale: "why", Campaign: "c"}}
	m := 41
	change := map[string]func(d *content.Draft){
		"kind":              func(d *content.Draft) { d.Kind = content.KindGuidance },
		"slug":              func(d *content.Draft) { d.Slug = "b" },
		"title":             func(d *content.Draft) { d.Title = "T2" },
		"summary":           func(d *content.Draft) { d.Summary = "S2" },
		"body":              func(d *content.Draft) { d.Body = "B2" },
		"topics":            func(d *content.Draft) { d.Topics = []string{"maternity"} },
		"audiences":         func(d *content.Draft) { d.Audiences = []string{"CLINICIANS"} },
		"nations":           func(d *content.Draft) { d.Nations = []string{"WALES"} },
		"language":          func(d *content.Draft) { d.Language = "fr" },
		"translationOf":     func(d *content.Draft) { d.TranslationOf = "other" },
		"translationStatus": func(d *content.Draft) { d.TranslationStatus = "reviewed" },
		"publishedAt":       func(d *content.Draft) { d.PublishedAt = day("2025-01-02") },
		"lastReviewedAt":    func(d *content.Draft) { d.LastReviewedAt = day("2025-02-02") },
		"nextReviewDue":     func(d *content.Draft) { d.NextReviewDue = day("2026-02-02") },
		"sources":           func(d *content.Draft) { d.Sources = []content.Source{{Title: "Act 2", Date: day("2024-05-07")}} },
		"related":           func(d *content.Draft) { d.Related = []string{"c"} },
		"appliesTo":         func(d *content.Draft) { d.Details.AppliesTo = "some" },
		"actions":           func(d *content.Draft) { d.Details.Actions = []string{"y"} },
		"methods":           func(d *content.Draft) { d.Details.Methods = "m2" },
		"sample":            func(d *content.Draft) { d.Details.Sample = "s2" },
		"sampleSize":        func(d *content.Draft) { d.Details.SampleSize = &m },
		"period":            func(d *content.Draft) { d.Details.Period = "2020" },
		"keyFindings":       func(d *content.Draft) { d.Details.KeyFindings = []string{"k2"} },
		"recommendations":   func(d *content.Draft) { d.Details.Recommendations = []string{"r2"} },
		"rationale":         func(d *content.Draft) { d.Details.Rationale = "because" },
		"campaign":          func(d *content.Draft) { d.Details.Campaign = "c2" },
	}
	storage := regexp.MustCompile(`_[a-z]|T00:00:00`)
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	if d := diffDrafts(&base, &base); len(d) != 0 {
		t.Fatalf("a draft against itself: %+v", d)
	}
	for _, f := range input.Fields {
		mod, ok := change[f.Name]
		if !ok {
			t.Errorf("ResourceInput.%s: the test cannot change it (add it here and to diffDrafts)", f.Name)
			continue
		}
		b := base
		b.Details = base.Details
		mod(&b)
		got := diffDrafts(&base, &b)
		if len(got) != 1 || got[0].Field != f.Name || got[0].To == nil || got[0].From == nil {
			t.Errorf("ResourceInput.%s changed alone: diff %+v", f.Name, got)
			continue
		}
		for _, v := range []string{*got[0].From, *got[0].To} {
			if storage.MatchString(v) {
				t.Errorf("%s: value %q has a storage name or a timestamp", f.Name, v)
			}
			if f.Type.Name() == "Date" && !date.MatchString(v) {
				t.Errorf("%s: date %q is not YYYY-MM-DD", f.Name, v)
			}
		}
	}
	for name := range change {
		if !slices.ContainsFunc(input.Fields, func(f *ast.FieldDefinition) bool { return f.Name == name }) {
			t.Errorf("%s is not a ResourceInput field", name)
		}
	}
}
