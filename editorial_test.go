package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"guidancehub/graph"
	"guidancehub/internal/content"
	"guidancehub/internal/testdb"
)

// authed posts a GraphQL request with a bearer token ("" for none).
func authed(t *testing.T, base, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	headers := map[string]string{}
	if token != "" {
		headers["Authorization"] = "Bearer " + token
	}
	return doWith(t, http.MethodPost, base+"/graphql", "application/json", headers, body)
}

// editorialHub is a fixture hub with a token of each role.
type editorialHub struct {
	*hub
	dsn, dir               string
	partner, editor, admin string
}

func startEditorialHub(t *testing.T) *editorialHub { return startEditorialHubWith(t, nil) }

// startEditorialHubWith is startEditorialHub with extra settings.
func startEditorialHubWith(t *testing.T, vars map[string]string) *editorialHub {
	h, dir := startFixtureHubWith(t, vars)
	e := &editorialHub{hub: h, dsn: dsnFromLogs(t, h), dir: dir}
	db := testdb.OpenDSN(t, e.dsn)
	for role, dst := range map[content.Role]*string{content.RolePartner: &e.partner, content.RoleEditor: &e.editor, content.RoleAdmin: &e.admin} {
		tok, _, err := db.CreateToken(context.Background(), "test "+string(role), role, nil)
		if err != nil {
			t.Fatal(err)
		}
		*dst = tok
	}
	return e
}

const createQ = `mutation($in: CreateResourceInput!) { createResource(input: $in) { resource { id slug status revision editorial { latestRevision } } } }`

func newDraft(slug, title string) map[string]any {
	return map[string]any{"in": map[string]any{"kind": "GUIDANCE", "slug": slug, "title": title, "summary": "A summary of " + title,
		"body": "The body of " + title, "content": map[string]any{"topics": []string{"data-sharing"}, "nations": []string{"WALES"}, "audiences": []string{"COMMISSIONERS"},
			"sources": []map[string]any{{"title": "A source", "url": "https://example.org/"}}}}}
}

