// Command hubbench measures the hub at scale (issue: benchmarks at 100,000
// resources) and prints the figures; it asserts nothing. `make bench` runs
// it. It starts a throwaway PostgreSQL (or uses BENCH_DATABASE_URL), fills
// it with a generated corpus, and measures:
//
//	a. full rebuild from PostgreSQL vs raw Bleve batch indexing
//	b. GraphQL search over HTTP vs the same searches in-process
//	c. lookup by slug and a list of 20 over HTTP at 16 clients
//	d. the server's peak memory (RSS) under that load
//	e. publish-to-searchable latency across two replicas
//	f. second start to ready
//	h. a new replica (empty data dir) from an index snapshot in PostgreSQL
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/bench/benchqueries"
	"guidancehub/internal/content"
	"guidancehub/internal/pgcluster"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
)

var queries = benchqueries.Hub

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Fprintln(os.Stderr, "hubbench: interrupted; stopping the hubs and PostgreSQL")
		exit(130)
	}()
	run()
	exit(0)
}

// cleanup holds what a run must undo however it ends (normally, on an error
// or on SIGINT/SIGTERM), so that no PostgreSQL server, hub or gigabytes of
// temporary files outlive an interrupted benchmark. Deferred calls would not
// run on os.Exit.
var cleanup struct {
	sync.Mutex
	fns []func()
}

func atExit(f func()) {
	cleanup.Lock()
	defer cleanup.Unlock()
	cleanup.fns = append(cleanup.fns, f)
}

// exit runs the cleanups, last registered first, and exits. A second call
// (a signal during an exit) waits on the lock until the first exits.
func exit(code int) {
	cleanup.Lock()
	for i := len(cleanup.fns) - 1; i >= 0; i-- {
		cleanup.fns[i]()
	}
	os.Exit(code)
}

