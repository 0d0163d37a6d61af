package search

import (
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// libraryBigrams returns the pairs of neighbouring words (neither a stop
// word, each at least three letters) in the titles, summaries and bodies
// of the shipped English resources, sorted.
func libraryBigrams(t *testing.T) []string {
	t.Helper()
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	word := regexp.MustCompile(`[\pL\pN]+`)
	stop := regexp.MustCompile(`[.,;:()\n!?"'’/–—-]`)
	seen := map[string]bool{}
	var out []string
	for _, f := range lib.Files {
		if f.Status != content.StatusPublished || f.Draft.Language != "en" {
			continue
		}
		for _, text := range []string{f.Draft.Title, f.Draft.Summary, f.Draft.Body} {
			for _, part := range stop.Split(text, -1) {
				ws := word.FindAllString(strings.ToLower(part), -1)
				for i := 0; i+1 < len(ws); i++ {
					a, b := ws[i], ws[i+1]
					if stopWords[a] || stopWords[b] || len(a) < 3 || len(b) < 3 {
						continue
					}
					if k := a + " " + b; !seen[k] {
						seen[k] = true
						out = append(out, k)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Two words that the library uses as a phrase find the resources with the
// phrase first, before those that have both words apart: generated over
// the library's own neighbouring words.
func TestLibraryPhrasesRankFirst(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	bigrams := libraryBigrams(t)
	rng := rand.New(rand.NewSource(7))
	tried := 0
	for i := 0; i < 60; i++ {
		q := bigrams[rng.Intn(len(bigrams))]
		phrase, _ := searchSlugs(t, ix, slugs, `"`+q+`"`)
		got, _ := searchSlugs(t, ix, slugs, q)
		if len(phrase) == 0 || len(got) == len(phrase) {
			continue // a phrase across a line break, or nothing else to rank below it
		}
		tried++
		if !subset(got[:len(phrase)], phrase) {
			t.Errorf("%q: first %v, want the resources with the phrase %v first", q, got[:len(phrase)], phrase)
		}
	}
	if tried < 40 {
		t.Errorf("only %d library phrases tried", tried)
	}
}
