// Package postgres is the hub's store: a pgx pool, embedded SQL migrations,
// resources and their revisions, and the change log (outbox) that keeps
// search indexes in step. PostgreSQL is the source of truth.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"guidancehub/internal/content"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock keys (pg_advisory_xact_lock), one per kind of serialised work.
const (
	lockMigrate = 7_463_001
	lockImport  = 7_463_002
)

// ChangeChannel is the LISTEN/NOTIFY channel woken on every change.
const ChangeChannel = "hub_changes"

// Options configure the pool.
type Options struct {
	// StatementTimeout bounds each statement (PostgreSQL statement_timeout).
	StatementTimeout time.Duration
	// MaxConns caps the pool; 0 means pgxpool's default.
	MaxConns int32
	// Tracer, if set, sees every query (metrics, round-trip counts in tests).
	Tracer *Tracer
	// Streams caps the exports read at once, each on a connection of its
	// own outside the pool (see ExportPublished); 0 means DefaultStreams.
	Streams int
}

// DefaultStreams is how many exports a process reads at once unless
// Options.Streams says otherwise: each holds one PostgreSQL connection
// (outside the pool) for as long as its client takes to read it.
const DefaultStreams = 2

// DB is the store over a pgx pool.
type DB struct {
	pool *pgxpool.Pool
	// streams holds a token for each export being read (ExportPublished):
	// its capacity is the most at once, each on a connection of its own,
	// so a client that reads slowly holds none of the pool's (breaker5
	// F31: four slow anonymous downloads held the whole pool).
	streams chan struct{}
	// noCards, set only by tests, makes lists join revisions even where
	// the card columns would do (the reference the card path is checked
	// against).
	noCards bool
	// noCardDecoding, set only by tests, reads card pages with pgx's Scan
	// (the reference cardScan is checked against).
	noCardDecoding bool
	// beforeCommit and afterCommit, set only by tests, run around an
	// edit's commit (to stop PostgreSQL at the worst moment).
	beforeCommit func(backendPID uint32)
	afterCommit  func()
}

// Open connects to the database, checks it answers within ten seconds, and
// applies pending migrations.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", redact(err))
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "guidancehub"
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Tracer != nil {
		cfg.ConnConfig.Tracer = opts.Tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", redact(err))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database not reachable: %w", redact(err))
	}
	if opts.Streams <= 0 {
		opts.Streams = DefaultStreams
	}
	db := &DB{pool: pool, streams: make(chan struct{}, opts.Streams)}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Pool exposes the pool to packages that LISTEN or need raw access (tests).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// PoolStats is what the pool and the export streams hold now.
type PoolStats struct {
	// Acquired and Max are the pool's connections in use and its cap.
	Acquired, Max int
	// Streams and MaxStreams are the exports being read, each on a
	// connection outside the pool, and the most at once.
	Streams, MaxStreams int
}

// Stats reports the pool's and the export streams' use (the metrics
// hub_db_connections_* and hub_export_streams*).
func (db *DB) Stats() PoolStats {
	st := db.pool.Stat()
	return PoolStats{Acquired: int(st.AcquiredConns()), Max: int(st.MaxConns()), Streams: len(db.streams), MaxStreams: cap(db.streams)}
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Migration is one embedded migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies pending migrations in order, each in its own transaction,
// under an advisory lock so replicas starting together do not race.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		rows, _ := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		done, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		applied := map[int]bool{}
		for _, v := range done {
			applied[v] = true
		}
		for _, m := range ms {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// redact drops a connection string's password from a pgx error.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("cannot parse the connection string")
	}
	return err
}

// RetryAfter is what a client is told to wait when PostgreSQL is not
// answering: the embedded cluster's watcher restarts it within seconds.
const RetryAfter = 2 * time.Second

// domainError maps driver errors to domain codes, in this one place:
// cancellations and timeouts stay themselves; a database that cannot be
// reached, was shut down or crashed, or is starting up is EUNAVAILABLE
// (with a retry delay); a unique violation, and a published link to a
// resource the public cannot see (migration 016), are ECONFLICT; everything else is
// internal. Use it for reads and for writes whose failure certainly left
// nothing behind; a write that may have reached the server uses writeError.
func domainError(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &content.Error{Code: content.ECONFLICT, Message: "already exists"}
		case "57014":
			return &content.Error{Code: content.EINTERNAL, Message: "the database took too long"}
		case "40P01", "40001":
			// A deadlock or serialization failure still there after run's
			// retries: edits to the same resources at the same moment.
			return &content.Error{Code: content.ECONFLICT, Message: "another change to the same resources ran at the same moment: try again"}
		case "23000":
			if pgErr.ConstraintName == "published_links" {
				return &content.Error{Code: content.ECONFLICT, Message: pgErr.Message +
					": publish what they link to first, or remove the links (no published resource may link to one the public cannot see)"}
			}
			if pgErr.ConstraintName == "published_translations" {
				// Migration 018: a publication that raced another one (the
				// API checks the rules first, under row locks) or an import.
				return &content.Error{Code: content.ECONFLICT, Message: pgErr.Message}
			}
		}
	}
	if unreachable(err) {
		return content.Unavailable(RetryAfter, "the database is not answering (it is being restarted); try again in a few seconds")
	}
	return err
}

// writeError is domainError for a write sent in one statement or a commit:
// when the connection was lost once the statement may have been sent (even
// a shutdown error can arrive after the commit was made durable), the write
// may or may not have been saved, and the client is told so and how to
// check. Only a failure to connect is certainly before anything was sent
// and stays EUNAVAILABLE. (pgconn.SafeToRetry is no guide here: pgx 5.12
// reports a commit whose answer was lost as a "conn closed" lock error
// that is safe to retry.)
func writeError(err error, check string) error {
	if err == nil {
		return nil
	}
	var connectErr *pgconn.ConnectError
	notSent := errors.As(err, &connectErr) || errors.Is(err, puddle.ErrClosedPool)
	if unreachable(err) && !notSent {
		return &content.Error{Code: content.EUNKNOWN, Message: "the database stopped answering after the change was sent, so it may or may not have been saved: " + check}
	}
	return domainError(err)
}

// unreachable reports whether err says the database is down, going down,
// starting up or not reachable, rather than refusing the statement: a
// failed connection, a connection lost mid-statement, a closed pool, or the
// server's connection-exception (08), admin/crash shutdown (57P01, 57P02)
// and cannot-connect-now (57P03) codes. Context ends are not: they are the
// request's own timeout or cancellation.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || pgErr.Code == "53300"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOENT)
}
