package search_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/testdb"
)

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

// segments returns the index's zap segment files, largest first.
func segments(t *testing.T, dataDir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dataDir, "index", "store", "*.zap"))
	sort.Slice(files, func(i, j int) bool { return size(files[i]) > size(files[j]) })
	if len(files) == 0 {
		t.Fatal("the index has no segment files")
	}
	return files
}

func size(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// overwrite writes junk over n bytes at the given fraction of a file.
func overwrite(t *testing.T, p string, at float64, n int) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, n), int64(float64(size(p))*at)); err != nil {
		t.Fatal(err)
	}
}

// damages are the kinds of damage a crash or a bad disk leaves in an index.
var damages = []struct {
	name   string
	damage func(t *testing.T, dataDir string)
}{
	{"bytes overwritten in the middle of a segment", func(t *testing.T, d string) { overwrite(t, segments(t, d)[0], 0.5, 64) }},
	{"bytes overwritten near the start of a segment", func(t *testing.T, d string) { overwrite(t, segments(t, d)[0], 0.05, 16) }},
	{"segment footer overwritten", func(t *testing.T, d string) {
		overwrite(t, segments(t, d)[0], 1, 0)
		overwriteTail(t, segments(t, d)[0], 40)
	}},
	{"segment cut short", func(t *testing.T, d string) { p := segments(t, d)[0]; os.Truncate(p, size(p)/2) }},
	{"segment file missing", func(t *testing.T, d string) { os.Remove(segments(t, d)[0]) }},
	{"root.bolt overwritten", func(t *testing.T, d string) { overwrite(t, filepath.Join(d, "index", "store", "root.bolt"), 0, 16384) }},
	{"index_meta.json missing", func(t *testing.T, d string) { os.Remove(filepath.Join(d, "index", "index_meta.json")) }},
}

func overwriteTail(t *testing.T, p string, n int) {
	t.Helper()
	overwrite(t, p, 0, 0)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xFF}, n), size(p)-int64(n)); err != nil {
		t.Fatal(err)
	}
}

