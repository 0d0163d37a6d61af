package search

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

func TestDebugQueries(t *testing.T) {
	qs := os.Getenv("DEBUGQ")
	if qs == "" {
		t.Skip()
	}
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	grades := map[string]map[string]int{}
	for _, f := range judgedSets {
		for _, jq := range loadJudgments(t, f) {
			grades[jq.query] = jq.grades
		}
	}
	for _, q := range strings.Split(qs, "|") {
		page, _ := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 6, NoFacets: true})
		fmt.Printf("== %s (total %d, omitted %v)\n", q, page.Total, page.OmittedWords)
		for _, h := range page.Hits {
			fmt.Printf("   %d %.3f %s\n", grades[q][slugs[h.ID]], h.Score, slugs[h.ID])
		}
		for s, g := range grades[q] {
			if g == 2 {
				fmt.Printf("   want %s\n", s)
			}
		}
	}
}
