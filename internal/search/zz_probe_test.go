package search

import (
	"context"
	"os"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

func TestZZProbe(t *testing.T) {
	qs := os.Getenv("PROBE")
	if qs == "" {
		t.Skip()
	}
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, q := range strings.Split(qs, "|") {
		page, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 6})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range page.Hits {
			out = append(out, slugs[h.ID])
		}
		t.Logf("%q total=%d omitted=%v:\n   %s", q, page.Total, page.OmittedWords, strings.Join(out, "\n   "))
	}
}
