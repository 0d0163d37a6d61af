package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// querier is what the change-feed reader needs of a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ChangeFeed returns up to limit public change events after pos (nil: from
// the oldest retained row) in feed order, each with the position just
// after it, and the position after the whole page (where a reader resumes
// even when the page is empty). Feed order is transaction id, then row
// number; a row whose transaction commits late is delivered when it
// becomes visible, once: the position's Seen rows say which rows at or
// above its watermark were already delivered.
//
// A position at or below the newest pruned transaction is an EEXPIRED
// error (the reader may have missed pruned rows and must start again from
// the export); a watermark beyond any transaction started is EINVALID.
func (db *DB) ChangeFeed(ctx context.Context, pos *content.ChangePosition, limit int) (*content.ChangePage, error) {
	var page *content.ChangePage
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		page, err = readFeed(ctx, tx, pos, limit)
		return err
	})
	if err != nil {
		if content.ErrorCode(err) != content.EINTERNAL {
			return nil, err
		}
		return nil, fmt.Errorf("change feed: %w", domainError(err))
	}
	return page, nil
}

// feedRow is a change-log row as the feed reads it.
type feedRow struct {
	content.ChangeEvent
	txid uint64
}

// readFeed is ChangeFeed inside the caller's transaction, which must read
// from one snapshot (REPEATABLE READ, or a single-statement snapshot).
func readFeed(ctx context.Context, tx querier, pos *content.ChangePosition, limit int) (*content.ChangePage, error) {
	var xminS, xmaxS, prunedS, newestS string
	if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text, h.pruned_txid::text,
			greatest((SELECT max(txid) FROM changes WHERE action <> 'DRAFT'), h.pruned_txid)::text
		FROM pg_current_snapshot() s, change_log_horizon h`).Scan(&xminS, &xmaxS, &prunedS, &newestS); err != nil {
		return nil, err
	}
	xmin, err1 := strconv.ParseUint(xminS, 10, 64)
	xmax, err2 := strconv.ParseUint(xmaxS, 10, 64)
	pruned, err3 := strconv.ParseUint(prunedS, 10, 64)
	newest, err4 := strconv.ParseUint(newestS, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return nil, fmt.Errorf("snapshot %q %q %q %q: bad transaction id", xminS, xmaxS, prunedS, newestS)
	}
	// settled is where a reader that has every visible public change
	// stands: the snapshot's xmin, or one past the newest public change
	// (or pruned one) when that is lower, as changeFeedAt's position, so a
	// caught-up cursor moves with public changes only (every write on the
	// cluster moves xmin). A row the snapshot cannot see is of a
	// transaction at or above xmin, so nothing is skipped.
	settled := min(xmin, newest+1)
	from := content.ChangePosition{Watermark: 1}
	if pos != nil {
		from = *pos
		if from.Watermark > xmax {
			return nil, content.FieldErrorf("after", "is not a change-feed cursor from this hub")
		}
		if from.Watermark <= pruned {
			return nil, &content.Error{Code: content.EEXPIRED, Field: "after",
				Message: "this cursor is older than the change log's retention: load the export (GET /export/resources.ndjson) and follow changes from the cursor on its last line"}
		}
	}
	// Transaction ids of the rows already delivered at or above the
	// watermark (rows gone or never there are dropped: nothing to skip).
	seen := map[int64]uint64{}
	if len(from.Seen) > 0 {
		rows, _ := tx.Query(ctx, `SELECT seq, txid::text FROM changes WHERE seq = ANY($1)`, from.Seen)
		var (
			seq int64
			txt string
		)
		_, err := pgx.ForEachRow(rows, []any{&seq, &txt}, func() error {
			t, err := strconv.ParseUint(txt, 10, 64)
			seen[seq] = t
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	rows, _ := tx.Query(ctx, `SELECT c.seq, c.txid::text, c.resource_id, c.action, c.revision, c.created_at, r.slug, r.kind
		FROM changes c JOIN resources r ON r.id = c.resource_id
		WHERE (c.txid, c.seq) > ($1::text::xid8, $4::bigint) AND c.action <> 'DRAFT' AND c.seq <> ALL($2)
		ORDER BY c.txid, c.seq LIMIT $3`, strconv.FormatUint(from.Watermark, 10), nonNil(from.Seen), limit+1, from.Through)
	var cands []feedRow
	var txt string
	var r feedRow
	_, err := pgx.ForEachRow(rows, []any{&r.Seq, &txt, &r.ResourceID, &r.Action, &r.Revision, &r.CreatedAt, &r.Slug, &r.Kind}, func() error {
		t, err := strconv.ParseUint(txt, 10, 64)
		r.txid = t
		cands = append(cands, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	// after returns the position once the first k candidates are delivered.
	// Rows of the watermark's transaction, when it has finished (below the
	// snapshot's xmin), were delivered in Seq order (feed order, and a
	// transaction's rows become visible together), so they are a prefix
	// of its rows: Through records the last instead of listing them all.
	after := func(k int) content.ChangePosition {
		w := settled
		if k < len(cands) {
			w = min(w, cands[k].txid)
		}
		w = max(w, from.Watermark) // never move back (only a forged cursor could)
		p := content.ChangePosition{Watermark: w}
		if w == from.Watermark {
			p.Through = from.Through
		}
		deliver := func(seq int64, txid uint64) {
			switch {
			case txid == w && w < xmin:
				p.Through = max(p.Through, seq)
			case txid >= w:
				p.Seen = append(p.Seen, seq)
			}
		}
		for s, t := range seen {
			deliver(s, t)
		}
		for _, c := range cands[:k] {
			deliver(c.Seq, c.txid)
		}
		slices.Sort(p.Seen)
		return p
	}
	n := min(limit, len(cands))
	events := make([]content.ChangeEvent, 0, n)
	capped := false
	for i := range n {
		p := after(i + 1)
		if len(p.Seen) > content.MaxChangeSeen {
			// A long-open writing transaction holds the watermark back:
			// end the page rather than let cursors grow without bound.
			capped = true
			break
		}
		ev := cands[i].ChangeEvent
		ev.Cursor = p
		events = append(events, ev)
	}
	next := after(len(events))
	if len(next.Seen) > content.MaxChangeSeen {
		next = from
	}
	var waiting time.Time
	for _, c := range cands[len(events):] {
		if waiting.IsZero() || c.CreatedAt.Before(waiting) {
			waiting = c.CreatedAt
		}
	}
	if capped {
		// What is left waits for the open transaction: nothing more can
		// be delivered now, so a reader should not ask again at once.
		return &content.ChangePage{Events: events, Next: next, More: false, Waiting: waiting}, nil
	}
	return &content.ChangePage{Events: events, Next: next, More: len(cands) > len(events), Waiting: waiting}, nil
}

// changeFeedAt is the feed position of the snapshot tx reads from: every
// public change it can see counts as delivered. The export ends with it.
//
// Its watermark is the snapshot's xmin, or lower: one past the newest
// public change row (or pruned one) the snapshot sees, when that is below
// xmin. Any row the snapshot cannot see is of a transaction at or above
// xmin, so nothing is skipped; and the position, so the export's bytes and
// ETag, stays the same while no public change is made (every write on the
// cluster moves xmin: TestEveryGETDoorIsCacheable saw the export's ETag
// change between identical requests).
func changeFeedAt(ctx context.Context, tx querier) (content.ChangePosition, error) {
	var xminS, newestS string
	if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text,
			greatest((SELECT max(txid) FROM changes WHERE action <> 'DRAFT'), (SELECT pruned_txid FROM change_log_horizon), '0'::xid8)::text`).Scan(&xminS, &newestS); err != nil {
		return content.ChangePosition{}, err
	}
	xmin, err := strconv.ParseUint(xminS, 10, 64)
	if err != nil {
		return content.ChangePosition{}, fmt.Errorf("snapshot xmin %q: %w", xminS, err)
	}
	newest, err := strconv.ParseUint(newestS, 10, 64)
	if err != nil {
		return content.ChangePosition{}, fmt.Errorf("newest change %q: %w", newestS, err)
	}
	xmin = min(xmin, newest+1)
	xminS = strconv.FormatUint(xmin, 10)
	rows, _ := tx.Query(ctx, `SELECT seq FROM changes WHERE txid >= $1::text::xid8 AND action <> 'DRAFT' ORDER BY seq`, xminS)
	seen, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return content.ChangePosition{}, err
	}
	if len(seen) > content.MaxChangeSeen {
		return content.ChangePosition{}, content.Errorf(content.EUNAVAILABLE, "a long transaction is holding the change log back; try again in a minute")
	}
	return content.ChangePosition{Watermark: xmin, Seen: seen}, nil
}

