package ingest_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/ingest/libgen"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// guide is a valid guidance file with slug s.
func guide(s, title string) libgen.Resource {
	return libgen.Resource{Path: s + ".md", Slug: s, Kind: "guidance", Title: title, Language: "en", Words: 260}
}

func writeLib(t *testing.T, dir string, rs ...libgen.Resource) {
	t.Helper()
	if err := libgen.Write(dir, rs); err != nil {
		t.Fatal(err)
	}
}

// TestRenamedSlugWithdrawsTheOldResource is breaker5 F28: a file whose
// slug: changes defines a new resource, and the one it used to define has
// no file any more: the same import withdraws it (prune or not), saying
// why; it does not stay published with stale text.
func TestRenamedSlugWithdrawsTheOldResource(t *testing.T) {
	for _, prune := range []bool{true, false} {
		t.Run(fmt.Sprint("prune=", prune), func(t *testing.T) {
			db := testdb.Open(t, postgres.Options{})
			dir := t.TempDir()
			a := guide("b5-slug-a", "Slug A guidance")
			other := guide("b5-other", "Another guidance")
			writeLib(t, dir, a, other)
			importDir(t, db, dir, ingest.Options{Prune: prune})

			b := a
			b.Slug, b.Title = "b5-slug-b", "Slug B guidance"
			writeLib(t, dir, b)
			var notes []string
			rep, err := ingest.ImportWith(context.Background(), db, dir, ingest.Options{Prune: prune, OnResult: func(r content.ImportResult) {
				if r.Action == "withdrawn" {
					notes = append(notes, r.Slug+": "+r.Note)
				}
			}})
			if err != nil || rep.Failed() {
				t.Fatalf("import: %v %v", err, rep.Errors)
			}
			if want := []string{"b5-slug-a: file now defines b5-slug-b"}; !slices.Equal(notes, want) {
				t.Errorf("withdrawn %q, want %q", notes, want)
			}
			got := snapshot(t, db)
			if s := got["b5-slug-a"]; s.Status != "WITHDRAWN" || s.Changes != "PUBLISHED,WITHDRAWN" {
				t.Errorf("old slug: %+v, want withdrawn with a change-log row", s)
			}
			if s := got["b5-slug-b"]; s.Status != "PUBLISHED" || s.Origin != filepath.Join(dir, "b5-slug-a.md") {
				t.Errorf("new slug: %+v", s)
			}
			if s := got["b5-other"]; s.Status != "PUBLISHED" || s.Changes != "PUBLISHED" {
				t.Errorf("untouched file: %+v", s)
			}
			// Renamed back: the old resource is restored, the new one withdrawn.
			writeLib(t, dir, a)
			_, counts := importDir(t, db, dir, ingest.Options{Prune: prune})
			if counts["withdrawn"] != 1 || counts["restored"] != 1 {
				t.Errorf("renamed back: %v, want 1 restored, 1 withdrawn", counts)
			}
			got = snapshot(t, db)
			if got["b5-slug-a"].Status != "PUBLISHED" || got["b5-slug-b"].Status != "WITHDRAWN" {
				t.Errorf("renamed back: a %+v, b %+v", got["b5-slug-a"], got["b5-slug-b"])
			}
		})
	}
}

