package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// ChangesSince returns the public change rows (no DRAFT) a reader may not
// have seen yet and
// the watermark for its next call. A reader passes the watermark of its
// previous call (0 the first time).
//
// Sequence numbers commit out of order, so "seq > last seen" can skip a row
// whose transaction commits late. Instead rows are selected by transaction
// id: every transaction with an id below a snapshot's xmin had finished when
// the snapshot was taken, so its rows were visible to that read. Reading
// txid >= previous xmin in a snapshot, then keeping that snapshot's xmin,
// never skips a committed row; it may return a row again, and applying a
// change is idempotent.
//
// A watermark at or below the newest pruned transaction (the change log's
// horizon, read in the same snapshot) is an EEXPIRED error, as for the
// change feed: rows the reader had not seen may be gone, and it must start
// again from a full read (review4 R13: a replica restoring an old snapshot
// while another one pruned caught up past the pruned rows without a word).
func (db *DB) ChangesSince(ctx context.Context, watermark uint64) ([]content.Change, uint64, error) {
	var (
		changes []content.Change
		next    uint64
	)
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var xmin, pruned string
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text, h.pruned_txid::text FROM change_log_horizon h`).Scan(&xmin, &pruned); err != nil {
			return err
		}
		n, err := strconv.ParseUint(xmin, 10, 64)
		if err != nil {
			return fmt.Errorf("snapshot xmin %q: %w", xmin, err)
		}
		p, err := strconv.ParseUint(pruned, 10, 64)
		if err != nil {
			return fmt.Errorf("pruned transaction id %q: %w", pruned, err)
		}
		if p > 0 && watermark <= p {
			return &content.Error{Code: content.EEXPIRED, Message: fmt.Sprintf("the change log was pruned past position %d (up to transaction %d): start again from a full read", watermark, p)}
		}
		next = n
		// Draft edits change nothing the public (or the index) sees.
		rows, _ := tx.Query(ctx, `SELECT seq, resource_id, action, revision, created_at FROM changes
			WHERE txid >= $1::text::xid8 AND action <> 'DRAFT' ORDER BY seq`, strconv.FormatUint(watermark, 10))
		changes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[content.Change])
		return err
	})
	if err != nil {
		if content.ErrorCode(err) == content.EEXPIRED {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("changes since %d: %w", watermark, domainError(err))
	}
	return changes, next, nil
}

// ScanPublished calls fn with every published resource, in batches of at
// most batch, all read in one snapshot, and returns that snapshot's xmin: a
// change-log reader starting from it misses nothing committed after the scan.
func (db *DB) ScanPublished(ctx context.Context, batch int, fn func([]*content.Resource) error) (uint64, error) {
	var watermark uint64
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var xmin string
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&xmin); err != nil {
			return err
		}
		var err error
		if watermark, err = strconv.ParseUint(xmin, 10, 64); err != nil {
			return err
		}
		return scanPublished(ctx, tx, batch, fn)
	})
	if err != nil {
		return 0, fmt.Errorf("scan published: %w", domainError(err))
	}
	return watermark, nil
}

// CountPublished returns the number of published resources.
func (db *DB) CountPublished(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM resources r WHERE`+listed).Scan(&n); err != nil {
		return 0, fmt.Errorf("count published: %w", domainError(err))
	}
	return n, nil
}

// RequestReindex records a request that every replica rebuild its index
// and wakes them. It returns the request's number.
func (db *DB) RequestReindex(ctx context.Context) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO reindex_requests DEFAULT VALUES RETURNING id`).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, 'reindex')`, ChangeChannel)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("request reindex: %w", domainError(err))
	}
	return id, nil
}

// LatestReindexRequest returns the number of the newest reindex request, or 0.
func (db *DB) LatestReindexRequest(ctx context.Context) (int64, error) {
	var id int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM reindex_requests`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reindex requests: %w", domainError(err))
	}
	return id, nil
}

// PruneChanges deletes change rows older than the retention period and
// records the newest transaction id it deleted, so that a change-feed
// cursor from before it is answered as expired, never with a silent gap.
// It keeps every row of a transaction at or above its snapshot's xmin
// (while a transaction older than the row is running, on any database of
// the cluster), so that the horizon stays below the position of any full
// read after the prune (ScanPublished, a snapshot's xmin, never falls): a
// rebuild then catches up instead of expiring again until that
// transaction ends (TestPruneAgainstEveryReader).
func (db *DB) PruneChanges(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `WITH gone AS (
			DELETE FROM changes WHERE created_at < now() - make_interval(secs => $1)
				AND txid < pg_snapshot_xmin(pg_current_snapshot()) RETURNING txid
		), horizon AS (
			UPDATE change_log_horizon SET pruned_txid = greatest(pruned_txid, (SELECT max(txid) FROM gone))
			WHERE EXISTS (SELECT FROM gone)
		)
		SELECT count(*) FROM gone`, retention.Seconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("prune changes: %w", domainError(err))
	}
	return n, nil
}

// MaxZeroResultTerms bounds the zero_result_queries table: anonymous
// searches write it, so without a bound any client could grow it at its
// rate limit for ever (breaker3 F23). Editors read it; 10,000 terms is far
// more than anyone reviews.
const MaxZeroResultTerms = 10000

// ZeroResultRetentionDays is how long a zero-result term is kept after it
// was last searched (breaker5 F11: the table had no expiry). Editors plan
// with the last months' gaps; older terms are deleted as new ones are
// recorded, and by RunZeroResultRetention on a hub where none are
// (review6 R6).
const ZeroResultRetentionDays = 180

// PruneZeroResults deletes the zero-result terms not searched for
// ZeroResultRetentionDays (last_seen before today minus that many days,
// PostgreSQL's current_date), and returns how many.
func (db *DB) PruneZeroResults(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM zero_result_queries WHERE last_seen < current_date - $1::int`, ZeroResultRetentionDays)
	if err != nil {
		return 0, fmt.Errorf("prune zero results: %w", domainError(err))
	}
	return tag.RowsAffected(), nil
}

