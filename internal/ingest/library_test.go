package ingest

import (
	"os"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// TestShippedLibrary lints resources/: every file parses, links resolve,
// the library has at least 16 guidance documents, 8 research briefs and 10
// policy positions (translations not counted), every resource cites sources
// and has review dates, and the short registration note exists in English
// and at least three other languages.
func TestShippedLibrary(t *testing.T) {
	lib, err := Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lib.Errors {
		t.Errorf("shipped resource: %v", e)
	}
	perKind := map[content.Kind]int{}
	for _, f := range lib.Files {
		d := f.Draft
		if f.Status == content.StatusPublished && d.TranslationOf == "" {
			perKind[d.Kind]++
		}
		if len(d.Sources) == 0 || d.LastReviewedAt == nil || d.NextReviewDue == nil {
			t.Errorf("%s: needs sources and review dates", f.Path)
		}
		for i, s := range d.Sources {
			if s.Publisher == "" {
				t.Errorf("%s: source %d has no publisher", f.Path, i)
			}
		}
	}
	for k, min := range map[content.Kind]int{content.KindGuidance: 16, content.KindResearchBrief: 8, content.KindPolicyPosition: 10} {
		if perKind[k] < min {
			t.Errorf("%s: %d published resources, want at least %d", k, perKind[k], min)
		}
	}
	langs := map[string]bool{}
	for _, f := range lib.Files {
		if f.Draft.TranslationOf == "everyone-can-register-with-a-gp" {
			langs[f.Draft.Language] = true
		}
	}
	if len(langs) < 3 {
		t.Errorf("the registration note has translations in %v, want at least three languages", langs)
	}
}

// TestTaxonomyDocumented keeps docs/taxonomy.md in step with the topics the
// API serves.
func TestTaxonomyDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/taxonomy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, topic := range content.Topics {
		row := "| `" + topic.Slug + "` | " + topic.Name + " | " + topic.Description + " |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/taxonomy.md lacks the row %q", row)
		}
	}
	if n := strings.Count(doc, "\n| `"); n != len(content.Topics) {
		t.Errorf("docs/taxonomy.md has %d topic rows, the code %d", n, len(content.Topics))
	}
}
