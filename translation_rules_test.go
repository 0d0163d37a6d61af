package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// The translation rules (breaker7 F6; README "Editors"), over published
// resources: a translation's original is not itself a translation (no
// chains, hence no cycles) and not the translation itself, and a
// translation differs in language from its original. They were checked
// only from the translation's side: an original could take its published
// translation's language, and two resources could each be the other's
// translation, through the API and through files.

const (
	trUpdateQ  = `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { editorial { latestRevision } } } }`
	trPublishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { status } } }`
)

// translationBreaches is the SQL oracle: every published pair (translation
// -> original) that breaks a rule, as "t -> o".
func translationBreaches(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT t.slug || ' -> ' || o.slug
		FROM resources t JOIN revisions tv ON tv.resource_id = t.id AND tv.revision = t.published_revision
		JOIN resources o ON o.slug = tv.translation_of AND o.status = 'PUBLISHED'
		JOIN revisions ov ON ov.resource_id = o.id AND ov.revision = o.published_revision
		WHERE t.status = 'PUBLISHED' AND (ov.translation_of IS NOT NULL OR lower(ov.language) = lower(tv.language) OR t.id = o.id)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// trNode is one resource of a generated state: its language and the slug
// it translates ("" for an original).
type trNode struct{ lang, of string }

// trValid is the Go oracle, written from the rules, not from the code: a
// state of published resources keeps the rules.
func trValid(s map[string]trNode) bool {
	for slug, n := range s {
		if n.of == "" {
			continue
		}
		o, ok := s[n.of]
		if !ok || n.of == slug || o.of != "" || strings.EqualFold(o.lang, n.lang) {
			return false
		}
	}
	return true
}

// trFile is a valid published guidance file for slug in state n.
func trFile(slug string, n trNode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nkind: guidance\nslug: %s\ntitle: Translation case %s\nsummary: A case.\ntopics: [gp-registration]\naudiences: [commissioners]\nnations: [england]\n", slug, slug)
	fmt.Fprintf(&b, "published: 2025-03-01\nlast_reviewed: 2025-03-01\nnext_review: 2026-03-01\nsources:\n  - title: A source\n    url: https://example.org/\n")
	fmt.Fprintf(&b, "language: %s\n", n.lang)
	if n.of != "" {
		fmt.Fprintf(&b, "translation_of: %s\ntranslation_status: reviewed\n", n.of)
	}
	b.WriteString("---\n" + strings.Repeat("This sentence makes the body long enough for a guidance file in the library. ", 25) + "\n")
	return b.String()
}

// writeTrFiles writes state s as files in dir (slugs renamed by prefix),
// removing the files of an earlier state.
func writeTrFiles(t *testing.T, dir string, s map[string]trNode, rename func(string) string) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range old {
		os.Remove(f)
	}
	for slug, n := range s {
		if n.of != "" {
			n.of = rename(n.of)
		}
		if err := os.WriteFile(filepath.Join(dir, rename(slug)+".md"), []byte(trFile(rename(slug), n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// trEdit updates resource id (latest revision rev) to n and publishes it:
// the new latest revision, and the refusal's code and field ("" when
// published).
func trEdit(t *testing.T, e *editorialHub, id string, rev int, n trNode) (int, string, string) {
	t.Helper()
	in := map[string]any{"language": n.lang, "translationOf": n.of, "translationStatus": ""}
	if n.of != "" {
		in["translationStatus"] = "reviewed"
	}
	r := authed(t, e.url, e.editor, trUpdateQ, map[string]any{"id": id, "rev": rev, "in": in})
	if len(r.Errors) > 0 {
		code, _ := r.Errors[0].Extensions["code"].(string)
		field, _ := r.Errors[0].Extensions["field"].(string)
		return rev, code, field
	}
	rev = int(path(r.Data, "updateResource", "resource", "editorial", "latestRevision").(float64))
	p := authed(t, e.url, e.editor, trPublishQ, map[string]any{"id": id})
	if len(p.Errors) > 0 {
		code, _ := p.Errors[0].Extensions["code"].(string)
		field, _ := p.Errors[0].Extensions["field"].(string)
		if code == "" {
			t.Fatalf("publish refused without a code: %v", p.Errors)
		}
		return rev, code, field
	}
	return rev, "", ""
}

// trCreate creates and publishes an original in lang: its id and revision.
func trCreate(t *testing.T, e *editorialHub, slug, lang string) (string, int) {
	t.Helper()
	d := newDraft(slug, "Translation case "+slug)
	d["in"].(map[string]any)["content"].(map[string]any)["language"] = lang
	r := authed(t, e.url, e.editor, createQ, d)
	if len(r.Errors) > 0 {
		t.Fatalf("create %s: %v", slug, r.Errors)
	}
	id := path(r.Data, "createResource", "resource", "id").(string)
	if p := authed(t, e.url, e.editor, trPublishQ, map[string]any{"id": id}); len(p.Errors) > 0 {
		t.Fatalf("publish %s: %v", slug, p.Errors)
	}
	return id, 1
}

// TestTranslationRulesFromBothSides is breaker7 F6's reproduction: each
// step is refused with INVALID_ARGUMENT naming the field, and nothing is
// published; the files of the cycle fail lint and import, each naming the
// other file.
func TestTranslationRulesFromBothSides(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	a, arev := trCreate(t, e, "b7-c-a", "en")
	b, brev := trCreate(t, e, "b7-c-b", "de")
	brev, code, field := trEdit(t, e, b, brev, trNode{lang: "fr", of: "b7-c-a"})
	if code != "" {
		t.Fatalf("b7-c-b as a French translation of b7-c-a: %s %s", code, field)
	}
	// The original takes its published translation's language.
	arev, code, field = trEdit(t, e, a, arev, trNode{lang: "fr"})
	if code != "INVALID_ARGUMENT" || field != "input.language" {
		t.Errorf("original republished in its translation's language: %q %q, want INVALID_ARGUMENT input.language", code, field)
	}
	// The original becomes a translation of its translation (a cycle).
	arev, code, field = trEdit(t, e, a, arev, trNode{lang: "de", of: "b7-c-b"})
	if code != "INVALID_ARGUMENT" || field != "input.translationOf" {
		t.Errorf("original made a translation of its translation: %q %q, want INVALID_ARGUMENT input.translationOf", code, field)
	}
	// A third resource translating the translation (a chain).
	c, crev := trCreate(t, e, "b7-c-c", "es")
	_, code, field = trEdit(t, e, c, crev, trNode{lang: "es", of: "b7-c-b"})
	if code != "INVALID_ARGUMENT" || field != "input.translationOf" {
		t.Errorf("translation of a translation: %q %q, want INVALID_ARGUMENT input.translationOf", code, field)
	}
	// The original with a translation becomes a translation of another.
	_, code, field = trEdit(t, e, a, arev, trNode{lang: "de", of: "b7-c-c"})
	if code != "INVALID_ARGUMENT" || field != "input.translationOf" {
		t.Errorf("original with a translation made a translation: %q %q, want INVALID_ARGUMENT input.translationOf", code, field)
	}
	if bad := translationBreaches(t, db); len(bad) > 0 {
		t.Errorf("published breaches: %v", bad)
	}
	var lang string
	db.Pool().QueryRow(context.Background(), `SELECT v.language FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.slug = 'b7-c-a'`).Scan(&lang)
	if lang != "en" {
		t.Errorf("b7-c-a is live in %q, want en (every change refused)", lang)
	}

	// Files: cyc-a.md translates cyc-b, cyc-b.md translates cyc-a.
	dir := t.TempDir()
	cyc := map[string]trNode{"a": {lang: "de", of: "b"}, "b": {lang: "fr", of: "a"}}
	writeTrFiles(t, dir, cyc, func(s string) string { return "cyc-" + s })
	lint, err := ingest.LintDir(dir, time.Now(), ingest.SourceLists{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Import(context.Background(), db, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for door, errs := range map[string][]*ingest.FileError{"lint": lint.Errors, "import": rep.Errors} {
		named := map[string]bool{}
		for _, fe := range errs {
			if fe.Field == "translation_of" && strings.Contains(fe.Message, "itself a translation") {
				other := "cyc-b.md"
				if filepath.Base(fe.Path) == "cyc-b.md" {
					other = "cyc-a.md"
				}
				if strings.Contains(fe.Message, other) {
					named[filepath.Base(fe.Path)] = true
				}
			}
		}
		if !named["cyc-a.md"] || !named["cyc-b.md"] {
			t.Errorf("%s: want a translation_of error on each file naming the other, got %v", door, errs)
		}
	}
	var n int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM resources WHERE slug LIKE 'cyc-%' AND status = 'PUBLISHED'`).Scan(&n)
	if n != 0 {
		t.Errorf("import published %d of the cycle's files", n)
	}
}