// TestKindOfAPublishedResourceIsFixed is breaker5 F29: the API refuses to
// change a published resource's kind, and so does the importer: the file
// fails with a coded error on kind and the resource stays as it was.
func TestKindOfAPublishedResourceIsFixed(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	y := guide("b5-swap-y", "Swap guidance")
	writeLib(t, dir, y)
	importDir(t, db, dir, ingest.Options{Prune: true})
	before := snapshot(t, db)
	y.Kind = "research-brief"
	writeLib(t, dir, y)
	rep, _ := importDir(t, db, dir, ingest.Options{Prune: true})
	if len(rep.Errors) != 1 || rep.Errors[0].Field != "kind" || !strings.Contains(rep.Errors[0].Message, "cannot change once published") {
		t.Fatalf("errors %v, want one on kind", rep.Errors)
	}
	if got := snapshot(t, db); !mapsEqual(got, before) {
		t.Errorf("a refused kind change changed PostgreSQL: %+v", got)
	}
	// A new slug for the new kind: the old resource is withdrawn.
	y.Slug = "b5-swap-y-brief"
	writeLib(t, dir, y)
	rep, counts := importDir(t, db, dir, ingest.Options{Prune: true})
	if rep.Failed() || counts["created"] != 1 || counts["withdrawn"] != 1 {
		t.Errorf("new slug: %v %v", counts, rep.Errors)
	}
}

// TestEmptyDirectoryDoesNotWithdrawTheLibrary is breaker5 F27: a prune
// that would withdraw every resource recorded under the directory (an
// empty or unmounted one), or more than half of them when that is ten or
// more, is skipped and reported, unless forced; nothing else changes.
func TestEmptyDirectoryDoesNotWithdrawTheLibrary(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	var rs []libgen.Resource
	for i := 0; i < 22; i++ {
		rs = append(rs, guide(fmt.Sprintf("lib-%02d", i), fmt.Sprintf("Guidance %d", i)))
	}
	writeLib(t, dir, rs...)
	importDir(t, db, dir, ingest.Options{Prune: true})
	before := snapshot(t, db)
	remove := func(rs []libgen.Resource) {
		for _, r := range rs {
			os.Remove(filepath.Join(dir, r.Path))
		}
	}
	// 12 of 22 gone, then all of them: refused, nothing withdrawn.
	for _, n := range []int{12, 22} {
		remove(rs[:n])
		rep, counts := importDir(t, db, dir, ingest.Options{Prune: true})
		if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "not pruned") || counts["withdrawn"] != 0 {
			t.Errorf("%d of 22 gone: %v %v, want one error and nothing withdrawn", n, counts, rep.Errors)
		}
		if got := snapshot(t, db); !mapsEqual(got, before) {
			t.Errorf("%d of 22 gone: a refused prune changed PostgreSQL", n)
		}
		writeLib(t, dir, rs...)
	}
	// 11 of 22 (half) may go; then 9 of the 11 left (more than half, but
	// fewer than 10); the last two (all) only with --force-prune.
	for _, step := range []struct {
		from, to int
		force    bool
	}{{0, 11, false}, {11, 20, false}, {20, 22, true}} {
		remove(rs[step.from:step.to])
		rep, counts := importDir(t, db, dir, ingest.Options{Prune: true, ForcePrune: step.force})
		if rep.Failed() || counts["withdrawn"] != step.to-step.from {
			t.Errorf("%+v: %v %v, want %d withdrawn", step, counts, rep.Errors, step.to-step.from)
		}
	}
}

