// Command searchprof profiles the hub's search in-process over a library
// already in PostgreSQL (e.g. the peer kit's 100,000 resources): it opens
// (building if needed) an index under -data, then runs the kit's queries
// in the shapes the kit asks for, printing per-query medians, allocations
// and Bleve's per-search figures, and optionally writing CPU and memory
// profiles. It asserts nothing.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
)

func main() {
	dsn := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the library")
	data := flag.String("data", "/tmp/searchprof-data", "data dir holding the index")
	qfile := flag.String("queries", "/work/peer/queries.txt", "queries, one a line")
	rounds := flag.Int("rounds", 20, "rounds over the queries")
	shape := flag.String("shape", "top", "top (10 hits, no facets/highlights/suggestion) or full (totalCount, highlights, kind+topic facets)")
	cpu := flag.String("cpuprofile", "", "CPU profile file")
	mem := flag.String("memprofile", "", "allocation profile file")
	perQuery := flag.Bool("v", false, "print each query's median")
	buildcpu := flag.String("buildcpuprofile", "", "CPU profile of the start (the build) to this file")
	buildOnly := flag.Bool("build-only", false, "stop after the start (the build)")
	corpus := flag.String("corpus", "", "build from this peer-kit corpus.jsonl in memory instead of -db")
	parallel := flag.Bool("parallel", true, "let one search use a second core when it is the only one running (search.SetParallelSearch)")
	pairs := flag.Bool("pairs", false, "build and search the index with every two neighbouring words marked (search.Options.PhrasePairs, HUB_SEARCH_PHRASE_PAIRS)")
	bounds := flag.Bool("bounds", true, "leave out of rerank's second pass the candidates whose bounds keep them off the page (search.SetRescoreBounds)")
	flag.Parse()
	search.SetParallelSearch(*parallel)
	search.SetRescoreBounds(*bounds)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var src search.Store
	if *corpus != "" {
		st, err := loadJSONL(*corpus)
		must(err)
		src = st
	} else {
		db, err := postgres.Open(ctx, *dsn, postgres.Options{StatementTimeout: time.Hour})
		must(err)
		defer db.Close()
		src = db
	}
	if *buildcpu != "" {
		f, err := os.Create(*buildcpu)
		must(err)
		must(pprof.StartCPUProfile(f))
	}
	t0 := time.Now()
	s, err := search.NewSyncer(src, search.Options{DataDir: *data, Logger: log, PhrasePairs: *pairs})
	must(err)
	must(s.Start(ctx))
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	docs, _ := s.DocCount()
	fmt.Printf("start (build if needed): %v for %d documents, process CPU %v, peak RSS %d MB\n", time.Since(t0).Round(time.Millisecond), docs,
		(time.Duration(ru.Utime.Nano() + ru.Stime.Nano())).Round(time.Millisecond), ru.Maxrss/1024)
	if *buildcpu != "" {
		pprof.StopCPUProfile()
	}
	defer s.Close()
	if *buildOnly {
		return
	}

	f, err := os.Open(*qfile)
	must(err)
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			qs = append(qs, sc.Text())
		}
	}
	f.Close()
	mk := func(text string) content.SearchQuery {
		q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true}
		if *shape == "full" {
			q.NoFacets, q.NoHighlights = false, false
		}
		return q
	}
	totals := map[string]int{}
	for _, q := range qs { // warm
		p, err := s.Search(ctx, mk(q))
		must(err)
		totals[q] = p.Total
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	took := map[string][]time.Duration{}
	cpuOf := map[string][]time.Duration{}
	var all, allCPU []time.Duration
	t0 = time.Now()
	cpu0 := processCPU()
	for r := 0; r < *rounds; r++ {
		for _, q := range qs {
			t, c := time.Now(), processCPU()
			_, err := s.Search(ctx, mk(q))
			must(err)
			d, dc := time.Since(t), processCPU()-c
			took[q] = append(took[q], d)
			cpuOf[q] = append(cpuOf[q], dc)
			all = append(all, d)
			allCPU = append(allCPU, dc)
		}
	}
	wall, cpuAll := time.Since(t0), processCPU()-cpu0
	runtime.ReadMemStats(&ms1)
	n := uint64(len(all))
	med := func(ds []time.Duration) time.Duration {
		ds = append([]time.Duration(nil), ds...)
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	if *perQuery {
		for _, q := range qs {
			fmt.Printf("%-36q total %6d  p50 %v  CPU p50 %v\n", q, totals[q], med(took[q]).Round(time.Microsecond), med(cpuOf[q]).Round(time.Microsecond))
		}
	}
	fmt.Printf("shape %s: %d searches, p50 %v, mean %v, process CPU p50 %v mean %v, %d allocs/search, %d kB/search\n", *shape, n,
		med(all).Round(time.Microsecond), (wall / time.Duration(n)).Round(time.Microsecond),
		med(allCPU).Round(time.Microsecond), (cpuAll / time.Duration(n)).Round(time.Microsecond),
		(ms1.Mallocs-ms0.Mallocs)/n, (ms1.TotalAlloc-ms0.TotalAlloc)/n/1024)
	fmt.Printf("rerank candidates left out of second passes by their bounds: %d (%.0f a search)\n", search.RescoreLeftOut(), float64(search.RescoreLeftOut())/float64(n))
	if *mem != "" {
		f, err := os.Create(*mem)
		must(err)
		must(pprof.Lookup("allocs").WriteTo(f, 0))
		f.Close()
	}
}

// processCPU is the process's user and system CPU time so far (every
// thread: the search and the garbage collector it causes).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "searchprof:", err)
		os.Exit(1)
	}
}
