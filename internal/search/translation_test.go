package search

import (
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// TestTranslationsFoundByTheirOriginalsName: a translation's text does not
// say its original's English words, yet people look for it by them ("Urdu
// translation everyone can register with a GP"). For every translation in
// the shipped library, the words of its original's slug find it, and with
// the language's name added ("urdu everyone can register with a gp") it is
// among the first three results.
func TestTranslationsFoundByTheirOriginalsName(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for name, code := range languageWords {
		if _, taken := names[code]; !taken || name < names[code] {
			names[code] = name
		}
	}
	n := 0
	for _, f := range lib.Files {
		d := f.Draft
		if f.Status != content.StatusPublished || d.TranslationOf == "" {
			continue
		}
		n++
		words := strings.ReplaceAll(d.TranslationOf, "-", " ")
		if got, _ := searchSlugs(t, ix, slugs, words); !slices.Contains(got, d.Slug) {
			t.Errorf("%q (the original's name) does not find its translation %s: %v", words, d.Slug, got)
		}
		name, ok := names[strings.ToLower(d.Language)]
		if !ok {
			t.Errorf("%s: language %q has no name in languageWords", d.Slug, d.Language)
			continue
		}
		q := name + " " + words
		if got, _ := searchSlugs(t, ix, slugs, q); len(got) < 3 || !slices.Contains(got[:3], d.Slug) {
			t.Errorf("%q: translation %s not in the first three: %v", q, d.Slug, got)
		}
	}
	if n == 0 {
		t.Fatal("the shipped library has no translation to test")
	}
}
