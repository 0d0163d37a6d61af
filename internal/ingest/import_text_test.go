package ingest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/ingest"
	"guidancehub/internal/ingest/libgen"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestBadTextFilesLoseNothing (breaker3 F25, F26): files whose body holds
// a forbidden character (NUL, which PostgreSQL refuses and which failed
// the whole import with "invalid byte sequence … 0x00 (SQLSTATE 22021)"
// and no file name; BEL, ESC, DEL, a C1 control, a noncharacter) or whose
// published date is year 0 (stored as 1 BC, its cursor then refused) are
// each reported by lint and import with their file name and field, and
// every other file imports: the import itself does not fail.
func TestBadTextFilesLoseNothing(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	rs := libgen.Library("txt", 150, 7)
	if err := libgen.Write(dir, rs); err != nil {
		t.Fatal(err)
	}
	targets := libgen.Targets(rs)
	corrupt := []func(string) string{}
	for _, r := range []rune{0x00, 0x07, 0x1b, 0x7f, 0x85, 0xfffe} {
		corrupt = append(corrupt, func(s string) string { return strings.TrimSuffix(s, "\n") + " bad" + string(r) + "char\n" })
	}
	corrupt = append(corrupt, func(s string) string { return strings.Replace(s, "published: 2024-01-01", "published: 0000-01-01", 1) })
	want := map[string]string{} // path -> field
	for i := range rs {
		r := &rs[i]
		if len(want) == len(corrupt) {
			break
		}
		if targets[r.Slug] || !r.Published() || r.TranslationOf != "" {
			continue
		}
		p := filepath.Join(dir, r.Path)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		k := len(want)
		if err := os.WriteFile(p, []byte(corrupt[k](string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		want[p] = map[bool]string{true: "published", false: "body"}[k == len(corrupt)-1]
	}
	if len(want) != len(corrupt) {
		t.Fatalf("only %d files to corrupt", len(want))
	}

	check := func(door string, errs []*ingest.FileError) {
		t.Helper()
		got := map[string]string{}
		for _, e := range errs {
			got[e.Path] = e.Field
			if strings.Contains(e.Message, "SQLSTATE") {
				t.Errorf("%s: database text: %v", door, e)
			}
		}
		for p, f := range want {
			if got[p] != f {
				t.Errorf("%s: %s: got field %q, want %q (errors %v)", door, filepath.Base(p), got[p], f, errs)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d files with errors, want %d: %v", door, len(got), len(want), errs)
		}
	}
	lint, err := ingest.LintDir(dir, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), ingest.SourceLists{})
	if err != nil {
		t.Fatal(err)
	}
	check("lint", lint.Errors)
	if lint.Valid != len(rs)-len(want) {
		t.Errorf("lint: %d valid, want %d", lint.Valid, len(rs)-len(want))
	}
	lint.Close()

	rep, counts := importDir(t, db, dir, ingest.Options{})
	check("import", rep.Errors)
	if n := counts["created"]; n != len(rs)-len(want) {
		t.Errorf("import created %d, want %d (%v)", n, len(rs)-len(want), counts)
	}
	got := snapshot(t, db)
	if len(got) != len(rs)-len(want) {
		t.Errorf("%d resources in PostgreSQL, want %d", len(got), len(rs)-len(want))
	}
}
