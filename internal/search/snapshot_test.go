package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/testdb"
)

var snapEditor = &content.Principal{Name: "snapshot test", Role: content.RoleEditor}

// words make titles and bodies whose searches match different sets.
var words = []string{"registration", "interpreter", "maternity", "charging", "asylum", "dental", "pharmacy", "hospital"}

func libraryFile(i int, title string) content.FileImport {
	d, _ := content.ParseDate("2025-01-01")
	d = d.AddDate(0, 0, i)
	w1, w2 := words[i%len(words)], words[(i/len(words))%len(words)]
	return content.FileImport{Path: fmt.Sprintf("lib/r%d.md", i), Hash: fmt.Sprint(i, title), Status: content.StatusPublished, Draft: content.Draft{
		Kind: content.KindGuidance, Slug: fmt.Sprintf("r%d", i), Title: title, Summary: "About " + w1 + ".",
		Body: fmt.Sprintf("Guidance on %s and %s for commissioners, number %d.", w1, w2, i), Language: "en",
		Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"},
		PublishedAt: &d, LastReviewedAt: &d, Sources: []content.Source{{Title: "S", URL: "https://example.org/"}}}}
}

// snapshotLibrary imports n published resources.
func snapshotLibrary(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	var files []content.FileImport
	for i := 0; i < n; i++ {
		files = append(files, libraryFile(i, fmt.Sprintf("%s guidance %d", strings.ToUpper(words[i%len(words)][:1])+words[i%len(words)][1:], i)))
	}
	if _, err := db.ImportFiles(ctx, files, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// replica starts a syncer with snapshots in db over dir, as a new hub
// replica would, and returns it with its metrics.
func replica(t *testing.T, db *postgres.DB, dir string) (*search.Syncer, *prometheus.Registry) {
	t.Helper()
	return replicaWith(t, db, dir, search.SnapshotOptions{})
}

func replicaWith(t *testing.T, db *postgres.DB, dir string, o search.SnapshotOptions) (*search.Syncer, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o.Store, o.Check = db, time.Hour
	s, err := search.NewSyncer(db, search.Options{DataDir: dir, Poll: time.Hour, Metrics: search.NewMetrics(reg), Snapshots: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// startedFrom says how a replica's index came to be: "restored",
// "rebuilt", or both counts when it is neither or both.
func startedFrom(t *testing.T, reg *prometheus.Registry) string {
	r, b := metric(t, reg, "hub_search_index_restores_total"), metric(t, reg, "hub_search_index_rebuilds_total")
	switch {
	case r == 1 && b == 0:
		return "restored"
	case r == 0 && b == 1:
		return "rebuilt"
	}
	return fmt.Sprintf("%v restores, %v rebuilds", r, b)
}

var snapshotQueries = []string{"", "registration", "interpreter maternity", "charging guidance", "asylum", "dental pharmacy",
	"hospital", "guidance", "zebrafinch", "marmoset", "quokka", "number 7"}

// answers is every snapshot query's results: ids in order, total, facets.
func answers(t *testing.T, s *search.Syncer) string {
	t.Helper()
	var b strings.Builder
	for _, q := range snapshotQueries {
		page, err := s.Search(ctx, content.SearchQuery{Text: q, First: 100, NoSuggestion: true})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		fmt.Fprintf(&b, "%q total %d:", q, page.Total)
		for _, h := range page.Hits {
			fmt.Fprintf(&b, " %d", h.ID)
		}
		fmt.Fprintf(&b, " facets %v\n", page.Facets)
	}
	return b.String()
}

// titleMatches is PostgreSQL's answer (the oracle) to "which published
// resources have word in their live title".
func titleMatches(t *testing.T, db *postgres.DB, word string) []int64 {
	t.Helper()
	rows, err := db.Pool().Query(ctx, `SELECT r.id FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
		WHERE r.status = 'PUBLISHED' AND v.title ILIKE '%' || $1 || '%' ORDER BY r.id`, word)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

func searchIDs(t *testing.T, s *search.Syncer, q string) []int64 {
	t.Helper()
	page, err := s.Search(ctx, content.SearchQuery{Text: q, First: 100, NoSuggestion: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, h := range page.Hits {
		ids = append(ids, h.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// TestSnapshotRestoreThenCatchUp: a replica writes a snapshot after its
// rebuild; the library changes (a publication, an edit, a withdrawal); a
// new replica with an empty data dir restores the snapshot instead of
// rebuilding, catches up, and answers every query as the first replica
// does, and as PostgreSQL says.
func TestSnapshotRestoreThenCatchUp(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 40)
	api, err := db.CreateResource(ctx, snapEditor, libraryFile(100, "Quokka guidance").Draft)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishResource(ctx, snapEditor, api.ID, nil); err != nil {
		t.Fatal(err)
	}
	a, regA := replica(t, db, t.TempDir())
	if got := startedFrom(t, regA); got != "rebuilt" {
		t.Fatalf("first replica: %s, want rebuilt (no snapshot yet)", got)
	}
	snap, err := a.WriteSnapshot(ctx)
	if err != nil || snap == nil {
		t.Fatalf("first snapshot: %v, %v", snap, err)
	}
	if snap.Documents != 41 || snap.MappingVersion != search.MappingVersion {
		t.Errorf("snapshot holds %d documents (want 41), mapping %q (want %q)", snap.Documents, snap.MappingVersion, search.MappingVersion)
	}
	names := map[string]bool{}
	for _, f := range snap.Files {
		names[f.Name] = true
	}
	if !names["store/root.bolt"] || !names["index_meta.json"] {
		t.Errorf("snapshot files %v lack root.bolt or index_meta.json", snap.Files)
	}
	if again, err := a.WriteSnapshot(ctx); err != nil || again != nil {
		t.Errorf("a second snapshot with nothing changed: %v, %v; want none", again, err)
	}

	// Changes after the snapshot.
	news, err := db.CreateResource(ctx, snapEditor, libraryFile(101, "Zebrafinch guidance").Draft)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishResource(ctx, snapEditor, news.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportFiles(ctx, []content.FileImport{libraryFile(1, "Marmoset guidance")}, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WithdrawResource(ctx, snapEditor, api.ID, "Replaced."); err != nil {
		t.Fatal(err)
	}

	b, regB := replica(t, db, t.TempDir())
	if got := startedFrom(t, regB); got != "restored" {
		t.Fatalf("new replica: %s, want restored", got)
	}
	for _, w := range []string{"zebrafinch", "marmoset", "quokka"} { // words only titles have
		if got, want := searchIDs(t, b, w), titleMatches(t, db, w); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("restored replica: %q finds %v, PostgreSQL's titles %v", w, got, want)
		}
	}
	if got, want := indexedIDs(t, b), publishedIDs(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("restored replica holds %v, PostgreSQL publishes %v", got, want)
	}
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if ga, gb := answers(t, a), answers(t, b); ga != gb {
		t.Errorf("the replicas answer differently:\nfirst:\n%s\nrestored:\n%s", ga, gb)
	}
}

// TestSnapshotWhileWriting: a snapshot copied while the index keeps
// applying changes is the index as of one batch: a replica restoring it
// catches up to exactly PostgreSQL. The change-log watermark keeps moving
// meanwhile.
func TestSnapshotWhileWriting(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 30)
	a, _ := replica(t, db, t.TempDir())
	n := 0
	var hookErr error
	var marks []uint64 // the change-log watermark after each change
	search.SetSnapshotHook(a, func() {
		// Between chunks of the copy: a change is made and applied.
		n++
		r, err := db.CreateResource(ctx, snapEditor, libraryFile(200+n, fmt.Sprintf("During copy %d", n)).Draft)
		if err == nil {
			_, err = db.PublishResource(ctx, snapEditor, r.ID, nil)
		}
		if err == nil {
			err = a.CatchUp(ctx)
		}
		if err != nil && hookErr == nil {
			hookErr = err
		}
		w, _ := a.Position()
		marks = append(marks, w)
	})
	if snap, err := search.ForceSnapshot(ctx, a); err != nil || snap == nil {
		t.Fatalf("snapshot: %v, %v", snap, err)
	}
	if hookErr != nil {
		t.Fatal(hookErr)
	}
	if n < 2 {
		t.Fatalf("only %d changes during the copy", n)
	}
	// Writing a snapshot holds no transaction open across chunks, which
	// would hold every change-log reader's watermark back until it ended.
	for i := 1; i < len(marks); i++ {
		if marks[i] <= marks[i-1] {
			t.Errorf("watermark %d after change %d, %d after the one before: held back by the snapshot being written", marks[i], i+1, marks[i-1])
		}
	}
	b, regB := replica(t, db, t.TempDir())
	if got := startedFrom(t, regB); got != "restored" {
		t.Fatalf("new replica: %s, want restored", got)
	}
	if got, want := indexedIDs(t, b), publishedIDs(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("restored replica holds %v, PostgreSQL publishes %v", got, want)
	}
}

// TestUnusableSnapshotsFallBack: a damaged, incompatible or too old
// snapshot is not restored: the next usable one is, or the index is
// rebuilt; either way the replica ends equal to PostgreSQL.
func TestUnusableSnapshotsFallBack(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 20)
	a, _ := replica(t, db, t.TempDir())
	older, err := search.ForceSnapshot(ctx, a)
	if err != nil || older == nil {
		t.Fatal(older, err)
	}
	publish(t, db, "between", "Between snapshots")
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	newer, err := search.ForceSnapshot(ctx, a)
	if err != nil || newer == nil {
		t.Fatal(newer, err)
	}
	publish(t, db, "after", "After both")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, want string) {
		t.Helper()
		b, reg := replica(t, db, t.TempDir())
		if got := startedFrom(t, reg); got != want {
			t.Errorf("new replica: %s, want %s", got, want)
		}
		if got, want := indexedIDs(t, b), publishedIDs(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("replica holds %v, PostgreSQL publishes %v", got, want)
		}
	}
	// Each case spoils the newer snapshot one way, and then the older too.
	for _, c := range []struct {
		name  string
		spoil func(id int64)
	}{
		{"damaged zap chunk", func(id int64) {
			exec(`UPDATE index_snapshot_chunks SET data = overlay(data PLACING '\xff00ff'::bytea FROM 9)
				WHERE snapshot_id = $1 AND file LIKE '%.zap' AND seq = 0`, id)
		}},
		{"chunk missing", func(id int64) {
			exec(`DELETE FROM index_snapshot_chunks WHERE snapshot_id = $1 AND file = 'store/root.bolt' AND seq = 0`, id)
		}},
		{"other mapping version", func(id int64) {
			exec(`UPDATE index_snapshots SET mapping_version = 'old' WHERE id = $1`, id)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Fresh copies of both snapshots for each case.
			o, err := search.ForceSnapshot(ctx, a)
			if err != nil || o == nil {
				t.Fatal(o, err)
			}
			n, err := search.ForceSnapshot(ctx, a)
			if err != nil || n == nil {
				t.Fatal(n, err)
			}
			c.spoil(n.ID)
			check(t, "restored") // from the older
			c.spoil(o.ID)
			check(t, "rebuilt")
		})
	}
	t.Run("change log pruned past it", func(t *testing.T) {
		s, err := search.ForceSnapshot(ctx, a)
		if err != nil || s == nil {
			t.Fatal(s, err)
		}
		exec(`UPDATE change_log_horizon SET pruned_txid = $1::text::xid8`, fmt.Sprint(s.Watermark))
		t.Cleanup(func() { exec(`UPDATE change_log_horizon SET pruned_txid = '0'`) })
		check(t, "rebuilt")
	})
	t.Run("reindex requested after it", func(t *testing.T) {
		if _, err := search.ForceSnapshot(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RequestReindex(ctx); err != nil {
			t.Fatal(err)
		}
		check(t, "rebuilt")
	})
	t.Run("segment damaged on the writer's disk", func(t *testing.T) {
		// The copy is byte for byte, so the SHA-256 matches the damage:
		// the segment's own CRC-32 is what finds it.
		dir := t.TempDir()
		c, _ := replica(t, db, dir)
		segs, _ := filepath.Glob(filepath.Join(dir, "index", "store", "*.zap"))
		if len(segs) == 0 {
			t.Fatal("no segment files")
		}
		f, err := os.OpenFile(segs[0], os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		f.ReadAt(b[:], 20)
		b[0] ^= 0xff
		f.WriteAt(b[:], 20)
		f.Close()
		exec(`DELETE FROM index_snapshots`)
		if s, err := search.ForceSnapshot(ctx, c); err != nil || s == nil {
			t.Fatal(s, err)
		}
		check(t, "rebuilt")
	})
	t.Run("mapping version inside differs from the row", func(t *testing.T) {
		c, _ := replica(t, db, t.TempDir())
		if err := search.SetStoredMapping(c, "old"); err != nil {
			t.Fatal(err)
		}
		s, err := search.ForceSnapshot(ctx, c)
		if err != nil || s == nil {
			t.Fatal(s, err)
		}
		if s.MappingVersion != "old" {
			t.Errorf("snapshot of an index holding mapping %q recorded %q", "old", s.MappingVersion)
		}
		exec(`DELETE FROM index_snapshots WHERE id <> $1`, s.ID)
		exec(`UPDATE index_snapshots SET mapping_version = $2 WHERE id = $1`, s.ID, search.MappingVersion)
		// Restored, found to hold another mapping, so rebuilt.
		check(t, "rebuilt")
	})
}

// TestSnapshotWriterKilledMidway: a writer whose PostgreSQL session dies
// in the middle of a snapshot (as when its process is killed) leaves the
// previous snapshot as it was and restorable; and while one replica
// writes, another's attempt returns at once without writing.
func TestSnapshotWriterKilledMidway(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 20)
	a, _ := replica(t, db, t.TempDir())
	before, err := search.ForceSnapshot(ctx, a)
	if err != nil || before == nil {
		t.Fatal(before, err)
	}
	publish(t, db, "later", "Later")
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	other, _ := replica(t, db, t.TempDir()) // restored from before
	chunks := 0
	var otherGot *content.IndexSnapshot
	var otherErr error
	var once sync.Once
	search.SetSnapshotHook(a, func() {
		chunks++
		if chunks < 2 {
			return
		}
		once.Do(func() {
			// Another replica tries while this one holds the lock.
			otherGot, otherErr = search.ForceSnapshot(ctx, other)
			// Then the writer's session is killed.
			if _, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'INSERT INTO index_snapshot_chunks%'`); err != nil {
				t.Error(err)
			}
		})
	})
	if s, err := search.ForceSnapshot(ctx, a); err == nil {
		t.Fatalf("the killed writer reported success: %+v", s)
	} else {
		t.Logf("killed writer: %v", err)
	}
	if otherErr != nil || otherGot != nil {
		t.Errorf("a second writer during the first: %v, %v; want nothing written, no error", otherGot, otherErr)
	}
	have, err := db.IndexSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != 1 || have[0].ID != before.ID {
		t.Fatalf("snapshots after the kill: %+v, want only %d", have, before.ID)
	}
	b, reg := replica(t, db, t.TempDir())
	if got := startedFrom(t, reg); got != "restored" {
		t.Errorf("new replica: %s, want restored from the previous snapshot", got)
	}
	if got, want := indexedIDs(t, b), publishedIDs(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replica holds %v, PostgreSQL publishes %v", got, want)
	}
	// The next writer clears what the killed one left.
	search.SetSnapshotHook(a, nil)
	if s, err := search.ForceSnapshot(ctx, other); err != nil || s == nil {
		t.Fatalf("the next writer: %v, %v", s, err)
	}
	var incomplete, orphans int
	db.Pool().QueryRow(ctx, `SELECT count(*) FROM index_snapshots WHERE NOT complete`).Scan(&incomplete)
	db.Pool().QueryRow(ctx, `SELECT count(*) FROM index_snapshot_chunks c JOIN index_snapshots s ON s.id = c.snapshot_id WHERE NOT s.complete`).Scan(&orphans)
	if incomplete != 0 || orphans != 0 {
		t.Errorf("after the next writer: %d incomplete snapshots, %d of their chunks left", incomplete, orphans)
	}
}

// TestSnapshotsPruned: a writer keeps the newest two snapshots of its
// mapping version and deletes the rest with their chunks.
func TestSnapshotsPruned(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 5)
	a, _ := replica(t, db, t.TempDir())
	var ids []int64
	for i := 0; i < 4; i++ {
		s, err := search.ForceSnapshot(ctx, a)
		if err != nil || s == nil {
			t.Fatal(s, err)
		}
		ids = append(ids, s.ID)
	}
	have, err := db.IndexSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, s := range have {
		got = append(got, s.ID)
	}
	if want := []int64{ids[3], ids[2]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("snapshots kept %v, want %v", got, want)
	}
	var chunkOwners int
	db.Pool().QueryRow(ctx, `SELECT count(DISTINCT snapshot_id) FROM index_snapshot_chunks`).Scan(&chunkOwners)
	if chunkOwners != 2 {
		t.Errorf("chunks of %d snapshots left, want 2", chunkOwners)
	}
}

// TestSnapshotDue: when a replica writes a snapshot on its own. With none
// usable: at once after its own full rebuild, but not after merely
// opening its index at a restart until it has served for Every. With one
// usable: not while the index has not moved past it; once Every has
// passed since it; or once Changes public changes were made after it.
func TestSnapshotDue(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 5)
	dir := t.TempDir()
	due := func(s *search.Syncer) bool {
		t.Helper()
		snap, err := s.WriteSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return snap != nil
	}
	a, _ := replica(t, db, dir) // rebuilds
	a.Close()
	a, _ = replica(t, db, dir) // a restart: opens the index
	if due(a) {
		t.Error("a restarted replica with no usable snapshot wrote one at once")
	}
	a.Close()
	a, _ = replicaWith(t, db, dir, search.SnapshotOptions{Every: time.Millisecond})
	time.Sleep(5 * time.Millisecond)
	if !due(a) {
		t.Error("no snapshot once the replica had served for Every")
	}
	a.Close()
	a, _ = replicaWith(t, db, dir, search.SnapshotOptions{Changes: 2})
	if due(a) {
		t.Error("a snapshot though the index has not moved since the last")
	}
	publish(t, db, "one", "One")
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if due(a) {
		t.Error("a snapshot after 1 change, Changes 2, and within Every")
	}
	publish(t, db, "two", "Two")
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if !due(a) {
		t.Error("no snapshot after 2 changes, Changes 2")
	}
	fresh, _ := replica(t, db, t.TempDir()) // restores: not a rebuild
	publish(t, db, "three", "Three")
	if err := fresh.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if due(fresh) {
		t.Error("a restored replica wrote a snapshot after 1 change, within Every")
	}
	a.Close()
	a, _ = replicaWith(t, db, dir, search.SnapshotOptions{Every: time.Millisecond})
	time.Sleep(5 * time.Millisecond)
	if !due(a) {
		t.Error("no snapshot once the newest was older than Every and the index had moved")
	}
}

// TestRestoreLeavesThePoolFree (review4 R5): a restore's parts read on
// connections of their own: with every connection of the pool taken (as
// lookups, lists, the scheduler and webhooks may take them while a new
// replica restores), reading a snapshot's parts still completes, whole.
func TestRestoreLeavesThePoolFree(t *testing.T) {
	db := testdb.Open(t, postgres.Options{MaxConns: 2})
	snapshotLibrary(t, db, 20)
	a, _ := replica(t, db, t.TempDir())
	snap, err := a.WriteSnapshot(ctx)
	if err != nil || snap == nil {
		t.Fatalf("snapshot: %v %v", snap, err)
	}
	var held []*pgxpool.Conn
	for range 2 {
		c, err := db.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	const parts = 4
	var mu sync.Mutex
	bytesRead := 0
	errs := make(chan error, parts)
	for part := range parts {
		go func() {
			errs <- db.ReadIndexSnapshot(rctx, snap.ID, part, parts, func(file string, seq int, data []byte) error {
				mu.Lock()
				bytesRead += len(data)
				mu.Unlock()
				return nil
			})
		}()
	}
	for range parts {
		if err := <-errs; err != nil {
			t.Fatalf("reading a part with the pool taken: %v", err)
		}
	}
	var want int64
	for _, f := range snap.Files {
		want += f.Size
	}
	if int64(bytesRead) != want {
		t.Errorf("read %d bytes, the snapshot's files hold %d", bytesRead, want)
	}
}

// TestDamagedSnapshotIsReplaced (breaker4 F6): a snapshot whose bytes
// rotted in PostgreSQL failed its SHA-256 check on every new replica, each
// of which rebuilt and none wrote a replacement, so fast starts never came
// back without a person. Each kind of damage (a flipped byte in a segment,
// a chunk gone, a file description that lies about the size): the
// replica that finds it deletes it, rebuilds, and writes a new snapshot,
// from which the next replica restores.
func TestDamagedSnapshotIsReplaced(t *testing.T) {
	for _, damage := range []struct{ name, sql string }{
		{"flipped byte", `UPDATE index_snapshot_chunks SET data = overlay(data placing '\x00ff'::bytea from 100 for 2)
			WHERE snapshot_id = $1 AND (file, seq) = (SELECT file, seq FROM index_snapshot_chunks WHERE snapshot_id = $1 AND file LIKE '%.zap' ORDER BY file, seq LIMIT 1)`},
		{"chunk gone", `DELETE FROM index_snapshot_chunks WHERE snapshot_id = $1 AND (file, seq) = (SELECT file, seq FROM index_snapshot_chunks WHERE snapshot_id = $1 AND file LIKE '%.zap' ORDER BY file, seq LIMIT 1)`},
		{"size lies", `UPDATE index_snapshots SET files = jsonb_set(files, '{0,size}', to_jsonb((files->0->>'size')::bigint + 1)) WHERE id = $1`},
	} {
		t.Run(damage.name, func(t *testing.T) {
			db := testdb.Open(t, postgres.Options{})
			snapshotLibrary(t, db, 20)
			a, _ := replica(t, db, t.TempDir())
			snap, err := a.WriteSnapshot(ctx)
			if err != nil || snap == nil {
				t.Fatalf("snapshot: %v %v", snap, err)
			}
			if tag, err := db.Pool().Exec(ctx, damage.sql, snap.ID); err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("damage: %v %v", tag, err)
			}
			b, regB := replica(t, db, t.TempDir())
			if got := startedFrom(t, regB); got != "rebuilt" {
				t.Fatalf("replica over a damaged snapshot: %s, want rebuilt", got)
			}
			have, err := db.IndexSnapshots(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range have {
				if h.ID == snap.ID {
					t.Fatalf("the damaged snapshot %d is still there", snap.ID)
				}
			}
			fresh, err := b.WriteSnapshot(ctx)
			if err != nil || fresh == nil {
				t.Fatalf("the replica that rebuilt wrote no snapshot: %v %v", fresh, err)
			}
			_, regC := replica(t, db, t.TempDir())
			if got := startedFrom(t, regC); got != "restored" {
				t.Errorf("the next replica: %s, want restored", got)
			}
		})
	}
}

// TestRebuildCarriesOutEarlierReindexRequests (breaker4 F7, F16): a full
// rebuild from PostgreSQL carries out every reindex request made before it
// (a heal's rebuild was followed by a second full rebuild for a request the
// first had met), and a replica whose index was built before the latest
// request restores a snapshot made after that request instead of
// rebuilding (a replica stopped while a reindex ran rebuilt at start).
func TestRebuildCarriesOutEarlierReindexRequests(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	snapshotLibrary(t, db, 20)
	bDir := t.TempDir()
	b, _ := replica(t, db, bDir) // built before the request below
	b.Close()
	n, err := db.RequestReindex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A rebuild for another reason (a heal, a new replica) after the
	// request: the request counts as carried out.
	a, _ := replica(t, db, t.TempDir())
	if got := a.ReindexDone(); got < n {
		t.Errorf("a rebuild after reindex request %d records %d: another full rebuild would follow", n, got)
	}
	if err := a.Rebuild(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := a.ReindexDone(); got < n {
		t.Errorf("Rebuild after reindex request %d records %d", n, got)
	}
	snap, err := a.WriteSnapshot(ctx)
	if err != nil || snap == nil {
		t.Fatalf("snapshot after the reindex: %v %v", snap, err)
	}
	// The replica stopped before the request starts again over its old
	// index: it restores the snapshot made after the request.
	_, regB := replica(t, db, bDir)
	if got := startedFrom(t, regB); got != "restored" {
		t.Errorf("a replica whose index predates reindex request %d: %s, want restored from the snapshot made after it", n, got)
	}
}
