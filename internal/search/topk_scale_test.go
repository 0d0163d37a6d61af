package search

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/bench/benchqueries"
	"guidancehub/internal/content"
)

// BenchmarkTopKAtScale compares the three ways a top-10 search scores on a
// large index: Bleve's searchers (slow), fastScore over every match
// (full), and fastScore with pruning (pruned, the default). Set TOPK_INDEX
// to an index directory (e.g. one searchprof built from the peer kit's
// 100,000 resources: DATA/index), optionally TOPK_QUERIES to a file of
// queries (one a line; default the kit's 20), and run
// `go test ./internal/search -run '^$' -bench TopKAtScale -benchtime 3x -v`.
// Every query's first page must be the same in the three ways (ids,
// scores, cursors, total: it fails otherwise); it prints per query the
// matches, those scored, and the time per search of each way, and reports
// the totals as metrics.
func BenchmarkTopKAtScale(b *testing.B) {
	path := os.Getenv("TOPK_INDEX")
	if path == "" {
		b.Skip("set TOPK_INDEX to an index directory to measure")
	}
	qs := benchqueries.Kit
	if f := os.Getenv("TOPK_QUERIES"); f != "" {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		qs = nil
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if sc.Text() != "" {
				qs = append(qs, sc.Text())
			}
		}
		fh.Close()
	}
	ix, _, err := openExisting(path)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ix.ready.Store(true)
	ctx := context.Background()
	var scored, matched uint64
	ix.fastRan = func(_ query.Query, s, m uint64) { scored, matched = scored+s, matched+m }
	missed := map[string]int{}
	ix.fastMissed = func(what string) { missed[what]++ }
	type mode struct {
		name           string
		slow, noPrune  bool
		total          time.Duration
		scored, totals uint64
	}
	modes := []*mode{{name: "slow", slow: true}, {name: "full", noPrune: true}, {name: "pruned"}}
	for i := 0; i < b.N; i++ {
		for _, text := range qs {
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true}
			var pages []*content.SearchPage
			line := fmt.Sprintf("%-40q", text)
			for _, m := range modes {
				ix.slowScore, ix.noPrune = m.slow, m.noPrune
				scored, matched = 0, 0
				t0 := time.Now()
				p, err := ix.Search(ctx, q)
				d := time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				m.total += d
				m.scored += scored
				m.totals += matched
				pages = append(pages, p)
				line += fmt.Sprintf("  %s %7.2f ms", m.name, float64(d.Microseconds())/1000)
				if m.name == "pruned" {
					line += fmt.Sprintf(" (%d of %d matches scored)", scored, matched)
				}
			}
			for _, p := range pages[1:] {
				if !reflect.DeepEqual(p, pages[0]) {
					b.Fatalf("%q: pages differ:\n%s\n%s", text, summary(p), summary(pages[0]))
				}
			}
			if i == 0 {
				b.Log(line)
			}
		}
	}
	ix.slowScore, ix.noPrune = false, false
	b.Logf("passes through Bleve (all modes but slow, all rounds): %v", missed)
	for _, m := range modes {
		b.ReportMetric(float64(m.total.Microseconds())/1000/float64(b.N*len(qs)), m.name+"-ms/search")
	}
	pr := modes[2]
	b.ReportMetric(float64(pr.scored)/float64(max(pr.totals, 1)), "pruned-scored/matched")
}

// openExisting opens the index at path (a measurement's) with the layout
// it was built with: pairs marked when its mapping version says so.
func openExisting(path string) (*Index, bool, error) {
	ix, rebuild, err := openIndex(path, slog.New(slog.DiscardHandler), NewMetrics(nil), false)
	if err != nil {
		return nil, false, err
	}
	idx, done := ix.current()
	v, _ := idx.GetInternal([]byte(keyMapping))
	done()
	if string(v) == PairsMappingVersion {
		ix.pairs, ix.rank.PairMarks, rebuild = true, true, false
	}
	return ix, rebuild, nil
}