// TestFilesThatNoLongerNameTheirResource is the class of F28, F29 and
// F16, generated: a library of 60 files (translations, related and body
// links, drafts) goes through 25 rounds of random editorial acts: a slug
// renamed (the files linking to it sometimes follow), a file moved, two
// files merged (one deleted, the other takes its slug), two slugs swapped,
// a kind changed, a file deleted or brought back. After each import with
// --prune, PostgreSQL must hold what the files say (the oracle):
//   - a file that imported defines its slug: the resource's origin is the
//     file, published with its title (or a draft);
//   - a resource that is not withdrawn has a file that names it, or the
//     report says why not (its file failed and was left as it was, or
//     published resources still link to it);
//   - no published resource links to what the public cannot see;
//   - a resource never changes kind once published.
func TestFilesThatNoLongerNameTheirResource(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	lib := libgen.Library("cls", 60, 7)
	writeLib(t, dir, lib...)
	importDir(t, db, dir, ingest.Options{Prune: true})
	var gone []libgen.Resource // deleted files that may come back
	r := rand.New(rand.NewSource(11))
	fresh := 0
	kinds := []string{"guidance", "research-brief", "policy-position"}
	for round := 0; round < 25; round++ {
		var did []string
		for k := 0; k < 3; k++ {
			i, j := r.Intn(len(lib)), r.Intn(len(lib))
			switch op := r.Intn(7); {
			case op == 0: // rename a slug
				old := lib[i].Slug
				fresh++
				lib[i].Slug, lib[i].Title = fmt.Sprintf("ren-%03d", fresh), fmt.Sprintf("Renamed %d", fresh)
				if r.Intn(2) == 0 {
					follow(lib, old, lib[i].Slug)
				}
				did = append(did, "rename "+old+" -> "+lib[i].Slug)
			case op == 1: // move the file
				os.Remove(filepath.Join(dir, lib[i].Path))
				fresh++
				lib[i].Path = filepath.Join("moved", fmt.Sprintf("m%03d.md", fresh))
				did = append(did, "move "+lib[i].Slug)
			case op == 2 && i != j: // merge j into i: j's file goes, i takes j's slug
				did = append(did, "merge "+lib[j].Slug+" into "+lib[i].Path)
				old := lib[i].Slug
				os.Remove(filepath.Join(dir, lib[j].Path))
				lib[i].Slug = lib[j].Slug
				if r.Intn(2) == 0 {
					follow(lib, old, lib[i].Slug)
				}
				lib = slices.Delete(lib, j, j+1)
			case op == 3 && i != j: // swap two slugs
				did = append(did, "swap "+lib[i].Slug+" "+lib[j].Slug)
				lib[i].Slug, lib[j].Slug = lib[j].Slug, lib[i].Slug
			case op == 4: // change the kind
				lib[i].Kind = kinds[r.Intn(3)]
				did = append(did, "kind "+lib[i].Slug+" "+lib[i].Kind)
			case op == 5 && len(lib) > 40: // delete
				did = append(did, "delete "+lib[i].Slug)
				os.Remove(filepath.Join(dir, lib[i].Path))
				gone = append(gone, lib[i])
				lib = slices.Delete(lib, i, i+1)
			case op == 6 && len(gone) > 0: // bring a deleted file back
				g := gone[len(gone)-1]
				gone = gone[:len(gone)-1]
				if !slices.ContainsFunc(lib, func(x libgen.Resource) bool { return x.Path == g.Path || x.Slug == g.Slug }) {
					lib = append(lib, g)
					did = append(did, "back "+g.Slug)
				}
			}
		}
		writeLib(t, dir, lib...)
		rep, _ := importDir(t, db, dir, ingest.Options{Prune: true, BatchFiles: 7})
		checkFilesOracle(t, db, dir, lib, rep, fmt.Sprintf("round %d %v", round, did))
		if t.Failed() {
			return
		}
	}
}

// follow makes the files linking to slug old link to now instead.
func follow(lib []libgen.Resource, old, now string) {
	for i := range lib {
		if lib[i].TranslationOf == old {
			lib[i].TranslationOf = now
		}
		for k, s := range lib[i].Related {
			if s == old {
				lib[i].Related[k] = now
			}
		}
		for k, s := range lib[i].Links {
			if s == old {
				lib[i].Links[k] = now
			}
		}
	}
}

