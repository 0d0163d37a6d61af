// Package testdb gives each test its own PostgreSQL database, cloned in
// milliseconds from a migrated template, on the server named by
// TEST_DATABASE_URL (`make test` starts a throwaway cluster and sets it).
// Without TEST_DATABASE_URL a test fails with a one-line hint: database
// tests never skip.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/postgres"
)

// Hint is the message of a test run without a database.
const Hint = "TEST_DATABASE_URL is not set: run `make test` (it starts a throwaway PostgreSQL), or set TEST_DATABASE_URL to a server where the test user may create databases"

// lockKey serialises template creation and cloning across test packages.
const lockKey = 7_463_900

// DSN creates a fresh, migrated database for the test and returns its URL.
// The database is dropped when the test ends.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		tb.Fatal(Hint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("testdb: connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		tb.Fatalf("testdb: lock: %v", err)
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey)

	tmpl, err := template(ctx, admin, base)
	if err != nil {
		tb.Fatalf("testdb: template: %v", err)
	}
	name := "test_" + randomHex(8)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		tb.Fatalf("testdb: clone: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Logf("testdb: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			tb.Logf("testdb: drop %s: %v", name, err)
		}
	})
	return withDatabase(tb, base, name)
}

// Open returns a store on a fresh database, closed when the test ends.
func Open(tb testing.TB, opts postgres.Options) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), DSN(tb), opts)
	if err != nil {
		tb.Fatalf("testdb: open: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// template returns the name of a database with every migration applied,
// creating it the first time (its name changes when the migrations do).
func template(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	ms, err := postgres.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.Name + "\x00" + m.SQL + "\x00"))
	}
	name := "hub_template_" + hex.EncodeToString(h.Sum(nil))[:12]
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize()+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabaseURL(base, building), postgres.Options{})
	if err != nil {
		return "", err
	}
	db.Close()
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(tb testing.TB, base, name string) string {
	s := withDatabaseURL(base, name)
	if s == "" {
		tb.Fatalf("testdb: TEST_DATABASE_URL must be a postgres:// URL")
	}
	return s
}

// withDatabaseURL swaps the database name of a postgres:// URL.
func withDatabaseURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		if strings.Contains(base, "=") {
			// keyword/value form
			return base + " dbname=" + name
		}
		return ""
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testdb: random: %v", err))
	}
	return hex.EncodeToString(b)
}

// OpenDSN opens a store on an existing test database (one from DSN).
func OpenDSN(tb testing.TB, dsn string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		tb.Fatalf("testdb: open: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}
