// Package chaos is the hub's crash suite: it runs the real hub binary on
// its embedded PostgreSQL (in a temporary data dir, on 127.0.0.1 only) and
// kills things the way machines and people do, then checks that every
// acknowledged write survived and that the search index equals PostgreSQL.
//
// Faults, each a bounded number of cycles:
//
//   - kill -9 of the hub while it writes (a CLI command beside the orphaned
//     PostgreSQL uses it and leaves it running; the next hub adopts it and
//     must stop it on exit);
//   - kill -9 of PostgreSQL under load (the hub restarts it; meanwhile every
//     answer is data or a coded UNAVAILABLE / OUTCOME_UNKNOWN, never INTERNAL);
//   - stale postmaster.pid files naming another live process;
//   - each kind of index damage, with the hub stopped and while it serves.
//
// Recovery times are measured and reported, never asserted, except the
// issue's liveness bound: PostgreSQL back within 10 s.
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"guidancehub/internal/pgcluster"
)

// Config says how much chaos to run.
type Config struct {
	// Bin is the hub binary (built from the module root).
	Bin string
	// HubKills is the number of kill -9 cycles of the hub during writes;
	// PGKills of PostgreSQL under load; StalePIDs of starts over stale pid
	// files; Damages of index damage with the hub stopped (kinds in turn);
	// LiveDamages of damage to the index of a running hub.
	HubKills, PGKills, StalePIDs, Damages, LiveDamages int
	// Writers is the number of concurrent writers (default 2).
	Writers int
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// Report is what a run found.
type Report struct {
	Cycles       map[string]int
	Acknowledged int // writes the hub answered as done
	Unknown      int // writes answered OUTCOME_UNKNOWN (checked, not counted as acknowledged)
	Lost         int // acknowledged writes missing at the end
	Mismatches   int // index checks that disagreed with PostgreSQL
	Internal     int // answers with code INTERNAL (or a 5xx without a code)
	Codes        map[string]int
	Recovery     map[string][]time.Duration // per fault: time until the hub answered again
	Failures     []string                   // broken liveness bounds and other hard failures
	Errors       []string                   // samples of what the hub logged for INTERNAL answers
}

func (r *Report) add(kind string, d time.Duration) {
	r.Recovery[kind] = append(r.Recovery[kind], d)
}

func (r *Report) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// OK reports whether nothing acknowledged was lost, the index always
// matched, no INTERNAL answer was seen and no hard bound was broken.
func (r *Report) OK() bool {
	return r.Lost == 0 && r.Mismatches == 0 && r.Internal == 0 && len(r.Failures) == 0
}

// Print writes the figures.
func (r *Report) Print(w io.Writer) {
	var kinds []string
	for k := range r.Cycles {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "chaos: %d acknowledged writes, %d lost, %d outcome unknown, %d index mismatches, %d INTERNAL answers\n",
		r.Acknowledged, r.Lost, r.Unknown, r.Mismatches, r.Internal)
	fmt.Fprintf(w, "%-34s %6s %10s %10s\n", "fault", "cycles", "p50", "max")
	for _, k := range kinds {
		p50, mx := percentiles(r.Recovery[k])
		fmt.Fprintf(w, "%-34s %6d %10v %10v\n", k, r.Cycles[k], p50.Round(time.Millisecond), mx.Round(time.Millisecond))
	}
	var codes []string
	for c, n := range r.Codes {
		codes = append(codes, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "answers during faults: %s\n", strings.Join(codes, ", "))
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAILED:", f)
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "hub logged:", e)
	}
}

func percentiles(ds []time.Duration) (p50, max time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[len(s)-1]
}

// suite is one run's state: a data dir, a token, the writes acknowledged.
type suite struct {
	cfg     Config
	dir     string // HUB_DATA_DIR
	res     string // HUB_RESOURCES_DIR (empty)
	token   string
	rep     *Report
	mu      sync.Mutex
	acked   map[string]bool // slug → published acknowledged
	unknown map[string]bool
	seq     int
	client  *http.Client
}