func run() {
	n := flag.Int("n", 100000, "resources to generate")
	dur := flag.Duration("load", 10*time.Second, "duration of each load phase")
	phases := flag.String("phases", "abcdefgh", "which measurements to run (a–h); the index is always built")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of 300 in-process searches to this file")
	corpus := flag.String("corpus", os.Getenv("BENCH_CORPUS"), "load the first -n resources of the peer kit's corpus.jsonl instead of generating them (default $BENCH_CORPUS)")
	rounds := flag.Int("rounds", 1, "phase a: rounds of (rebuild, raw) measured alternately")
	buildprofile := flag.String("buildprofile", "", "phase a: write a CPU profile of the rebuilds to this file")
	pairs := flag.Bool("pairs", false, "phase a: rebuild with every two neighbouring words marked (search.Options.PhrasePairs; raw Bleve indexes the documents without)")
	flag.Parse()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	work, err := os.MkdirTemp("", "hubbench-")
	must(err)
	os.Chmod(work, 0o755)
	atExit(func() { os.RemoveAll(work) })

	dsn := os.Getenv("BENCH_DATABASE_URL")
	if dsn == "" {
		c, err := pgcluster.Start(ctx, filepath.Join(work, "pg"), pgcluster.Options{Throwaway: true})
		must(err)
		atExit(func() { c.Stop(context.Background()) })
		admin, err := pgx.Connect(ctx, c.DSN("postgres"))
		must(err)
		_, err = admin.Exec(ctx, `CREATE DATABASE hubbench`)
		must(err)
		admin.Close(ctx)
		dsn = c.DSN("hubbench")
	}
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	must(err)
	atExit(db.Close)

	// A database that already holds a library (the peer kit's corpus
	// imported with `guidancehub import`, see README "Benchmarks") is
	// measured as it is: the rebuild and raw Bleve indexing then run on the
	// kit's documents. Phases c and e need the generated slugs and ids.
	conn, err := pgx.Connect(ctx, dsn)
	must(err)
	var existing int
	must(conn.QueryRow(ctx, `SELECT count(*) FROM resources WHERE status = 'PUBLISHED'`).Scan(&existing))
	t0 := time.Now()
	if existing > 0 {
		*n = existing
		*phases = strings.NewReplacer("c", "", "e", "").Replace(*phases)
		fmt.Printf("hubbench: the %d published resources already in BENCH_DATABASE_URL (phases %s), machine: %d CPUs\n", *n, *phases, numCPU())
	} else if *corpus != "" {
		loaded, err := loadKit(ctx, conn, *corpus, *n)
		must(err)
		*n = loaded
		fmt.Printf("hubbench: the first %d resources of %s, machine: %d CPUs; loaded in %v\n", *n, *corpus, numCPU(), time.Since(t0).Round(time.Second))
	} else {
		fmt.Printf("hubbench: %d resources, machine: %d CPUs\n", *n, numCPU())
		m, bodyWords, err := buildModel("resources")
		must(err)
		must(generate(ctx, conn, m, bodyWords, *n))
		fmt.Printf("corpus generated and loaded in %v\n", time.Since(t0).Round(time.Second))
	}
	conn.Close(ctx)

	// (a) rebuild from PostgreSQL vs raw Bleve batch indexing.
	dirA := filepath.Join(work, "a")
	rebuild := func() cost {
		os.RemoveAll(dirA)
		if *buildprofile != "" {
			f, err := os.Create(*buildprofile)
			must(err)
			must(pprof.StartCPUProfile(f))
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
		return measure(func() {
			s, err := search.NewSyncer(db, search.Options{DataDir: dirA, Logger: log, PhrasePairs: *pairs})
			must(err)
			must(s.Start(ctx))
			s.Close()
		})
	}
	if !strings.Contains(*phases, "a") {
		rebuild()
	} else {
		phaseA(ctx, db, work, *rounds, rebuild, filepath.Join(dirA, "index"))
		if strings.Trim(*phases, "a") == "" {
			return
		}
	}

	// Copies of the index for the in-process comparison and replica B.
	must(copyDir(filepath.Join(dirA, "index"), filepath.Join(work, "c", "index")))
	must(copyDir(filepath.Join(dirA, "index"), filepath.Join(work, "b", "index")))

	bin := filepath.Join(work, "guidancehub")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		exit(1)
	}
	empty := filepath.Join(work, "no-resources")
	os.MkdirAll(empty, 0o755)
	// The load phases measure the hub, not its rate limits.
	env := []string{"DATABASE_URL=" + dsn, "HUB_RESOURCES_DIR=" + empty, "HUB_RATE_LIMITS=anonymous=1000000/1000000"}

	// (f) second start to ready: the index exists, so the hub only migrates,
	// imports (nothing) and catches up.
	a, readyIn := startHub(bin, append(env, "HUB_DATA_DIR="+dirA))
	atExit(a.stop)
	fmt.Printf("(f) second start to ready with %d resources: %v (target ≤ 5 s; the embedded PostgreSQL adds its own start, about 0.1 s)\n", *n, readyIn.Round(time.Millisecond))

	// (g) the partner export: time, size and the server's memory, on a
	// fresh hub so that its peak RSS is the export's own.
	if strings.Contains(*phases, "g") {
		must(copyDir(filepath.Join(dirA, "index"), filepath.Join(work, "g", "index")))
		g, _ := startHub(bin, append(env, "HUB_DATA_DIR="+filepath.Join(work, "g")))
		before := peakRSS(g.cmd.Process.Pid)
		t0 := time.Now()
		resp, err := http.Get(g.url + "/export/resources.ndjson")
		must(err)
		var lines, size int
		var last []byte
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			lines++
			size += len(sc.Bytes()) + 1
			last = append(last[:0], sc.Bytes()...)
		}
		must(sc.Err())
		resp.Body.Close()
		took := time.Since(t0)
		fmt.Printf("(g) export of %d resources: %v, %.1f MB, %d lines, last line %.60s…; server peak RSS %s before, %s after (target: bounded, batches of 200)\n",
			*n, took.Round(time.Millisecond), float64(size)/1e6, lines, last, before, peakRSS(g.cmd.Process.Pid))
		g.stop()
	}

	// (b) GraphQL over HTTP vs in-process.
	inproc, err := search.NewSyncer(db, search.Options{DataDir: filepath.Join(work, "c"), Logger: log})
	must(err)
	must(inproc.Start(ctx))
	searchIn := func(i int) error {
		_, err := inproc.Search(ctx, content.SearchQuery{Text: queries[i%len(queries)], Order: content.SearchRelevance, First: 20})
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	gql := func(url, q string, vars map[string]any) error {
		body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		resp, err := client.Post(url+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || bytes.Contains(b, []byte(`"errors"`)) {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
		}
		return nil
	}
	const searchGQL = `query($q: String!) { search(query: $q, first: 20) { totalCount suggestion edges { score node { slug title summary url } highlights { field fragments } }
		facets { kinds { value count } topics { value count } audiences { value count } nations { value count } years { value count } } } }`
	searchHTTP := func(i int) error { return gql(a.url, searchGQL, map[string]any{"q": queries[i%len(queries)]}) }

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		must(err)
		must(pprof.StartCPUProfile(f))
		for i := 0; i < 300; i++ {
			must(searchIn(i))
		}
		pprof.StopCPUProfile()
		f.Close()
	}
	// Interleaved, so that both see the same queries under the same load;
	// the overhead is the median of per-request differences.
	var ins, https, diffs []time.Duration
	for i := 0; i < 600; i++ {
		t0 := time.Now()
		must(searchIn(i))
		tin := time.Since(t0)
		t0 = time.Now()
		must(searchHTTP(i))
		thttp := time.Since(t0)
		ins, https, diffs = append(ins, tin), append(https, thttp), append(diffs, thttp-tin)
	}
	pct := func(ds []time.Duration, p int) time.Duration {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)*p/100].Round(10 * time.Microsecond)
	}
	inP99, httpP99 := pct(ins, 99), pct(https, 99)
	fmt.Printf("(b) 1 client, 600 interleaved searches: in-process p50 %v p99 %v; HTTP GraphQL p50 %v p99 %v; median per-search overhead %v (target p50 ≤ in-process + 1 ms), p99 ratio %.2f\n",
		pct(ins, 50), inP99, pct(https, 50), httpP99, pct(diffs, 50), httpP99.Seconds()/inP99.Seconds())
	var lean []time.Duration
	for i := 0; i < 300; i++ {
		t0 := time.Now()
		_, err := inproc.Search(ctx, content.SearchQuery{Text: queries[i%len(queries)], Order: content.SearchRelevance, First: 20,
			NoFacets: true, NoHighlights: true, NoSuggestion: true})
		must(err)
		lean = append(lean, time.Since(t0))
	}
	fmt.Printf("(b) in-process without facets, highlights or suggestion (what a client that selects none of them gets): p50 %v p99 %v\n", pct(lean, 50), pct(lean, 99))
	inRate := throughput(16, *dur, searchIn)
	httpRate := throughput(16, *dur, searchHTTP)
	fmt.Printf("(b) 16 clients: in-process %.0f searches/s, HTTP %.0f/s: %.0f%% of in-process (target ≥ 50%%)\n", inRate, httpRate, 100*httpRate/inRate)
	inproc.Close()

	if !strings.Contains(*phases, "c") {
		return
	}
	// (c) slug lookup and list of 20.
	bySlug := throughput(16, *dur, func(i int) error {
		return gql(a.url, `query($s: String!) { resource(slug: $s) { id title summary bodyHTML topics { slug name } sources { title url } } }`,
			map[string]any{"s": fmt.Sprintf("bench-%06d", (i*7919)%*n)})
	})
	list := throughput(16, *dur, func(i int) error {
		return gql(a.url, `{ resources(first: 20) { totalCount edges { cursor node { slug title summary publishedAt url } } pageInfo { endCursor } } }`, nil)
	})
	listNoCount := throughput(16, *dur, func(i int) error {
		return gql(a.url, `{ resources(first: 20) { edges { cursor node { slug title summary publishedAt url } } pageInfo { endCursor } } }`, nil)
	})
	fmt.Printf("(c) 16 clients over HTTP: resource(slug) %.0f req/s, resources(first: 20) with totalCount %.0f req/s, without %.0f req/s\n", bySlug, list, listNoCount)

	// (d) peak RSS of the server process under the load above.
	fmt.Printf("(d) server peak RSS (VmHWM) after the load: %s (target ≤ 512 MB)\n", peakRSS(a.cmd.Process.Pid))

	// (e) publish-to-searchable across two replicas.
	b, _ := startHub(bin, append(env, "HUB_DATA_DIR="+filepath.Join(work, "b")))
	atExit(b.stop)
	var lat []time.Duration
	for i := 0; i < 40; i++ {
		word := fmt.Sprintf("zqpublish%dx", i)
		t0 := time.Now()
		must(publishOne(ctx, db, *n+1+i, word))
		for _, h := range []*hub{a, b} {
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
				var r struct {
					Data struct {
						Search struct{ TotalCount int } `json:"search"`
					} `json:"data"`
				}
				body, _ := json.Marshal(map[string]any{"query": `query($q: String!) { search(query: $q) { totalCount } }`, "variables": map[string]any{"q": word}})
				resp, err := client.Post(h.url+"/graphql", "application/json", bytes.NewReader(body))
				if err == nil {
					json.NewDecoder(resp.Body).Decode(&r)
					resp.Body.Close()
					if r.Data.Search.TotalCount == 1 {
						break
					}
				}
			}
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("(e) publish-to-searchable on both replicas (40 publishes): p50 %v p99 %v (target p99 < 1 s)\n",
		lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))

	// (h) a new replica from an index snapshot: the in-process index
	// (work/c) is copied into PostgreSQL as a replica would, then a hub
	// with an empty data dir restores it, catches up and reports ready.
	if strings.Contains(*phases, "h") {
		w, err := search.NewSyncer(db, search.Options{DataDir: filepath.Join(work, "c"), Logger: log,
			Snapshots: search.SnapshotOptions{Store: db, Every: time.Nanosecond}}) // due at once
		must(err)
		must(w.Start(ctx))
		t0 := time.Now()
		snap, err := w.WriteSnapshot(ctx)
		must(err)
		wrote := time.Since(t0)
		w.Close()
		if snap == nil {
			fmt.Println("(h) no snapshot written")
			return
		}
		var stored int64
		must(db.Pool().QueryRow(ctx, `SELECT pg_total_relation_size('index_snapshot_chunks')`).Scan(&stored))
		h, readyIn := startHub(bin, append(env, "HUB_DATA_DIR="+filepath.Join(work, "h")))
		atExit(h.stop)
		how := "rebuilt its index (no restore)"
		if resp, err := client.Get(h.url + "/metrics"); err == nil {
			m, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.Contains(m, []byte("\nhub_search_index_restores_total 1\n")) {
				how = "restored it, caught up"
			}
		}
		fmt.Printf("(h) index snapshot written in %v (%.0f MB in %d files, PostgreSQL table %.0f MB); a hub with an empty data dir %s and was ready in %v (target ≤ 60 s)\n",
			wrote.Round(time.Millisecond), float64(snap.Bytes)/1e6, len(snap.Files), float64(stored)/1e6, how, readyIn.Round(time.Millisecond))
		h.stop()
	}
}

