package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/testdb"
)

// TestAPIPublishesOnlyWhatTheImportAccepts (breaker5 F7): the API
// published what the import and lint refuse: dangling related,
// translationOf and body links, a translation without review status, an
// English "translation" of an English resource, a guidance with research
// fields. Generated drafts, varying exactly those fields over every kind of
// target (published, a draft, withdrawn, missing), go through both doors:
// a resource file imported into the same database (the oracle: the import's
// verdict) and createResource + publishResource. The API must refuse
// exactly what the import refuses, naming one of the fields the import
// names, and publish nothing it refuses.
func TestAPIPublishesOnlyWhatTheImportAccepts(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	store := db
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { id status } } }`
	// A withdrawn target.
	r := authed(t, e.url, e.editor, createQ, newDraft("f7-gone", "Withdrawn target"))
	gone := path(r.Data, "createResource", "resource", "id").(string)
	authed(t, e.url, e.editor, publishQ, map[string]any{"id": gone})
	authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Replaced") { resource { id } } }`, map[string]any{"id": gone})
	targets := []string{"register-without-id", "unpublished-position", "f7-gone", "f7-no-such"} // published (en), draft, withdrawn, missing

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	body := strings.Repeat("This sentence makes the body long enough for a guidance file in the library. ", 25)
	cases := []struct{ transOf, lang, status, related, link, methods string }{
		// The breaker's examples.
		{related: "nosuch-slug"},
		{transOf: "nosuch", lang: "ar", status: "reviewed"},
		{transOf: "register-without-id", lang: "ar"},
		{transOf: "register-without-id", lang: "en", status: "reviewed"},
		{link: "unpublished-position"},
		{methods: "m"},
		// What both doors accept.
		{transOf: "register-without-id", lang: "fa", status: "reviewed", related: "register-without-id", link: "register-without-id"},
	}
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	for i := 0; i < 24; i++ {
		c := struct{ transOf, lang, status, related, link, methods string }{}
		if rng.IntN(2) == 0 {
			c.transOf, c.lang, c.status = pick(targets...), pick("ar", "en", "ur"), pick("", "needs review")
		}
		if rng.IntN(2) == 0 {
			c.related = pick(targets...)
		}
		if rng.IntN(2) == 0 {
			c.link = pick(targets...)
		}
		if rng.IntN(4) == 0 {
			c.methods = "a survey"
		}
		cases = append(cases, c)
	}
	for i, c := range cases {
		// The file door.
		dir := t.TempDir()
		var fm strings.Builder
		fmt.Fprintf(&fm, "---\nkind: guidance\nslug: f7-file-%d\ntitle: Rules case %d\nsummary: A case.\ntopics: [gp-registration]\naudiences: [commissioners]\nnations: [england]\n", i, i)
		fmt.Fprintf(&fm, "published: 2025-03-01\nlast_reviewed: 2025-03-01\nnext_review: 2026-03-01\nsources:\n  - title: A source\n    url: https://example.org/\n")
		if c.transOf != "" {
			fmt.Fprintf(&fm, "translation_of: %s\nlanguage: %s\n", c.transOf, c.lang)
			if c.status != "" {
				fmt.Fprintf(&fm, "translation_status: %s\n", c.status)
			}
		}
		if c.related != "" {
			fmt.Fprintf(&fm, "related: [%s]\n", c.related)
		}
		if c.methods != "" {
			fmt.Fprintf(&fm, "methods: %s\n", c.methods)
		}
		b := body
		if c.link != "" {
			b = "See [the other](/resources/" + c.link + "). " + body
		}
		fm.WriteString("---\n" + b + "\n")
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f7-file-%d.md", i)), []byte(fm.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := ingest.Import(context.Background(), store, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		fileFields := map[string]bool{}
		for _, fe := range rep.Errors {
			fileFields[fe.Field] = true
		}
		// The API.
		in := map[string]any{"sources": []map[string]any{{"title": "A source", "url": "https://example.org/"}},
			"topics": []string{"gp-registration"}, "audiences": []string{"COMMISSIONERS"}, "nations": []string{"ENGLAND"}}
		if c.transOf != "" {
			in["translationOf"], in["language"] = c.transOf, c.lang
			if c.status != "" {
				in["translationStatus"] = c.status
			}
		}
		if c.related != "" {
			in["related"] = []string{c.related}
		}
		if c.methods != "" {
			in["methods"] = c.methods
		}
		b = body
		if c.link != "" {
			b = "See [the other](/resources/" + c.link + "). " + body
		}
		slug := fmt.Sprintf("f7-api-%d", i)
		r := authed(t, e.url, e.editor, createQ, map[string]any{"in": map[string]any{"kind": "GUIDANCE", "slug": slug, "title": fmt.Sprintf("Rules case %d", i),
			"summary": "A case.", "body": b, "content": in}})
		var apiField string
		if len(r.Errors) > 0 {
			apiField, _ = r.Errors[0].Extensions["field"].(string)
		} else {
			id := path(r.Data, "createResource", "resource", "id").(string)
			p := authed(t, e.url, e.editor, publishQ, map[string]any{"id": id})
			if len(p.Errors) > 0 {
				if code := p.Errors[0].Extensions["code"]; code != "INVALID_ARGUMENT" {
					t.Errorf("case %d %+v: publish refused with %v, want INVALID_ARGUMENT", i, c, code)
				}
				apiField, _ = p.Errors[0].Extensions["field"].(string)
				if apiField == "" {
					t.Errorf("case %d %+v: refusal %q names no field", i, c, p.Errors[0].Message)
				}
			}
		}
		var status string
		db.Pool().QueryRow(context.Background(), `SELECT status FROM resources WHERE slug = $1`, slug).Scan(&status)
		var names []string
		for f := range fileFields {
			names = append(names, f)
		}
		sort.Strings(names)
		switch {
		case len(fileFields) > 0 && apiField == "":
			t.Errorf("case %d %+v: the import refuses %v, the API published it", i, c, names)
		case len(fileFields) == 0 && apiField != "":
			t.Errorf("case %d %+v: the import accepts it, the API refused %s", i, c, apiField)
		case apiField != "" && !fileFields[content.FileFieldName(strings.TrimPrefix(strings.TrimPrefix(apiField, "input.content."), "input."))]:
			t.Errorf("case %d %+v: the API refused %s, the import %v", i, c, apiField, names)
		}
		if apiField != "" && status == "PUBLISHED" {
			t.Errorf("case %d: refused, yet published", i)
		}
	}
}