// Run runs the suite and returns its report. An error means the suite
// itself could not run (no binary, no PostgreSQL), not a fault found.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Writers == 0 {
		cfg.Writers = 2
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	base, err := os.MkdirTemp("", "hubchaos-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(base)
	if err := os.Chmod(base, 0o755); err != nil { // the cluster may run as another user
		return nil, err
	}
	s := &suite{cfg: cfg, dir: filepath.Join(base, "data"), res: filepath.Join(base, "resources"),
		rep:   &Report{Cycles: map[string]int{}, Codes: map[string]int{}, Recovery: map[string][]time.Duration{}},
		acked: map[string]bool{}, unknown: map[string]bool{}, client: &http.Client{Timeout: 15 * time.Second}}
	if err := os.MkdirAll(s.res, 0o755); err != nil {
		return nil, err
	}
	// Whatever happens, leave no PostgreSQL behind: adopt and stop it.
	defer s.cleanup()

	h, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.cli(ctx, "token", "create", "--role", "editor", "--name", "chaos")
	if err != nil {
		h.kill()
		return nil, fmt.Errorf("token create: %w: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	s.token = lines[len(lines)-1]
	h.stop()

	for i := 0; i < cfg.HubKills && ctx.Err() == nil; i++ {
		s.hubKill(ctx)
	}
	for i := 0; i < cfg.PGKills && ctx.Err() == nil; i++ {
		s.pgKill(ctx)
	}
	for i := 0; i < cfg.StalePIDs && ctx.Err() == nil; i++ {
		s.stalePID(ctx)
	}
	for i := 0; i < cfg.Damages && ctx.Err() == nil; i++ {
		s.damage(ctx, damageKinds[i%len(damageKinds)])
	}
	for i := 0; i < cfg.LiveDamages && ctx.Err() == nil; i++ {
		s.liveDamage(ctx)
	}
	s.finalCheck(ctx)
	return s.rep, ctx.Err()
}

func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, "chaos: "+format+"\n", args...)
}

// hub is one running hub process.
type hub struct {
	report *Report
	cmd    *exec.Cmd
	url    string
	logs   *lockedBuffer
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (s *suite) env() []string {
	return append(os.Environ(), "HUB_DATA_DIR="+s.dir, "HUB_RESOURCES_DIR="+s.res, "HUB_ADDR=127.0.0.1:0", "DATABASE_URL=",
		"HUB_RATE_LIMITS=anonymous=100000/100000,partner=100000/100000,editor=100000/100000,admin=100000/100000")
}

// start starts a hub and waits for its "ready" line (60 s at most).
func (s *suite) start(ctx context.Context) (*hub, error) {
	cmd := exec.Command(s.cfg.Bin)
	cmd.Env = s.env()
	h := &hub{report: s.rep, cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = h.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "ready on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				ready <- u
			}
		}
		cmd.Wait()
		close(h.done)
	}()
	select {
	case h.url = <-ready:
		return h, nil
	case <-h.done:
		return nil, fmt.Errorf("hub exited before it was ready:\n%s", h.logs)
	case <-time.After(60 * time.Second):
		h.kill()
		return nil, fmt.Errorf("hub not ready after 60 s:\n%s", h.logs)
	case <-ctx.Done():
		h.kill()
		return nil, ctx.Err()
	}
}

// internalErrors returns the hub's logged resolver errors (what a client
// saw as INTERNAL), at most three.
func (h *hub) internalErrors() []string {
	var out []string
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, `msg="resolver error"`) || strings.Contains(line, `msg="resolver panic"`) || strings.Contains(line, `msg="http panic"`) {
			if len(out) < 3 {
				out = append(out, line)
			}
		}
	}
	return out
}

// kill kills the hub with SIGKILL (its PostgreSQL keeps running).
func (h *hub) kill() {
	h.cmd.Process.Kill()
	<-h.done
	h.collect()
}