// ExportPublished calls start (if not nil) once with the change-feed
// position of its snapshot, before reading any resource, then fn with every
// published resource in batches of at most batch (by id), all read in one
// REPEATABLE READ snapshot, and returns that position: following the feed
// from it gives every change the export does not hold, and none that it
// does. An error from start or fn ends the export with that error.
//
// fn runs inside the snapshot's transaction, so an export is held open for
// as long as fn takes (a client reading slowly): each export reads on a
// connection of its own, opened for it and closed after, never one of the
// pool's, and at most Options.Streams at once; past that it is an
// EUNAVAILABLE error asking the client to come back in ExportRetryAfter,
// before start runs (breaker5 F31: four slow anonymous downloads held the
// whole pool and every lookup timed out).
func (db *DB) ExportPublished(ctx context.Context, batch int, start func(content.ChangePosition) error, fn func([]*content.Resource) error) (content.ChangePosition, error) {
	var pos content.ChangePosition
	select {
	case db.streams <- struct{}{}:
		defer func() { <-db.streams }()
	default:
		return pos, content.Unavailable(ExportRetryAfter, "the hub is already sending %d exports, its most at once; try again in a minute", cap(db.streams))
	}
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return pos, fmt.Errorf("export: %w", domainError(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if pos, err = changeFeedAt(ctx, tx); err != nil {
			return err
		}
		if start != nil {
			if err := start(pos); err != nil {
				return err
			}
		}
		return scanPublished(ctx, tx, batch, fn)
	})
	if err != nil {
		if content.ErrorCode(err) != content.EINTERNAL {
			return pos, err
		}
		return pos, fmt.Errorf("export: %w", domainError(err))
	}
	return pos, nil
}

// ExportRetryAfter is how long a client refused an export (every stream
// busy) is asked to wait.
const ExportRetryAfter = time.Minute

// RecentlyWithdrawn returns up to limit resources matching f (its statuses
// ignored) that were public and withdrawn at or after since, newest
// withdrawal first: the Atom feed's tombstones.
func (db *DB) RecentlyWithdrawn(ctx context.Context, f content.Filter, since time.Time, limit int) ([]*content.Resource, error) {
	f.Statuses = []content.Status{content.StatusWithdrawn}
	f.ReviewOverdue = false
	where, args := filterSQL(f, false)
	args = append(args, since, limit)
	rows, _ := db.pool.Query(ctx, `SELECT `+resourceColumns+publicJoin+` WHERE`+where+
		fmt.Sprintf(` AND r.withdrawn_at >= $%d ORDER BY r.withdrawn_at DESC, r.id LIMIT $%d`, len(args)-1, len(args)), args...)
	rs, err := pgx.CollectRows(rows, scanResource)
	if err != nil {
		return nil, fmt.Errorf("recently withdrawn: %w", domainError(err))
	}
	return rs, nil
}