func TestEditorialWorkflow(t *testing.T) {
	e := startEditorialHub(t)

	// Published on an earlier date, so that the review marked below (in
	// the past, to be overdue) is not before publication (breaker5 F17).
	in := newDraft("api-guide", "Quillfeather guide")
	in["in"].(map[string]any)["content"].(map[string]any)["publishedAt"] = "2025-06-01"
	r := authed(t, e.url, e.editor, createQ, in)
	if len(r.Errors) > 0 {
		t.Fatalf("create: %+v", r.Errors)
	}
	id := path(r.Data, "createResource", "resource", "id").(string)
	if path(r.Data, "createResource", "resource", "status") != "DRAFT" {
		t.Errorf("created status = %v", path(r.Data, "createResource", "resource", "status"))
	}
	// Drafts are invisible to the public.
	if r := post(t, e.url, `{ resource(slug: "api-guide") { title } }`, nil); path(r.Data, "resource") != nil {
		t.Error("draft visible by slug")
	}

	upd := `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { revision editorial { latestRevision } } } }`
	r = authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": 1, "in": map[string]any{"title": "Quillfeather guide, revised"}})
	if path(r.Data, "updateResource", "resource", "editorial", "latestRevision") != float64(2) {
		t.Fatalf("update: %v %+v", r.Data, r.Errors)
	}
	// A stale revision number is a conflict, never a silent overwrite.
	r = authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": 1, "in": map[string]any{"title": "Lost edit"}})
	if r.code() != "CONFLICT" {
		t.Errorf("stale update: %+v, want CONFLICT", r.Errors)
	}

	pub := `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { status revision lastReviewedAt nextReviewDue } } }`
	r = authed(t, e.url, e.editor, pub, map[string]any{"id": id})
	res := path(r.Data, "publishResource", "resource")
	today := time.Now().UTC().Format("2006-01-02")
	if path(res, "status") != "PUBLISHED" || path(res, "lastReviewedAt") != today || path(res, "nextReviewDue") != time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02") {
		t.Fatalf("publish: %v %+v (review dates default to today and a year on)", res, r.Errors)
	}
	waitSearch(t, e.url, "quillfeather", 1)

	// Editing a published resource makes a draft; the published one stays live.
	r = authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": 2, "in": map[string]any{"title": "Quillfeather guide, unreviewed edit", "body": "Zanzibarine secret edit"}})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if r := post(t, e.url, `{ resource(slug: "api-guide") { title } }`, nil); path(r.Data, "resource", "title") != "Quillfeather guide, revised" {
		t.Errorf("public title = %v, want the published revision", path(r.Data, "resource", "title"))
	}
	r = authed(t, e.url, e.editor, `query($id: ID!) { node(id: $id) { ... on Resource { editorial { draft { title revision } revisions { revision published latest author } diff(from: 2, to: 3) { field from to } } } } }`, map[string]any{"id": id})
	ed := path(r.Data, "node", "editorial")
	if path(ed, "draft", "title") != "Quillfeather guide, unreviewed edit" || len(path(ed, "revisions").([]any)) != 3 {
		t.Errorf("editorial view = %v %+v", ed, r.Errors)
	}
	var changed []string
	for _, c := range path(ed, "diff").([]any) {
		changed = append(changed, path(c, "field").(string))
	}
	if strings.Join(changed, ",") != "title,body" {
		t.Errorf("diff fields = %v, want title,body", changed)
	}
	// The unpublished revision's words never reach public search.
	time.Sleep(100 * time.Millisecond)
	if r := post(t, e.url, searchQ, map[string]any{"q": "zanzibarine"}); path(r.Data, "search", "totalCount") != float64(0) {
		t.Error("an unpublished revision is searchable")
	}

	// Restore revision 2 as the new draft, then mark reviewed.
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { restoreRevision(id: $id, revision: 2) { resource { editorial { latestRevision draft { title } } } } }`, map[string]any{"id": id})
	if path(r.Data, "restoreRevision", "resource", "editorial", "latestRevision") != float64(4) {
		t.Errorf("restore: %v %+v", r.Data, r.Errors)
	}
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { markReviewed(id: $id, lastReviewedAt: "2026-01-01", nextReviewDue: "2026-06-01") { resource { lastReviewedAt nextReviewDue } } }`, map[string]any{"id": id})
	if path(r.Data, "markReviewed", "resource", "nextReviewDue") != "2026-06-01" {
		t.Errorf("markReviewed: %v %+v", r.Data, r.Errors)
	}
	// Review overdue (editors only).
	r = authed(t, e.url, e.editor, `{ resources(filter: {reviewOverdue: true}) { edges { node { slug } } } }`, nil)
	if !strings.Contains(mustJSON(r.Data), "api-guide") {
		t.Errorf("reviewOverdue list = %v %+v", r.Data, r.Errors)
	}

	// Withdraw with a reason: the public sees the notice.
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Superseded by new guidance") { resource { status } } }`, map[string]any{"id": id})
	if path(r.Data, "withdrawResource", "resource", "status") != "WITHDRAWN" {
		t.Fatalf("withdraw: %+v", r.Errors)
	}
	r = post(t, e.url, `{ resource(slug: "api-guide") { status summary withdrawal { reason } } }`, nil)
	if path(r.Data, "resource", "withdrawal", "reason") != "Superseded by new guidance" || path(r.Data, "resource", "summary") != nil {
		t.Errorf("withdrawn notice = %v", r.Data)
	}
	waitSearch(t, e.url, "quillfeather", 0)

	// The audit log has every mutation, with the token's prefix and name.
	r = authed(t, e.url, e.admin, `{ auditLog(first: 20) { action tokenPrefix tokenName revision resource { slug } } }`, nil)
	var actions []string
	for _, a := range path(r.Data, "auditLog").([]any) {
		actions = append(actions, path(a, "action").(string))
		if path(a, "tokenName") != "test EDITOR" || path(a, "tokenPrefix") == nil {
			t.Errorf("audit entry without the token: %v", a)
		}
	}
	if strings.Join(actions, ",") != "withdraw,mark-reviewed,restore-revision,update,publish,update,create" {
		t.Errorf("audit actions = %v", actions)
	}
}

func waitSearch(t *testing.T, base, q string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r := post(t, base, searchQ, map[string]any{"q": q}); path(r.Data, "search", "totalCount") == want {
			return
		}
	}
	t.Fatalf("search %q did not reach %v results within 10 s", q, want)
}