// report, if set, receives the hub's logged internal errors when it ends.
func (h *hub) collect() {
	if h.report != nil && len(h.report.Errors) < 10 {
		h.report.Errors = append(h.report.Errors, h.internalErrors()...)
	}
}

// stop stops the hub with SIGTERM and waits (30 s, then SIGKILL).
func (h *hub) stop() {
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
		h.collect()
	case <-time.After(30 * time.Second):
		h.kill()
	}
}

// cli runs a CLI verb of the hub against the suite's data dir.
func (s *suite) cli(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.cfg.Bin, args...)
	cmd.Env = s.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String() + errOut.String(), err
	}
	return out.String(), nil
}

// cliAll runs a CLI verb and returns its standard output and error.
func (s *suite) cliAll(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.cfg.Bin, args...)
	cmd.Env = s.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gql sends a GraphQL request and returns data, the first error's code
// ("" if none) and a transport error.
func (s *suite) gql(ctx context.Context, url, query string, vars map[string]any) (map[string]any, string, map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "", nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, "", nil, fmt.Errorf("status %d, body not JSON: %.200q", resp.StatusCode, raw)
	}
	if len(out.Errors) > 0 {
		code, _ := out.Errors[0].Extensions["code"].(string)
		if secs, ok := out.Errors[0].Extensions["retryAfter"].(float64); ok && code == "UNAVAILABLE" {
			// HTTP clients read the same delay from the header.
			if h, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || float64(h) < secs {
				s.mu.Lock()
				s.rep.fail("UNAVAILABLE with retryAfter %v but Retry-After %q", secs, resp.Header.Get("Retry-After"))
				s.mu.Unlock()
			}
		}
		return out.Data, code, out.Errors[0].Extensions, nil
	}
	return out.Data, "", nil, nil
}

// note counts an answer's code; INTERNAL is a failure of the hub.
func (s *suite) note(code string, ext map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		code = "ok"
	}
	s.rep.Codes[code]++
	if code == "INTERNAL" {
		s.rep.Internal++
	}
	if code == "UNAVAILABLE" {
		if _, ok := ext["retryAfter"]; !ok {
			s.rep.fail("UNAVAILABLE without extensions.retryAfter")
		}
	}
}

