package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/ingest"
	"guidancehub/internal/ingest/libgen"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// stored is one resource as PostgreSQL holds it after an import: the row,
// its published (or, for a draft, latest) revision and its change-log rows.
type stored struct {
	Status        string
	Origin        string
	Hash          string
	Latest        int
	Published     int
	Revisions     int
	Title         string
	Language      string
	TranslationOf string
	Related       []string
	Changes       string // actions in order, e.g. "PUBLISHED,UPDATED"
}

// snapshot reads every resource from PostgreSQL, by slug.
func snapshot(t *testing.T, db *postgres.DB) map[string]stored {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT r.slug, r.status, coalesce(r.origin, ''), coalesce(r.content_hash, ''),
		r.latest_revision, coalesce(r.published_revision, 0),
		(SELECT count(*) FROM revisions x WHERE x.resource_id = r.id),
		v.title, v.language, coalesce(v.translation_of, ''), v.related,
		coalesce((SELECT string_agg(c.action, ',' ORDER BY c.seq) FROM changes c WHERE c.resource_id = r.id), '')
		FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = coalesce(r.published_revision, r.latest_revision)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]stored{}
	for rows.Next() {
		var slug string
		var s stored
		if err := rows.Scan(&slug, &s.Status, &s.Origin, &s.Hash, &s.Latest, &s.Published, &s.Revisions, &s.Title, &s.Language, &s.TranslationOf, &s.Related, &s.Changes); err != nil {
			t.Fatal(err)
		}
		if len(s.Related) == 0 {
			s.Related = nil
		}
		if _, dup := out[slug]; dup {
			t.Fatalf("slug %s twice", slug)
		}
		out[slug] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// public is what the public can see: published resources with the title of
// their live revision, and withdrawn ones.
func public(all map[string]stored) map[string]string {
	out := map[string]string{}
	for slug, s := range all {
		switch s.Status {
		case "PUBLISHED":
			out[slug] = fmt.Sprintf("%d %s %s", s.Published, s.Hash, s.Title)
		case "WITHDRAWN":
			out[slug] = "withdrawn"
		}
	}
	return out
}

// expect checks PostgreSQL against the generated resources (the oracle):
// each resource's status, origin file, hash, live revision number and
// content, and its change-log actions.
func expect(t *testing.T, got map[string]stored, dir string, rs []libgen.Resource, rev map[string]int, changes map[string]string) {
	t.Helper()
	for i := range rs {
		r := &rs[i]
		s, ok := got[r.Slug]
		if !ok {
			t.Errorf("%s: not in PostgreSQL", r.Slug)
			continue
		}
		want := stored{Status: "PUBLISHED", Origin: filepath.Join(dir, r.Path), Hash: r.Hash(), Latest: rev[r.Slug], Published: rev[r.Slug],
			Revisions: rev[r.Slug], Title: r.Title, Language: r.Language, TranslationOf: r.TranslationOf, Related: r.Related, Changes: changes[r.Slug]}
		if r.Draft {
			want.Status, want.Published = "DRAFT", 0
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", r.Slug, s, want)
		}
	}
}

func importDir(t *testing.T, db *postgres.DB, dir string, opts ingest.Options) (*ingest.Report, map[string]int) {
	t.Helper()
	if opts.BatchFiles == 0 {
		opts.BatchFiles = 50
	}
	rep, err := ingest.ImportWith(context.Background(), db, dir, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep, rep.Counts()
}

// TestImportMatchesGeneratedLibrary imports a generated library of 600
// files in batches of 50 and checks PostgreSQL against the generator:
// first import, a second (nothing changes, no change-log row), and an
// edited library (titles changed, files removed with --prune, files added).
func TestImportMatchesGeneratedLibrary(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	rs := libgen.Library("gen", 600, 1)
	if err := libgen.Write(dir, rs); err != nil {
		t.Fatal(err)
	}
	rep, counts := importDir(t, db, dir, ingest.Options{Prune: true})
	if rep.Failed() {
		t.Fatalf("errors: %v", rep.Errors)
	}
	if counts["created"] != len(rs) {
		t.Errorf("counts %v, want %d created", counts, len(rs))
	}
	rev, changes := map[string]int{}, map[string]string{}
	for _, r := range rs {
		rev[r.Slug] = 1
		changes[r.Slug] = map[bool]string{true: "DRAFT", false: "PUBLISHED"}[r.Draft]
	}
	got := snapshot(t, db)
	if len(got) != len(rs) {
		t.Errorf("%d resources in PostgreSQL, want %d", len(got), len(rs))
	}
	expect(t, got, dir, rs, rev, changes)
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("published resources link to what the public cannot see: %v", d)
	}

	// Again: nothing changes, and no change-log row is written.
	_, counts = importDir(t, db, dir, ingest.Options{Prune: true})
	if counts["unchanged"] != len(rs) || len(counts) != 1 {
		t.Errorf("second import: %v, want %d unchanged only", counts, len(rs))
	}
	if again := snapshot(t, db); !reflect.DeepEqual(again, got) {
		t.Errorf("a second import changed PostgreSQL")
	}

	// Edit: every 10th title, remove every 13th file nobody links to, add 30.
	targets := libgen.Targets(rs)
	var kept []libgen.Resource
	removed := map[string]bool{}
	for i := range rs {
		r := rs[i]
		if i%13 == 12 && !targets[r.Slug] {
			os.Remove(filepath.Join(dir, r.Path))
			removed[r.Slug] = true
			continue
		}
		if i%10 == 3 {
			r.Title += " (edited)"
			rev[r.Slug] = 2
			changes[r.Slug] += map[bool]string{true: ",DRAFT", false: ",UPDATED"}[r.Draft]
		}
		kept = append(kept, r)
	}
	added := libgen.Library("new", 30, 2)
	for i := range added {
		added[i].Path = filepath.Join("new", added[i].Path)
		added[i].TranslationOf, added[i].Language, added[i].Words = "", "en", 260
		added[i].Related = []string{kept[i*7].Slug}
		if kept[i*7].Draft {
			added[i].Related = nil
		}
		rev[added[i].Slug] = 1
		changes[added[i].Slug] = map[bool]string{true: "DRAFT", false: "PUBLISHED"}[added[i].Draft]
	}
	all := append(kept, added...)
	if err := libgen.Write(dir, all); err != nil {
		t.Fatal(err)
	}
	rep, counts = importDir(t, db, dir, ingest.Options{Prune: true})
	if rep.Failed() {
		t.Fatalf("errors: %v", rep.Errors)
	}
	got = snapshot(t, db)
	expect(t, got, dir, all, rev, changes)
	for slug := range removed {
		s := got[slug]
		if s.Status != "WITHDRAWN" || (s.Changes != "PUBLISHED,WITHDRAWN" && s.Changes != "DRAFT,DRAFT") {
			t.Errorf("%s removed: %+v, want withdrawn with a change-log row", slug, got[slug])
		}
	}
	if counts["created"] != len(added) || counts["withdrawn"] != len(removed) {
		t.Errorf("counts %v, want %d created and %d withdrawn", counts, len(added), len(removed))
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("published resources link to what the public cannot see: %v", d)
	}
	var staged int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM import_staging`).Scan(&staged)
	if staged != 0 {
		t.Errorf("%d staging rows left after complete imports", staged)
	}
}

// TestDuplicateSlugAcrossBatches: two files far apart (different batches)
// share a slug. Both fail, each error naming the other file; neither is
// imported (not even invisibly), and a file relating to the slug fails in
// turn; everything else imports.
func TestDuplicateSlugAcrossBatches(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	rs := libgen.Library("dup", 300, 3)
	// The copy sorts last; a published file (not a translation) is copied.
	first := 5
	for rs[first].Draft || rs[first].TranslationOf != "" || libgen.Targets(rs)[rs[first].Slug] {
		first++
	}
	cp := rs[first]
	cp.Path, cp.Title = filepath.Join("zzz", "copy.md"), "A copy"
	rs = append(rs, cp)
	// A file in another batch, which no file links to, relates to the
	// duplicated slug.
	linker := 150
	for rs[linker].Draft || libgen.Targets(rs)[rs[linker].Slug] {
		linker++
	}
	rs[linker].Related = append(rs[linker].Related, cp.Slug)
	if err := libgen.Write(dir, rs); err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.ImportWith(context.Background(), db, dir, ingest.Options{BatchFiles: 50})
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, rs[first].Path), filepath.Join(dir, cp.Path)
	want := map[string]string{
		a:                                   fmt.Sprintf("slug %q is also used by %s", cp.Slug, b),
		b:                                   fmt.Sprintf("slug %q is also used by %s", cp.Slug, a),
		filepath.Join(dir, rs[linker].Path): fmt.Sprintf("no resource with slug %q in the library", cp.Slug),
	}
	if len(rep.Errors) != len(want) {
		t.Errorf("errors %v, want %d", rep.Errors, len(want))
	}
	for _, e := range rep.Errors {
		if !strings.Contains(e.Message, want[e.Path]) || want[e.Path] == "" {
			t.Errorf("error %v, want %q", e, want[e.Path])
		}
	}
	got := snapshot(t, db)
	for _, slug := range []string{cp.Slug, rs[linker].Slug} {
		if s, ok := got[slug]; ok {
			t.Errorf("%s is in PostgreSQL (%+v); a failed file imports nothing", slug, s)
		}
	}
	if len(got) != len(rs)-3 {
		t.Errorf("%d resources imported, want %d", len(got), len(rs)-3)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
}

// errStop interrupts an import after some batches.
var errStop = errors.New("stopped by the test")

// TestInterruptedImportResumes stops an import of an edited library after
// three of its batches, checks that the public sees exactly the library
// before it (no half-imported resource, no link to a missing one), changes
// and removes some of the staged files, and imports again: the result
// equals a clean import of the same files into an empty database, with no
// duplicate resource, revision or change-log row.
func TestInterruptedImportResumes(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	v1 := libgen.Library("res", 300, 4)
	if err := libgen.Write(dir, v1); err != nil {
		t.Fatal(err)
	}
	importDir(t, db, dir, ingest.Options{Prune: true})
	before := snapshot(t, db)
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Fatalf("dangling after the first import: %v", d)
	}

	// v2: titles edited in some of v1, and 300 new files that link to
	// each other (across batches).
	// One v1 file nobody links to is removed: --prune must withdraw it only
	// after a complete pass.
	v2 := slices.Clone(v1)
	for i := 0; i < len(v2); i += 9 {
		v2[i].Title += " (v2)"
	}
	pruned := -1
	for i := len(v2) - 1; pruned < 0; i-- {
		if !v2[i].Draft && !libgen.Targets(v1)[v2[i].Slug] {
			pruned = i
		}
	}
	prunedSlug, prunedPath := v2[pruned].Slug, filepath.Join(dir, v2[pruned].Path)
	v2 = slices.Delete(v2, pruned, pruned+1)
	if err := os.Remove(prunedPath); err != nil {
		t.Fatal(err)
	}
	more := libgen.Library("more", 200, 5)
	for i := range more {
		more[i].Path = filepath.Join("more", more[i].Path)
	}
	v2 = append(v2, more...)
	if err := libgen.Write(dir, v2); err != nil {
		t.Fatal(err)
	}
	_, err := ingest.ImportWith(context.Background(), db, dir, ingest.Options{Prune: true, BatchFiles: 50,
		AfterBatch: func(n int) error {
			if n == 3 {
				return errStop
			}
			return nil
		}})
	if !errors.Is(err, errStop) {
		t.Fatalf("interrupted import: %v, want the test's stop", err)
	}
	var staged int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM import_staging`).Scan(&staged)
	if staged == 0 {
		t.Fatal("nothing staged: the test interrupted nothing")
	}
	mid := snapshot(t, db)
	if !reflect.DeepEqual(public(mid), public(before)) {
		t.Errorf("the public sees part of an interrupted import")
	}
	if mid[prunedSlug].Status != "PUBLISHED" {
		t.Errorf("%s was withdrawn by an interrupted import (%+v): prune only after a complete pass", prunedSlug, mid[prunedSlug])
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling after the interruption: %v", d)
	}

	// Change a staged file and remove a staged new one (nobody links to it).
	rows, _ := db.Pool().Query(context.Background(), `SELECT r.slug, g.created FROM import_staging g JOIN resources r ON r.id = g.resource_id ORDER BY r.slug`)
	var changed, gone string
	targets := libgen.Targets(v2)
	for rows.Next() {
		var slug string
		var created bool
		rows.Scan(&slug, &created)
		if changed == "" {
			changed = slug
		} else if created && gone == "" && !targets[slug] {
			gone = slug
		}
	}
	rows.Close()
	var final []libgen.Resource
	for _, r := range v2 {
		switch r.Slug {
		case changed:
			r.Title += " (changed after staging)"
		case gone:
			os.Remove(filepath.Join(dir, r.Path))
			continue
		}
		final = append(final, r)
	}
	if err := libgen.Write(dir, final); err != nil {
		t.Fatal(err)
	}
	t.Logf("staged %d rows; changed %s, removed %s before resuming", staged, changed, gone)

	rep, _ := importDir(t, db, dir, ingest.Options{Prune: true})
	if rep.Failed() {
		t.Fatalf("resumed import: %v", rep.Errors)
	}
	resumed := snapshot(t, db)

	// The oracle: the same history imported cleanly (v1[:600], then final).
	clean := testdb.Open(t, postgres.Options{})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := libgen.Write(dir, v1); err != nil {
		t.Fatal(err)
	}
	importDir(t, clean, dir, ingest.Options{Prune: true})
	if err := libgen.Write(dir, final); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(prunedPath); err != nil {
		t.Fatal(err)
	}
	importDir(t, clean, dir, ingest.Options{Prune: true})
	want := snapshot(t, clean)
	if len(resumed) != len(want) {
		t.Errorf("%d resources after resuming, want %d", len(resumed), len(want))
	}
	for slug, w := range want {
		if g := resumed[slug]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s after resuming:\n got %+v\nwant %+v", slug, g, w)
		}
	}
	for slug := range resumed {
		if _, ok := want[slug]; !ok {
			t.Errorf("%s after resuming, not in a clean import", slug)
		}
	}
	var left int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM import_staging`).Scan(&left)
	if left != 0 {
		t.Errorf("%d staging rows left", left)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling after resuming: %v", d)
	}
	if s := resumed[prunedSlug]; s.Status != "WITHDRAWN" {
		t.Errorf("%s after resuming: %+v, want withdrawn", prunedSlug, s)
	}
}
