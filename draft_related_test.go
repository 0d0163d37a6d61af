package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"guidancehub/internal/testdb"
)

// TestDraftViewsShowRelated (breaker5 F36): an editor's view of a draft
// showed related: [] although the draft names related resources (the
// public rule for a draft, applied to the editor's view). Generated drafts
// with related lists drawn from the fixtures (published ones, a draft, a
// missing slug is refused by the API so left out), and edits of a
// published resource (editorial.draft); every door an editor sees a draft
// through — resource(slug:), node(id:), resources(statuses: [DRAFT]) and
// editorial { draft } — shows the latest revision's related resources that
// are published, in its order: PostgreSQL's revisions.related and
// resources.status are the oracle. The public view is unchanged.
func TestDraftViewsShowRelated(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()
	// want is PostgreSQL's answer for the latest revision of slug.
	want := func(slug string) []string {
		var out []string
		if err := db.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(x ORDER BY i), '{}') FROM resources r
			JOIN revisions v ON v.resource_id = r.id AND v.revision = r.latest_revision,
			unnest(v.related) WITH ORDINALITY u(x, i)
			WHERE r.slug = $1 AND EXISTS (SELECT FROM resources p WHERE p.slug = u.x AND p.status = 'PUBLISHED')`, slug).Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	slugsOf := func(v any) []string {
		out := []string{}
		list, _ := v.([]any)
		for _, x := range list {
			out = append(out, path(x, "slug").(string))
		}
		return out
	}
	rng := rand.New(rand.NewPCG(36, 1))
	published := []string{"barriers-brief", "free-care-for-all", "register-without-id", "register-without-id-ar"}
	pick := func() []string {
		p := slices.Clone(published)
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		return p[:1+rng.IntN(len(p))]
	}
	const sel = `id slug status related { slug } editorial { draft { related { slug } } }`
	var drafts []string
	for i := range 6 {
		slug := fmt.Sprintf("draft-related-%d", i)
		in := newDraft(slug, "Draft related "+slug)
		in["in"].(map[string]any)["content"].(map[string]any)["related"] = pick()
		r := authed(t, e.url, e.editor, createQ, in)
		if r.Data == nil || len(r.Errors) > 0 {
			t.Fatalf("create %s: %+v", slug, r.Errors)
		}
		drafts = append(drafts, slug)
	}
	// A published resource with an edit under way: editorial.draft.
	r := authed(t, e.url, e.editor, createQ, func() map[string]any {
		in := newDraft("draft-related-pub", "Draft related published")
		in["in"].(map[string]any)["content"].(map[string]any)["related"] = []string{"barriers-brief"}
		return in
	}())
	pubID, _ := path(r.Data, "createResource", "resource", "id").(string)
	if pubID == "" {
		t.Fatalf("create: %+v", r.Errors)
	}
	if r := authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { status } } }`, map[string]any{"id": pubID}); path(r.Data, "publishResource", "resource", "status") != "PUBLISHED" {
		t.Fatalf("publish: %+v", r.Errors)
	}
	edit := pick()
	if r := authed(t, e.url, e.editor, `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { id } } }`,
		map[string]any{"id": pubID, "rev": 1, "in": map[string]any{"related": edit}}); len(r.Errors) > 0 {
		t.Fatalf("update: %+v", r.Errors)
	}

	for _, slug := range drafts {
		w := want(slug)
		if len(w) == 0 {
			t.Fatalf("%s: PostgreSQL holds no related resource: the test no longer tests", slug)
		}
		r := authed(t, e.url, e.editor, `query($s: String!) { resource(slug: $s) { `+sel+` } }`, map[string]any{"s": slug})
		if got := slugsOf(path(r.Data, "resource", "related")); !slices.Equal(got, w) {
			t.Errorf("resource(slug: %q) for an editor: related %v, PostgreSQL says %v (%+v)", slug, got, w, r.Errors)
		}
		id, _ := path(r.Data, "resource", "id").(string)
		r = authed(t, e.url, e.editor, `query($id: ID!) { node(id: $id) { ... on Resource { `+sel+` } } }`, map[string]any{"id": id})
		if got := slugsOf(path(r.Data, "node", "related")); !slices.Equal(got, w) {
			t.Errorf("node(id) of %s for an editor: related %v, PostgreSQL says %v", slug, got, w)
		}
		// The public sees no draft at all.
		if r := authed(t, e.url, "", `query($s: String!) { resource(slug: $s) { slug } }`, map[string]any{"s": slug}); path(r.Data, "resource") != nil {
			t.Errorf("the public sees draft %s", slug)
		}
	}
	r = authed(t, e.url, e.editor, `{ resources(filter: {statuses: [DRAFT]}, first: 100) { edges { node { `+sel+` } } } }`, nil)
	seen := 0
	edges, _ := path(r.Data, "resources", "edges").([]any)
	for _, ed := range edges {
		n := path(ed, "node")
		slug := path(n, "slug").(string)
		if !slices.Contains(drafts, slug) {
			continue
		}
		seen++
		if got, w := slugsOf(path(n, "related")), want(slug); !slices.Equal(got, w) {
			t.Errorf("resources(DRAFT) %s: related %v, PostgreSQL says %v", slug, got, w)
		}
	}
	if seen != len(drafts) {
		t.Errorf("resources(DRAFT) listed %d of the %d drafts (%+v)", seen, len(drafts), r.Errors)
	}
	r = authed(t, e.url, e.editor, `query($id: ID!) { node(id: $id) { ... on Resource { `+sel+` } } }`, map[string]any{"id": pubID})
	if got, w := slugsOf(path(r.Data, "node", "editorial", "draft", "related")), want("draft-related-pub"); !slices.Equal(got, w) || !slices.Equal(w, edit) {
		t.Errorf("editorial { draft } of a published resource: related %v, PostgreSQL says %v (the edit gave %v)", got, w, edit)
	}
	// The published revision keeps its own list, for editors and the public.
	for _, tok := range []string{e.editor, ""} {
		r := authed(t, e.url, tok, `{ resource(slug: "draft-related-pub") { related { slug } } }`, nil)
		if got := slugsOf(path(r.Data, "resource", "related")); !slices.Equal(got, []string{"barriers-brief"}) {
			t.Errorf("published revision (token %v): related %v, want [barriers-brief]", tok != "", got)
		}
	}
}
