package search

import (
	"context"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestSynonymGroupsFindTheSame: every alternative of every line of
// synonyms.txt, typed alone, finds exactly the resources each other
// alternative of its line finds (a line is one meaning, expanded both ways),
// and at least one line's words are in the library (the file is not dead).
func TestSynonymGroupsFindTheSame(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	found := 0
	for _, line := range strings.Split(synonymFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		alts := strings.Split(line, "|")
		if !groupUsed(t, ix, synonyms[synonymKey(strings.TrimSpace(alts[0]))]) {
			// Each alternative is searched as its words (splitUnusedGroups).
			continue
		}
		var first []string
		for i, a := range alts {
			a = strings.TrimSpace(a)
			got, _ := searchSlugs(t, ix, slugs, a)
			slices.Sort(got)
			if i == 0 {
				first = got
				if len(got) > 0 {
					found++
				}
				continue
			}
			if !slices.Equal(got, first) {
				t.Errorf("synonyms line %q: %q finds %v, %q finds %v", line, strings.TrimSpace(alts[0]), first, a, got)
			}
		}
	}
	if found == 0 {
		t.Error("no synonyms line finds anything in the shipped library")
	}
}

// TestSynonymGroupsFindTheSameWithAnotherWord is the class of
// TestSynonymGroupsFindTheSame: each alternative of a group, typed as
// people type it (as in the file, in capitals, with a typographic
// apostrophe) and followed by the same other word, finds the same
// resources. The other words are library words drawn at random, plus words
// that take other paths through the query parser: a kind word, a language
// name, a misspelt word, words the library also writes joined to a
// neighbour, a word of another group and a word the library lacks. Each
// group is tried with three of them in turn, so that every word meets
// several groups and the test takes seconds.
func TestSynonymGroupsFindTheSameWithAnotherWord(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(3))
	others := []string{"policy", "arabic", "registraion", "health", "care", "tb", "zzqxv"}
	for range 6 {
		others = append(others, words[rng.Intn(len(words))])
	}
	// A group is every alternative that maps to it (lines sharing an
	// alternative are one group).
	seen := map[string]bool{}
	var groups [][]string
	for _, alts := range synonyms {
		if !seen[alts[0]] {
			seen[alts[0]] = true
			groups = append(groups, alts)
		}
	}
	// longer reports whether the words start a longer alternative of any
	// group ("gp" and "surgery" make "gp surgery"): then the alternatives
	// rightly differ.
	longer := func(text string) bool {
		for k := range synonyms {
			if k == text || strings.HasPrefix(k, text+" ") {
				return true
			}
		}
		return false
	}
	n := 0
	slices.SortFunc(groups, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	for gi, g := range groups {
		if !groupUsed(t, ix, g) {
			continue // searched as its words: TestSynonymAlternativesAreNoDeadEnds
		}
		typed := slices.Clone(g)
		for _, a := range g {
			typed = append(typed, strings.ToUpper(a))
			if strings.Contains(a, "'") {
				typed = append(typed, strings.ReplaceAll(a, "'", "\u2019"))
			}
		}
		for k := range 3 {
			w := others[(3*gi+k)%len(others)]
			if slices.ContainsFunc(g, func(a string) bool { return longer(a + " " + w) }) {
				continue
			}
			var first []string
			for i, a := range typed {
				got, _ := searchSlugs(t, ix, slugs, a+" "+w)
				slices.Sort(got)
				n++
				if i == 0 {
					first = got
					continue
				}
				if !slices.Equal(got, first) {
					t.Errorf("group %q: %q finds %v, %q finds %v", g, typed[0]+" "+w, first, a+" "+w, got)
				}
			}
		}
	}
	t.Logf("%d queries over %d groups", n, len(groups))
}

// groupUsed reports whether any resource of the index matches a synonym
// group (any of its alternatives).
func groupUsed(t *testing.T, ix *Index, alts []string) bool {
	t.Helper()
	idx, done := ix.current()
	defer done()
	n, err := count(context.Background(), idx, textQuery(clause{text: alts[0], alternatives: alts}, ix.presentGroups(), ix.rank, nil))
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestQuotedPluralOfASynonymIsTheSynonym: a quoted plural or possessive
// of a synonym alternative ("\"family doctors\"", "\"ICBs\"") finds what
// the quoted alternative finds (the oracle), as it does unquoted
// (breaker8: "\"family doctors\"" found nothing where "family doctors"
// found 35), for every alternative of several words and every acronym of
// the synonym list, on the shipped library.
func TestQuotedPluralOfASynonymIsTheSynonym(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	var alts []string
	for a := range synonyms {
		if strings.ContainsAny(a, "&'") {
			continue
		}
		if strings.Contains(a, " ") || len([]rune(a)) <= 4 {
			alts = append(alts, a)
		}
	}
	slices.Sort(alts)
	checked := 0
	for _, a := range alts {
		want, _ := searchSlugs(t, ix, slugs, `"`+a+`"`)
		for _, form := range []string{a + "s", a + "'s", a + "’s"} {
			if _, isAlt := synonyms[form]; isAlt {
				continue // the plural is an alternative of its own
			}
			got, _ := searchSlugs(t, ix, slugs, `"`+form+`"`)
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Errorf("%q finds %d resources, %q %d", `"`+form+`"`, len(got), `"`+a+`"`, len(want))
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d forms checked", checked)
	}
}