// seed publishes n resources.
func seed(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	if err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		for i := 0; i < n; i++ {
			insertPublished(t, tx, fmt.Sprintf("heal-%d", i), fmt.Sprintf("Healing resource number %d", i))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// healed waits until the syncer has rebuilt its index (logs are the
// syncer's own, fresh), is ready and not damaged, and its index holds
// exactly PostgreSQL's published resources; it returns how long that took.
// Every search meanwhile must answer results or UNAVAILABLE, never another
// error.
func healed(t *testing.T, s *search.Syncer, db *postgres.DB, logs *lockedBuffer) time.Duration {
	t.Helper()
	want := fmt.Sprint(publishedIDs(t, db))
	t0 := time.Now()
	for {
		page, err := s.Search(ctx, content.SearchQuery{Order: content.SearchNewest, First: 1000})
		switch {
		case err == nil && s.Ready() && !s.Damaged() && strings.Contains(logs.String(), "search index rebuilt"):
			var ids []int64
			for _, h := range page.Hits {
				ids = append(ids, h.ID)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			if fmt.Sprint(ids) == want {
				return time.Since(t0)
			}
		case err != nil && content.ErrorCode(err) != content.EUNAVAILABLE:
			t.Fatalf("search on a damaged index answered %v (code %s), want results or UNAVAILABLE\n%s", err, content.ErrorCode(err), logs)
		}
		if time.Since(t0) > 60*time.Second {
			t.Fatalf("index not healed after 60 s (ready %v, damaged %v)\n%s", s.Ready(), s.Damaged(), logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDamagedIndexIsRebuilt damages a closed index in each way a crash or
// a bad disk can, restarts the syncer as a hub restarts, and checks that it
// starts, finds the damage (at open, or in the background check after
// start-up), rebuilds beside and swaps, and ends equal to PostgreSQL.
func TestDamagedIndexIsRebuilt(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	seed(t, db, 300)
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newSyncer(t, db, dir)
			s.Close()
			d.damage(t, dir)

			logs := &lockedBuffer{}
			s2, err := search.NewSyncer(db, search.Options{DataDir: dir, Poll: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
			if err != nil {
				t.Fatalf("open a damaged index: %v\n%s", err, logs)
			}
			defer s2.Close()
			if err := s2.Start(ctx); err != nil {
				t.Fatalf("start on a damaged index: %v\n%s", err, logs)
			}
			defer runUntilReturn(s2)()
			took := healed(t, s2, db, logs)
			t.Logf("healed %v after start", took.Round(time.Millisecond))
		})
	}
}

// TestDamageWhileServingIsRebuilt overwrites a segment of the live index
// (it is memory-mapped, so searches see the damage at once): searches
// answer results or UNAVAILABLE, never an internal error, and the
// background check or a recovered panic rebuilds the index.
func TestDamageWhileServingIsRebuilt(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	seed(t, db, 300)
	dir := t.TempDir()
	s, logs := startedSyncer(t, db, dir)
	defer runUntilReturn(s)()
	// No false alarm on a healthy index: every segment's checksum holds.
	if err := s.VerifySegments(false); err != nil || s.Damaged() {
		t.Fatalf("healthy index: %v, damaged %v", err, s.Damaged())
	}
	logs.mu.Lock()
	logs.b.Reset()
	logs.mu.Unlock()
	overwrite(t, segments(t, dir)[0], 0.5, 256)
	go s.VerifySegments(false)
	took := healed(t, s, db, logs)
	t.Logf("healed %v after damage", took.Round(time.Millisecond))
	if !bytes.Contains([]byte(logs.String()), []byte("search index damaged")) {
		t.Errorf("the damage was never detected:\n%s", logs)
	}
}

// startedSyncer opens and starts a syncer on dir that logs into the
// returned buffer; it is closed when the test ends.
func startedSyncer(t *testing.T, db *postgres.DB, dir string) (*search.Syncer, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	s, err := search.NewSyncer(db, search.Options{DataDir: dir, Poll: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// runUntilReturn runs the syncer's loop and returns a function that stops
// it and waits until it has returned: deferred after the syncer's Close,
// it runs first, so that no rebuild still writes into the test's
// temporary directory when Close and the directory's removal run (under
// heavy load, a rebuild could outlive the test and fail its cleanup).
func runUntilReturn(s *search.Syncer) func() {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(rctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// TestSegmentCheckIgnoresSegmentsBeingWritten checks the background
// segment check against the index's own snapshot, the oracle of which
// files are complete (breaker7 F16: a merge's file, still being written
// and paused past the check's 500 ms second look, was taken for damage
// again and again while editors published): files in the store that no
// snapshot reads yet — generated as a merge leaves them midway: a live
// segment's first bytes, then zeros or nothing, or random bytes — never
// mark the index damaged, while the same damage to a segment the snapshot
// reads still does.
func TestSegmentCheckIgnoresSegmentsBeingWritten(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	seed(t, db, 200)
	dir := t.TempDir()
	s, logs := startedSyncer(t, db, dir)
	live := segments(t, dir)
	if len(live) == 0 {
		t.Fatal("no segment files")
	}
	src, err := os.ReadFile(live[0])
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 12; i++ {
		var b []byte
		switch i % 3 {
		case 0: // written up to some point, the rest preallocated
			b = append(slices.Clone(src[:rng.Intn(len(src))]), make([]byte, rng.Intn(4096))...)
		case 1: // cut short
			b = slices.Clone(src[:4+rng.Intn(len(src)-4)])
		default: // anything
			b = make([]byte, 4+rng.Intn(1<<16))
			rng.Read(b)
		}
		p := filepath.Join(dir, "index", "store", fmt.Sprintf("%012x.zap", 0xf00000+i))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.VerifySegments(i%2 == 0); err != nil || s.Damaged() {
			t.Fatalf("a segment no snapshot reads (%d bytes) taken for damage: %v\n%s", len(b), err, logs)
		}
		os.Remove(p)
	}
	// The same kind of damage to a segment the index reads is found.
	overwrite(t, live[0], 0.5, 256)
	if err := s.VerifySegments(true); err == nil || !s.Damaged() {
		t.Fatalf("damage to a live segment not found: %v", err)
	}
}

// TestSegmentCheckSeesAWriteInFlight damages a live segment the way a write
// does when a check looks at the file in the middle of it: the kernel sets
// the file's mtime when the write starts and copies the bytes after (Linux
// file_modified, then generic_perform_write), so the check sees the new
// mtime and the old, sound bytes, and the file's size and mtime never
// change again. The chaos suite's live damage lands within a millisecond
// of the check the hub runs at start-up (measured: 0.1–0.7 ms apart in
// eight runs), and went unnoticed for 90 s now and then: the check had
// remembered the stamp and skipped the damaged file ever after. The window
// is widened here to be certain: mtime first, the bytes after the check.
// Cases: the check inside the write is full or incremental, the bytes land
// anywhere in the file; each time the next incremental check must find the
// damage. A file that was already old when checked is still remembered,
// so the frequent check stays incremental.
func TestSegmentCheckSeesAWriteInFlight(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	seed(t, db, 200)
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 4; i++ {
		full := i%2 == 0
		at, n := 0.05+0.9*rng.Float64(), 16+rng.Intn(240)
		t.Run(fmt.Sprintf("full=%v at=%.2f bytes=%d", full, at, n), func(t *testing.T) {
			dir := t.TempDir()
			s, logs := startedSyncer(t, db, dir)
			live := search.LiveSegments(s)
			if len(live) == 0 {
				t.Fatal("the index reads no segment files")
			}
			p := live[rng.Intn(len(live))]
			// Before the write, every file checked long after it was
			// written: each is remembered.
			old := time.Now().Add(-time.Hour)
			for _, f := range live {
				if err := os.Chtimes(f, old, old); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.VerifySegments(true); err != nil || s.Damaged() {
				t.Fatalf("healthy index: %v, damaged %v\n%s", err, s.Damaged(), logs)
			}
			if got := search.RememberedSegments(s); got != len(live) {
				t.Fatalf("%d of %d settled segments remembered: the frequent check would read them all again", got, len(live))
			}
			// The write starts: its mtime is set.
			start := time.Now()
			if err := os.Chtimes(p, start, start); err != nil {
				t.Fatal(err)
			}
			// A check runs inside it: new mtime, old bytes.
			if err := s.VerifySegments(full); err != nil || s.Damaged() {
				t.Fatalf("check inside the write, before its bytes: %v, damaged %v\n%s", err, s.Damaged(), logs)
			}
			// The bytes land; the mtime stays the write's.
			overwrite(t, p, at, n)
			if err := os.Chtimes(p, start, start); err != nil {
				t.Fatal(err)
			}
			if err := s.VerifySegments(false); err == nil || !s.Damaged() {
				t.Fatalf("damage written while a check read the file: not found by the next check (err %v)\n%s", err, logs)
			}
		})
	}
}
