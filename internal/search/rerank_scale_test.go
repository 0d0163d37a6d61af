package search

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/bench/benchqueries"
	"guidancehub/internal/content"
)

// BenchmarkRerankAtScale measures how often the first page of rerankTop
// (phrase pairs scored for the best candidates only) differs from the
// exact page (every match scored with them) on a large index: set
// RERANK_INDEX to an index directory (e.g. one searchprof built from the
// peer kit's 100,000 resources: DATA/index) and run
// `go test ./internal/search -run '^$' -bench RerankAtScale -benchtime 1x -timeout 60m`.
// It reports, per query set and candidate count, the queries whose first
// 10 differ (a measurement: it asserts nothing, and without RERANK_INDEX
// there is nothing to measure).
func BenchmarkRerankAtScale(b *testing.B) {
	t := b
	path := os.Getenv("RERANK_INDEX")
	if path == "" {
		b.Skip("set RERANK_INDEX to an index directory to measure")
	}
	ix, _, err := openExisting(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.ready.Store(true)
	ctx := context.Background()
	page := func(text string, k int) []string {
		ix.candidates = k
		p, err := ix.Search(ctx, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range p.Hits {
			out = append(out, fmt.Sprintf("%d", h.ID))
		}
		return out
	}
	ks := []int{100, 200, 300, 500, 1000}
	type qset struct {
		name string
		qs   []string
	}
	sets := []qset{{"kit", benchqueries.Kit}, {"hubbench", benchqueries.Hub}}
	if f := os.Getenv("RERANK_QUERIES"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var qs []string
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				qs = append(qs, l)
			}
		}
		sets = append(sets, qset{f, qs})
	}
	for _, set := range sets {
		differ := map[int][]string{}
		spent := map[int]time.Duration{}
		for _, q := range set.qs {
			exact := page(q, 1<<30)
			for _, k := range ks {
				t0 := time.Now()
				got := page(q, k)
				spent[k] += time.Since(t0)
				if strings.Join(got, " ") != strings.Join(exact, " ") {
					same := 0
					for _, id := range got {
						for _, e := range exact {
							if id == e {
								same++
							}
						}
					}
					differ[k] = append(differ[k], fmt.Sprintf("%q (%d of 10 in the exact top 10)", q, same))
				}
			}
		}
		for _, k := range ks {
			t.Logf("%s queries, %d candidates (%.2f ms a search): first 10 differs for %d of %d: %s", set.name, k, float64(spent[k].Microseconds())/1000/float64(len(set.qs)), len(differ[k]), len(set.qs), strings.Join(differ[k], ", "))
			b.ReportMetric(float64(len(differ[k])), fmt.Sprintf("%s-differ-at-%d", set.name, k))
		}
	}
}
