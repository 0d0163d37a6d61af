package search

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// tiedIndex indexes the shipped library three times over: each resource
// as itself, as an identical copy with the same published date (its
// score and date tie; only the id tells them apart) and as an identical
// copy published a year earlier (score ties, the date decides). Ties are
// what a collector that reads sort keys lazily could get wrong.
func tiedIndex(tb testing.TB) *Index {
	tb.Helper()
	lib, err := ingest.Load("../../resources")
	if err != nil {
		tb.Fatal(err)
	}
	var rs []*content.Resource
	for i, f := range lib.Files {
		if f.Status != content.StatusPublished {
			continue
		}
		for copyNo := 0; copyNo < 3; copyNo++ {
			d := f.Draft
			if copyNo == 2 && d.PublishedAt != nil {
				earlier := d.PublishedAt.AddDate(-1, 0, 0)
				d.PublishedAt = &earlier
			}
			rs = append(rs, &content.Resource{ID: int64(copyNo*1000 + i + 1), Status: content.StatusPublished, Draft: d})
		}
	}
	// Bleve's own highlighting (Index.plain) reads the stored text: the
	// oracle of highlights from the text source. Several batches, so that
	// the index has several segments.
	return indexOfWith(tb, rs, 37, func(ix *Index) { ix.storeText, ix.texts = true, memTexts(rs) })
}

// TestFastSearchMatchesBleve checks Search's own collector (relevance
// order read lazily, collect.go) and its page-only highlighting against
// the oracle: Bleve's sort by (-_score, -published, -_id) and highlights
// in the same request (Index.plain). Every page of every query, under
// several filters and page sizes, walking the cursors, must agree on ids,
// scores, cursors, highlights, facets, totals and omitted words.
func TestFastSearchMatchesBleve(t *testing.T) {
	ix := tiedIndex(t)
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	filters := []content.Filter{
		{},
		{Kinds: []content.Kind{content.KindGuidance}},
		{Topics: []string{"charging", "gp-registration"}},
		{PublishedAfter: &since},
	}
	queries := append([]string{"charging", "registration", "asylum seekers maternity", "interpreter gp registration zzqx", "-charging gp"}, realisticQueries[:3]...)
	pages := 0
	for _, text := range queries {
		for fi, f := range filters {
			for _, first := range []int{1, 10} {
				q := content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: first}
				for page := 0; page < 4; page++ {
					name := fmt.Sprintf("%q filter %d first %d page %d", text, fi, first, page)
					got, want, err := compareOnOneSnapshot(ix, q)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if want == nil {
						break // both answered the same error
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s:\n got %+v\nwant %+v", name, summary(got), summary(want))
					}
					pages++
					if !got.HasNext {
						break
					}
					q.After = got.Hits[len(got.Hits)-1].Cursor
				}
			}
		}
	}
	if pages < 150 {
		t.Errorf("compared %d pages, want at least 150", pages)
	}
}

// compareOnOneSnapshot runs q with Bleve's sort, with the fast paths and
// with Bleve's sort again, until both runs of Bleve's sort agree: the
// index merges segments in the background for a while after a build, and
// BM25's field statistics (so the scores) can move with the segments.
// It returns (nil, nil, nil) when all three fail alike.
func compareOnOneSnapshot(ix *Index, q content.SearchQuery) (got, want *content.SearchPage, err error) {
	ctx := context.Background()
	for try := 0; try < 20; try++ {
		ix.plain = true
		want, werr := ix.Search(ctx, q)
		ix.plain = false
		got, gerr := ix.Search(ctx, q)
		ix.plain = true
		again, aerr := ix.Search(ctx, q)
		ix.plain = false
		if (werr == nil) != (aerr == nil) || !reflect.DeepEqual(want, again) {
			time.Sleep(50 * time.Millisecond)
			continue // the snapshot changed under us
		}
		if (werr != nil) != (gerr != nil) {
			return nil, nil, fmt.Errorf("error %v, with Bleve's sort %v", gerr, werr)
		}
		// The resources read for the highlights are not part of the
		// search's answer (the reference reads none).
		for _, p := range []*content.SearchPage{got, want} {
			if p != nil {
				p.Resources, p.ResourcesOmit = nil, 0
			}
		}
		return got, want, nil
	}
	return nil, nil, fmt.Errorf("the index kept changing")
}

