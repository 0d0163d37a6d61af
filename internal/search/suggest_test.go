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