// TestMutationBadInput lists what each bad edit gets; none changes anything.
func TestMutationBadInput(t *testing.T) {
	e := startEditorialHub(t)
	r := authed(t, e.url, e.editor, createQ, newDraft("editable", "Editable"))
	id := path(r.Data, "createResource", "resource", "id").(string)
	fileID := path(post(t, e.url, `{ resource(slug: "free-care-for-all") { id } }`, nil).Data, "resource", "id").(string)

	bad := func(slug string, mod func(map[string]any)) map[string]any {
		v := newDraft(slug, "Bad "+slug)
		mod(v["in"].(map[string]any))
		return v
	}
	tests := []struct {
		name, q string
		vars    map[string]any
		code    string
		field   string
	}{
		{"bad slug", createQ, bad("Bad Slug", func(m map[string]any) {}), "INVALID_ARGUMENT", "input.slug"},
		{"duplicate slug", createQ, bad("editable", func(m map[string]any) {}), "CONFLICT", "input.slug"},
		{"file slug taken", createQ, bad("free-care-for-all", func(m map[string]any) {}), "CONFLICT", "input.slug"},
		{"empty title", createQ, bad("t1", func(m map[string]any) { m["title"] = "  " }), "INVALID_ARGUMENT", "input.title"},
		{"unknown topic", createQ, bad("t2", func(m map[string]any) { m["content"].(map[string]any)["topics"] = []string{"astrology"} }), "INVALID_ARGUMENT", "input.content.topics[0]"}, // breaker5 F8
		{"javascript source url", createQ, bad("t3", func(m map[string]any) {
			m["content"].(map[string]any)["sources"] = []map[string]any{{"title": "x", "url": "javascript:alert(1)"}}
		}), "INVALID_ARGUMENT", "input.content.sources[0].url"},
		{"bad language", createQ, bad("t4", func(m map[string]any) { m["content"].(map[string]any)["language"] = "english!" }), "INVALID_ARGUMENT", "input.content.language"},
		{"review before", createQ, bad("t5", func(m map[string]any) {
			m["content"].(map[string]any)["lastReviewedAt"] = "2026-05-01"
			m["content"].(map[string]any)["nextReviewDue"] = "2026-01-01"
		}), "INVALID_ARGUMENT", "input.content.nextReviewDue"},
		{"edit a file's resource", `mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {title: "x"}) { resource { id } } }`, map[string]any{"id": fileID}, "CONFLICT", "id"},
		{"withdraw a file's resource", `mutation($id: ID!) { withdrawResource(id: $id, reason: "x") { resource { id } } }`, map[string]any{"id": fileID}, "CONFLICT", "id"},
		{"forged id", `mutation { publishResource(id: "bm9wZQ") { resource { id } } }`, nil, "INVALID_ARGUMENT", "id"},
		{"unknown id", `mutation { publishResource(id: "UmVzb3VyY2U6OTk5OTk") { resource { id } } }`, nil, "NOT_FOUND", ""},
		{"publish without sources", `mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {sources: []}) { resource { id } } }`, map[string]any{"id": id}, "", ""},
		{"withdraw without reason", `mutation($id: ID!) { withdrawResource(id: $id, reason: " ") { resource { id } } }`, map[string]any{"id": id}, "INVALID_ARGUMENT", "reason"},
		{"change slug", `mutation($id: ID!) { updateResource(id: $id, revision: 2, input: {slug: "other"}) { resource { id } } }`, map[string]any{"id": id}, "INVALID_ARGUMENT", "input.slug"},
		{"restore missing revision", `mutation($id: ID!) { restoreRevision(id: $id, revision: 99) { resource { id } } }`, map[string]any{"id": id}, "INVALID_ARGUMENT", "revision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := authed(t, e.url, e.editor, tt.q, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("code %q, want %q (%+v)", r.code(), tt.code, r.Errors)
			}
			if tt.field != "" && r.Errors[0].Extensions["field"] != tt.field {
				t.Errorf("field %v, want %q", r.Errors[0].Extensions["field"], tt.field)
			}
		})
	}
	// Every mutation on a resource a file manages, by an editor and by an
	// admin: CONFLICT on id (the resource's state, not the role: breaker7
	// F19), naming the file by its name, not the server's path.
	fileMutations := []string{
		`mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {title: "x"}) { resource { id } } }`,
		`mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`,
		`mutation($id: ID!) { publishResource(id: $id, at: "2030-01-01T00:00:00Z") { resource { id } } }`,
		`mutation($id: ID!) { cancelScheduledPublication(id: $id) { resource { id } } }`,
		`mutation($id: ID!) { withdrawResource(id: $id, reason: "x") { resource { id } } }`,
		`mutation($id: ID!) { restoreRevision(id: $id, revision: 1) { resource { id } } }`,
		`mutation($id: ID!) { markReviewed(id: $id, lastReviewedAt: "2026-01-01", nextReviewDue: "2027-01-01") { resource { id } } }`,
	}
	for _, tok := range []string{e.editor, e.admin} {
		for _, q := range fileMutations {
			r := authed(t, e.url, tok, q, map[string]any{"id": fileID})
			if r.code() != "CONFLICT" || r.Errors[0].Extensions["field"] != "id" {
				t.Fatalf("%s: %+v, want CONFLICT on id", q, r.Errors)
			}
			if msg := r.Errors[0].Message; !strings.Contains(msg, "free-care-for-all.md") || strings.Contains(msg, "/") {
				t.Errorf("%s: message %q, want the file's name without a path", q, msg)
			}
		}
	}
	// Editors see which file manages it by its name, never the server's
	// path (breaker7 F19's leftover).
	for _, tok := range []string{e.editor, e.admin} {
		r := authed(t, e.url, tok, `query($id: ID!) { node(id: $id) { ... on Resource { editorial { origin } } } }`, map[string]any{"id": fileID})
		if got := path(r.Data, "node", "editorial", "origin"); got != "free-care-for-all.md" {
			t.Errorf("editorial { origin }: %v (errors %+v), want the file's name free-care-for-all.md", got, r.Errors)
		}
	}
	// With its sources removed (revision 2), the draft cannot be published.
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { status } } }`, map[string]any{"id": id})
	if r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != "input.sources" {
		t.Errorf("publish without a source: %+v", r.Errors)
	}
}

func TestTokens(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	past := time.Now().Add(-time.Hour)
	expired, _, err := db.CreateToken(context.Background(), "old", content.RoleEditor, &past)
	if err == nil {
		t.Fatalf("created a token that expired in the past: %s", expired)
	}
	soon := time.Now().Add(150 * time.Millisecond)
	shortLived, _, _ := db.CreateToken(context.Background(), "short", content.RoleEditor, &soon)
	revoked, tok, _ := db.CreateToken(context.Background(), "revoked", content.RoleEditor, nil)
	db.RevokeToken(context.Background(), tok.Prefix)
	time.Sleep(200 * time.Millisecond)

	for name, token := range map[string]string{
		"garbage": "not-a-token", "unknown": "ghub_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"wrong secret": e.editor[:len(e.editor)-4] + "aaaa", "expired": shortLived, "revoked": revoked,
	} {
		r := authed(t, e.url, token, `{ topics { slug } }`, nil)
		if r.status != 401 || r.code() != "UNAUTHENTICATED" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s token: status %d code %q: want 401 UNAUTHENTICATED, never anonymous", name, r.status, r.code())
		}
	}
	// Admins manage tokens through the API too.
	r := authed(t, e.url, e.admin, `mutation { createToken(input: {name: "partner app", role: PARTNER}) { token apiToken { prefix role } } }`, nil)
	newTok, _ := path(r.Data, "createToken", "token").(string)
	if !strings.HasPrefix(newTok, "ghub_") {
		t.Fatalf("createToken: %+v", r.Errors)
	}
	if r := authed(t, e.url, newTok, `{ viewer { name role } }`, nil); path(r.Data, "viewer", "role") != "PARTNER" {
		t.Errorf("viewer = %v", r.Data)
	}
	r = authed(t, e.url, e.admin, `{ tokens { prefix name role revokedAt lastUsedAt } }`, nil)
	if s := mustJSON(r.Data); strings.Contains(s, newTok) || !strings.Contains(s, "partner app") {
		t.Errorf("tokens list leaks a secret or misses a token: %s", s)
	}
	if strings.Contains(e.logs.String(), "ghub_") {
		t.Error("a token reached the logs")
	}

	// The CLI prints the new token alone on its last line.
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "create", "--role", "editor", "--name", "policy team", "--expires", "90d"}, &out, &errOut, env(map[string]string{"DATABASE_URL": e.dsn}), nil)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	cli := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(cli, "ghub_") || strings.Contains(cli, " ") {
		t.Fatalf("token create: exit %d, last line %q", code, cli)
	}
	if r := authed(t, e.url, cli, `{ viewer { name } }`, nil); path(r.Data, "viewer", "name") != "policy team" {
		t.Errorf("CLI token does not work: %v", r.Data)
	}
	out.Reset()
	run(context.Background(), []string{"token", "list"}, &out, &errOut, env(map[string]string{"DATABASE_URL": e.dsn}), nil)
	if strings.Contains(out.String(), cli) || !strings.Contains(out.String(), "policy team") {
		t.Errorf("token list:\n%s", out.String())
	}
	prefix := strings.Split(cli, "_")[1]
	out.Reset()
	if code := run(context.Background(), []string{"token", "revoke", prefix}, &out, &errOut, env(map[string]string{"DATABASE_URL": e.dsn}), nil); code != 0 {
		t.Fatalf("revoke: %d %s", code, errOut.String())
	}
	if r := authed(t, e.url, cli, `{ viewer { name } }`, nil); r.status != 401 {
		t.Errorf("revoked CLI token: status %d", r.status)
	}
}

// TestAccessRulesFromTheSchema walks the parsed schema: every mutation must
// carry @hasRole, and every field, argument and input field with @hasRole is
// refused without a token and with a partner token. A new mutation without
// a rule fails this test.
func TestAccessRulesFromTheSchema(t *testing.T) {
	e := startEditorialHub(t)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	published := path(post(t, e.url, `{ resource(slug: "register-without-id") { id } }`, nil).Data, "resource", "id").(string)

	type probe struct{ name, query string }
	var probes []probe
	for _, f := range schema.Mutation.Fields {
		if f.Directives.ForName("hasRole") == nil {
			t.Errorf("mutation %s has no @hasRole rule", f.Name)
		}
		probes = append(probes, probe{"mutation " + f.Name, "mutation { " + f.Name + argsFor(schema, f.Arguments, published) + selectionFor(schema, f.Type) + " }"})
	}
	for _, f := range schema.Query.Fields {
		if f.Directives.ForName("hasRole") != nil {
			probes = append(probes, probe{"query " + f.Name, "{ " + f.Name + argsFor(schema, f.Arguments, published) + selectionFor(schema, f.Type) + " }"})
		}
		for _, a := range f.Arguments {
			if def := schema.Types[a.Type.Name()]; def != nil && def.Kind == ast.InputObject {
				for _, in := range def.Fields {
					if in.Directives.ForName("hasRole") != nil {
						probes = append(probes, probe{"input " + def.Name + "." + in.Name, "{ " + f.Name + "(" + requiredArgs(schema, f.Arguments, a.Name, published) +
							a.Name + ": {" + in.Name + ": " + valueFor(schema, in.Type, published) + "})" + selectionFor(schema, f.Type) + " }"})
					}
				}
			}
		}
	}
	for typ, slug := range map[string]string{"GuidanceDocument": "register-without-id", "ResearchBrief": "barriers-brief", "PolicyPosition": "free-care-for-all"} {
		for _, f := range schema.Types[typ].Fields {
			if f.Directives.ForName("hasRole") != nil {
				probes = append(probes, probe{typ + "." + f.Name, `{ resource(slug: "` + slug + `") { ... on ` + typ + " { " + f.Name + argsFor(schema, f.Arguments, published) + selectionFor(schema, f.Type) + " } } }"})
			}
		}
	}
	sort.Slice(probes, func(i, j int) bool { return probes[i].name < probes[j].name })
	for _, p := range probes {
		for who, token := range map[string]string{"anonymous": "", "partner": e.partner} {
			r := authed(t, e.url, token, p.query, nil)
			want := map[string]string{"anonymous": "UNAUTHENTICATED", "partner": "FORBIDDEN"}[who]
			if r.code() != want {
				t.Errorf("%s as %s: code %q (%+v), want %s\n  %s", p.name, who, r.code(), r.Errors, want, p.query)
			}
		}
		t.Logf("refused without a token and with a partner token: %s", p.name)
	}
	if len(probes) < 15 {
		t.Errorf("only %d protected fields found", len(probes))
	}
}

// argsFor writes arguments for a field: every required argument, valid.
func argsFor(s *ast.Schema, args ast.ArgumentDefinitionList, id string) string {
	var parts []string
	for _, a := range args {
		if a.Type.NonNull {
			parts = append(parts, a.Name+": "+valueFor(s, a.Type, id))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func requiredArgs(s *ast.Schema, args ast.ArgumentDefinitionList, skip, id string) string {
	var out string
	for _, a := range args {
		if a.Type.NonNull && a.Name != skip {
			out += a.Name + ": " + valueFor(s, a.Type, id) + ", "
		}
	}
	return out
}

// valueFor writes a valid literal of a type.
func valueFor(s *ast.Schema, t *ast.Type, id string) string {
	if t.Elem != nil {
		return "[" + valueFor(s, t.Elem, id) + "]"
	}
	def := s.Types[t.Name()]
	switch {
	case t.Name() == "ID":
		return fmt.Sprintf("%q", id)
	case t.Name() == "Int":
		return "1"
	case t.Name() == "Boolean":
		return "true"
	case t.Name() == "Date":
		return `"2030-01-01"`
	case t.Name() == "DateTime":
		return `"2030-01-01T00:00:00Z"`
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		var fs []string
		for _, f := range def.Fields {
			if f.Type.NonNull {
				fs = append(fs, f.Name+": "+valueFor(s, f.Type, id))
			}
		}
		return "{" + strings.Join(fs, ", ") + "}"
	}
	return `"probe"`
}

// selectionFor selects __typename on object results.
func selectionFor(s *ast.Schema, t *ast.Type) string {
	def := s.Types[t.Name()]
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return ""
	}
	return " { __typename }"
}

// TestCanaryDraftsStayPrivate plants a never-published draft and an
// unpublished revision of a published resource, each with a unique word,
// and checks every public path.
func TestCanaryDraftsStayPrivate(t *testing.T) {
	e := startEditorialHub(t)
	r := authed(t, e.url, e.editor, createQ, newDraft("canary-api-draft", "Vorpalwisp draft"))
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	r = authed(t, e.url, e.editor, createQ, newDraft("canary-published", "Ordinary published"))
	pubID := path(r.Data, "createResource", "resource", "id").(string)
	authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": pubID})
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {title: "Jabberglimmer unpublished", summary: "jabberglimmer", body: "jabberglimmer body", topics: ["nrpf"]}) { resource { id } } }`, map[string]any{"id": pubID})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	waitSearch(t, e.url, "ordinary", 1)

	public := []string{
		`{ resource(slug: "canary-api-draft") { title } }`,
		`{ resource(slug: "canary-published") { title summary body bodyHTML topics { slug } } }`,
		`{ resources(first: 100) { totalCount edges { node { slug title summary } } } }`,
		`{ resources(first: 100, filter: {topics: ["nrpf"]}) { totalCount edges { node { slug } } } }`,
		`{ topics { slug count } }`,
		`{ completions(prefix: "vorpal") { slug } c2: completions(prefix: "jabber") { slug } }`,
		`{ resource(slug: "free-care-for-all") { related { slug title } translations { slug } } }`,
	}
	for _, q := range []string{"vorpalwisp", "jabberglimmer", "vorpalwis", "jabberglimer"} {
		public = append(public, fmt.Sprintf(`{ search(query: %q) { totalCount suggestion edges { node { slug } highlights { fragments } }
			facets { topics { value count } nations { value count } } } }`, q))
	}
	for _, q := range public {
		r := post(t, e.url, q, nil)
		s := strings.ToLower(mustJSON(r.Data))
		for _, canary := range []string{"vorpalwisp", "jabberglimmer", "canary-api-draft"} {
			if strings.Contains(s, canary) {
				t.Errorf("public query reveals %q:\n  %s\n  %s", canary, q, s)
			}
		}
		if strings.Contains(q, "topics { slug count }") {
			for _, tp := range path(r.Data, "topics").([]any) {
				if path(tp, "slug") == "nrpf" && path(tp, "count") != float64(0) {
					t.Errorf("nrpf topic count %v counts an unpublished revision", path(tp, "count"))
				}
			}
		}
		if strings.Contains(q, `topics: ["nrpf"]`) && path(r.Data, "resources", "totalCount") != float64(0) {
			t.Errorf("nrpf filter counts an unpublished revision: %v", r.Data)
		}
	}
	// The node by id of the draft is hidden from the public, visible to editors.
	draftID := path(authed(t, e.url, e.editor, `{ resource(slug: "canary-api-draft") { id } }`, nil).Data, "resource", "id")
	if r := post(t, e.url, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": draftID}); path(r.Data, "node") != nil {
		t.Error("draft visible through node(id:)")
	}
}

