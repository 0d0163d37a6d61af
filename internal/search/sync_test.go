package search_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/testdb"
)

var ctx = context.Background()

// insertPublished writes a published resource, its revision and its change
// row in tx, as an import would.
func insertPublished(t *testing.T, tx pgx.Tx, slug, title string) int64 {
	t.Helper()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO resources (slug, kind, status, latest_revision, published_revision)
		VALUES ($1, 'GUIDANCE', 'PUBLISHED', 1, 1) RETURNING id`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO revisions (resource_id, revision, kind, slug, title, summary, body, topics, audiences, nations, published_at)
		VALUES ($1, 1, 'GUIDANCE', $2, $3, 'A summary.', 'A body about registration.', '{gp-registration}', '{COMMISSIONERS}', '{ENGLAND}', '2025-01-01')`, id, slug, title); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'PUBLISHED')`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func publish(t *testing.T, db *postgres.DB, slug, title string) int64 {
	t.Helper()
	var id int64
	if err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error { id = insertPublished(t, tx, slug, title); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// indexedIDs lists every id the index holds (browsing, all pages).
func indexedIDs(t *testing.T, s *search.Syncer) []int64 {
	t.Helper()
	page, err := s.Search(ctx, content.SearchQuery{Order: content.SearchNewest, First: 1000})
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

func publishedIDs(t *testing.T, db *postgres.DB) []int64 {
	t.Helper()
	rows, _ := db.Pool().Query(ctx, `SELECT id FROM resources WHERE status = 'PUBLISHED' ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func newSyncer(t *testing.T, src search.Store, dir string) *search.Syncer {
	t.Helper()
	s, err := search.NewSyncer(src, search.Options{DataDir: dir, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// naiveReader reads the change log the tempting way, by sequence number.
// Sequence numbers commit out of order, so it can skip a row for good.
type naiveReader struct{ *postgres.DB }

func (n naiveReader) ChangesSince(ctx context.Context, lastSeq uint64) ([]content.Change, uint64, error) {
	rows, _ := n.Pool().Query(ctx, `SELECT seq, resource_id, action, revision, created_at FROM changes WHERE seq > $1 ORDER BY seq`, int64(lastSeq))
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[content.Change])
	if err != nil {
		return nil, 0, err
	}
	next := lastSeq
	for _, c := range cs {
		next = max(next, uint64(c.Seq))
	}
	return cs, next, nil
}

// outOfOrder holds a transaction with a lower change number open while a
// later one commits and is applied, then commits the first and catches up
// again. It reports whether the index then equals PostgreSQL.
func outOfOrder(t *testing.T, db *postgres.DB, src search.Store) bool {
	publish(t, db, "first", "First")
	s := newSyncer(t, src, t.TempDir())

	slow, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	lateID := insertPublished(t, slow, "late", "Late") // takes the lower change number
	fastID := publish(t, db, "fast", "Fast")           // higher number, commits first
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexedIDs(t, s); !contains(got, fastID) {
		t.Fatalf("index %v lacks the committed change %d", got, fastID)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	got, want := indexedIDs(t, s), publishedIDs(t, db)
	t.Logf("late change %d: index %v, postgres %v", lateID, got, want)
	return fmt.Sprint(got) == fmt.Sprint(want)
}

func contains(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func TestOutOfOrderCommitIsNeverSkipped(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	if !outOfOrder(t, db, db) {
		t.Fatal("the index did not converge to PostgreSQL: a late-committing change was skipped")
	}
}

// TestNaiveReaderFailsTheOutOfOrderTest shows the test above has teeth: the
// same scenario with a seq > last_seen reader leaves the index wrong.
func TestNaiveReaderFailsTheOutOfOrderTest(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	if outOfOrder(t, db, naiveReader{db}) {
		t.Fatal("the naive reader converged: the out-of-order test would not catch the bug")
	}
}

func TestSearchNotReadyUntilStarted(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	s, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Search(ctx, content.SearchQuery{Text: "x", First: 10})
	if content.ErrorCode(err) != content.EUNAVAILABLE {
		t.Errorf("search before start: err %v, want EUNAVAILABLE (never empty results)", err)
	}
	if s.Check() == nil {
		t.Error("readiness check passed before the index caught up")
	}
}

func TestSecondProcessOnTheSameIndexFailsFast(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	newSyncer(t, db, dir)
	t0 := time.Now()
	_, err := search.NewSyncer(db, search.Options{DataDir: dir})
	if !errors.Is(err, search.ErrInUse) {
		t.Fatalf("second open: err %v, want ErrInUse", err)
	}
	t.Logf("second open refused after %v", time.Since(t0).Round(time.Millisecond))
}

func TestRebuilds(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	for i := 0; i < 5; i++ {
		publish(t, db, fmt.Sprintf("r%d", i), fmt.Sprintf("Resource %d", i))
	}
	dir := t.TempDir()
	want := fmt.Sprint(publishedIDs(t, db))

	t.Run("missing index is built", func(t *testing.T) {
		s := newSyncer(t, db, dir)
		if got := fmt.Sprint(indexedIDs(t, s)); got != want {
			t.Errorf("index %s, want %s", got, want)
		}
		s.Close()
	})
	t.Run("damaged index is rebuilt", func(t *testing.T) {
		idx := filepath.Join(dir, "index")
		entries, _ := os.ReadDir(idx)
		for _, e := range entries {
			os.WriteFile(filepath.Join(idx, e.Name()), []byte("garbage"), 0o644)
		}
		s := newSyncer(t, db, dir)
		if got := fmt.Sprint(indexedIDs(t, s)); got != want {
			t.Errorf("after damage index %s, want %s", got, want)
		}
		s.Close()
	})
	t.Run("count drift is repaired", func(t *testing.T) {
		// A resource published without a change row: only a count check finds it.
		var id int64
		pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
			id = insertPublished(t, tx, "silent", "Silent")
			_, err := tx.Exec(ctx, `DELETE FROM changes WHERE resource_id = $1`, id)
			return err
		})
		s := newSyncer(t, db, dir)
		if got := indexedIDs(t, s); !contains(got, id) {
			t.Errorf("index %v lacks %d after a count mismatch", got, id)
		}
		s.Close()
	})
	t.Run("reindex request is carried out", func(t *testing.T) {
		s := newSyncer(t, db, dir)
		if _, err := db.RequestReindex(ctx); err != nil {
			t.Fatal(err)
		}
		s.Wake()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { s.Run(runCtx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if n, _ := db.LatestReindexRequest(ctx); n > 0 && reindexDone(s, n) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		<-done
		if n, _ := db.LatestReindexRequest(ctx); !reindexDone(s, n) {
			t.Error("reindex request not carried out within 10 s")
		}
	})
}

func reindexDone(s *search.Syncer, n int64) bool { return s.ReindexDone() >= n }

// ScanPublished gives the naive reader a watermark in its own terms: the
// highest sequence number at the scan.
func (n naiveReader) ScanPublished(ctx context.Context, batch int, fn func([]*content.Resource) error) (uint64, error) {
	if _, err := n.DB.ScanPublished(ctx, batch, fn); err != nil {
		return 0, err
	}
	var seq int64
	err := n.Pool().QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq)
	return uint64(seq), err
}

// TestPrunedPastTheIndexRebuilds (review4 R13): an index whose position
// the change log was pruned past (a replica away, or restoring an old
// snapshot, while another replica pruned) must not catch up silently past
// the pruned rows: an edit pruned from the log is missed by every catch-up
// and by the count check. Each kind of change a count cannot see (an edit,
// a withdrawal and a publish of another resource in one prune) must be in
// the index after the restart.
func TestPrunedPastTheIndexRebuilds(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, publish(t, db, fmt.Sprintf("p%d", i), fmt.Sprintf("Resource %d", i)))
	}
	dir := t.TempDir()
	s := newSyncer(t, db, dir)
	w, _ := s.Position()
	s.Close()

	// While the index is away: resource 0 edited, 1 withdrawn, a new one
	// published (the count stays 3), and the log pruned past all of it.
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE revisions SET title = 'Zebrafinch renamed' WHERE resource_id = $1`, ids[0])
	exec(`INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'UPDATED')`, ids[0])
	exec(`UPDATE resources SET status = 'WITHDRAWN', withdrawn_reason = 'Out of date', withdrawn_at = now() WHERE id = $1`, ids[1])
	exec(`INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'WITHDRAWN')`, ids[1])
	late := publish(t, db, "p3", "Resource 3")
	// A prune keeps the rows of transactions still running when it ran
	// (on any database of the cluster: other packages' tests), so it is
	// asked again until it passed the index's position.
	for try := 0; ; try++ {
		if _, err := db.PruneChanges(ctx, 0); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.ChangesSince(ctx, w)
		if content.ErrorCode(err) == content.EEXPIRED {
			break
		}
		if try == 200 {
			t.Fatalf("ChangesSince from the index's position after the prune: %v, want EEXPIRED", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	s = newSyncer(t, db, dir)
	if got, want := fmt.Sprint(indexedIDs(t, s)), fmt.Sprint(publishedIDs(t, db)); got != want {
		t.Errorf("index %s, PostgreSQL %s (the new resource %d)", got, want, late)
	}
	page, err := s.Search(ctx, content.SearchQuery{Text: "zebrafinch", Order: content.SearchRelevance, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Hits[0].ID != ids[0] {
		t.Errorf("the pruned edit is not in the index: %d hits for its new title", page.Total)
	}
}
