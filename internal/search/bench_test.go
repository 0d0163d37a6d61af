package search

import (
	"context"
	"log/slog"
	"sort"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// realisticQueries are what commissioners, analysts, practice managers and
// receptionists type (typos and jargon included).
var realisticQueries = []string{
	"register patient no proof of address", "charging exemptions pregnant", "home office data sharing",
	"asylum seker", "refused asylum seekers hospital charges", "can a receptionist ask for passport",
	"GP registration without ID", "what is free at A&E", "upfront charging", "maternity care charges",
	"NRPF NHS", "no recourse to public funds", "safe surgeries", "how to join safe surgeries",
	"interpreter gp", "interpreting commissioning ICB", "confidentiality police request", "memorandum of understanding NHS Digital",
	"tb treatment free", "HIV free treatment migrants", "children exempt charges", "looked after children",
	"wales refused asylum", "scotland overseas visitors", "measure access primary care", "mystery shopper gp registration",
	"registration refused doctors of the world", "inclusion health framework", "public health deterred care", "family doctor registration",
}

// shippedIndex builds an index of the shipped library in dir, no database.
func shippedIndex(tb testing.TB) *Index {
	ix, _ := shippedIndexSlugs(tb, DefaultRanking)
	return ix
}

// shippedIndexSlugs is shippedIndex with the slug of each document id.
func shippedIndexSlugs(tb testing.TB, r Ranking) (*Index, map[int64]string) {
	tb.Helper()
	lib, err := ingest.Load("../../resources")
	if err != nil {
		tb.Fatal(err)
	}
	var rs []*content.Resource
	slugs := map[int64]string{}
	for i, f := range lib.Files {
		if f.Status != content.StatusPublished {
			continue
		}
		rs = append(rs, &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: f.Draft})
		slugs[int64(i+1)] = f.Draft.Slug
	}
	ix, _, err := openIndex(tb.TempDir()+"/index", slog.New(slog.DiscardHandler), NewMetrics(nil), false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	ix.rank, ix.texts = r, memTexts(rs)
	err = ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		return 1, fn(rs)
	}, "")
	if err != nil {
		tb.Fatal(err)
	}
	ix.ready.Store(true)
	return ix, slugs
}

// BenchmarkSearchShippedLibrary runs the 30 realistic queries (with
// highlights, facets and suggestions) against the shipped library and
// reports per-query p50 and p99.
func BenchmarkSearchShippedLibrary(b *testing.B) {
	ix := shippedIndex(b)
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, q := range realisticQueries {
			t0 := time.Now()
			if _, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 20}); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(t0))
		}
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs/query")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs/query")
}

func BenchmarkCompleteShippedLibrary(b *testing.B) {
	ix := shippedIndex(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range []string{"r", "re", "reg", "regi", "registr", "char", "asy", "safe s"} {
			if _, err := ix.Complete(context.Background(), p, 8); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestRealisticQueriesFindSomething is a smoke test of the ranking on the
// shipped library: every realistic query returns results (issue 5 measures
// quality properly).
func TestRealisticQueriesFindSomething(t *testing.T) {
	ix := shippedIndex(t)
	for _, q := range realisticQueries {
		page, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 5})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total == 0 && page.Suggestion == nil {
			t.Errorf("%q: no results and no suggestion", q)
		}
	}
}

// awaySource is a Source that only answers the calls Start makes when the
// index must be rebuilt; it counts scans.
type awaySource struct {
	scans int
	rs    []*content.Resource
}

func (a *awaySource) ChangesSince(context.Context, uint64) ([]content.Change, uint64, error) {
	return nil, 1, nil
}
func (a *awaySource) ResourcesByID(context.Context, []int64, content.Part) ([]*content.Resource, error) {
	return nil, nil
}
func (a *awaySource) ScanPublished(_ context.Context, _ int, fn func([]*content.Resource) error) (uint64, error) {
	a.scans++
	return 1, fn(a.rs)
}
func (a *awaySource) CountPublished(context.Context) (int, error)         { return len(a.rs), nil }
func (a *awaySource) LatestReindexRequest(context.Context) (int64, error) { return 0, nil }

// TestAwayLongerThanRetentionRebuilds: a replica whose last catch-up is
// older than the change-log retention cannot trust the log to hold every
// change it missed, so it rebuilds.
func TestAwayLongerThanRetentionRebuilds(t *testing.T) {
	src := &awaySource{rs: []*content.Resource{{ID: 1, Status: content.StatusPublished, Draft: content.Draft{Kind: content.KindGuidance, Title: "x", Language: "en"}}}}
	dir := t.TempDir()
	s, err := NewSyncer(src, Options{DataDir: dir, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if src.scans != 1 {
		t.Fatalf("first start scanned %d times, want 1 (new index)", src.scans)
	}
	// Pretend the last catch-up was two hours ago.
	idx, done := s.current()
	idx.SetInternal([]byte(keyAppliedAt), []byte(time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339Nano)))
	done()
	s.Close()

	s, err = NewSyncer(src, Options{DataDir: dir, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if src.scans != 2 {
		t.Errorf("start after 2 h away (retention 1 h) scanned %d times in all, want 2 (a rebuild)", src.scans)
	}
}