const (
	createQ  = `mutation($in: CreateResourceInput!) { createResource(input: $in) { resource { id } } }`
	publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { status } } }`
)

// write creates and publishes one resource; it records it as acknowledged
// only when the hub answered the publish as done.
func (s *suite) write(ctx context.Context, url string) {
	s.mu.Lock()
	s.seq++
	slug := fmt.Sprintf("chaos-%d-%d", time.Now().UnixNano()%1e9, s.seq)
	s.mu.Unlock()
	in := map[string]any{"kind": "GUIDANCE", "slug": slug, "title": "Chaos resource " + slug, "summary": "Written under fault injection.",
		"body": "A body written while things were being killed.", "content": map[string]any{"topics": []string{"data-sharing"},
			"nations": []string{"ENGLAND"}, "audiences": []string{"COMMISSIONERS"}, "sources": []map[string]any{{"title": "A source", "url": "https://example.org/"}}}}
	data, code, ext, err := s.gql(ctx, url, createQ, map[string]any{"in": in})
	if err != nil {
		time.Sleep(20 * time.Millisecond)
		return // the hub went away: not acknowledged
	}
	s.note(code, ext)
	if code == "OUTCOME_UNKNOWN" {
		s.mu.Lock()
		s.unknown[slug] = true
		s.rep.Unknown++
		s.mu.Unlock()
	}
	id, _ := dig(data, "createResource", "resource", "id").(string)
	if code != "" || id == "" {
		return
	}
	data, code, ext, err = s.gql(ctx, url, publishQ, map[string]any{"id": id})
	if err != nil {
		return
	}
	s.note(code, ext)
	if dig(data, "publishResource", "resource", "status") == "PUBLISHED" && code == "" {
		s.mu.Lock()
		s.acked[slug] = true
		s.rep.Acknowledged++
		s.mu.Unlock()
	} else if code == "OUTCOME_UNKNOWN" {
		s.mu.Lock()
		s.unknown[slug] = true
		s.rep.Unknown++
		s.mu.Unlock()
	}
}

// load runs writers and readers against url until stop is closed.
func (s *suite) load(ctx context.Context, url string, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := 0; i < s.cfg.Writers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				s.write(ctx, url)
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, code, ext, err := s.gql(ctx, url, `{ resources(first: 5) { totalCount } search(query: "chaos") { totalCount } }`, nil); err == nil {
					s.note(code, ext)
				}
			}
		}()
	}
	return &wg
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// hubKill starts a hub, writes for a while, and kills it with SIGKILL.
// Recovery is the time from the kill until a new hub answers ready (it
// adopts the orphaned PostgreSQL).
func (s *suite) hubKill(ctx context.Context) {
	h, err := s.start(ctx)
	if err != nil {
		s.rep.fail("hub kill: start: %v", err)
		return
	}
	stop := make(chan struct{})
	wg := s.load(ctx, h.url, stop)
	time.Sleep(time.Duration(200+rand.IntN(600)) * time.Millisecond)
	h.kill()
	t0 := time.Now()
	close(stop)
	wg.Wait()
	if s.rep.Cycles["hub kill -9 → ready"]%10 == 0 {
		// A CLI command finds the orphan: it uses it, never adopts it,
		// and leaves it running.
		out, err := s.cliAll(ctx, "token", "list")
		if err != nil || strings.Contains(out, "adopted") || !strings.Contains(out, "using running PostgreSQL") || !s.pgRunning() {
			s.rep.fail("hub kill: a CLI command beside the orphaned cluster: err %v, running after %v:\n%s", err, s.pgRunning(), out)
		}
		t0 = time.Now()
	}
	h2, err := s.start(ctx)
	if err != nil {
		s.rep.fail("hub kill: restart: %v", err)
		return
	}
	s.rep.add("hub kill -9 → ready", time.Since(t0))
	s.rep.Cycles["hub kill -9 → ready"]++
	if !strings.Contains(h2.logs.String(), "adopted a running PostgreSQL") {
		s.rep.fail("hub kill: the next hub did not adopt the orphaned PostgreSQL")
	}
	s.checkIndex(ctx, h2.url, "after hub kill")
	h2.stop()
	if s.pgRunning() {
		s.rep.fail("hub kill: the adopting hub left PostgreSQL running after SIGTERM")
	}
	s.logf("hub kill cycle %d done", s.rep.Cycles["hub kill -9 → ready"])
}

func (s *suite) pgRunning() bool { return pgcluster.Answering(context.Background(), s.dir) }

func postmasterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "postgres", "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// pgKill kills PostgreSQL under load. Every answer meanwhile must be data
// or coded (UNAVAILABLE with retryAfter, OUTCOME_UNKNOWN), and the hub must
// answer queries again within 10 s.
func (s *suite) pgKill(ctx context.Context) {
	h, err := s.start(ctx)
	if err != nil {
		s.rep.fail("PostgreSQL kill: start: %v", err)
		return
	}
	defer h.stop()
	stop := make(chan struct{})
	wg := s.load(ctx, h.url, stop)
	time.Sleep(300 * time.Millisecond)
	pid := postmasterPID(s.dir)
	if pid <= 0 || syscall.Kill(pid, syscall.SIGKILL) != nil {
		s.rep.fail("PostgreSQL kill: no postmaster to kill")
		close(stop)
		wg.Wait()
		return
	}
	t0 := time.Now()
	// Wait for the failure to show, then for the recovery.
	sawDown := false
	var back, ready time.Duration
	for time.Since(t0) < 15*time.Second && (back == 0 || ready == 0) {
		_, code, ext, err := s.gql(ctx, h.url, `{ resources(first: 1) { totalCount } }`, nil)
		if err == nil {
			s.note(code, ext)
		}
		if code == "UNAVAILABLE" {
			sawDown = true
		}
		if err == nil && code == "" && back == 0 && (sawDown || time.Since(t0) > 2*time.Second) {
			back = time.Since(t0)
		}
		if status, retry := s.readyz(h.url); status == 200 && back != 0 && ready == 0 {
			ready = time.Since(t0)
		} else if status == 503 && retry == "" {
			s.rep.fail("PostgreSQL kill: /readyz 503 without Retry-After")
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	s.rep.Cycles["PostgreSQL kill -9 → answering"]++
	if back == 0 || back > 10*time.Second {
		s.rep.fail("PostgreSQL kill: queries not answered again within 10 s (%v)", back)
		return
	}
	s.rep.add("PostgreSQL kill -9 → answering", back)
	// The watcher logs the restart when pg_ctl returns, which can be a
	// little after the server first answers queries: wait for the line
	// (bounded) rather than read the log at that instant.
	logged := false
	for deadline := time.Now().Add(10 * time.Second); !logged && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logged = strings.Contains(h.logs.String(), "restarted PostgreSQL")
	}
	if !logged {
		s.rep.fail("PostgreSQL kill: no 'restarted PostgreSQL' log line within 10 s of answering again")
	}
	s.checkIndex(ctx, h.url, "after PostgreSQL kill")
	restarts := ""
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, "restart PostgreSQL failed") || strings.Contains(line, "restarted PostgreSQL") {
			_, msg, _ := strings.Cut(line, "msg=")
			restarts += "\n\t" + msg
		}
	}
	s.logf("PostgreSQL kill cycle done: answering after %v, /readyz 200 after %v; the hub logged:%s", back.Round(time.Millisecond), ready.Round(time.Millisecond), restarts)
}

func (s *suite) readyz(url string) (int, string) {
	resp, err := s.client.Get(url + "/readyz")
	if err != nil {
		return 0, ""
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// stalePID crashes hub and PostgreSQL together (as a power cut does), then
// points both PostgreSQL lock files at another live process; the next hub
// must start its cluster rather than take the pid for a running server.
func (s *suite) stalePID(ctx context.Context) {
	h, err := s.start(ctx)
	if err != nil {
		s.rep.fail("stale pid: start: %v", err)
		return
	}
	pid := postmasterPID(s.dir)
	h.kill()
	syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(10 * time.Second); s.pgRunning() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		s.rep.fail("stale pid: %v", err)
		return
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	for _, f := range []string{filepath.Join(s.dir, "postgres", "postmaster.pid"), filepath.Join(s.dir, "run", ".s.PGSQL.5432.lock")} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(b), "\n")
		os.WriteFile(f, []byte(strconv.Itoa(other.Process.Pid)+"\n"+rest), 0o600)
	}
	t0 := time.Now()
	h2, err := s.start(ctx)
	s.rep.Cycles["stale pid file → ready"]++
	if err != nil {
		s.rep.fail("stale pid: hub did not start: %v", err)
		return
	}
	s.rep.add("stale pid file → ready", time.Since(t0))
	s.checkIndex(ctx, h2.url, "after stale pid")
	h2.stop()
	s.logf("stale pid cycle done")
}

// damageKinds are the ways a crash or a bad disk damages an index, in the
// order the suite applies them: the first three are found in different
// ways (the background checksum check, a failed open, a damaged bolt file).
var damageKinds = []struct {
	name   string
	damage func(indexDir string) error
}{
	{"segment bytes overwritten", func(d string) error { return overwriteSegment(d, 0.5, 64) }},
	{"segment missing", func(d string) error {
		p, err := largestSegment(d)
		if err != nil {
			return err
		}
		return os.Remove(p)
	}},
	{"root.bolt overwritten", func(d string) error {
		return overwriteAt(filepath.Join(d, "store", "root.bolt"), 0, 16384)
	}},
	{"segment cut short", func(d string) error {
		p, err := largestSegment(d)
		if err != nil {
			return err
		}
		fi, _ := os.Stat(p)
		return os.Truncate(p, fi.Size()/2)
	}},
	{"segment start overwritten", func(d string) error { return overwriteSegment(d, 0.05, 16) }},
	{"index_meta.json missing", func(d string) error { return os.Remove(filepath.Join(d, "index_meta.json")) }},
}

func largestSegment(indexDir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(indexDir, "store", "*.zap"))
	var best string
	var size int64 = -1
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Size() > size {
			best, size = f, fi.Size()
		}
	}
	if best == "" {
		return "", errors.New("no segment files")
	}
	return best, nil
}

func overwriteSegment(indexDir string, at float64, n int) error {
	p, err := largestSegment(indexDir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	return overwriteAt(p, int64(float64(fi.Size())*at), n)
}

func overwriteAt(p string, off int64, n int) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, n), off)
	return err
}

// damage stops the hub, damages its index, starts it again, and measures
// the time until the index equals PostgreSQL.
func (s *suite) damage(ctx context.Context, kind struct {
	name   string
	damage func(string) error
}) {
	if err := kind.damage(filepath.Join(s.dir, "index")); err != nil {
		s.rep.fail("index damage %s: %v", kind.name, err)
		return
	}
	t0 := time.Now()
	h, err := s.start(ctx)
	name := "index damage (stopped) → healed"
	s.rep.Cycles[name]++
	if err != nil {
		s.rep.fail("index damage %s: hub did not start: %v", kind.name, err)
		return
	}
	defer h.stop()
	if d := s.waitIndexMatches(ctx, h.url); d < 0 {
		s.rep.Mismatches++
		s.rep.fail("index damage %s: index never matched PostgreSQL", kind.name)
	} else {
		s.rep.add(name, time.Since(t0))
	}
	s.logf("index damage %q done", kind.name)
}

// liveDamage damages the live index of a running hub.
func (s *suite) liveDamage(ctx context.Context) {
	h, err := s.start(ctx)
	if err != nil {
		s.rep.fail("live index damage: start: %v", err)
		return
	}
	defer h.stop()
	name := "index damage (serving) → healed"
	s.rep.Cycles[name]++
	if err := overwriteSegment(filepath.Join(s.dir, "index"), 0.5, 256); err != nil {
		s.rep.fail("live index damage: %v", err)
		return
	}
	t0 := time.Now()
	// The hub notices by its own means (a recovered panic, the scorch
	// error callback, or the hourly check); the suite runs searches that
	// read every stored document, and restarts are not allowed to help.
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(h.logs.String(), "search index healed") {
		select {
		case <-h.done:
			// A damaged segment can make the hub die outright, not
			// panic (zapx trusts the lengths it reads: a damaged
			// count asked for a 186 TB slice, "fatal error: out of
			// memory", which no recover catches); say so, rather
			// than wait out the deadline against a dead hub.
			s.rep.fail("live index damage: the hub exited instead of healing: %s", deathCause(h.logs.String()))
			return
		default:
		}
		_, code, ext, err := s.gql(ctx, h.url, `{ search(query: "chaos resource written", first: 100) { totalCount edges { node { slug } highlights { fragments } } facets { years { value count } } } }`, nil)
		if err == nil {
			s.note(code, ext)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(h.logs.String(), "search index healed") {
		s.rep.fail("live index damage: not detected within 90 s")
		return
	}
	if d := s.waitIndexMatches(ctx, h.url); d < 0 {
		s.rep.Mismatches++
		s.rep.fail("live index damage: index never matched PostgreSQL")
		return
	}
	s.rep.add(name, time.Since(t0))
	s.logf("live index damage done")
}

// deathCause returns the fatal error or panic line a dead Go process
// printed and the first frame of its stack outside the runtime, or its
// last log line.
func deathCause(logs string) string {
	if strings.TrimSpace(logs) == "" {
		return "no output"
	}
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "fatal error:") && !strings.HasPrefix(line, "panic:") {
			continue
		}
		for _, frame := range lines[i+1:] {
			if strings.HasPrefix(frame, "\t") || strings.HasPrefix(frame, "goroutine ") || strings.HasPrefix(frame, "runtime") {
				continue
			}
			if name, _, ok := strings.Cut(frame, "("); ok {
				return line + " in " + name
			}
		}
		return line
	}
	return lines[len(lines)-1]
}

// waitIndexMatches waits (60 s at most) until the index equals PostgreSQL;
// it returns how long that took, or -1.
func (s *suite) waitIndexMatches(ctx context.Context, url string) time.Duration {
	t0 := time.Now()
	for time.Since(t0) < 60*time.Second {
		if ok, _ := s.indexMatches(ctx, url); ok {
			return time.Since(t0)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1
}

// checkIndex counts a mismatch when the index has not caught up with
// PostgreSQL within 10 s.
func (s *suite) checkIndex(ctx context.Context, url, when string) {
	var why string
	for t0 := time.Now(); time.Since(t0) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
		ok, w := s.indexMatches(ctx, url)
		if ok {
			return
		}
		why = w
	}
	s.rep.Mismatches++
	s.rep.fail("index %s: %s", when, why)
}

// indexMatches compares the slugs search browses with the published
// slugs PostgreSQL lists.
func (s *suite) indexMatches(ctx context.Context, url string) (bool, string) {
	listed, err := s.collect(ctx, url, `query($after: String) { r: resources(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { slug } } } }`)
	if err != nil {
		return false, err.Error()
	}
	found, err := s.collect(ctx, url, `query($after: String) { r: search(query: "", first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { slug } } } }`)
	if err != nil {
		return false, err.Error()
	}
	if fmt.Sprint(listed) != fmt.Sprint(found) {
		return false, fmt.Sprintf("PostgreSQL lists %d published, the index finds %d", len(listed), len(found))
	}
	return true, ""
}

func (s *suite) collect(ctx context.Context, url, query string) ([]string, error) {
	var out []string
	var after any
	for page := 0; page < 1000; page++ {
		data, code, _, err := s.gql(ctx, url, query, map[string]any{"after": after})
		if err != nil {
			return nil, err
		}
		if code != "" {
			return nil, fmt.Errorf("code %s", code)
		}
		edges, _ := dig(data, "r", "edges").([]any)
		for _, e := range edges {
			if slug, ok := dig(e, "node", "slug").(string); ok {
				out = append(out, slug)
			}
		}
		if dig(data, "r", "pageInfo", "hasNextPage") != true {
			break
		}
		after = dig(data, "r", "pageInfo", "endCursor")
	}
	sort.Strings(out)
	return out, nil
}

// finalCheck starts a hub once more and checks every acknowledged write is
// there, published, and the index equals PostgreSQL.
func (s *suite) finalCheck(ctx context.Context) {
	h, err := s.start(ctx)
	if err != nil {
		s.rep.fail("final start: %v", err)
		return
	}
	defer h.stop()
	listed, err := s.collect(ctx, h.url, `query($after: String) { r: resources(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { slug } } } }`)
	if err != nil {
		s.rep.fail("final list: %v", err)
		return
	}
	have := map[string]bool{}
	for _, slug := range listed {
		have[slug] = true
	}
	for slug := range s.acked {
		if !have[slug] {
			s.rep.Lost++
			s.rep.fail("acknowledged write %s lost", slug)
		}
	}
	s.checkIndex(ctx, h.url, "at the end")
}

// cleanup stops any PostgreSQL the suite left (a serving hub's way:
// adopt, then stop).
func (s *suite) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !pgcluster.Answering(ctx, s.dir) {
		return
	}
	if c, err := pgcluster.Start(ctx, s.dir, pgcluster.Options{Owner: true}); err == nil {
		c.Stop(ctx)
	}
}
