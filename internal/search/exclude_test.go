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

// exclusionForms returns generated forms of an excluded word Y, each of a
// kind a search for Y alone rewrites before searching (breaker7 F13):
// the plural and possessive of a synonym acronym ("ICBs", "GP's", with a
// typographic apostrophe too), a library word written with a hyphen
// inside ("in-patient" for "inpatient"), two to six library words joined
// by hyphens (a joined word the library does not have: searched as its
// words), a misspelt library word (one letter dropped or two swapped),
// and a quoted phrase of two library words.
func exclusionForms(rng *rand.Rand, words []string) []string {
	var acronyms []string
	for alt := range synonyms {
		if n := len([]rune(alt)); n >= 2 && n <= 4 && !strings.ContainsAny(alt, " &-'") {
			acronyms = append(acronyms, alt)
		}
	}
	slices.Sort(acronyms)
	word := func() string { return words[rng.Intn(len(words))] }
	var out []string
	for len(out) < 60 {
		switch len(out) % 6 {
		case 0:
			a := acronyms[rng.Intn(len(acronyms))]
			if rng.Intn(2) == 0 {
				a = strings.ToUpper(a)
			}
			out = append(out, a+[]string{"s", "'s", "’s", "S"}[rng.Intn(4)])
		case 1:
			w := []rune(word())
			if len(w) < 6 {
				continue
			}
			k := 2 + rng.Intn(len(w)-3)
			out = append(out, string(w[:k])+"-"+string(w[k:]))
		case 2:
			n := 2 + rng.Intn(5)
			ws := make([]string, n)
			for i := range ws {
				ws[i] = word()
			}
			out = append(out, strings.Join(ws, "-"))
		case 3:
			w := []rune(word())
			if len(w) < 7 {
				continue
			}
			k := 1 + rng.Intn(len(w)-2)
			if rng.Intn(2) == 0 {
				w = append(w[:k:k], w[k+1:]...)
			} else {
				w[k], w[k+1] = w[k+1], w[k]
			}
			out = append(out, string(w))
		case 4:
			out = append(out, `"`+word()+" "+word()+`"`)
		case 5:
			out = append(out, word())
		}
	}
	return out
}

// TestExclusionIsSetDifferenceForEveryForm checks "X -Y finds exactly
// what X finds less what Y finds" (README, Search) against the search for
// Y alone, the oracle, for every form of exclusionForms (breaker7 F13:
// "register -ICBs" found 25 where "register -ICB" found 17, "register
// -in-patient" left out every "patient"), with X one or two of the
// library's frequent words, and "-Y" alone against the whole library.
func TestExclusionIsSetDifferenceForEveryForm(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	frequent := frequentWords(t, ix, 150)
	all, _ := searchSlugs(t, ix, slugs, "")
	rng := rand.New(rand.NewSource(41))
	// The breaker's examples first.
	ys := append([]string{"ICBs", "ICB's", "icbs", "ICBS", "GPs", "gps", "GP's", "in-patient", `"in-patient"`,
		"confidentiality-when-gps-disclose-information-police", "end-upfront-charging",
		// breaker8: a language's name finds its resources, which its
		// exclusion left in; a quoted plural of a synonym.
		"farsi", "Farsi", "arabic", "urdu", "persian", `"family doctors"`, `"failed asylum seekers"`, `"-gp"`, `"—charging"`}, exclusionForms(rng, words)...)
	changed := 0
	for i, y := range ys {
		var x []string
		if i%7 != 6 {
			for range 1 + rng.Intn(2) {
				x = append(x, frequent[rng.Intn(len(frequent))])
			}
		}
		if i < 20 {
			x = []string{"register"}
		}
		want := all
		if len(x) > 0 {
			want, _ = searchSlugs(t, ix, slugs, strings.Join(x, " "))
		}
		alone, _ := searchSlugs(t, ix, slugs, y)
		want = minus(want, alone)
		q := strings.TrimSpace(strings.Join(x, " ") + " -" + y)
		got, _ := searchSlugs(t, ix, slugs, q)
		if !slices.Equal(sorted(got), want) {
			t.Errorf("%q finds %d resources, want %d: %q alone finds %d", q, len(got), len(want), y, len(alone))
		}
		if len(alone) > 0 {
			changed++
		}
	}
	if changed < len(ys)/3 {
		t.Fatalf("only %d of %d excluded forms find anything alone", changed, len(ys))
	}
}
