package ingest

import (
	"testing"

	"guidancehub/internal/content"
)

// TestShippedLibrary lints resources/: every file parses, links resolve,
// each kind has at least four published resources, and every resource
// cites sources and has review dates.
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
	for _, k := range content.Kinds {
		if perKind[k] < 4 {
			t.Errorf("%s: %d published resources, want at least 4", k, perKind[k])
		}
	}
}
