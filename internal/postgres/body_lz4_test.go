package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestBodiesMoveToLZ4: migration 013 rewrites bodies written with pglz
// (PostgreSQL's default, as before it) into lz4 and every body reads back
// the same, through the store and in SQL; bodies imported afterwards are
// written with lz4.
func TestBodiesMoveToLZ4(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	var m013 string
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version == 13 {
			m013 = m.SQL
		}
	}
	if m013 == "" {
		t.Fatal("no migration 013")
	}
	// Back to the state before 013: pglz for what is written next.
	if _, err := db.Pool().Exec(ctx, `ALTER TABLE revisions ALTER COLUMN body SET COMPRESSION pglz`); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(12))
	words := []string{"health", "access", "é", "🩺", "\n\n", "\"quoted\"", "\\", "registration", "charging", "\t"}
	var files []content.FileImport
	for i := range 40 {
		var b strings.Builder
		for n := rng.Intn(3000); n > 0; n-- { // empty, short and long (to ~25 KB)
			b.WriteString(words[rng.Intn(len(words))] + " ")
		}
		f := file(fmt.Sprintf("/lz4/%d.md", i), fmt.Sprintf("lz4-%d", i), content.KindGuidance, "2025-01-01")
		f.Draft.Body, f.Hash = b.String(), fmt.Sprintf("h-%d-%d", i, b.Len())
		files = append(files, f)
	}
	mustImport(t, db, files, content.ImportOptions{})
	compression := func() map[string]int {
		rows, _ := db.Pool().Query(ctx, `SELECT coalesce(pg_column_compression(body), 'none'), count(*) FROM revisions GROUP BY 1`)
		out := map[string]int{}
		var (
			c string
			n int
		)
		for rows.Next() {
			if err := rows.Scan(&c, &n); err != nil {
				t.Fatal(err)
			}
			out[c] = n
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		return out
	}
	if c := compression(); c["pglz"] == 0 || c["lz4"] > 0 {
		t.Fatalf("before the migration: compression %v, want some pglz and no lz4", c)
	}
	sums := func() string {
		var s string
		if err := db.Pool().QueryRow(ctx, `SELECT string_agg(resource_id || ':' || revision || ':' || md5(body), ',' ORDER BY resource_id, revision) FROM revisions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := sums()
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, m013); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if c := compression(); c["pglz"] > 0 || c["lz4"] == 0 {
		t.Fatalf("after the migration: compression %v, want lz4 and no pglz", c)
	}
	if after := sums(); after != before {
		t.Fatal("bodies changed in the rewrite")
	}
	for _, f := range files {
		r, err := db.ResourceBySlug(ctx, f.Draft.Slug)
		if err != nil || r.Body != f.Draft.Body {
			t.Fatalf("%s: body read back differs (%v)", f.Draft.Slug, err)
		}
	}
	// Written after: lz4.
	more := file("/lz4/more.md", "lz4-more", content.KindGuidance, "2025-01-01")
	more.Draft.Body = strings.Repeat("a body long enough to be compressed ", 200)
	mustImport(t, db, []content.FileImport{more}, content.ImportOptions{})
	var c string
	if err := db.Pool().QueryRow(ctx, `SELECT pg_column_compression(v.body) FROM revisions v JOIN resources r ON r.id = v.resource_id WHERE r.slug = 'lz4-more'`).Scan(&c); err != nil || c != "lz4" {
		t.Fatalf("a body imported after the migration: compression %q (%v), want lz4", c, err)
	}
}
