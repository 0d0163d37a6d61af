package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

func date(s string) *time.Time {
	t, err := content.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// file makes a valid file import; hash follows the title so edits change it.
func file(path, slug string, kind content.Kind, published string, topics ...string) content.FileImport {
	if len(topics) == 0 {
		topics = []string{"gp-registration"}
	}
	return content.FileImport{
		Path: path, Hash: "h-" + slug, Status: content.StatusPublished,
		Draft: content.Draft{
			Kind: kind, Slug: slug, Title: "Title of " + slug, Summary: "Summary", Body: "Body of " + slug,
			Topics: topics, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "en",
			PublishedAt: date(published), LastReviewedAt: date(published), NextReviewDue: date("2030-01-01"),
			Sources: []content.Source{{Title: "S", URL: "https://example.org/s"}},
		},
	}
}

func mustImport(t *testing.T, db *postgres.DB, files []content.FileImport, opts content.ImportOptions) map[string]string {
	t.Helper()
	res, err := db.ImportFiles(context.Background(), files, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	got := map[string]string{}
	for _, r := range res {
		if r.Err != nil {
			got[r.Slug] = "error: " + r.Err.Error()
		} else {
			got[r.Slug] = r.Action
		}
	}
	return got
}

func countChanges(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportIsIdempotentByContentHash(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	files := []content.FileImport{
		file("/lib/a.md", "a", content.KindGuidance, "2025-01-01"),
		file("/lib/b.md", "b", content.KindResearchBrief, "2025-02-01"),
	}
	if got := mustImport(t, db, files, content.ImportOptions{}); got["a"] != "created" || got["b"] != "created" {
		t.Fatalf("first import = %v, want both created", got)
	}
	if n := countChanges(t, db); n != 2 {
		t.Errorf("changes after first import = %d, want 2 (one per created resource, same transaction)", n)
	}
	if got := mustImport(t, db, files, content.ImportOptions{}); got["a"] != "unchanged" || got["b"] != "unchanged" {
		t.Fatalf("second import = %v, want both unchanged", got)
	}
	if n := countChanges(t, db); n != 2 {
		t.Errorf("changes after unchanged import = %d, want 2", n)
	}
	files[0].Hash, files[0].Draft.Title = "h-a2", "New title"
	if got := mustImport(t, db, files, content.ImportOptions{}); got["a"] != "updated" || got["b"] != "unchanged" {
		t.Fatalf("third import = %v, want a updated", got)
	}
	r, err := db.ResourceBySlug(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != 2 || r.Title != "New title" {
		t.Errorf("after edit: revision %d title %q, want 2 %q", r.Revision, r.Title, "New title")
	}
	var revs int
	db.Pool().QueryRow(ctx, `SELECT count(*) FROM revisions WHERE resource_id = $1`, r.ID).Scan(&revs)
	if revs != 2 {
		t.Errorf("revisions of a = %d, want 2 full snapshots", revs)
	}
}

func TestDraftFilesNeverShowAndEditsStageBehindThePublishedRevision(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	draft := file("/lib/d.md", "d", content.KindGuidance, "2025-01-01")
	draft.Status = content.StatusDraft
	pub := file("/lib/p.md", "p", content.KindGuidance, "2025-01-01")
	mustImport(t, db, []content.FileImport{draft, pub}, content.ImportOptions{})

	if _, err := db.ResourceBySlug(ctx, "d"); content.ErrorCode(err) != content.ENOTFOUND {
		t.Errorf("draft by slug: err %v, want ENOTFOUND", err)
	}
	page, err := db.ListResources(ctx, content.ListQuery{Order: content.DefaultOrder, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != 1 || page.Resources[0].Slug != "p" {
		t.Errorf("list = %d resources, want only the published one", page.TotalCount)
	}
	// The published file turns into a draft edit: the published text stays live.
	pub.Status, pub.Hash, pub.Draft.Title = content.StatusDraft, "h-p2", "Unreviewed edit"
	mustImport(t, db, []content.FileImport{draft, pub}, content.ImportOptions{})
	r, err := db.ResourceBySlug(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Title of p" || r.Revision != 1 {
		t.Errorf("published view = %q rev %d, want the first revision still live", r.Title, r.Revision)
	}
}

func TestPruneWithdrawsResourcesWhoseFilesAreGone(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	a := file("/lib/a.md", "a", content.KindGuidance, "2025-01-01")
	b := file("/lib/sub/b.md", "b", content.KindGuidance, "2025-01-02")
	other := file("/elsewhere/c.md", "c", content.KindGuidance, "2025-01-03")
	mustImport(t, db, []content.FileImport{a, b, other}, content.ImportOptions{})

	// Without --prune nothing is withdrawn.
	if got := mustImport(t, db, []content.FileImport{a}, content.ImportOptions{}); len(got) != 1 {
		t.Errorf("import without prune touched %v", got)
	}
	// A file that is present but failed to parse keeps its resource.
	got := mustImport(t, db, []content.FileImport{a}, content.ImportOptions{Prune: true, PruneDir: "/lib", Present: []string{"/lib/a.md"}})
	if got["b"] != "withdrawn" {
		t.Fatalf("prune = %v, want b withdrawn", got)
	}
	if _, ok := got["c"]; ok {
		t.Errorf("prune of /lib touched /elsewhere/c.md")
	}
	r, err := db.ResourceBySlug(ctx, "b")
	if err != nil {
		t.Fatalf("withdrawn resource must still answer by slug: %v", err)
	}
	if r.Status != content.StatusWithdrawn || r.Withdrawal == nil || r.Withdrawal.Reason != postgres.PrunedReason {
		t.Errorf("withdrawn resource = %s %+v", r.Status, r.Withdrawal)
	}
	page, _ := db.ListResources(ctx, content.ListQuery{Order: content.DefaultOrder, First: 10})
	if page.TotalCount != 2 {
		t.Errorf("list after prune = %d, want 2 (withdrawn left out)", page.TotalCount)
	}
	counts, _ := db.TopicCounts(ctx)
	if counts["gp-registration"] != 2 {
		t.Errorf("topic count after prune = %d, want 2", counts["gp-registration"])
	}
	// The file comes back: the resource is restored.
	got = mustImport(t, db, []content.FileImport{a, b}, content.ImportOptions{Prune: true, PruneDir: "/lib"})
	if got["b"] != "restored" {
		t.Errorf("re-import = %v, want b restored", got)
	}
}

func TestSlugOwnedByAnotherFile(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	exists := map[string]bool{"/lib/a.md": true}
	opts := content.ImportOptions{OriginOwns: func(p, _ string) bool { return exists[p] }}
	mustImport(t, db, []content.FileImport{file("/lib/a.md", "a", content.KindGuidance, "2025-01-01")}, opts)

	dup := file("/other/a-copy.md", "a", content.KindGuidance, "2025-01-01")
	dup.Hash = "different"
	got := mustImport(t, db, []content.FileImport{dup}, opts)
	if want := "error: slug: slug \"a\" is already owned by /lib/a.md"; got["a"] != want {
		t.Errorf("conflict = %q, want %q", got["a"], want)
	}
	// The owning file is gone (renamed): the new file takes the slug over.
	delete(exists, "/lib/a.md")
	moved := file("/lib/renamed.md", "a", content.KindGuidance, "2025-01-01")
	if got := mustImport(t, db, []content.FileImport{moved}, opts); got["a"] != "moved" {
		t.Errorf("rename = %q, want moved", got["a"])
	}
}

func TestListFiltersOrdersAndPages(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	var files []content.FileImport
	kinds := []content.Kind{content.KindGuidance, content.KindResearchBrief, content.KindPolicyPosition}
	for i := 0; i < 25; i++ {
		topic := []string{"charging", "maternity"}[i%2]
		f := file(fmt.Sprintf("/lib/%02d.md", i), fmt.Sprintf("r%02d", i), kinds[i%3], fmt.Sprintf("2025-01-%02d", 1+i%5), topic)
		if i%5 == 0 {
			f.Draft.Nations = []string{"SCOTLAND"}
		}
		files = append(files, f)
	}
	mustImport(t, db, files, content.ImportOptions{})

	tests := []struct {
		name   string
		filter content.Filter
		want   int
	}{
		{"all", content.Filter{}, 25},
		{"one kind", content.Filter{Kinds: []content.Kind{content.KindGuidance}}, 9},
		{"kinds OR", content.Filter{Kinds: []content.Kind{content.KindGuidance, content.KindPolicyPosition}}, 17},
		{"topic", content.Filter{Topics: []string{"charging"}}, 13},
		{"kind AND topic", content.Filter{Kinds: []content.Kind{content.KindGuidance}, Topics: []string{"charging"}}, 5},
		{"nation", content.Filter{Nations: []string{"SCOTLAND"}}, 5},
		{"date range", content.Filter{PublishedAfter: date("2025-01-02"), PublishedBefore: date("2025-01-03")}, 10},
		{"language", content.Filter{Languages: []string{"ar"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.ListResources(ctx, content.ListQuery{Filter: tt.filter, Order: content.DefaultOrder, First: 100})
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != tt.want || len(page.Resources) != tt.want {
				t.Errorf("got total %d, %d rows; want %d", page.TotalCount, len(page.Resources), tt.want)
			}
		})
	}

	for _, order := range []content.Order{content.DefaultOrder, {Field: content.OrderTitle, Direction: content.Asc},
		{Field: content.OrderUpdatedAt, Direction: content.Desc}, {Field: content.OrderPublishedAt, Direction: content.Asc}} {
		t.Run("pages "+string(order.Field)+" "+string(order.Direction), func(t *testing.T) {
			all, _ := db.ListResources(ctx, content.ListQuery{Order: order, First: 100})
			var paged []string
			var after *content.Cursor
			for i := 0; i < 10; i++ {
				p, err := db.ListResources(ctx, content.ListQuery{Order: order, First: 7, After: after})
				if err != nil {
					t.Fatal(err)
				}
				if p.TotalCount != 25 {
					t.Errorf("page %d totalCount = %d, want 25 on every page", i, p.TotalCount)
				}
				for _, r := range p.Resources {
					paged = append(paged, r.Slug)
				}
				if !p.HasNext {
					break
				}
				// Round-trip the cursor through its opaque form, as a client would.
				after, err = content.DecodeCursor(content.EncodeCursor(p.Cursors[len(p.Cursors)-1]), order)
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(paged) != 25 {
				t.Fatalf("paged through %d resources, want 25", len(paged))
			}
			for i, r := range all.Resources {
				if paged[i] != r.Slug {
					t.Fatalf("page order differs at %d: %s vs %s", i, paged[i], r.Slug)
				}
			}
		})
	}

	page, _ := db.ListResources(ctx, content.ListQuery{Order: content.DefaultOrder, First: 3})
	if got := []string{page.Resources[0].Slug, page.Resources[1].Slug, page.Resources[2].Slug}; got[0] != "r24" || got[1] != "r19" || got[2] != "r14" {
		t.Errorf("newest first, ties by id descending = %v, want [r24 r19 r14]", got)
	}
}

// TestConcurrentImportsDoNotRace starts the same import from several
// "replicas" at once: the advisory lock serialises them, so each resource is
// created exactly once and no import fails on a duplicate slug.
func TestConcurrentImportsDoNotRace(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	var files []content.FileImport
	for i := 0; i < 20; i++ {
		files = append(files, file(fmt.Sprintf("/lib/%d.md", i), fmt.Sprintf("c%d", i), content.KindGuidance, "2025-01-01"))
	}
	const replicas = 4
	errs := make(chan error, replicas)
	created := make(chan int, replicas)
	for i := 0; i < replicas; i++ {
		go func() {
			res, err := db.ImportFiles(context.Background(), files, content.ImportOptions{Prune: true, PruneDir: "/lib"})
			n := 0
			for _, r := range res {
				if r.Action == "created" {
					n++
				}
			}
			errs <- err
			created <- n
		}()
	}
	total := 0
	for i := 0; i < replicas; i++ {
		if err := <-errs; err != nil {
			t.Errorf("replica import: %v", err)
		}
		total += <-created
	}
	if total != 20 {
		t.Errorf("resources created across replicas = %d, want 20 (each once)", total)
	}
	if n := countChanges(t, db); n != 20 {
		t.Errorf("change rows = %d, want 20", n)
	}
}