// TestScheduledPublishReachesAnotherReplica schedules a publication through
// one hub and sees it appear in the other hub's search.
func TestScheduledPublishReachesAnotherReplica(t *testing.T) {
	e := startEditorialHub(t)
	dir2 := t.TempDir()
	copyFixturesTo(t, e.dir, dir2)
	other := startHub(t, map[string]string{"DATABASE_URL": e.dsn, "HUB_RESOURCES_DIR": e.dir, "HUB_DATA_DIR": dir2})

	r := authed(t, e.url, e.editor, createQ, newDraft("scheduled-news", "Timequartz announcement"))
	id := path(r.Data, "createResource", "resource", "id").(string)
	at := time.Now().Add(2 * time.Second).UTC()
	r = authed(t, e.url, e.editor, `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { status } } }`,
		map[string]any{"id": id, "at": at.Format(time.RFC3339Nano)})
	if path(r.Data, "publishResource", "resource", "status") != "DRAFT" {
		t.Fatalf("scheduling published at once: %v %+v", r.Data, r.Errors)
	}
	if r := post(t, other.url, searchQ, map[string]any{"q": "timequartz"}); path(r.Data, "search", "totalCount") != float64(0) {
		t.Fatal("visible before its time")
	}
	waitSearch(t, other.url, "timequartz", 1)
	t.Logf("scheduled for %s, searchable on the other replica at %s", at.Format("15:04:05.000"), time.Now().UTC().Format("15:04:05.000"))
	r = authed(t, e.url, e.admin, `{ auditLog(first: 1) { action } }`, nil)
	if path(r.Data, "auditLog", 0, "action") != "publish (scheduled)" {
		t.Errorf("audit = %v", r.Data)
	}
}

