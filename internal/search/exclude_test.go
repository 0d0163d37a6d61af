package search

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// minus returns the slugs of a that are not in b, sorted.
func minus(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

// The examples: a leading minus excludes a word, however it is
// typed; a lone minus or one inside a word does not.
func TestExclusionExamples(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	all, _ := searchSlugs(t, ix, slugs, "")
	gp, _ := searchSlugs(t, ix, slugs, "gp")
	charging, _ := searchSlugs(t, ix, slugs, "charging")
	wales, _ := searchSlugs(t, ix, slugs, "wales")
	if len(gp) == 0 || len(gp) == len(all) || len(minus(charging, wales)) == len(charging) {
		t.Fatalf("library changed: gp finds %d of %d, charging %d, wales %d", len(gp), len(all), len(charging), len(wales))
	}
	for _, q := range []string{"-gp", "-GP", "－ＧＰ", "-ＧＰ", "--gp"} {
		if got, _ := searchSlugs(t, ix, slugs, q); !slices.Equal(sorted(got), minus(all, gp)) {
			t.Errorf("%q finds %d resources, want the %d without gp", q, len(got), len(minus(all, gp)))
		}
	}
	for _, q := range []string{"charging -wales", "charging -Wales", "-wales charging"} {
		if got, _ := searchSlugs(t, ix, slugs, q); !slices.Equal(sorted(got), minus(charging, wales)) {
			t.Errorf("%q finds %v, want %v", q, sorted(got), minus(charging, wales))
		}
	}
	// Not exclusions: a lone minus, a minus inside a word.
	if got, _ := searchSlugs(t, ix, slugs, "- gp"); !slices.Equal(sorted(got), sorted(gp)) {
		t.Errorf(`"- gp" finds %v, "gp" %v`, got, gp)
	}
	email, _ := searchSlugs(t, ix, slugs, "email")
	if got, _ := searchSlugs(t, ix, slugs, "e-mail"); len(got) == 0 || !subset(got, email) {
		t.Errorf(`"e-mail" finds %v, "email" %v`, got, email)
	}
}

// Exclusion is set difference, whatever the words: "X -Y" finds exactly
// what X finds less what Y finds, and "-Y" the library less Y, for
// generated X (one to three library words, possibly relaxed) and Y (one or
// two library words, each excluded).
func TestExclusionIsSetDifference(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	// Words in many resources too, so that X -Y often relaxes or nearly.
	frequent := frequentWords(t, ix, 150)
	all, _ := searchSlugs(t, ix, slugs, "")
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 30; i++ {
		var x []string
		for range 1 + rng.Intn(3) {
			if rng.Intn(3) > 0 {
				x = append(x, frequent[rng.Intn(len(frequent))])
			} else {
				x = append(x, words[rng.Intn(len(words))])
			}
		}
		if i%10 == 0 {
			x = nil // only exclusions
		}
		want := all
		if len(x) > 0 {
			want, _ = searchSlugs(t, ix, slugs, strings.Join(x, " "))
		}
		q := strings.Join(x, " ")
		for range 1 + rng.Intn(2) {
			y := frequent[rng.Intn(len(frequent))]
			if rng.Intn(3) == 0 {
				y = strings.ToUpper(y)
			}
			ys, _ := searchSlugs(t, ix, slugs, y)
			want = minus(want, ys)
			q += " -" + y
		}
		if got, _ := searchSlugs(t, ix, slugs, q); !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%q finds %v, want %v", q, sorted(got), sorted(want))
		}
	}
}

// frequentWords returns the n library words (see libraryWords) in most
// resources.
func frequentWords(t *testing.T, ix *Index, n int) []string {
	t.Helper()
	words := libraryWords(t, ix)
	idx, done := ix.current()
	defer done()
	terms, err := vocabFrom(idx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(words, func(a, b string) int { return int(terms[b]) - int(terms[a]) })
	return words[:min(n, len(words))]
}
