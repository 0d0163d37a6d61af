package search

import (
	"math"
	"regexp"
	"testing"
)

// letters is a word a compound can be made of (no inner punctuation).
var letters = regexp.MustCompile(`^\pL+$`)

// dfFuncs returns known and idf over document frequencies df in a library
// of n resources (BM25's idf, as Index.Search computes it).
func dfFuncs(df map[string]uint64, n int) (func(string) bool, func(string) float64) {
	known := func(w string) bool { _, ok := df[w]; return ok }
	idf := func(w string) float64 {
		d := float64(df[w])
		return math.Log(1 + (float64(n)-d+0.5)/(d+0.5))
	}
	return known, idf
}

// The 100,000-resource corpus has "charg" and "ing" once each (text cut
// off mid-word): "charging", in 58 % of it, became a phrase variant
// "charg ing" that cost a position read over every resource with it.
func TestCompoundSplitsOnlyIntoCommonerWords(t *testing.T) {
	known, idf := dfFuncs(map[string]uint64{
		"charging": 58000, "charg": 1, "ing": 3,
		"stopsharing": 2, "stop": 900, "sharing": 700,
		"healthcare": 300, "health": 5000, "care": 4000,
		"interpreter": 45000, "interpre": 1, "ter": 2,
	}, 100000)
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"charging", nil},
		{"interpreter", nil},
		{"stopsharing", []string{"stop sharing"}},
		{"healthcare", []string{"health care"}},
		{"missingword", nil},
	} {
		cs := compounds([]clause{{text: tc.word}}, known, idf)
		if len(cs) != 1 || !equalStrings(cs[0].variants, tc.want) {
			t.Errorf("%q: variants %v, want %v", tc.word, cs[0].variants, tc.want)
		}
	}
	// A word the library lacks is split into any two words it has.
	cs := compounds([]clause{{text: "stophealth"}}, known, idf)
	if !equalStrings(cs[0].variants, []string{"stop health"}) {
		t.Errorf("stophealth: variants %v", cs[0].variants)
	}
}

// The whole class, over the shipped library's vocabulary: every variant
// of every word the library has is two words each in more resources than
// the word itself, and every unknown joining of two words is still split.
func TestCompoundVariantsOfShippedVocabulary(t *testing.T) {
	ix, _ := shippedIndexSlugs(t, DefaultRanking)
	idx, done := ix.current()
	terms, err := vocabFrom(idx)
	done()
	if err != nil {
		t.Fatal(err)
	}
	df := map[string]uint64{}
	for w, c := range terms {
		df[w] = c
	}
	known, idf := dfFuncs(df, len(df))
	words := libraryWords(t, ix)
	split := 0
	for _, w := range words {
		for _, v := range compounds([]clause{{text: w}}, known, idf)[0].variants {
			split++
			var a, b string
			for i := range v {
				if v[i] == ' ' {
					a, b = v[:i], v[i+1:]
				}
			}
			if df[a] <= df[w] || df[b] <= df[w] {
				t.Errorf("%q (in %d) split into %q (%d) + %q (%d)", w, df[w], a, df[a], b, df[b])
			}
		}
	}
	joined := 0
	for i := 0; i+1 < len(words) && joined < 200; i += 7 {
		a, b := words[i], words[i+1]
		if !letters.MatchString(a) || !letters.MatchString(b) || len([]rune(a)) < minCompoundPart || len([]rune(b)) < minCompoundPart || known(a+b) {
			continue
		}
		joined++
		cs := compounds([]clause{{text: a + b}}, known, idf)
		found := false
		for _, v := range cs[0].variants {
			found = found || v == a+" "+b
		}
		if !found {
			t.Errorf("%q (not in the library): variants %v, want %q among them", a+b, cs[0].variants, a+" "+b)
		}
	}
	t.Logf("%d words, %d split variants, %d unknown joinings checked", len(words), split, joined)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