// TestTranslationRulesGenerated: random edits of small states (four
// resources, three languages, translationOf edges) go through both doors:
// updateResource + publishResource, and the files of the state the edit
// makes through lint and import. Each door must accept exactly the states
// the Go oracle (trValid) accepts, the API's refusals are INVALID_ARGUMENT
// naming input.language or input.translationOf, what the API publishes is
// the oracle's state, and after every step the SQL oracle finds no
// published breach.
func TestTranslationRulesGenerated(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 6))
	langs := []string{"en", "fr", "de"}
	slugs := []string{"f6g-0", "f6g-1", "f6g-2", "f6g-3"}
	state := map[string]trNode{}
	ids, revs := map[string]string{}, map[string]int{}
	for _, s := range slugs {
		state[s] = trNode{lang: langs[rng.IntN(len(langs))]}
		ids[s], revs[s] = trCreate(t, e, s, state[s].lang)
	}
	lintDir, importDir := t.TempDir(), t.TempDir()
	toImport := func(s string) string { return "f6i" + strings.TrimPrefix(s, "f6g") }
	accepted, refused := 0, 0
	for step := 0; step < 30; step++ {
		x := slugs[rng.IntN(len(slugs))]
		n := trNode{lang: langs[rng.IntN(len(langs))]}
		if rng.IntN(3) > 0 {
			n.of = slugs[rng.IntN(len(slugs))]
		}
		next := map[string]trNode{}
		for k, v := range state {
			next[k] = v
		}
		next[x] = n
		want := trValid(next)

		// The API.
		var code, field string
		revs[x], code, field = trEdit(t, e, ids[x], revs[x], n)
		if got := code == ""; got != want {
			t.Errorf("step %d: %s -> %+v from %v: API accepted %v (%s %s), oracle %v", step, x, n, state, got, code, field, want)
		} else if !want && (code != "INVALID_ARGUMENT" || (field != "input.language" && field != "input.translationOf")) {
			t.Errorf("step %d: %s -> %+v: refused with %s %q, want INVALID_ARGUMENT naming input.language or input.translationOf", step, x, n, code, field)
		}
		if code == "" {
			state = next
			accepted++
		} else {
			refused++
		}

		// The files: lint and import of the whole next state.
		writeTrFiles(t, lintDir, next, func(s string) string { return s })
		lint, err := ingest.LintDir(lintDir, time.Now(), ingest.SourceLists{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(lint.Errors) == 0; got != want {
			t.Errorf("step %d: files of %v: lint accepted %v (%v), oracle %v", step, next, got, lint.Errors, want)
		}
		writeTrFiles(t, importDir, next, toImport)
		rep, err := ingest.Import(context.Background(), db, importDir, false)
		if err != nil {
			t.Fatalf("step %d: import of %v: %v", step, next, err)
		}
		if got := len(rep.Errors) == 0; got != want {
			t.Errorf("step %d: files of %v: import accepted %v (%v), oracle %v", step, next, got, rep.Errors, want)
		}

		if bad := translationBreaches(t, db); len(bad) > 0 {
			t.Fatalf("step %d: published breaches %v", step, bad)
		}
		for _, s := range slugs {
			var lang, of string
			db.Pool().QueryRow(context.Background(), `SELECT v.language, coalesce(v.translation_of, '') FROM resources r
				JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.slug = $1`, s).Scan(&lang, &of)
			if got := (trNode{lang: lang, of: of}); got != state[s] {
				t.Errorf("step %d: %s is live as %+v, want %+v", step, s, got, state[s])
			}
		}
	}
	t.Logf("%d edits published, %d refused", accepted, refused)
	if accepted == 0 || refused == 0 {
		t.Errorf("the generator made %d accepted and %d refused edits: it must make both", accepted, refused)
	}
}

// TestTranslationRulesUnderRaces: two editors publish at once (A becomes a
// translation of B while B becomes one of A; an original changes language
// while a translation in that language is published). At most one of each
// pair may be published, and the SQL oracle finds no breach.
func TestTranslationRulesUnderRaces(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	for round := 0; round < 8; round++ {
		a, arev := trCreate(t, e, fmt.Sprintf("f6r-a-%d", round), "en")
		b, brev := trCreate(t, e, fmt.Sprintf("f6r-b-%d", round), "fr")
		var an, bn trNode
		if round%2 == 0 {
			// A cycle.
			an = trNode{lang: "de", of: fmt.Sprintf("f6r-b-%d", round)}
			bn = trNode{lang: "es", of: fmt.Sprintf("f6r-a-%d", round)}
		} else {
			// The original A changes to French while B becomes its
			// French translation.
			an = trNode{lang: "fr"}
			bn = trNode{lang: "fr", of: fmt.Sprintf("f6r-a-%d", round)}
		}
		for _, c := range []struct {
			id  string
			rev int
			n   trNode
		}{{a, arev, an}, {b, brev, bn}} {
			in := map[string]any{"language": c.n.lang, "translationOf": c.n.of, "translationStatus": ""}
			if c.n.of != "" {
				in["translationStatus"] = "reviewed"
			}
			if r := authed(t, e.url, e.editor, trUpdateQ, map[string]any{"id": c.id, "rev": c.rev, "in": in}); len(r.Errors) > 0 {
				t.Fatalf("round %d: update: %v", round, r.Errors)
			}
		}
		var wg sync.WaitGroup
		codes := make([]string, 2)
		for i, id := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := authed(t, e.url, e.editor, trPublishQ, map[string]any{"id": id})
				if len(p.Errors) > 0 {
					codes[i], _ = p.Errors[0].Extensions["code"].(string)
					if codes[i] == "" {
						codes[i] = p.Errors[0].Message
					}
				}
			}()
		}
		wg.Wait()
		if codes[0] == "" && codes[1] == "" {
			t.Errorf("round %d: both publications went through", round)
		}
		for _, c := range codes {
			if c != "" && c != "INVALID_ARGUMENT" && c != "CONFLICT" {
				t.Errorf("round %d: refused with %q, want INVALID_ARGUMENT or CONFLICT", round, c)
			}
		}
		if bad := translationBreaches(t, db); len(bad) > 0 {
			t.Fatalf("round %d: published breaches %v", round, bad)
		}
	}
}

