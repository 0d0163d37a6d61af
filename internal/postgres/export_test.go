package postgres

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
