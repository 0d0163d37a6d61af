package search

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

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
