package ingest_test

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/ingest"
	"guidancehub/internal/ingest/libgen"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

var (
	benchFiles = flag.Int("import.files", 2000, "files in the generated library of BenchmarkImport and BenchmarkLint")
	benchDir   = flag.String("import.dir", "", "a library to benchmark instead of a generated one (e.g. the peer kit's 100,000 files)")
)

// benchLibrary returns the library directory to benchmark.
func benchLibrary(b *testing.B) string {
	b.Helper()
	if *benchDir != "" {
		return *benchDir
	}
	dir := b.TempDir()
	if err := libgen.Write(dir, libgen.Library("bench", *benchFiles, 1)); err != nil {
		b.Fatal(err)
	}
	return dir
}

// peakHeap samples the heap in use every 5 ms until stop is called, and
// returns the largest sample in bytes: the figure that bounds an import's
// memory (bytes/op counts every allocation, most of it short-lived).
func peakHeap() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// BenchmarkImport imports a library (-import.files generated files, or
// -import.dir) into a fresh database per iteration and reports docs/s and
// the peak heap in use (peak-heap-MB) beside bytes/op.
//
//	go run ./internal/pgcluster/withpg -- go test ./internal/ingest -run '^$' -bench Import -benchmem -import.files 5000
func BenchmarkImport(b *testing.B) {
	dir := benchLibrary(b)
	b.ReportAllocs()
	var peak uint64
	files := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := testdb.Open(b, postgres.Options{})
		runtime.GC()
		stop := peakHeap()
		b.StartTimer()
		rep, err := ingest.ImportWith(context.Background(), db, dir, ingest.Options{})
		b.StopTimer()
		peak = max(peak, stop())
		if err != nil || rep.Failed() {
			b.Fatalf("import: %v %v", err, rep.Errors)
		}
		files = rep.Counts()["created"]
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkLint lints a library (as BenchmarkImport) and reports docs/s
// and the peak heap in use.
func BenchmarkLint(b *testing.B) {
	dir := benchLibrary(b)
	lists, err := ingest.ShippedSourceLists()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var peak uint64
	files := 0
	for i := 0; i < b.N; i++ {
		runtime.GC()
		stop := peakHeap()
		rep, err := ingest.LintDir(dir, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), lists)
		peak = max(peak, stop())
		if err != nil {
			b.Fatal(err)
		}
		files = rep.Files
		rep.Close()
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
