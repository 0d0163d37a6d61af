package postgres_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestPruneAgainstEveryReader checks the change log's horizon against its
// oracle, the rows themselves, over 60 generated steps: change rows
// written now and then inside transactions held open across later steps
// (a slow import, an export, another database's work on the same cluster:
// transaction ids are the cluster's), prunes, full reads
// (ScanPublished's position) and readers at positions taken along the
// way. After every step, for every reader:
//   - ChangesSince answers EEXPIRED exactly when a row the reader had
//     not read (its transaction id at or above the reader's position) was
//     pruned;
//   - a reader that has just done a full read is never EEXPIRED (the
//     search index's rebuild then catch-up: a prune that passed a running
//     transaction made every rebuild expire until that transaction ended,
//     so the index rebuilt at every poll, and a hub starting then failed:
//     TestPrunedPastTheIndexRebuilds under load).
func TestPruneAgainstEveryReader(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	r, err := db.CreateResource(ctx, editor, draft("prune-oracle"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(61, 67))
	// catch decides when a reader catches up: apart from rng, so that the
	// steps are the same whatever the answers (which other packages'
	// transactions on the cluster can change).
	catch := rand.New(rand.NewPCG(5, 7))
	// rows are the transaction ids of the change rows written here and
	// committed; pruned those the prunes deleted.
	type row struct {
		txid   uint64
		pruned bool
	}
	var rows []*row
	write := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) uint64 {
		var txid uint64
		if err := q.QueryRow(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, 1, 'UPDATED') RETURNING txid::text::bigint`, r.ID).Scan(&txid); err != nil {
			t.Fatal(err)
		}
		return txid
	}
	type held struct {
		tx    pgx.Tx
		txids []uint64
	}
	var open []*held
	defer func() {
		for _, h := range open {
			h.tx.Rollback(ctx)
		}
	}()
	type reader struct {
		pos   uint64
		fresh bool // a full read since the last prune
	}
	var readers []*reader
	prunes, expired, freshChecked := 0, 0, 0
	for step := 0; step < 60; step++ {
		switch a := rng.IntN(10); {
		case a < 2 && len(open) < 3:
			tx, err := db.Pool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h := &held{tx: tx}
			if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(2) == 0 {
				h.txids = append(h.txids, write(tx))
			}
			open = append(open, h)
		case a < 4 && len(open) > 0:
			i := rng.IntN(len(open))
			h := open[i]
			open = append(open[:i], open[i+1:]...)
			if err := h.tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			for _, id := range h.txids {
				rows = append(rows, &row{txid: id})
			}
		case a < 6:
			rows = append(rows, &row{txid: write(db.Pool())})
		case a < 8:
			// Another package's transaction running on the cluster holds
			// the prune back: without one of ours open, ask again a while.
			for try := 0; ; try++ {
				n, err := db.PruneChanges(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				pending := slices.ContainsFunc(rows, func(w *row) bool { return !w.pruned })
				if n > 0 || len(open) > 0 || !pending || try == 40 {
					break
				}
				time.Sleep(25 * time.Millisecond)
			}
			prunes++
			var left []uint64
			lr, _ := db.Pool().Query(ctx, `SELECT txid::text::bigint FROM changes WHERE resource_id = $1`, r.ID)
			if left, err = pgx.CollectRows(lr, pgx.RowTo[uint64]); err != nil {
				t.Fatal(err)
			}
			kept := map[uint64]bool{}
			for _, id := range left {
				kept[id] = true
			}
			for _, w := range rows {
				w.pruned = w.pruned || !kept[w.txid]
			}
			for _, rd := range readers {
				rd.fresh = false
			}
		default:
			pos, err := db.ScanPublished(ctx, 100, func([]*content.Resource) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			readers = append(readers, &reader{pos: pos, fresh: true})
		}
		for i, rd := range readers {
			missed := false
			for _, w := range rows {
				missed = missed || (w.pruned && w.txid >= rd.pos)
			}
			_, next, err := db.ChangesSince(ctx, rd.pos)
			got := content.ErrorCode(err) == content.EEXPIRED
			if err != nil && !got {
				t.Fatalf("step %d reader %d: %v", step, i, err)
			}
			if got != missed {
				t.Fatalf("step %d reader %d at %d (full read just before: %v): EEXPIRED %v, a row it had not read pruned %v", step, i, rd.pos, rd.fresh, got, missed)
			}
			if rd.fresh {
				freshChecked++
				if got {
					t.Fatalf("step %d: a full read at %d expired before any prune since", step, rd.pos)
				}
			}
			if got {
				expired++
			} else if catch.IntN(3) == 0 {
				rd.pos = next // the reader caught up
			}
		}
	}
	t.Logf("%d prunes, %d readers, %d expired answers, %d checks of a reader just after a full read", prunes, len(readers), expired, freshChecked)
	if prunes < 5 || expired == 0 || freshChecked < 20 {
		t.Errorf("%d prunes, %d expired, %d fresh checks: the test misses its cases", prunes, expired, freshChecked)
	}
}
