package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
	rows, _ := q.Query(ctx, `SELECT `+snapshotColumns+` FROM index_snapshots WHERE complete ORDER BY id DESC`)
	return pgx.CollectRows(rows, scanSnapshot)
}

// IndexSnapshots returns the complete search index snapshots, newest first
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

// snapshotWriter stores the chunks of one snapshot being written, each in
// its own short transaction on the writer's connection.
type snapshotWriter struct {
	ctx  context.Context
	conn *pgxpool.Conn
	id   int64
}

// Put stores chunk seq (0, 1, …) of file: at most content.SnapshotChunk
// bytes.
func (w *snapshotWriter) Put(file string, seq int, data []byte) error {
	if len(data) > content.SnapshotChunk {
		return fmt.Errorf("snapshot chunk of %d bytes: at most %d", len(data), content.SnapshotChunk)
	}
	if _, err := w.conn.Exec(w.ctx, `INSERT INTO index_snapshot_chunks (snapshot_id, file, seq, data) VALUES ($1, $2, $3, $4)`,
		w.id, file, seq, data); err != nil {
		return fmt.Errorf("snapshot chunk %s/%d: %w", file, seq, domainError(err))
	}
	return nil
}

// WriteIndexSnapshot writes a snapshot while holding an advisory lock (on
// its own connection, so that one replica writes at a time and a writer
// that dies releases it). Under the lock it first deletes what a writer
// that died midway left (incomplete snapshots); due then gets the complete
// snapshots and says whether to write one; write gets a writer for the
// chunks (each stored in its own short transaction: one long transaction
// would hold back every change-log reader's watermark while it ran) and
// returns the snapshot's description. The snapshot is marked complete, and
// all but the newest keep of each mapping version, and any the change log
// was pruned past, deleted, in one last transaction. It returns the
// snapshot written, or nil when due declined or another replica holds the
// lock. Until it is complete no reader sees it, so a writer that dies
// midway leaves the snapshots before it as they were.
func (db *DB) WriteIndexSnapshot(ctx context.Context, keep int, due func(have []content.IndexSnapshot) (bool, error), write func(w content.ChunkWriter) (*content.IndexSnapshot, error)) (*content.IndexSnapshot, error) {
	s, err := db.writeIndexSnapshot(ctx, keep, due, write)
	if err != nil {
		return nil, fmt.Errorf("write index snapshot: %w", domainError(err))
	}
	return s, nil
}

func (db *DB) writeIndexSnapshot(ctx context.Context, keep int, due func(have []content.IndexSnapshot) (bool, error), write func(w content.ChunkWriter) (*content.IndexSnapshot, error)) (*content.IndexSnapshot, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, lockSnapshot).Scan(&locked); err != nil || !locked {
		return nil, err
	}
	defer func() {
		// On a broken connection the session, and its lock, are gone.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockSnapshot); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	// Chunks are 1 MiB; deleting a whole snapshot may take longer than a
	// statement is allowed. Reset before the connection goes back.
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return nil, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `RESET statement_timeout`)
	if _, err := conn.Exec(ctx, `DELETE FROM index_snapshots WHERE NOT complete`); err != nil {
		return nil, err
	}
	have, err := listSnapshots(ctx, conn)
	if err != nil {
		return nil, err
	}
	if ok, err := due(have); err != nil || !ok {
		return nil, err
	}
	var id int64
	if err := conn.QueryRow(ctx, `INSERT INTO index_snapshots (mapping_version, watermark, reindex, documents, bytes, files)
		VALUES ('', '0', 0, 0, 0, '[]') RETURNING id`).Scan(&id); err != nil {
		return nil, err
	}
	s, err := write(&snapshotWriter{ctx: ctx, conn: conn, id: id})
	if err != nil {
		// Best effort; else the next writer deletes it.
		conn.Exec(context.WithoutCancel(ctx), `DELETE FROM index_snapshots WHERE id = $1`, id)
		return nil, err
	}
	files, err := json.Marshal(s.Files)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE index_snapshots SET mapping_version = $2, watermark = $3::text::xid8, reindex = $4,
			documents = $5, bytes = $6, files = $7, created_at = clock_timestamp(), complete = true WHERE id = $1 RETURNING created_at`,
			id, s.MappingVersion, strconv.FormatUint(s.Watermark, 10), s.Reindex, s.Documents, s.Bytes, files).Scan(&s.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM index_snapshots s WHERE s.id <> $1 AND (
				s.watermark <= (SELECT pruned_txid FROM change_log_horizon)
				OR (SELECT count(*) FROM index_snapshots n WHERE n.complete AND n.mapping_version = s.mapping_version
					AND n.id > s.id) >= $2)`, id, keep)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.ID = id
	return s, nil
}

// ReadIndexSnapshot calls fn with the chunks of snapshot id whose seq
// is part modulo parts (0 ≤ part < parts; several parts are read at once),
// file by file, seq ascending, in one statement: a snapshot deleted
// meanwhile is still read whole by a part that started before. fn must
// not keep data after it returns.
//
// Each call reads on a connection of its own, opened for it and closed
// after, never one of the pool's: a restore takes minutes at 100,000
// resources, and the replica already answers lookups and lists and runs
// its scheduler and webhooks on the pool meanwhile (review4 R5: four parts
// held the whole default pool of a 2-core machine).
func (db *DB) ReadIndexSnapshot(ctx context.Context, id int64, part, parts int, fn func(file string, seq int, data []byte) error) error {
	if parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("read index snapshot: part %d of %d", part, parts)
	}
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("read index snapshot %d: %w", id, domainError(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
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

// DeleteIndexSnapshot deletes snapshot id and its chunks (a replica found
// it damaged); a snapshot already gone is no error.
func (db *DB) DeleteIndexSnapshot(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM index_snapshots WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete index snapshot %d: %w", id, domainError(err))
	}
	return nil
}