func copyFixturesTo(t *testing.T, src, dst string) {
	t.Helper()
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
}

// TestDiffNamesTheArgumentAtFault: breaker3 F24, editorial { diff(from: 0,
// to: 2) } answered INVALID_ARGUMENT with extensions.field "revision", an
// argument diff does not have. For every pair of from and to among missing
// and existing revisions (the oracle: the revisions the resource has), a
// missing from is named "from", else a missing to "to", and two existing
// revisions answer the diff.
func TestDiffNamesTheArgumentAtFault(t *testing.T) {
	e := startEditorialHub(t)
	r := authed(t, e.url, e.editor, createQ, newDraft("diff-fields", "Diff fields"))
	id := path(r.Data, "createResource", "resource", "id").(string)
	upd := `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { revision } } }`
	if r := authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": 1, "in": map[string]any{"title": "Diff fields, revised"}}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	exists := map[int]bool{1: true, 2: true}
	const q = `query($id: ID!, $f: Int!, $t: Int!) { node(id: $id) { ... on Resource { editorial { diff(from: $f, to: $t) { field } } } } }`
	for _, from := range []int{-1, 0, 1, 2, 3, 99} {
		for _, to := range []int{-1, 0, 1, 2, 3, 99} {
			r := authed(t, e.url, e.editor, q, map[string]any{"id": id, "f": from, "t": to})
			want := ""
			switch {
			case !exists[from]:
				want = "from"
			case !exists[to]:
				want = "to"
			}
			switch {
			case want == "" && len(r.Errors) > 0:
				t.Errorf("diff(%d, %d): %+v", from, to, r.Errors)
			case want != "" && (len(r.Errors) == 0 || r.Errors[0].Extensions["field"] != want):
				t.Errorf("diff(%d, %d): %+v, want INVALID_ARGUMENT naming %s", from, to, r.Errors, want)
			}
		}
	}
}
