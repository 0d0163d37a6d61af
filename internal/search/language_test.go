package search

import (
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// The examples: a query naming a language finds the translation
// in that language first.
func TestLanguageNamedFirstExamples(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, tc := range []struct{ query, want string }{
		{"farsi leaflet register with GP", "everyone-can-register-with-a-gp-fa"},
		{"GP registration leaflet in Arabic", "everyone-can-register-with-a-gp-ar"},
		{"leaflet in arabic register with gp", "everyone-can-register-with-a-gp-ar"},
		{"persian translation gp registration", "everyone-can-register-with-a-gp-fa"},
		{"urdu translation everyone can register with a GP", "everyone-can-register-with-a-gp-ur"},
		{"Urdu note for patients", "everyone-can-register-with-a-gp-ur"},
		{"arabic", "everyone-can-register-with-a-gp-ar"},
	} {
		got, _ := searchSlugs(t, ix, slugs, tc.query)
		if len(got) == 0 || got[0] != tc.want {
			t.Errorf("%q: first %v, want %s first", tc.query, got[:min(3, len(got))], tc.want)
		}
	}
}

// TestLanguageNamedFirst is the class: for every language of the shipped
// library but English, under each of its names, every translation in it
// ranks first for the name with a few words of its original's title (its
// first words, its last words, the whole title), the name before them (and
// after the first words); and the words without the name find the same resources, with the
// name only adding that language's resources.
func TestLanguageNamedFirst(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, f := range lib.Files {
		titles[f.Draft.Slug] = f.Draft.Title
	}
	names := map[string][]string{}
	for name, code := range languageWords {
		names[code] = append(names[code], name)
	}
	n := 0
	for _, f := range lib.Files {
		d := f.Draft
		primary, _, _ := strings.Cut(strings.ToLower(d.Language), "-")
		if f.Status != content.StatusPublished || d.TranslationOf == "" || primary == "en" {
			continue
		}
		if len(names[primary]) == 0 {
			t.Errorf("%s: language %q has no name in languageWords", d.Slug, d.Language)
			continue
		}
		var words []string
		for _, w := range strings.Fields(normalise(titles[d.TranslationOf])) {
			if !stopWords[w] {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			t.Fatalf("%s: original %s has no title words", d.Slug, d.TranslationOf)
		}
		few := []string{strings.Join(words[:min(3, len(words))], " "), strings.Join(words[max(0, len(words)-3):], " "), titles[d.TranslationOf]}
		for _, name := range names[primary] {
			for i, w := range few {
				without, _ := searchSlugs(t, ix, slugs, w)
				qs := []string{name + " " + w}
				if i == 0 {
					qs = append(qs, w+" in "+strings.ToUpper(name[:1])+name[1:])
				}
				for _, q := range qs {
					n++
					got, _ := searchSlugs(t, ix, slugs, q)
					if len(got) == 0 || got[0] != d.Slug {
						t.Errorf("%q: first %v, want the %s translation %s", q, got[:min(3, len(got))], d.Language, d.Slug)
					}
					for _, s := range without {
						if !slices.Contains(got, s) {
							t.Errorf("%q loses %s, which %q finds", q, s, w)
						}
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the shipped library has no translation out of English to test")
	}
}

// Adding the name of a language no shipped resource is in never changes the
// results (nor their order): every third judged query, each with a name in
// turn (Kurdish, Pashto and Tigrinya among them, which one resource names),
// before or after.
func TestAbsentLanguageNameChangesNothing(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	idx, done := ix.current()
	tags, err := languageTags(idx)
	done()
	if err != nil {
		t.Fatal(err)
	}
	var absent []string
	words := libraryWords(t, ix)
	for name, code := range languageWords {
		// A nation's adjective the library has is searched as a word
		// ("Welsh Government", README).
		if _, word := slices.BinarySearch(words, name); nationWords[name] && word {
			continue
		}
		if len(tags[code]) == 0 {
			absent = append(absent, name)
		}
	}
	slices.Sort(absent)
	if len(absent) == 0 {
		t.Fatal("every named language has resources: nothing to test")
	}
	i := 0
	for _, file := range judgedSets {
		for j, jq := range loadJudgments(t, file) {
			if j%3 != 0 {
				continue
			}
			without, _ := searchSlugs(t, ix, slugs, jq.query)
			name := absent[i%len(absent)]
			q := name + " " + jq.query
			if i%2 == 1 {
				q = jq.query + " in " + name
			}
			i++
			if with, _ := searchSlugs(t, ix, slugs, q); !slices.Equal(with, without) {
				t.Errorf("%q finds %v, %q finds %v", jq.query, without[:min(5, len(without))], q, with[:min(5, len(with))])
			}
		}
	}
}
