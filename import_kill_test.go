package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/ingest/libgen"
	"guidancehub/internal/testdb"
)

// publicLibrary reads every published resource through the real GraphQL
// API, paging: slug → "title | related slugs | translationOf slug". A link
// the API cannot resolve (a half-imported library) shows as a missing
// slug, so comparing with the generator's files catches it.
func publicLibrary(t *testing.T, url string) map[string]string {
	t.Helper()
	const q = `query($after: String) { resources(first: 100, after: $after) {
		pageInfo { hasNextPage endCursor }
		edges { node { slug title related { slug } translationOf { slug } } } } }`
	out := map[string]string{}
	var after any
	for page := 0; page < 1000; page++ {
		r := post(t, url, q, map[string]any{"after": after})
		if len(r.Errors) > 0 {
			t.Fatalf("resources: %v", r.Errors)
		}
		edges, _ := path(r.Data, "resources", "edges").([]any)
		for _, e := range edges {
			n := path(e, "node")
			var rel []string
			for _, x := range path(n, "related").([]any) {
				rel = append(rel, path(x, "slug").(string))
			}
			tr, _ := path(n, "translationOf", "slug").(string)
			out[path(n, "slug").(string)] = fmt.Sprintf("%s | %s | %s", path(n, "title"), strings.Join(rel, ","), tr)
		}
		if path(r.Data, "resources", "pageInfo", "hasNextPage") != true {
			return out
		}
		after = path(r.Data, "resources", "pageInfo", "endCursor")
	}
	t.Fatal("more than 1000 pages")
	return nil
}

// wantPublic is publicLibrary's answer for a library that imported whole.
func wantPublic(rs []libgen.Resource) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		if !r.Draft {
			out[r.Slug] = fmt.Sprintf("%s | %s | %s", r.Title, strings.Join(r.Related, ","), r.TranslationOf)
		}
	}
	return out
}

// dbState is every resource row with its revision count and change-log
// actions, by slug: what a clean import and a resumed one must agree on.
func dbState(t *testing.T, dsn string) map[string]string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT r.slug, concat_ws(' ', r.status, r.kind, r.content_hash, r.latest_revision, r.published_revision,
		(SELECT count(*) FROM revisions v WHERE v.resource_id = r.id),
		(SELECT string_agg(c.action || c.revision, ',' ORDER BY c.seq) FROM changes c WHERE c.resource_id = r.id))
		FROM resources r`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var slug, state string
		if err := rows.Scan(&slug, &state); err != nil {
			t.Fatal(err)
		}
		out[slug] = state
	}
	return out
}

func runImport(t *testing.T, bin, dsn, dir string) {
	t.Helper()
	cmd := exec.Command(bin, "import", "--prune", dir)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, tail(out))
	}
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// TestKilledImportResumes kills `guidancehub import` (its own process,
// SIGKILL) after it has staged at least two of its batches of 500, on a
// library of 300 imported resources grown to 1,600 (edited titles, new
// files that relate to each other across batches). Between the kill and
// the next import the public API shows the library exactly as it was
// before: every resource whole, with every related and translationOf link
// resolved (the invariant: no published resource links to one the public
// cannot see). The next import resumes: the database then equals a clean
// import of the same history, with no duplicate resource, revision or
// change-log row, and the API shows the new library whole.
func TestKilledImportResumes(t *testing.T) {
	bin := buildHub(t)
	dsn := testdb.DSN(t)
	db := testdb.OpenDSN(t, dsn)
	dir := t.TempDir()
	v1 := libgen.Library("kill", 300, 7)
	if err := libgen.Write(dir, v1); err != nil {
		t.Fatal(err)
	}
	runImport(t, bin, dsn, dir)

	v2 := append([]libgen.Resource(nil), v1...)
	for i := 0; i < len(v2); i += 10 {
		v2[i].Title += " (v2)"
	}
	more := libgen.Library("grown", 1300, 8)
	for i := range more {
		more[i].Path = filepath.Join("more", more[i].Path)
	}
	v2 = append(v2, more...)
	if err := libgen.Write(dir, v2); err != nil {
		t.Fatal(err)
	}

	// Hold a lock the import's commit needs (it writes the change log;
	// batches do not), so the process cannot finish before it is killed.
	ctx := context.Background()
	lock, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(ctx)
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE changes IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "import", "--prune", dir)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	staged := 0
	for deadline := time.Now().Add(120 * time.Second); staged < 1000; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("import exited (%v) before it was killed:\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("import staged %d files in 120 s", staged)
		}
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM import_staging`).Scan(&staged); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	tx.Rollback(ctx)
	t.Logf("killed the import with %d files staged", staged)

	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_DATA_DIR": t.TempDir(), "HUB_RESOURCES_DIR": t.TempDir()})
	if got, want := publicLibrary(t, h.url), wantPublic(v1); !reflect.DeepEqual(got, want) {
		t.Errorf("after the kill the public sees %d resources, want the %d from before the import; first differences: %s", len(got), len(want), mapDiff(got, want))
	}

	runImport(t, bin, dsn, dir)
	resumed := dbState(t, dsn)
	var left int
	db.Pool().QueryRow(ctx, `SELECT count(*) FROM import_staging`).Scan(&left)
	if left != 0 {
		t.Errorf("%d staging rows left after the resumed import", left)
	}

	// The oracle: the same history imported without a kill.
	cleanDSN := testdb.DSN(t)
	if err := os.RemoveAll(filepath.Join(dir, "more")); err != nil {
		t.Fatal(err)
	}
	if err := libgen.Write(dir, v1); err != nil {
		t.Fatal(err)
	}
	runImport(t, bin, cleanDSN, dir)
	if err := libgen.Write(dir, v2); err != nil {
		t.Fatal(err)
	}
	runImport(t, bin, cleanDSN, dir)
	if want := dbState(t, cleanDSN); !reflect.DeepEqual(resumed, want) {
		t.Errorf("resumed import differs from a clean one: %s", mapDiff(resumed, want))
	}

	// The running hub sees the whole new library (through the change log).
	want := wantPublic(v2)
	var got map[string]string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = publicLibrary(t, h.url); reflect.DeepEqual(got, want) {
			break
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the resumed import the public sees %d resources, want %d: %s", len(got), len(want), mapDiff(got, want))
	}
}

// mapDiff describes the first few keys where two maps differ.
func mapDiff(got, want map[string]string) string {
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("%s: got %q want %q", k, got[k], want[k]))
			if len(out) == 5 {
				break
			}
		}
	}
	return strings.Join(out, "; ")
}