func checkFilesOracle(t *testing.T, db *postgres.DB, dir string, lib []libgen.Resource, rep *ingest.Report, what string) {
	t.Helper()
	got := snapshot(t, db)
	failed := map[string]bool{}
	for _, e := range rep.Errors {
		failed[e.Path] = true
		if e.Field == "slug" && strings.Contains(e.Message, "is not withdrawn") {
			failed[strings.Fields(e.Message)[0]] = true // the slug kept
		}
	}
	names := map[string]string{} // path → slug
	for _, f := range lib {
		p := filepath.Join(dir, f.Path)
		names[p] = f.Slug
		if failed[p] {
			continue
		}
		s, ok := got[f.Slug]
		switch {
		case !ok:
			t.Errorf("%s: %s imported without errors but %s is not in PostgreSQL", what, p, f.Slug)
		case s.Origin != p:
			t.Errorf("%s: %s: origin %s, want %s", what, f.Slug, s.Origin, p)
		case !f.Draft && (s.Status != "PUBLISHED" || s.Title != f.Title):
			t.Errorf("%s: %s: %+v, want published %q", what, f.Slug, s, f.Title)
		}
	}
	for slug, s := range got {
		if s.Status == "WITHDRAWN" || names[s.Origin] == slug || failed[s.Origin] || failed[slug] {
			continue
		}
		t.Errorf("%s: %s is %s, but its file %s names %q and no error says why", what, slug, s.Status, s.Origin, names[s.Origin])
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("%s: published resources link to what the public cannot see: %v", what, d)
	}
	var changed []string
	rows, err := db.Pool().Query(context.Background(), `SELECT r.slug FROM resources r
		JOIN changes c ON c.resource_id = r.id AND c.action IN ('PUBLISHED', 'UPDATED')
		JOIN revisions v ON v.resource_id = r.id AND v.revision = c.revision
		GROUP BY r.slug, r.kind HAVING count(DISTINCT v.kind) > 1 OR min(v.kind) <> r.kind`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		changed = append(changed, s)
	}
	rows.Close()
	if len(changed) > 0 {
		t.Errorf("%s: published resources changed kind: %v", what, changed)
	}
}

func mapsEqual(a, b map[string]stored) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || fmt.Sprint(v) != fmt.Sprint(w) {
			return false
		}
	}
	return true
}

// TestPruneKeepsAnOriginalItsTranslationStillNeeds is breaker5 F16 for
// files: the original's file is deleted while its translation's file still
// says translation_of: the prune does not withdraw the original (the
// translation would be live with its original gone); the report names the
// translation, and nothing changes. Both files deleted: both withdrawn.
func TestPruneKeepsAnOriginalItsTranslationStillNeeds(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	dir := t.TempDir()
	orig := guide("b5-lib3-orig", "Original")
	tr := libgen.Resource{Path: "tr.md", Slug: "b5-lib3-tr", Kind: "guidance", Title: "Translation", Language: "ar", TranslationOf: orig.Slug, Words: 60}
	other := guide("b5-lib3-other", "Other")
	writeLib(t, dir, orig, tr, other)
	if rep, _ := importDir(t, db, dir, ingest.Options{Prune: true}); rep.Failed() {
		t.Fatal(rep.Errors)
	}
	before := snapshot(t, db)
	os.Remove(filepath.Join(dir, orig.Path))
	rep, counts := importDir(t, db, dir, ingest.Options{Prune: true})
	msgs := map[string]string{}
	for _, e := range rep.Errors {
		msgs[filepath.Base(e.Path)] = e.Field + ": " + e.Message
	}
	if !strings.Contains(msgs["b5-lib3-orig.md"], "b5-lib3-orig is not withdrawn: published resources still link to it (b5-lib3-tr)") ||
		!strings.Contains(msgs["tr.md"], "translation_of") || len(msgs) != 2 || counts["withdrawn"] != 0 {
		t.Errorf("original's file deleted: %v %v", counts, msgs)
	}
	if got := snapshot(t, db); !mapsEqual(got, before) {
		t.Errorf("the refused withdrawal changed PostgreSQL")
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
	os.Remove(filepath.Join(dir, tr.Path))
	rep, counts = importDir(t, db, dir, ingest.Options{Prune: true})
	if rep.Failed() || counts["withdrawn"] != 2 {
		t.Errorf("both deleted: %v %v, want both withdrawn", counts, rep.Errors)
	}
}
