package search

import (
	"bufio"
	"context"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"guidancehub/internal/content"
)

func readLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, sc.Text())
		}
	}
	return out
}

func suggestionFor(t *testing.T, ix *Index, q string) string {
	t.Helper()
	page, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Suggestion == nil {
		return ""
	}
	return *page.Suggestion
}

// TestSuggestionPrecisionAndRecall runs the two suggestion lists written
// independently of this code: correctly spelled queries (no suggestion may
// appear: goal 100%) and one-typo queries (the right suggestion must
// appear: goal at least 90%).
func TestSuggestionPrecisionAndRecall(t *testing.T) {
	ix := shippedIndex(t)
	correct := readLines(t, "testdata/suggest-correct.txt")
	var wrong []string
	for _, q := range correct {
		if s := suggestionFor(t, ix, q); s != "" {
			wrong = append(wrong, q+" → "+s)
		}
	}
	typos := readLines(t, "testdata/suggest-typos.tsv")
	var missed []string
	right := 0
	for _, l := range typos {
		q, want, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("suggest-typos.tsv: no tab in %q", l)
		}
		if s := suggestionFor(t, ix, q); s == normalise(want) {
			right++
		} else {
			missed = append(missed, q+" → "+s+" (want "+want+")")
		}
	}
	if len(correct) < 30 || len(typos) < 30 {
		t.Fatalf("%d correct and %d typo queries, want at least 30 of each", len(correct), len(typos))
	}
	untouched := float64(len(correct)-len(wrong)) / float64(len(correct))
	recall := float64(right) / float64(len(typos))
	t.Logf("correct queries left alone: %d/%d (%.0f%%); typos corrected right: %d/%d (%.0f%%)", len(correct)-len(wrong), len(correct), 100*untouched, right, len(typos), 100*recall)
	if len(wrong) > 0 {
		t.Errorf("suggestions for correctly spelled queries:\n  %s", strings.Join(wrong, "\n  "))
	}
	if recall < 0.9 || testing.Verbose() {
		msg := "typos not corrected right:\n  " + strings.Join(missed, "\n  ")
		if recall < 0.9 {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// Breaker3's F8: "teh" was offered "ten". The class: every English stop
// word of four letters or more (letters only), mistyped by swapping two neighbouring
// letters or dropping one, alone and before a library word, is never
// "corrected" into another word.
func TestStopWordTyposAreNotCorrected(t *testing.T) {
	ix := shippedIndex(t)
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(5))
	if s := suggestionFor(t, ix, "teh"); s != "" {
		t.Errorf("teh: suggestion %q", s)
	}
	var stops []string
	for s := range stopWords {
		if len([]rune(s)) >= 4 && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			stops = append(stops, s)
		}
	}
	slices.Sort(stops)
	n := 0
	for _, s := range stops {
		rs := []rune(s)
		i := rng.Intn(len(rs) - 1)
		swapped := append([]rune(nil), rs...)
		swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
		dropped := string(rs[:i]) + string(rs[i+1:])
		for _, typo := range []string{string(swapped), dropped} {
			if typo == s || stopWords[typo] || inDictionary(typo) {
				continue
			}
			for _, q := range []string{typo, typo + " " + words[rng.Intn(len(words))]} {
				n++
				if sug := suggestionFor(t, ix, q); sug != "" && strings.Fields(sug)[0] != typo {
					t.Errorf("%q (a typo of %q): suggestion %q", q, s, sug)
				}
			}
		}
	}
	t.Logf("%d queries", n)
}

// TestNoSuggestionFromOneLetter (breaker7 F4): a word of one letter, in
// any script and with or without combining marks ("é", "e\u0301", "ё",
// "日", the Arabic tatweel), alone or beside a library word, is never
// corrected, and no suggestion replaces a word by a stop word: the
// breaker's examples and every precomposed letter of Latin-1, Latin
// Extended-A, Greek and Cyrillic, a sample of CJK and Arabic letters, each
// decomposed where it has a form so, against the shipped library (the
// oracle: the query's own words, which a suggestion must keep).
func TestNoSuggestionFromOneLetter(t *testing.T) {
	ix := shippedIndex(t)
	var letters []string
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			if unicode.IsLetter(r) {
				letters = append(letters, string(r))
			}
		}
	}
	add(0xC0, 0x17F)  // Latin-1 and Latin Extended-A
	add(0x391, 0x3C9) // Greek
	add(0x410, 0x44F) // Cyrillic
	for r := rune(0x4E00); r < 0x4E00+400; r += 7 {
		letters = append(letters, string(r)) // CJK
	}
	add(0x621, 0x64A) // Arabic, tatweel among them
	letters = append(letters, "e\u0301", "n\u0303", "u\u0308", "c\u0327", "a\u0304")
	checked := 0
	for i, l := range letters {
		if f := []rune(foldKey(l)); len(f)-countMarks(string(f)) != 1 {
			continue // a ligature ("ĳ") folds into two letters: a word
		}
		for _, q := range []string{l, l + " gp", "register " + l} {
			if i%3 != 0 && q != l {
				continue // every letter alone, a third beside a word
			}
			checked++
			s := suggestionFor(t, ix, q)
			if s == "" {
				continue
			}
			for _, w := range strings.Fields(s) {
				if stopWords[w] {
					t.Fatalf("%q: suggestion %q brings in the stop word %q", q, s, w)
				}
			}
			if !strings.Contains(s, l) {
				t.Fatalf("%q: suggestion %q corrects the one letter %q", q, s, l)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d queries checked", checked)
	}
	// Short made-up words, whose nearest library words are often stop
	// words: corrected, never into one.
	rng := rand.New(rand.NewSource(41))
	corrected := 0
	for i := 0; i < 400; i++ {
		b := make([]byte, 2+rng.Intn(3))
		for j := range b {
			b[j] = byte('a' + rng.Intn(26))
		}
		q := string(b) + " register"
		s := suggestionFor(t, ix, q)
		if s == "" {
			continue
		}
		corrected++
		for _, w := range strings.Fields(s) {
			if stopWords[w] {
				t.Fatalf("%q: suggestion %q brings in the stop word %q", q, s, w)
			}
		}
	}
	t.Logf("%d of 400 made-up short words corrected", corrected)
}