// publishOne commits a published resource with its change row and a
// notification, as a publish does.
func publishOne(ctx context.Context, db *postgres.DB, id int, word string) error {
	return pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		var rid int64
		if err := tx.QueryRow(ctx, `INSERT INTO resources (slug, kind, status, latest_revision, published_revision)
			VALUES ($1, 'GUIDANCE', 'PUBLISHED', 1, 1) RETURNING id`, fmt.Sprintf("published-%d", id)).Scan(&rid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revisions (resource_id, revision, kind, slug, title, summary, body, published_at)
			VALUES ($1, 1, 'GUIDANCE', $2, $3, 'Summary.', 'Body.', current_date)`, rid, fmt.Sprintf("published-%d", id), "News "+word); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'PUBLISHED')`, rid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, postgres.ChangeChannel)
		return err
	})
}

type hub struct {
	cmd *exec.Cmd
	url string
}

func (h *hub) stop() {
	h.cmd.Process.Signal(syscall.SIGTERM)
	h.cmd.Wait()
}

func startHub(bin string, env []string) (*hub, time.Duration) {
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), env...), "HUB_ADDR=127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	must(err)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	t0 := time.Now()
	must(cmd.Start())
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "ready on "); ok {
			url, _, _ := strings.Cut(rest, " ")
			go io.Copy(io.Discard, stdout)
			return &hub{cmd: cmd, url: url}, time.Since(t0)
		}
	}
	fmt.Fprintf(os.Stderr, "hub did not start:\n%s", logs.String())
	exit(1)
	return nil, 0
}