// summary is a page's hits as ids, scores and highlighted fields, for
// failure messages.
func summary(p *content.SearchPage) string {
	s := fmt.Sprintf("total %d next %v omitted %v:", p.Total, p.HasNext, p.OmittedWords)
	for _, h := range p.Hits {
		s += fmt.Sprintf(" %d(%.4f, %d highlights)", h.ID, h.Score, len(h.Highlights))
	}
	return s
}

// BenchmarkSearchSortedByRelevance compares the lazy collector with
// Bleve's sort on the tied index (3 × the shipped library).
func BenchmarkSearchSortedByRelevance(b *testing.B) {
	ix := tiedIndex(b)
	for _, plain := range []bool{true, false} {
		name := "lazy"
		if plain {
			name = "bleve-sort"
		}
		b.Run(name, func(b *testing.B) {
			ix.plain = plain
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				q := content.SearchQuery{Text: realisticQueries[i%len(realisticQueries)], Order: content.SearchRelevance, First: 10}
				if _, err := ix.Search(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRebuild compares the rebuild (batches indexed while the scan
// reads the next, unsafe batches, one wait for the disk at the end) with
// raw Bleve batch indexing of the same documents (BuildRaw), on the
// shipped library repeated to 1,000 documents. The scan hands over
// documents already in memory, so this measures the indexing side only;
// hubbench phase a measures it over PostgreSQL.
func BenchmarkRebuild(b *testing.B) {
	lib, err := ingest.Load("../../resources")
	if err != nil {
		b.Fatal(err)
	}
	var rs []*content.Resource
	for len(rs) < 1000 {
		for _, f := range lib.Files {
			if f.Status == content.StatusPublished && len(rs) < 1000 {
				rs = append(rs, &content.Resource{ID: int64(len(rs) + 1), Status: content.StatusPublished, Draft: f.Draft})
			}
		}
	}
	b.Run("rebuild", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ix, _, err := openIndex(b.TempDir()+"/index", slog.New(slog.DiscardHandler), NewMetrics(nil), false)
			if err != nil {
				b.Fatal(err)
			}
			err = ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
				for start := 0; start < len(rs); start += 500 {
					if err := fn(rs[start:min(start+500, len(rs))]); err != nil {
						return 0, err
					}
				}
				return 1, nil
			}, "")
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
		b.ReportMetric(float64(len(rs)*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("raw", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := BuildRaw(b.TempDir()+"/raw", rs, 500); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rs)*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
}

// TestRebuildPersistsEveryBatch: the rebuild's batches return before they
// are on disk (unsafe_batch) and it waits only for the last; after it,
// the index reopened from disk holds every document and the watermark. A
// scan that fails half-way leaves the live index as it was and no
// half-built index behind.
func TestRebuildPersistsEveryBatch(t *testing.T) {
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	var rs []*content.Resource
	for len(rs) < 2000 {
		for _, f := range lib.Files {
			if f.Status == content.StatusPublished && len(rs) < 2000 {
				rs = append(rs, &content.Resource{ID: int64(len(rs) + 1), Status: content.StatusPublished, Draft: f.Draft})
			}
		}
	}
	scan := func(upTo int, fail error) func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		return func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
			for start := 0; start < upTo; start += 100 {
				if err := fn(rs[start:min(start+100, len(rs))]); err != nil {
					return 0, err
				}
			}
			return 77, fail
		}
	}
	dir := t.TempDir() + "/index"
	log := slog.New(slog.DiscardHandler)
	ix, _, err := openIndex(dir, log, NewMetrics(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.rebuild(context.Background(), scan(len(rs), nil), ""); err != nil {
		t.Fatal(err)
	}
	boom := fmt.Errorf("connection lost")
	if err := ix.rebuild(context.Background(), scan(1000, boom), ""); err == nil {
		t.Fatal("a rebuild whose scan failed reported success")
	}
	if _, err := os.Stat(dir + ".new"); !os.IsNotExist(err) {
		t.Errorf("a failed rebuild left %s.new behind (stat: %v)", dir, err)
	}
	ix.Close()
	ix, rebuild, err := openIndex(dir, log, NewMetrics(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if rebuild {
		t.Fatal("the rebuilt index needs a rebuild when reopened")
	}
	if n, err := ix.DocCount(); err != nil || n != uint64(len(rs)) {
		t.Errorf("reopened index holds %d documents (%v), want %d", n, err, len(rs))
	}
	if w := ix.watermark(); w != 77 {
		t.Errorf("reopened index's watermark %d, want 77", w)
	}
}
