package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

var cardEditor = &content.Principal{Name: "card test", Role: content.RoleEditor}

// TestCardColumnsFollowThePublishedRevision runs generated sequences of
// every kind of write (imports of new, edited, draft and pruned files;
// create, update, publish, withdraw, restore and review through the
// editorial methods; a published revision edited in place by raw SQL) and
// after each step checks (1) every resource's card columns against its
// published revision (the oracle: the join they replace), and (2) generated
// lists (orders, directions, filters on kinds, dates and language, page
// sizes, paged to the end through cursors, with and without a count) read
// through the card columns against the same lists joining revisions.
func TestCardColumnsFollowThePublishedRevision(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))

	kinds := []content.Kind{content.KindGuidance, content.KindResearchBrief, content.KindPolicyPosition}
	topics := []string{"gp-registration", "charging", "maternity", "urgent-care"}
	languages := []string{"en", "ar", "cy"}
	dates := []string{"2024-03-01", "2024-11-30", "2025-01-01", "2025-06-15"}
	pick := func(xs []string) string { return xs[rng.Intn(len(xs))] }
	title := func(slug string) string {
		return pick([]string{"Title of ", "A title for ", "Zebra ", "apple "}) + slug + pick([]string{"", " \"quoted\"", " – é"})
	}
	fileFor := func(i int) content.FileImport {
		slug := fmt.Sprintf("file-%d", i)
		f := file(fmt.Sprintf("/lib/%d.md", i), slug, kinds[i%3], pick(dates), pick(topics))
		if rng.Intn(2) == 0 {
			f.Draft.Topics = uniq(append(f.Draft.Topics, "charging"))
		}
		f.Draft.Title, f.Draft.Summary, f.Draft.Language = title(slug), "Summary "+pick(topics), pick(languages)
		if kinds[i%3] == content.KindResearchBrief {
			n := 10
			f.Draft.Details = content.Details{Methods: "survey", SampleSize: &n, KeyFindings: []string{"a finding"}}
		}
		if kinds[i%3] == content.KindPolicyPosition {
			f.Draft.Details = content.Details{Recommendations: []string{"do this"}, Rationale: "because"}
		}
		if rng.Intn(5) == 0 {
			f.Status = content.StatusDraft
		}
		f.Hash = fmt.Sprintf("%s|%s|%s|%s|%v|%s", f.Draft.Title, f.Draft.Summary, f.Draft.Language, f.Draft.PublishedAt, f.Draft.Topics, f.Status)
		return f
	}
	var apiIDs []int64
	ids := func() []int64 {
		var out []int64
		if err := db.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM resources`).Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	latest := func(id int64) int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT latest_revision FROM resources WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := map[string]int{}
	for step := 0; step < 60; step++ {
		var what string
		switch op := rng.Intn(10); {
		case op <= 1 || step < 2:
			what = "import"
			var files []content.FileImport
			var present []string
			for i := 0; i < 10; i++ {
				if rng.Intn(3) > 0 {
					f := fileFor(i)
					files = append(files, f)
					present = append(present, f.Path)
				}
			}
			opts := content.ImportOptions{}
			if rng.Intn(3) == 0 {
				what = "import and prune"
				opts = content.ImportOptions{Prune: true, PruneDir: "/lib", Present: present, ForcePrune: true}
			}
			res, err := db.ImportFiles(ctx, files, opts)
			if err != nil {
				t.Fatalf("step %d: import: %v", step, err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("step %d: import of %s: %v", step, r.Slug, r.Err)
				}
			}
		case op == 2:
			what = "create"
			slug := fmt.Sprintf("api-%d", len(apiIDs))
			d := file("", slug, content.KindGuidance, pick(dates), pick(topics)).Draft
			d.Title, d.Language = title(slug), pick(languages)
			if rng.Intn(3) == 0 {
				d.PublishedAt = nil // publish fills it in with today
			}
			r, err := db.CreateResource(ctx, cardEditor, d)
			if err != nil {
				t.Fatalf("step %d: create: %v", step, err)
			}
			apiIDs = append(apiIDs, r.ID)
		case op == 3 && len(apiIDs) > 0:
			what = "update"
			id := apiIDs[rng.Intn(len(apiIDs))]
			ti, su, la := title("edited"), "Edited summary "+pick(topics), pick(languages)
			pub := date(pick(dates))
			_, err := db.UpdateResource(ctx, cardEditor, id, latest(id), content.ResourceEdit{Title: &ti, Summary: &su, Language: &la,
				Topics: []string{pick(topics)}, PublishedAt: pub})
			if err != nil {
				t.Fatalf("step %d: update: %v", step, err)
			}
		case (op == 4 || op == 8) && len(apiIDs) > 0:
			what = "publish"
			db.PublishResource(ctx, cardEditor, apiIDs[rng.Intn(len(apiIDs))], nil) // CONFLICT when nothing is new
		case op == 5:
			what = "withdraw"
			all := ids()
			if len(all) > 0 {
				db.WithdrawResource(ctx, cardEditor, all[rng.Intn(len(all))], "superseded") // CONFLICT unless published
			}
		case op == 6 && len(apiIDs) > 0:
			what = "restore"
			id := apiIDs[rng.Intn(len(apiIDs))]
			if _, err := db.RestoreRevision(ctx, cardEditor, id, 1+rng.Intn(latest(id))); err != nil {
				t.Fatalf("step %d: restore: %v", step, err)
			}
		case op == 7:
			what = "mark reviewed"
			all := ids()
			if len(all) > 0 {
				db.MarkReviewed(ctx, cardEditor, all[rng.Intn(len(all))], time.Now().AddDate(0, 0, -1), time.Now().AddDate(1, 0, 0))
			}
		default:
			what = "raw SQL edit of a published revision"
			if _, err := db.Pool().Exec(ctx, `UPDATE revisions v SET title = v.title || ' (raw)', topics = array_append(v.topics, 'raw'),
				published_at = v.published_at + 1 FROM (SELECT id, published_revision FROM resources WHERE published_revision IS NOT NULL
				ORDER BY random() LIMIT 1) r WHERE v.resource_id = r.id AND v.revision = r.published_revision`); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		steps[what]++
		checkCards(t, db, fmt.Sprintf("step %d (%s)", step, what))
		for i := 0; i < 4; i++ {
			q := content.ListQuery{
				Order: []content.Order{content.DefaultOrder, {Field: content.OrderPublishedAt, Direction: content.Asc},
					{Field: content.OrderTitle, Direction: content.Asc}, {Field: content.OrderTitle, Direction: content.Desc},
					{Field: content.OrderUpdatedAt, Direction: content.Desc}}[rng.Intn(5)],
				First:   1 + rng.Intn(6),
				NoCount: rng.Intn(2) == 0,
				Omit:    content.PartBody | content.PartSources | content.PartDetails | content.PartMeta,
			}
			switch rng.Intn(5) {
			case 1:
				q.Filter.Kinds = []content.Kind{kinds[rng.Intn(3)], kinds[rng.Intn(3)]}
			case 2:
				q.Filter.Languages = []string{strings.ToUpper(pick(languages)), pick(languages)}
			case 3:
				q.Filter.PublishedAfter, q.Filter.PublishedBefore = date(pick(dates)), date(pick(dates))
			case 4:
				q.Filter.Kinds, q.Filter.Languages, q.Filter.PublishedAfter = []content.Kind{kinds[rng.Intn(3)]}, []string{pick(languages)}, date(pick(dates))
			}
			postgres.SetCardColumns(db, true)
			got := listAll(t, db, q)
			postgres.SetCardColumns(db, false)
			want := listAll(t, db, q)
			postgres.SetCardColumns(db, true)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (%s): list %+v through the card columns:\n%s\njoining revisions:\n%s", step, what, q, show(got), show(want))
			}
		}
	}
	t.Logf("steps: %v", steps)
}

// checkCards compares every resource's card columns with its published
// revision (NULL when it has none).
func checkCards(t *testing.T, db *postgres.DB, at string) {
	t.Helper()
	rows, _ := db.Pool().Query(context.Background(), `SELECT r.slug, r.published_revision, r.card_title, v.title
		FROM resources r LEFT JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
		WHERE ROW(r.card_kind, r.card_slug, r.card_title, r.card_summary, r.card_topics, r.card_language, r.card_published_at)
			IS DISTINCT FROM ROW(v.kind, v.slug, v.title, v.summary, v.topics, v.language, v.published_at)`)
	defer rows.Close()
	for rows.Next() {
		var slug string
		var rev *int
		var card, want *string
		if err := rows.Scan(&slug, &rev, &card, &want); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s: %s (published revision %v): card title %v, revision's %v", at, slug, rev, card, want)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// listPage is what a page of a list answers.
type listPage struct {
	Resources []content.Resource
	Cursors   []content.Cursor
	Total     int
	HasNext   bool
}

// listAll reads every page of q through cursors (at most 50).
func listAll(t *testing.T, db *postgres.DB, q content.ListQuery) []listPage {
	t.Helper()
	var out []listPage
	for i := 0; i < 50; i++ {
		p, err := db.ListResources(context.Background(), q)
		if err != nil {
			t.Fatalf("list %+v: %v", q, err)
		}
		lp := listPage{Cursors: p.Cursors, Total: p.TotalCount, HasNext: p.HasNext}
		for _, r := range p.Resources {
			lp.Resources = append(lp.Resources, *r)
		}
		out = append(out, lp)
		if !p.HasNext {
			return out
		}
		c := p.Cursors[len(p.Cursors)-1]
		q.After = &c
	}
	t.Fatalf("list %+v: more than 50 pages", q)
	return nil
}

func show(ps []listPage) string {
	var b strings.Builder
	for i, p := range ps {
		fmt.Fprintf(&b, "  page %d (total %d, next %v):", i, p.Total, p.HasNext)
		for _, r := range p.Resources {
			fmt.Fprintf(&b, " %s/%q/%v", r.Slug, r.Title, r.Topics)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestCardDecodingAgreesWithPgx reads generated card pages (text of every
// kind of character and length, empty and long topic lists, arrays with a
// lower bound other than 1, several dimensions or a NULL element, dates at
// pgx's limits, missing, infinite) decoded from the wire and through pgx's
// Scan: the pages, or the errors, must be the same. So must lookups by
// slug of each resource (published, withdrawn, draft; bodies empty, of
// every character, 100 KB long), and of slugs no resource has, asking
// every combination of parts.
func TestCardDecodingAgreesWithPgx(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "\t", "\n", "é", "ü", "ß", "€", "🩺", "\u2028", "<b>", "'", "{", "}", ",", "NULL"}
	text := func(max int) string {
		var b strings.Builder
		for n := rng.Intn(max + 1); n > 0; n-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	// An array literal: a generated list, or one of the shapes only pgx
	// knows what to do with.
	topics := func() string {
		switch rng.Intn(12) {
		case 0:
			return `{}`
		case 1:
			return `[0:1]={a,b}`
		case 2:
			return `{{a,b},{c,d}}`
		case 3:
			return `{a,NULL}`
		}
		var quoted []string
		for n := rng.Intn(8); n >= 0; n-- {
			s := text(12)
			quoted = append(quoted, `"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)+`"`)
		}
		return "{" + strings.Join(quoted, ",") + "}"
	}
	dates := []string{"2025-01-01", "2000-01-01", "1999-12-31", "4713-11-24 BC", "5874897-12-31", "0001-01-01", "1970-01-01"}
	var slugs []string
	lookups := map[content.Status]int{}
	defer func() {
		if !t.Failed() && (lookups[content.StatusPublished] == 0 || lookups[content.StatusWithdrawn] == 0) {
			t.Errorf("lookups found %v: the generator needs tuning", lookups)
		}
	}()
	for round := 0; round < 12; round++ {
		if _, err := db.Pool().Exec(ctx, `DELETE FROM revisions; DELETE FROM resources`); err != nil {
			t.Fatal(err)
		}
		odd := round%3 == 2 // this round has an infinite date, or none at all
		for i := 0; i < 30; i++ {
			pub := dates[rng.Intn(len(dates))]
			var pubArg any = pub
			if rng.Intn(8) == 0 {
				pubArg = nil
			}
			if odd && i == 7 {
				pubArg = []string{"infinity", "-infinity"}[rng.Intn(2)]
			}
			summary := text(20)
			if rng.Intn(10) == 0 {
				summary = strings.Repeat(text(40)+"x", 2000)
			}
			body := text(60)
			switch rng.Intn(6) {
			case 0:
				body = ""
			case 1:
				body = strings.Repeat(text(50)+"\n\n", 2000)
			}
			var id int64
			slug := fmt.Sprintf("s-%d-%s", i, text(6))
			err := db.Pool().QueryRow(ctx, `INSERT INTO resources (slug, kind, status, latest_revision) VALUES ($1, 'GUIDANCE', 'DRAFT', 1) RETURNING id`,
				slug).Scan(&id)
			if err != nil {
				t.Fatal(err)
			}
			slugs = append(slugs, slug)
			if _, err := db.Pool().Exec(ctx, `INSERT INTO revisions (resource_id, revision, kind, slug, title, summary, body, topics, language, published_at)
				SELECT id, 1, kind, slug, $2, $3, $7, $4::text[], $5, $6::date FROM resources WHERE id = $1`,
				id, text(30), summary, topics(), text(5), pubArg, body); err != nil {
				t.Fatal(err)
			}
			status := "PUBLISHED"
			switch rng.Intn(8) {
			case 0:
				status = "WITHDRAWN"
			case 1:
				status = "DRAFT"
			}
			if _, err := db.Pool().Exec(ctx, `UPDATE resources SET status = $4, published_revision = 1,
				published_at = coalesce($2::date, '2020-01-01'), title_key = lower($3),
				withdrawn_at = CASE WHEN $4 = 'WITHDRAWN' THEN now() END, withdrawn_reason = CASE WHEN $4 = 'WITHDRAWN' THEN $3 END
				WHERE id = $1`, id, pubArg, text(10), status); err != nil {
				t.Fatal(err)
			}
		}
		for _, slug := range append(slugs[len(slugs)-30:], "no-such-slug", slugs[len(slugs)-1]+"x") {
			// The two read from the wire, and two others (read by pgx on
			// both sides: whether the choice of reader is right).
			all := content.PartBody | content.PartSources | content.PartDetails | content.PartMeta
			for _, omit := range []content.Part{all, all &^ content.PartBody, content.Part(rng.Intn(int(all) + 1)), content.Part(rng.Intn(int(all) + 1))} {
				postgres.SetCardDecoding(db, false)
				want, wantErr := db.ResourceBySlugOmitting(ctx, slug, omit)
				postgres.SetCardDecoding(db, true)
				got, err := db.ResourceBySlugOmitting(ctx, slug, omit)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("round %d, %q omitting %b: error %v, pgx's %v", round, slug, omit, err, wantErr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d, %q omitting %b: decoded\n%+v\npgx's\n%+v", round, slug, omit, got, want)
				}
				if err == nil {
					lookups[got.Status]++
				}
			}
		}
		for _, order := range []content.Order{content.DefaultOrder, {Field: content.OrderTitle, Direction: content.Asc},
			{Field: content.OrderUpdatedAt, Direction: content.Desc}} {
			q := content.ListQuery{Order: order, First: 1 + rng.Intn(40), NoCount: true,
				Omit: content.PartBody | content.PartSources | content.PartDetails | content.PartMeta}
			for page := 0; page < 40; page++ {
				postgres.SetCardDecoding(db, false)
				want, wantErr := db.ListResources(ctx, q)
				postgres.SetCardDecoding(db, true)
				got, err := db.ListResources(ctx, q)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("round %d, %+v: error %v, pgx's %v", round, q, err, wantErr)
				}
				if err != nil {
					break
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d, %+v: decoded\n%s\npgx's\n%s", round, q, showPage(got), showPage(want))
				}
				if !got.HasNext {
					break
				}
				q.After = &got.Cursors[len(got.Cursors)-1]
			}
		}
	}
}

func showPage(p *content.ListPage) string {
	var b strings.Builder
	for i, r := range p.Resources {
		fmt.Fprintf(&b, "  %+v %q\n", *r, p.Cursors[i].Key)
	}
	return b.String()
}
