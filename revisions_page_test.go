package main

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/testdb"
)

const revisionsQ = `query($id: ID!, $first: Int, $before: Int) { node(id: $id) { ... on Resource { editorial { revisions(first: $first, before: $before) { revision latest } } } } }`

func revisionNumbers(t *testing.T, r *gqlResponse) []int {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("revisions: %+v", r.Errors)
	}
	var out []int
	list, _ := path(r.Data, "node", "editorial", "revisions").([]any)
	for _, x := range list {
		out = append(out, int(x.(map[string]any)["revision"].(float64)))
	}
	return out
}

// TestRevisionsNewestFirstAndPaged is breaker5 F24: the schema said
// "oldest first" while the list came newest first, with every revision in
// one answer. Now the schema says newest first, and the list is a page
// (first, default 50, at most 100; before). Its class, generated: three
// resources with 1, 7 and 57 revisions made through the real handler;
// 60 random (first, before) pages each equal PostgreSQL's
// `ORDER BY revision DESC LIMIT first` below before, and paging with
// before = the last of the previous page lists every revision once. Out of
// range arguments are INVALID_ARGUMENT naming the argument.
func TestRevisionsNewestFirstAndPaged(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(24))
	var ids []string
	for i, n := range []int{1, 7, 57} {
		r := authed(t, e.url, e.editor, createQ, newDraft(fmt.Sprintf("f24-revs-%d", i), fmt.Sprintf("Revised guide %d", i)))
		id := path(r.Data, "createResource", "resource", "id").(string)
		for rev := 1; rev < n; rev++ {
			r = authed(t, e.url, e.editor, `mutation($id: ID!, $rev: Int!, $s: String) { updateResource(id: $id, revision: $rev, input: {summary: $s}) { resource { id } } }`,
				map[string]any{"id": id, "rev": rev, "s": fmt.Sprintf("Summary number %d.", rev)})
			if len(r.Errors) > 0 {
				t.Fatalf("update: %+v", r.Errors)
			}
		}
		ids = append(ids, id)
	}
	want := func(id string, first, before int) []int {
		rows, _ := db.Pool().Query(ctx, `SELECT revision FROM revisions WHERE resource_id = $1 AND ($2 = 0 OR revision < $2) ORDER BY revision DESC LIMIT $3`,
			mustNodeID(t, id), before, first)
		got, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The breaker's reading: the default page starts with the latest.
	got := revisionNumbers(t, authed(t, e.url, e.editor, revisionsQ, map[string]any{"id": ids[1]}))
	if fmt.Sprint(got) != "[7 6 5 4 3 2 1]" {
		t.Errorf("revisions = %v, want [7 6 5 4 3 2 1] (newest first, as the schema says)", got)
	}
	if got := revisionNumbers(t, authed(t, e.url, e.editor, revisionsQ, map[string]any{"id": ids[2]})); len(got) != 50 || got[0] != 57 {
		t.Errorf("default page of 57 revisions: %d starting %v, want 50 starting 57", len(got), got[:1])
	}
	for i := 0; i < 60; i++ {
		id := ids[rng.Intn(len(ids))]
		first, before := 1+rng.Intn(100), 0
		vars := map[string]any{"id": id, "first": first}
		if rng.Intn(2) == 0 {
			before = 1 + rng.Intn(60)
			vars["before"] = before
		}
		got := revisionNumbers(t, authed(t, e.url, e.editor, revisionsQ, vars))
		if w := want(id, first, before); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("first %d before %d: %v, PostgreSQL says %v", first, before, got, w)
		}
	}
	for _, size := range []int{1, 5, 50} {
		var all []int
		vars := map[string]any{"id": ids[2], "first": size}
		for page := 0; page < 100; page++ {
			got := revisionNumbers(t, authed(t, e.url, e.editor, revisionsQ, vars))
			if len(got) == 0 {
				break
			}
			all = append(all, got...)
			vars["before"] = got[len(got)-1]
		}
		if len(all) != 57 || all[0] != 57 || all[56] != 1 {
			t.Errorf("paging by %d listed %d revisions (%v…), want 57 to 1", size, len(all), all[:min(3, len(all))])
		}
	}
	for _, bad := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"first": -1}, "first"},
		{map[string]any{"first": 101}, "first"},
		{map[string]any{"before": 0}, "before"},
		{map[string]any{"before": -3}, "before"},
	} {
		bad.vars["id"] = ids[0]
		r := authed(t, e.url, e.editor, revisionsQ, bad.vars)
		if r.code() != "INVALID_ARGUMENT" || len(r.Errors) == 0 || fmt.Sprint(r.Errors[0].Extensions["field"]) != bad.field {
			t.Errorf("%v: %+v, want INVALID_ARGUMENT naming %s", bad.vars, r.Errors, bad.field)
		}
	}
}
