package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSearchPage measures the server time of search pages on the
// shipped library: the whole handler (router, parameter checks, the
// search use case with PostgreSQL and Bleve, the template) without the
// network. page-1 and page-3 are the same search (`gp`): a later page
// costs what the first does (one search, SearchQuery.Skip). It reports the median and 99th percentile per page as
// p50-ms and p99-ms (the issue asks for p50 ≤ 5 ms). query-filtered-304
// revalidates that page with its current ETag (answered from the cache's
// remembered tag, no search, no rendering). cpu-ms is the process's CPU
// time (user and system, garbage collection included) per page: on a
// shared machine it moves less with the load than the times do.
//
//	make bench   (or: go run ./internal/pgcluster/withpg -- go test -run '^$' -bench SearchPage ./internal/web)
func BenchmarkSearchPage(b *testing.B) {
	h := startHub(b).Handler
	for _, bc := range []struct {
		name, target string
		revalidate   bool // send If-None-Match with the page's current tag: 304
	}{
		{"query", "/search?q=register+without+proof+of+address", false},
		{"query-filtered", "/search?q=charging+exemptions+pregnant&kind=guidance&nation=england", false},
		{"browse", "/search", false},
		{"page-1", "/search?q=gp", false},
		{"page-3", "/search?q=gp&page=3", false},
		{"query-filtered-304", "/search?q=charging+exemptions+pregnant&kind=guidance&nation=england", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			want, tag := http.StatusOK, ""
			if bc.revalidate {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bc.target, nil))
				want, tag = http.StatusNotModified, rec.Header().Get("ETag")
			}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, bc.target, nil)
				if tag != "" {
					req.Header.Set("If-None-Match", tag)
				}
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				times = append(times, time.Since(t0))
				if rec.Code != want {
					b.Fatalf("status %d, want %d", rec.Code, want)
				}
			}
			cpu := processCPU() - cpu0
			slices.Sort(times)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
			b.ReportMetric(ms(cpu)/float64(len(times)), "cpu-ms")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
