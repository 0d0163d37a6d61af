package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetCommitHooks sets functions that run just before an edit's commit is
// sent (with the backend's pid) and just after it succeeds.
func SetCommitHooks(db *DB, before func(backendPID uint32), after func()) {
	db.beforeCommit, db.afterCommit = before, after
}

// SetCardColumns turns the card path of lists on (the default) or off
// (every list joins revisions).
func SetCardColumns(db *DB, on bool) { db.noCards = !on }

// SetCardDecoding turns the decoding of card pages from the wire on (the
// default) or off (pgx's Scan).
func SetCardDecoding(db *DB, on bool) { db.noCardDecoding = !on }

// RunWithDeadlocks runs a transaction through run that PostgreSQL fails
// with SQLSTATE 40P01 (raised by PostgreSQL itself) on its first n
// attempts, and returns the attempts made and the error as callers see
// it (domainError).
func RunWithDeadlocks(ctx context.Context, db *DB, n int) (int, error) {
	attempts := 0
	tx, _, err := db.run(ctx, func(tx pgx.Tx) (int64, error) {
		attempts++
		if attempts <= n {
			_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$`)
			return 0, err
		}
		return 1, nil
	})
	if tx != nil {
		_ = tx.Rollback(ctx)
	}
	return attempts, domainError(err)
}

// RunAttempts is run's limit.
const RunAttempts = runAttempts
