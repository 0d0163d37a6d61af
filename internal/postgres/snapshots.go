package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// lockSnapshot serialises writers of index snapshots across replicas.
const lockSnapshot = 7_463_004

const snapshotColumns = `id, created_at, mapping_version, watermark::text, reindex, documents, bytes, files`

func scanSnapshot(row pgx.CollectableRow) (content.IndexSnapshot, error) {
	var (
		s     content.IndexSnapshot
		mark  string
		files []byte
	)
	if err := row.Scan(&s.ID, &s.CreatedAt, &s.MappingVersion, &mark, &s.Reindex, &s.Documents, &s.Bytes, &files); err != nil {
		return s, err
	}
	var err error
	if s.Watermark, err = strconv.ParseUint(mark, 10, 64); err != nil {
		return s, fmt.Errorf("snapshot %d watermark %q: %w", s.ID, mark, err)
	}
	if err := json.Unmarshal(files, &s.Files); err != nil {
		return s, fmt.Errorf("snapshot %d files: %w", s.ID, err)
	}
	return s, nil
}

func listSnapshots(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) ([]content.IndexSnapshot, error) {
	rows, _ := q.Query(ctx, `SELECT `+snapshotColumns+` FROM index_snapshots ORDER BY id DESC`)
	return pgx.CollectRows(rows, scanSnapshot)
}

// IndexSnapshots returns the stored search index snapshots, newest first
// (by id: a later writer always has a larger id, since writers take turns
// under a lock), as descriptions only, not their bytes.
func (db *DB) IndexSnapshots(ctx context.Context) ([]content.IndexSnapshot, error) {
	ss, err := listSnapshots(ctx, db.pool)
	if err != nil {
		return nil, fmt.Errorf("index snapshots: %w", domainError(err))
	}
	return ss, nil
}

// ChangeLogHorizon returns the newest transaction id whose change rows
// were pruned (0 if none were): a reader at a watermark at or below it may
// have missed rows.
func (db *DB) ChangeLogHorizon(ctx context.Context) (uint64, error) {
	var s string
	if err := db.pool.QueryRow(ctx, `SELECT coalesce((SELECT pruned_txid::text FROM change_log_horizon), '0')`).Scan(&s); err != nil {
		return 0, fmt.Errorf("change log horizon: %w", domainError(err))
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("change log horizon %q: %w", s, err)
	}
	return n, nil
}

// CountChangesSince counts the public change rows a reader at watermark
// has still to apply, stopping at limit.
func (db *DB) CountChangesSince(ctx context.Context, watermark uint64, limit int) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT FROM changes
		WHERE txid >= $1::text::xid8 AND action <> 'DRAFT' LIMIT $2) c`, strconv.FormatUint(watermark, 10), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count changes: %w", domainError(err))
	}
	return n, nil
}

// snapshotWriter stores the chunks of one snapshot being written.
type snapshotWriter struct {
	ctx context.Context
	tx  pgx.Tx
	id  int64
}

// Put stores chunk seq (0, 1, …) of file: at most content.SnapshotChunk
// bytes.
func (w *snapshotWriter) Put(file string, seq int, data []byte) error {
	if len(data) > content.SnapshotChunk {
		return fmt.Errorf("snapshot chunk of %d bytes: at most %d", len(data), content.SnapshotChunk)
	}
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO index_snapshot_chunks (snapshot_id, file, seq, data) VALUES ($1, $2, $3, $4)`,
		w.id, file, seq, data); err != nil {
		return fmt.Errorf("snapshot chunk %s/%d: %w", file, seq, domainError(err))
	}
	return nil
}

// WriteIndexSnapshot writes a snapshot in one transaction, holding an
// advisory lock so that one replica writes at a time. due gets the
// snapshots already stored (read under the lock) and says whether to write
// one; write gets a writer for the chunks and returns the snapshot's
// description. keep is how many snapshots of each
// mapping version to keep: older ones, and any the change log was pruned
// past, are deleted in the same transaction. It returns the snapshot
// written, or nil when write declined or another replica holds the lock.
// If the process dies midway the transaction rolls back and the snapshots
// before it stay as they were.
func (db *DB) WriteIndexSnapshot(ctx context.Context, keep int, due func(have []content.IndexSnapshot) (bool, error), write func(w content.ChunkWriter) (*content.IndexSnapshot, error)) (*content.IndexSnapshot, error) {
	var out *content.IndexSnapshot
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, lockSnapshot).Scan(&locked); err != nil || !locked {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		have, err := listSnapshots(ctx, tx)
		if err != nil {
			return err
		}
		if ok, err := due(have); err != nil || !ok {
			if err == nil {
				err = errDeclined
			}
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO index_snapshots (mapping_version, watermark, reindex, documents, bytes, files)
			VALUES ('', '0', 0, 0, 0, '[]') RETURNING id`).Scan(&id); err != nil {
			return err
		}
		s, err := write(&snapshotWriter{ctx: ctx, tx: tx, id: id})
		if err != nil {
			return err
		}
		files, err := json.Marshal(s.Files)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE index_snapshots SET mapping_version = $2, watermark = $3::text::xid8, reindex = $4,
			documents = $5, bytes = $6, files = $7, created_at = clock_timestamp() WHERE id = $1 RETURNING created_at`,
			id, s.MappingVersion, strconv.FormatUint(s.Watermark, 10), s.Reindex, s.Documents, s.Bytes, files).Scan(&s.CreatedAt); err != nil {
			return err
		}
		s.ID = id
		if _, err := tx.Exec(ctx, `DELETE FROM index_snapshots s WHERE s.id <> $1 AND (
				s.watermark <= (SELECT pruned_txid FROM change_log_horizon)
				OR (SELECT count(*) FROM index_snapshots n WHERE n.mapping_version = s.mapping_version
					AND n.id > s.id) >= $2)`, id, keep); err != nil {
			return err
		}
		out = s
		return nil
	})
	if errors.Is(err, errDeclined) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("write index snapshot: %w", domainError(err))
	}
	return out, nil
}

var errDeclined = errors.New("declined")

// ReadIndexSnapshot calls fn with the chunks of snapshot id whose seq
// is part modulo parts (0 ≤ part < parts; several parts are read at once
// on their own connections), file by file, seq ascending, in one
// statement: a snapshot deleted meanwhile is still read whole by a part
// that started before. fn must not keep data after it returns.
func (db *DB) ReadIndexSnapshot(ctx context.Context, id int64, part, parts int, fn func(file string, seq int, data []byte) error) error {
	if parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("read index snapshot: part %d of %d", part, parts)
	}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT file, seq, data FROM index_snapshot_chunks WHERE snapshot_id = $1 AND seq % $3 = $2
			ORDER BY file, seq`, id, part, parts)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			file string
			seq  int
			data []byte
		)
		_, err = pgx.ForEachRow(rows, []any{&file, &seq, &data}, func() error { return fn(file, seq, data) })
		return err
	})
	if err != nil {
		return fmt.Errorf("read index snapshot %d: %w", id, domainError(err))
	}
	return nil
}