func throughput(clients int, d time.Duration, f func(int) error) float64 {
	var count atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; time.Now().Before(stop); i += clients {
				must(f(i))
				count.Add(1)
			}
		}(c)
	}
	wg.Wait()
	return float64(count.Load()) / d.Seconds()
}

func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("cp %s: %v: %s", src, err, out)
	}
	return nil
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubbench:", err)
		exit(1)
	}
}

// cost is the wall and process CPU time (user + system, every thread) of
// a measured step.
type cost struct{ wall, cpu time.Duration }

func measure(f func()) cost {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	runtime.GC()
	c0, t0 := cpu(), time.Now()
	f()
	return cost{time.Since(t0), cpu() - c0}
}

// phaseA measures the rebuild from PostgreSQL (what a hub does at start-up
// without an index) against raw Bleve batch indexing of the same
// documents: search.BuildRaw, the hub's mapping and documents (the same
// analyzers and fields) indexed in batches of 500 into a new index with
// Bleve's default configuration, from resources already in memory. Each
// round runs both, alternately; the figures are per round and the ratio
// is of the sums (docs/s of the rebuild over docs/s of raw Bleve: the
// target is ≥ 0.8). Index and text sizes follow.
func phaseA(ctx context.Context, db *postgres.DB, work string, rounds int, rebuild func() cost, indexPath string) {
	var all []*content.Resource
	_, err := db.ScanPublished(ctx, 500, func(rs []*content.Resource) error { all = append(all, rs...); return nil })
	must(err)
	var text int64
	for _, r := range all {
		text += int64(len(r.Title) + len(r.Summary) + len(r.Body))
	}
	n := float64(len(all))
	rawDir := filepath.Join(work, "raw")
	var reb, raw cost
	for i := 0; i < rounds; i++ {
		a := rebuild()
		os.RemoveAll(rawDir)
		b := measure(func() { must(search.BuildRaw(rawDir, all, 500)) })
		fmt.Printf("(a) round %d: rebuild from PostgreSQL %v wall, %v CPU; raw Bleve batch indexing %v wall, %v CPU\n", i+1,
			a.wall.Round(time.Millisecond), a.cpu.Round(time.Millisecond), b.wall.Round(time.Millisecond), b.cpu.Round(time.Millisecond))
		reb.wall, reb.cpu, raw.wall, raw.cpu = reb.wall+a.wall, reb.cpu+a.cpu, raw.wall+b.wall, raw.cpu+b.cpu
	}
	rawSize := dirSize(rawDir)
	os.RemoveAll(rawDir)
	fmt.Printf("(a) %d documents: rebuild %.0f docs/s, %.2f ms CPU/doc; raw Bleve %.0f docs/s, %.2f ms CPU/doc; rebuild/raw: %.2f by wall time, %.2f by CPU (target ≥ 0.8)\n",
		len(all), n*float64(rounds)/reb.wall.Seconds(), float64(reb.cpu.Milliseconds())/n/float64(rounds),
		n*float64(rounds)/raw.wall.Seconds(), float64(raw.cpu.Milliseconds())/n/float64(rounds),
		raw.wall.Seconds()/reb.wall.Seconds(), raw.cpu.Seconds()/reb.cpu.Seconds())
	size := dirSize(indexPath)
	fmt.Printf("(a) index on disk %.1f MB (raw Bleve's %.1f MB) for %.1f MB of title, summary and body text: %.2f× the text\n",
		float64(size)/1e6, float64(rawSize)/1e6, float64(text)/1e6, float64(size)/float64(text))
}

// dirSize is the total size of the files under dir, in bytes.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