// RunZeroResultRetention prunes expired zero-result terms at once and then
// every interval until ctx ends, so the retention holds on a hub where
// no search finds nothing (review6 R6: it ran only when a term was
// recorded). Every replica may run it; deleting is idempotent.
func (db *DB) RunZeroResultRetention(ctx context.Context, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := db.PruneZeroResults(ctx); err != nil && ctx.Err() == nil {
			log.Warn("prune zero-result terms", "err", err)
		} else if n > 0 {
			log.Info("pruned zero-result terms", "terms", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RecordZeroResult counts a search that found nothing: the normalised
// terms only, never who searched. A term already there is counted; a new
// one is added, and when the table holds MaxZeroResultTerms terms the
// least searched of them (fewest searches, then seen longest ago) makes
// room for it, so the table keeps what people search for repeatedly and
// what they searched for lately (review4 R12: at the bound new terms were
// no longer recorded, and one client could freeze the table on its junk
// for good). Under concurrent writers it may pass the bound by a few rows.
// Terms not searched for ZeroResultRetentionDays are deleted first. What a
// term may hold is decided before (search.Index.ZeroResultTerm: no
// personal data).
func (db *DB) RecordZeroResult(ctx context.Context, term string) error {
	if _, err := db.PruneZeroResults(ctx); err != nil {
		return fmt.Errorf("record zero result: %w", err)
	}
	_, err := db.pool.Exec(ctx, `WITH seen AS (
			UPDATE zero_result_queries SET count = count + 1, last_seen = current_date WHERE term = $1 RETURNING 1
		), evicted AS (
			DELETE FROM zero_result_queries WHERE term = (
				SELECT term FROM zero_result_queries ORDER BY count, last_seen, term LIMIT 1)
			AND NOT EXISTS (SELECT 1 FROM seen) AND (SELECT count(*) FROM zero_result_queries) >= $2
		)
		INSERT INTO zero_result_queries (term) SELECT $1
		WHERE NOT EXISTS (SELECT 1 FROM seen)
		ON CONFLICT (term) DO UPDATE SET count = zero_result_queries.count + 1, last_seen = current_date`, term, MaxZeroResultTerms)
	if err != nil {
		return fmt.Errorf("record zero result: %w", domainError(err))
	}
	return nil
}

// scanPublished calls fn with every listed (published) resource visible in
// tx's snapshot, in batches of at most batch resources in id order, with no
// statement timeout (a full scan of 100,000 resources may take longer than
// one statement is allowed). It stops at fn's first error.
func scanPublished(ctx context.Context, tx pgx.Tx, batch int, fn func([]*content.Resource) error) error {
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	var after int64
	for {
		rows, _ := tx.Query(ctx, `SELECT `+resourceColumns+publicJoin+` WHERE`+listed+` AND r.id > $1 ORDER BY r.id LIMIT $2`, after, batch)
		rs, err := pgx.CollectRows(rows, scanResource)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		if err := fn(rs); err != nil {
			return err
		}
		after = rs[len(rs)-1].ID
	}
}

// SettledPosition returns the canonical change-log watermark equivalent to
// watermark for the public: one past the newest public change (not a
// DRAFT row) whose transaction is below watermark, or past the newest
// pruned transaction if that is later (1 when the log was always empty).
// Every transaction below watermark has finished, so a change-feed reader
// at the result reads exactly what one at watermark reads; but unlike the
// watermark, which moves with every transaction anywhere in the database
// (a zero-result search, a token used, a draft saved), it moves only with
// a public change, and every replica that has applied the same changes
// gets the same number (breaker3 F27: countedAt differed between replicas
// and after unrelated writes).
func (db *DB) SettledPosition(ctx context.Context, watermark uint64) (uint64, error) {
	var s string
	err := db.pool.QueryRow(ctx, `SELECT (greatest(
			(SELECT max(txid) FROM changes WHERE txid < $1::text::xid8 AND action <> 'DRAFT'),
			(SELECT pruned_txid FROM change_log_horizon),
			'0'::xid8)::text::numeric + 1)::text`, strconv.FormatUint(watermark, 10)).Scan(&s)
	if err != nil {
		return 0, fmt.Errorf("settled position: %w", domainError(err))
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("settled position %q: %w", s, err)
	}
	return min(n, watermark), nil
}
