package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// partnerCopy is what a partner following the hub holds: slug → revision
// of each published resource.
type partnerCopy map[string]int

// exportInto loads GET /export/resources.ndjson into a partner's copy and
// returns the cursor on its last line.
func exportInto(t *testing.T, base string, into partnerCopy) string {
	t.Helper()
	resp, err := http.Get(base + "/export/resources.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("export: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	var last map[string]any
	n := 0
	for sc.Scan() {
		if last != nil {
			if last["cursor"] != nil {
				t.Fatalf("a line after the cursor line: %s", sc.Text())
			}
			into[last["slug"].(string)] = int(last["revision"].(float64))
			n++
		}
		last = nil
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cursor, _ := last["cursor"].(string)
	if cursor == "" || int(last["count"].(float64)) != n {
		t.Fatalf("export's last line = %v, want the cursor and count %d", last, n)
	}
	return cursor
}

const changesQ = `query($after: String, $first: Int) { changes(after: $after, first: $first) {
	edges { cursor node { action resourceId slug kind revision at } } pageInfo { hasNextPage endCursor } cursor } }`

// followChanges applies every change after cursor to the copy, in pages of
// first, and returns the cursor to resume from; it fails on an event seen
// twice.
func followChanges(t *testing.T, base, cursor string, first int, into partnerCopy, seen map[string]bool) string {
	t.Helper()
	for range 1000 {
		r := post(t, base, changesQ, map[string]any{"after": cursor, "first": first})
		if len(r.Errors) > 0 {
			t.Fatalf("changes: %+v", r.Errors)
		}
		edges := path(r.Data, "changes", "edges").([]any)
		for _, e := range edges {
			n := path(e, "node").(map[string]any)
			key := fmt.Sprint(n["resourceId"], n["action"], n["revision"], n["at"])
			if seen[key] {
				t.Errorf("event delivered twice: %v", n)
			}
			seen[key] = true
			switch n["action"] {
			case "PUBLISHED", "UPDATED":
				into[n["slug"].(string)] = int(n["revision"].(float64))
			case "WITHDRAWN":
				delete(into, n["slug"].(string))
			default:
				t.Errorf("unknown action %v", n["action"])
			}
		}
		cursor = path(r.Data, "changes", "cursor").(string)
		if len(edges) > 0 && cursor != path(r.Data, "changes", "pageInfo", "endCursor") {
			t.Errorf("connection cursor %q is not the last edge's %v", cursor, path(r.Data, "changes", "pageInfo", "endCursor"))
		}
		if path(r.Data, "changes", "pageInfo", "hasNextPage") != true {
			return cursor
		}
	}
	t.Fatal("changes did not end")
	return ""
}

// published is the oracle: slug → live revision of each published resource.
func published(t *testing.T, db *postgres.DB) partnerCopy {
	t.Helper()
	rows, _ := db.Pool().Query(context.Background(), `SELECT slug, published_revision FROM resources WHERE status = 'PUBLISHED'`)
	out := partnerCopy{}
	var (
		slug string
		rev  int
	)
	if _, err := pgx.ForEachRow(rows, []any{&slug, &rev}, func() error { out[slug] = rev; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func diff(got, want partnerCopy) string {
	var d []string
	for k, v := range want {
		if got[k] != v {
			d = append(d, fmt.Sprintf("%s: partner %d, hub %d", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%s: partner %d, not published", k, v))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// A partner loads the export, then follows changes while edits commit out
// of order (an editor's publication holds its change row while a later
// import commits first), and ends equal to PostgreSQL, with no event twice
// and no draft edit seen.
func TestPartnerExportThenFollowChanges(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()
	copy := partnerCopy{}
	cursor := exportInto(t, e.url, copy)
	exportCursor := cursor
	if d := diff(copy, published(t, db)); d != "" || len(copy) == 0 {
		t.Fatalf("export differs from the database:\n%s", d)
	}
	seen := map[string]bool{}
	cursor = followChanges(t, e.url, cursor, 3, copy, seen)
	if len(seen) != 0 {
		t.Fatalf("changes right after the export = %v, want none", seen)
	}

	mustQ := func(q string, vars map[string]any) map[string]any {
		t.Helper()
		r := authed(t, e.url, e.editor, q, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
		return r.Data
	}
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { revision } } }`
	var ids []string
	for i := range 4 {
		d := mustQ(createQ, newDraft(fmt.Sprintf("partner-%d", i), fmt.Sprintf("Partner test %d", i)))
		ids = append(ids, path(d, "createResource", "resource", "id").(string))
	}
	mustQ(publishQ, map[string]any{"id": ids[0]})
	mustQ(publishQ, map[string]any{"id": ids[1]})
	// A draft edit of a published resource: not a public change.
	mustQ(`mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {title: "Draft only"}) { resource { id } } }`, map[string]any{"id": ids[0]})
	cursor = followChanges(t, e.url, cursor, 2, copy, seen)

	// Out of order: the publication of ids[2] writes its change row, then
	// waits on the audit log the test holds; an import commits meanwhile.
	hold, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `LOCK TABLE audit_log IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	slow := make(chan *gqlResponse, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"query": publishQ, "variables": map[string]any{"id": ids[2]}})
		slow <- doWith(t, http.MethodPost, e.url+"/graphql", "application/json", map[string]string{"Authorization": "Bearer " + e.editor}, body)
	}()
	waitFor(t, "the slow publication to write its change row", func() bool {
		var waiting bool
		db.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'audit_log'::regclass AND NOT granted)`).Scan(&waiting)
		return waiting
	})
	f := content.FileImport{Path: "/partner-lib/late.md", Hash: "late-1", Status: content.StatusPublished, Draft: newFileDraft("late-import")}
	if _, err := db.ImportFiles(ctx, []content.FileImport{f}, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cursor = followChanges(t, e.url, cursor, 1, copy, seen)
	if _, ok := copy["late-import"]; !ok {
		t.Fatal("the import that committed first is not in the feed")
	}
	if _, ok := copy["partner-2"]; ok {
		t.Fatal("a publication not yet committed is in the feed")
	}
	if err := hold.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-slow; len(r.Errors) > 0 {
		t.Fatalf("slow publish: %+v", r.Errors)
	}
	mustQ(`mutation($id: ID!) { withdrawResource(id: $id, reason: "Superseded") { resource { id } } }`, map[string]any{"id": ids[1]})
	f.Hash, f.Draft.Title = "late-2", "Late import, changed"
	if _, err := db.ImportFiles(ctx, []content.FileImport{f}, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cursor = followChanges(t, e.url, cursor, 2, copy, seen)
	cursor = followChanges(t, e.url, cursor, 100, copy, seen) // the largest page passes the query limits
	if d := diff(copy, published(t, db)); d != "" {
		t.Fatalf("partner differs from the database after following:\n%s", d)
	}
	t.Logf("%d events followed, %d resources", len(seen), len(copy))

	// Pruning rows a cursor has not read makes it expired: a coded error
	// pointing at the export. A cursor past every pruned row still works:
	// the cursor is made current first. The feed withholds rows committed
	// after a transaction still writing (the hub's own background work,
	// e.g. the scheduler's row locks, slow under load): follow until no
	// transaction writes and a follow brings nothing new, twice.
	quiet := 0
	waitFor(t, "the cursor to be current", func() bool {
		var busy bool
		if err := db.Pool().QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot()) <> pg_snapshot_xmax(pg_current_snapshot())`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		before := len(seen)
		cursor = followChanges(t, e.url, cursor, 100, copy, seen)
		if busy || len(seen) != before {
			quiet = 0
			return false
		}
		quiet++
		return quiet == 2
	})
	// A prune keeps the rows of transactions still running when it ran
	// (on any database of the cluster: other packages' tests), so it is
	// asked again until it passed the export's position.
	var r *gqlResponse
	for try := 0; ; try++ {
		if _, err := db.PruneChanges(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if r = post(t, e.url, changesQ, map[string]any{"after": exportCursor}); r.code() == "CURSOR_EXPIRED" || try == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := post(t, e.url, changesQ, map[string]any{"after": cursor}); len(r.Errors) > 0 {
		t.Errorf("a current cursor after pruning: %+v", r.Errors)
	}
	if r.code() != "CURSOR_EXPIRED" || !strings.Contains(r.Errors[0].Message, "/export/resources.ndjson") {
		t.Errorf("expired cursor: %+v, want CURSOR_EXPIRED naming the export", r.Errors)
	} else {
		t.Logf("expired cursor answers: %s", r.Errors[0].Message)
	}
	// Tampered or foreign cursors never reach PostgreSQL as INTERNAL.
	for _, bad := range []string{"", "x", cursor + "A", content.ChangePosition{Watermark: 1 << 60}.Encode(), strings.Repeat("A", 5000)} {
		if r := post(t, e.url, changesQ, map[string]any{"after": bad}); r.code() != "INVALID_ARGUMENT" {
			t.Errorf("cursor %.40q: %+v, want INVALID_ARGUMENT", bad, r.Errors)
		}
	}
	// (first: 0 is an empty page, as for every first: TestEveryFirstArgumentTakesZero.)
	for _, first := range []int{-1, 101} {
		if r := post(t, e.url, changesQ, map[string]any{"first": first}); r.code() != "INVALID_ARGUMENT" {
			t.Errorf("first %d: %+v, want INVALID_ARGUMENT", first, r.Errors)
		}
	}
}

// newFileDraft is a valid published draft for a file import.
func newFileDraft(slug string) content.Draft {
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return content.Draft{Kind: content.KindGuidance, Slug: slug, Title: "Late import", Summary: "A summary", Body: "A body",
		Topics: []string{"data-sharing"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "en",
		PublishedAt: &day, LastReviewedAt: &day, NextReviewDue: &day,
		Sources: []content.Source{{Title: "S", URL: "https://example.org/s"}}}
}

// waitFor polls cond (every 20 ms, up to 20 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