// TestCreateContentRepeatsNothingSilently (breaker5 F7): createResource's
// content may repeat kind, slug, title, summary and body; a value other than
// the one beside it was silently ignored. Each is now INVALID_ARGUMENT
// naming input.content.<field>, the same value twice is accepted, and a
// refusal creates nothing.
func TestCreateContentRepeatsNothingSilently(t *testing.T) {
	e := startEditorialHub(t)
	for i, c := range []struct {
		field string
		value any
		want  string
	}{
		{"kind", "POLICY_POSITION", "input.content.kind"},
		{"kind", "GUIDANCE", ""},
		{"slug", "other-slug", "input.content.slug"},
		{"title", "Another title", "input.content.title"},
		{"summary", "Another summary.", "input.content.summary"},
		{"body", "Another body", "input.content.body"},
	} {
		d := newDraft(fmt.Sprintf("f7-content-%d", i), "Content case")
		d["in"].(map[string]any)["content"].(map[string]any)[c.field] = c.value
		r := authed(t, e.url, e.editor, createQ, d)
		var got string
		if len(r.Errors) > 0 {
			got, _ = r.Errors[0].Extensions["field"].(string)
		}
		if got != c.want {
			t.Errorf("content.%s = %v: field %q (%v), want %q", c.field, c.value, got, r.Errors, c.want)
		}
		if c.want != "" {
			if r := authed(t, e.url, e.editor, `{ resources(filter: {statuses: [DRAFT]}, first: 100) { edges { node { slug } } } }`, nil); len(r.Errors) > 0 || strings.Contains(mustJSON(r.Data), fmt.Sprintf("f7-content-%d\"", i)) {
				t.Errorf("content.%s: refused, yet created", c.field)
			}
		}
	}
}
