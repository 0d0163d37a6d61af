package search

import (
	"context"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

func searchSlugs(t *testing.T, ix *Index, slugs map[int64]string, text string) ([]string, *content.SearchPage) {
	t.Helper()
	return searchPage(t, ix, slugs, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 100, NoFacets: true, NoHighlights: true, NoSuggestion: true})
}

// searchPage runs a search on the index and returns the slugs of its hits
// in rank order, with the page.
func searchPage(t *testing.T, ix *Index, slugs map[int64]string, q content.SearchQuery) ([]string, *content.SearchPage) {
	t.Helper()
	page, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range page.Hits {
		out = append(out, slugs[h.ID])
	}
	return out, page
}

// The dead ends: each finds the resource it asks for.
func TestNoDeadEndsExamples(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, tc := range []struct{ query, want string }{
		{"StopSharing campaign", "stop-sharing-patient-data"},
		{"NRPF healthcare", "no-recourse-to-public-funds-and-the-nhs"},
		{"no recourse to public funds healthcare", "no-recourse-to-public-funds-and-the-nhs"},
		{"e-mail", ""},
	} {
		got, page := searchSlugs(t, ix, slugs, tc.query)
		t.Logf("%q: %d results, omitted %q, top %v", tc.query, page.Total, page.OmittedWords, got[:min(3, len(got))])
		if tc.want != "" && !slices.Contains(got[:min(3, len(got))], tc.want) {
			t.Errorf("%q: top three %v, want %s among them", tc.query, got[:min(3, len(got))], tc.want)
		}
	}
}

// libraryWords are the unstemmed words of the shipped library that a query
// can match alone (no stop words, no one-letter words), sorted.
func libraryWords(t *testing.T, ix *Index) []string {
	t.Helper()
	idx, done := ix.current()
	defer done()
	terms, err := vocabFrom(idx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for w := range terms {
		if len([]rune(w)) > 2 && !stopWords[w] {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// No query made of words the library has is a dead end, whatever their
// combination; a word it lacks is reported as omitted.
func TestNoDeadEndsGenerated(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		var q []string
		for range 2 + rng.Intn(3) {
			q = append(q, words[rng.Intn(len(words))])
		}
		text := strings.Join(q, " ")
		if _, page := searchSlugs(t, ix, slugs, text); page.Total == 0 {
			t.Errorf("%q: no results", text)
		}
		text += " zzqxv"
		if _, page := searchSlugs(t, ix, slugs, text); page.Total == 0 || !slices.Contains(page.OmittedWords, "zzqxv") {
			t.Errorf("%q: %d results, omitted %q; want results and zzqxv omitted", text, page.Total, page.OmittedWords)
		}
	}
}

// Words naming a kind, a field or a language only raise results: adding one never
// removes a result.
func TestKindWordsNeverNarrow(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 8; i++ {
		w := words[rng.Intn(len(words))]
		if i == 0 {
			w = "guidance" // a kind word alone, then with others
		}
		alone, _ := searchSlugs(t, ix, slugs, w)
		var optional []string
		for kw := range kindWords {
			optional = append(optional, kw)
		}
		for lw := range languageWords {
			// A nation's adjective the library has is a word (README).
			if _, word := slices.BinarySearch(words, lw); !nationWords[lw] || !word {
				optional = append(optional, lw)
			}
		}
		for _, kw := range optional {
			if with, _ := searchSlugs(t, ix, slugs, w+" "+kw); !subset(alone, with) {
				t.Errorf("%q finds %v but %q finds %v", w, alone, w+" "+kw, with)
			}
		}
	}
}

// Compound variants are the same word: "ab" and "a-b" find every resource
// with the phrase "a b", and "a-b" finds only those or ones with "ab".
func TestCompoundVariants(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, tc := range [][2]string{{"health", "care"}, {"stop", "sharing"}, {"data", "sharing"}, {"mystery", "shopping"}, {"front", "line"}, {"safe", "surgeries"}, {"primary", "care"}} {
		a, b := tc[0], tc[1]
		phrase, _ := searchSlugs(t, ix, slugs, `"`+a+" "+b+`"`)
		joined, _ := searchSlugs(t, ix, slugs, a+b)
		hyphen, _ := searchSlugs(t, ix, slugs, a+"-"+b)
		apart, _ := searchSlugs(t, ix, slugs, a+" "+b)
		if !subset(phrase, joined) || !subset(phrase, hyphen) || !subset(phrase, apart) {
			t.Errorf("%s %s: phrase finds %v; joined %v, hyphenated %v, apart %v", a, b, phrase, joined, hyphen, apart)
		}
		if !subset(hyphen, append(append([]string{}, phrase...), joined...)) {
			t.Errorf("%s-%s finds %v, beyond the phrase %v and the joined word %v", a, b, hyphen, phrase, joined)
		}
		if !subset(joined, apart) {
			t.Errorf("%s%s finds %v, %s %s only %v", a, b, joined, a, b, apart)
		}
	}
	// "e-mail" must not match through the E of "A&E".
	ae, _ := searchSlugs(t, ix, slugs, `"a&e"`)
	em, _ := searchSlugs(t, ix, slugs, "e-mail")
	for _, s := range em {
		if slices.Contains(ae, s) {
			email, _ := searchSlugs(t, ix, slugs, "email")
			if !slices.Contains(email, s) {
				t.Errorf("e-mail finds %s through A&E", s)
			}
		}
	}
}

// Breaker3's F7: "clinical commissioning group" (a synonyms line the
// library never uses) found nothing although each of its words is in the
// library, while "clinical commissioning groups" found 26.
func TestUnusedSynonymGroupIsNoDeadEnd(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, q := range []string{"clinical commissioning group", "clinical commissioning groups"} {
		if _, page := searchSlugs(t, ix, slugs, q); page.Total == 0 {
			t.Errorf("%q: no results", q)
		}
	}
}

// The class of TestUnusedSynonymGroupIsNoDeadEnd: every multi-word
// alternative of synonyms.txt, typed unquoted alone, in capitals, and
// with a library word or a word the library lacks, finds something
// whenever one of its words (stop words aside) is in the library, and
// never reports as omitted a word it did not type.
func TestSynonymAlternativesAreNoDeadEnds(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(7))
	idx, done := ix.current()
	terms, err := vocabFrom(idx)
	done()
	if err != nil {
		t.Fatal(err)
	}
	var alts []string
	for k := range synonyms {
		if strings.Contains(k, " ") {
			alts = append(alts, k)
		}
	}
	slices.Sort(alts)
	if len(alts) == 0 {
		t.Fatal("no multi-word synonym alternatives")
	}
	n := 0
	for _, a := range alts {
		inLibrary := false
		for _, w := range strings.Fields(a) {
			if _, ok := terms[w]; ok && !stopWords[w] {
				inLibrary = true
			}
		}
		for _, q := range []string{a, strings.ToUpper(a), a + " " + words[rng.Intn(len(words))], a + " zzqxv"} {
			n++
			_, page := searchSlugs(t, ix, slugs, q)
			if inLibrary && page.Total == 0 {
				t.Errorf("%q: no results, though a word of %q is in the library", q, a)
			}
			typed := strings.Fields(strings.ToLower(q))
			for _, o := range page.OmittedWords {
				for _, w := range strings.Fields(o) {
					if !slices.Contains(typed, w) {
						t.Errorf("%q: omitted %q, which was not typed", q, o)
					}
				}
			}
		}
	}
	t.Logf("%d queries over %d multi-word alternatives", n, len(alts))
}