// TestTranslationRulesOtherDoors: the doors that do not go through the
// API's publish check. A translation scheduled while its original was in
// another language is given up when its time comes if the original has
// taken its language meanwhile (migration 018's trigger; the audit log says
// why). A file whose resource has a published translation made through the
// API cannot take that translation's language, nor become a translation.
func TestTranslationRulesOtherDoors(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()

	// Scheduled publication.
	_, _ = trCreate(t, e, "f6s-orig", "en")
	s, srev := trCreate(t, e, "f6s-trans", "de")
	in := map[string]any{"language": "fr", "translationOf": "f6s-orig", "translationStatus": "reviewed"}
	if r := authed(t, e.url, e.editor, trUpdateQ, map[string]any{"id": s, "rev": srev, "in": in}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	at := time.Now().Add(2 * time.Second).UTC()
	r := authed(t, e.url, e.editor, `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { status } } }`,
		map[string]any{"id": s, "at": at.Format(time.RFC3339Nano)})
	if len(r.Errors) > 0 {
		t.Fatalf("scheduling: %v", r.Errors)
	}
	o := authed(t, e.url, e.editor, `{ resource(slug: "f6s-orig") { id editorial { latestRevision } } }`, nil)
	oid := path(o.Data, "resource", "id").(string)
	orev := int(path(o.Data, "resource", "editorial", "latestRevision").(float64))
	if _, code, field := trEdit(t, e, oid, orev, trNode{lang: "fr"}); code != "" {
		t.Fatalf("the original's change of language, with its translation only scheduled: %s %s", code, field)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		db.Pool().QueryRow(ctx, `SELECT count(*) FROM scheduled_publications p JOIN resources r ON r.id = p.resource_id WHERE r.slug = 'f6s-trans'`).Scan(&n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the schedule was neither carried out nor given up")
		}
		time.Sleep(200 * time.Millisecond)
	}
	var lang string
	db.Pool().QueryRow(ctx, `SELECT v.language FROM resources r JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision WHERE r.slug = 'f6s-trans'`).Scan(&lang)
	if lang == "fr" {
		t.Errorf("the scheduled French translation of a French original went live")
	}
	a := authed(t, e.url, e.admin, `{ auditLog(first: 5) { action } }`, nil)
	if !strings.Contains(mustJSON(a.Data), "publish (scheduled) refused") {
		t.Errorf("audit log does not record the refusal: %v", a.Data)
	}

	// A file resource and an API translation of it.
	dir := t.TempDir()
	write := func(n trNode) {
		if err := os.WriteFile(filepath.Join(dir, "f6-file.md"), []byte(trFile("f6-file", n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(trNode{lang: "en"})
	if rep, err := ingest.Import(ctx, db, dir, false); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %v", err, rep)
	}
	x, xrev := trCreate(t, e, "f6-api-trans", "de")
	if _, code, field := trEdit(t, e, x, xrev, trNode{lang: "fr", of: "f6-file"}); code != "" {
		t.Fatalf("API translation of a file resource: %s %s", code, field)
	}
	_, _ = trCreate(t, e, "f6-other", "es")
	for _, c := range []struct {
		n     trNode
		field string
	}{{trNode{lang: "fr"}, "language"}, {trNode{lang: "de", of: "f6-other"}, "translation_of"}} {
		write(c.n)
		rep, err := ingest.Import(ctx, db, dir, false)
		if err != nil {
			t.Fatalf("import of %+v: %v", c.n, err)
		}
		if len(rep.Errors) != 1 || rep.Errors[0].Field != c.field || !strings.Contains(rep.Errors[0].Message, "f6-api-trans") {
			t.Errorf("import of %+v: errors %v, want one on %s naming f6-api-trans", c.n, rep.Errors, c.field)
		}
	}
	if bad := translationBreaches(t, db); len(bad) > 0 {
		t.Errorf("published breaches: %v", bad)
	}
}
