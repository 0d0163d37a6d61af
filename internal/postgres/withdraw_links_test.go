package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestWithdrawingAnOriginalWithLiveTranslations is breaker5 F16 through
// the API: withdrawing an original while its translation is published is
// refused (ECONFLICT naming the translation) and changes nothing; once
// the translation is withdrawn, the original may go.
func TestWithdrawingAnOriginalWithLiveTranslations(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	orig := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft("b5-orig")))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, orig.ID, nil))
	d := draft("b5-orig-ar")
	d.Language, d.TranslationOf, d.TranslationStatus = "ar", "b5-orig", "needs review"
	tr := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, tr.ID, nil))

	_, err := db.WithdrawResource(ctx, editor, orig.ID, "rules changed")
	if e, ok := err.(*content.Error); !ok || e.Code != content.ECONFLICT || !strings.Contains(e.Message, "(b5-orig-ar)") {
		t.Fatalf("withdrawing the original: %v, want ECONFLICT naming b5-orig-ar", err)
	}
	if r, _ := db.EditorResourceByID(ctx, orig.ID); r.Status != content.StatusPublished {
		t.Errorf("refused withdrawal left %s", r.Status)
	}
	must[*content.Resource](t)(db.WithdrawResource(ctx, editor, tr.ID, "rules changed"))
	must[*content.Resource](t)(db.WithdrawResource(ctx, editor, orig.ID, "rules changed"))
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
}

// TestWithdrawalsNeverLeaveDanglingLinks is the class, generated: 30
// resources published through the API, each relating to, linking in its
// body to or translating earlier ones; 60 random withdrawals. A withdrawal
// succeeds exactly when no other published resource links to the
// resource (the oracle: the links in PostgreSQL before it), and after
// every step no published resource links to what the public cannot see.
func TestWithdrawalsNeverLeaveDanglingLinks(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	r := rand.New(rand.NewSource(5))
	var ids []int64
	var slugs []string
	links := map[string]map[string]bool{} // from → to
	for i := 0; i < 30; i++ {
		d := draft(fmt.Sprintf("wd-%02d", i))
		links[d.Slug] = map[string]bool{}
		if i > 0 {
			switch to := slugs[r.Intn(i)]; r.Intn(4) {
			case 0:
				d.Related = []string{to}
			case 1:
				d.Body += " see [it](/resources/" + to + ")."
			case 2:
				d.Language, d.TranslationOf, d.TranslationStatus = "fr", to, "draft translation"
				if links[to]["lang:fr"] {
					d.Language, d.TranslationOf, d.TranslationStatus = "en", "", ""
					d.Related = []string{to}
				}
			}
			for _, to := range append(append([]string{}, d.Related...), d.TranslationOf) {
				if to != "" {
					links[d.Slug][to] = true
				}
			}
			if strings.Contains(d.Body, "/resources/") {
				links[d.Slug][d.Body[strings.Index(d.Body, "/resources/")+11:len(d.Body)-2]] = true
			}
		}
		if d.Language == "fr" {
			links[d.Slug]["lang:fr"] = true
		}
		res := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
		must[*content.Resource](t)(db.PublishResource(ctx, editor, res.ID, nil))
		ids, slugs = append(ids, res.ID), append(slugs, d.Slug)
	}
	live := map[string]bool{}
	for _, s := range slugs {
		live[s] = true
	}
	for step := 0; step < 60; step++ {
		k := r.Intn(len(ids))
		if !live[slugs[k]] {
			continue
		}
		var by []string
		for from := range links {
			if live[from] && from != slugs[k] && links[from][slugs[k]] {
				by = append(by, from)
			}
		}
		_, err := db.WithdrawResource(ctx, editor, ids[k], "gone")
		if (err == nil) != (len(by) == 0) {
			t.Fatalf("step %d: withdrawing %s (linked from %v): %v", step, slugs[k], by, err)
		}
		if err == nil {
			live[slugs[k]] = false
		} else if e, ok := err.(*content.Error); !ok || e.Code != content.ECONFLICT {
			t.Fatalf("step %d: %#v, want ECONFLICT", step, err)
		}
		if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
			t.Fatalf("step %d: dangling %v", step, d)
		}
	}
}

// TestEveryLinkFormHoldsAWithdrawal is breaker7 F1 through the API: a body
// linking to a resource in any form its page renders as a link (a
// reference definition, a title, <...>, #fragment, ?query, a trailing
// slash, an image) keeps the resource from being withdrawn (ECONFLICT from
// the trigger, nothing changed) and keeps a draft linking to a missing
// resource from being published; DanglingLinks (the rendered page's links)
// stays empty. PostgreSQL's pattern is Go's.
func TestEveryLinkFormHoldsAWithdrawal(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	var pat string
	if err := db.Pool().QueryRow(ctx, `SELECT resource_link_pattern()`).Scan(&pat); err != nil || pat != content.ResourceLinkPattern {
		t.Fatalf("PostgreSQL's pattern %q (%v), Go's %q", pat, err, content.ResourceLinkPattern)
	}
	forms := []string{
		"Read [the target][r].\n\n[r]: /resources/%s",
		"Read [the target](/resources/%s \"Guide\").",
		"Read [the target](</resources/%s>).",
		"Read [the target](/resources/%s#top).",
		"Read [the target](/resources/%s?x=1).",
		"Read [the target](/resources/%s/).",
		"See ![a chart](/resources/%s).",
	}
	for i, form := range forms {
		target := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft(fmt.Sprintf("f1-target-%d", i))))
		must[*content.Resource](t)(db.PublishResource(ctx, editor, target.ID, nil))
		d := draft(fmt.Sprintf("f1-linker-%d", i))
		d.Body = fmt.Sprintf(form, target.Slug)
		if got := testdb.RenderedResourceLinks(d.Body); !slices.Equal(got, []string{target.Slug}) {
			t.Fatalf("form %d: the page links %v", i, got)
		}
		linker := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
		must[*content.Resource](t)(db.PublishResource(ctx, editor, linker.ID, nil))
		_, err := db.WithdrawResource(ctx, editor, target.ID, "gone")
		if e, ok := err.(*content.Error); !ok || e.Code != content.ECONFLICT || !strings.Contains(e.Message, linker.Slug) {
			t.Fatalf("form %d %q: withdrawing the target: %v, want ECONFLICT naming %s", i, d.Body, err, linker.Slug)
		}
		if r, _ := db.EditorResourceByID(ctx, target.ID); r.Status != content.StatusPublished {
			t.Fatalf("form %d: a refused withdrawal left %s", i, r.Status)
		}
		dead := draft(fmt.Sprintf("f1-dead-%d", i))
		dead.Body = fmt.Sprintf(form, "f1-no-such-resource")
		r := must[*content.Resource](t)(db.CreateResource(ctx, editor, dead))
		if _, err := db.PublishResource(ctx, editor, r.ID, nil); err == nil {
			t.Fatalf("form %d: a link to a missing resource was published", i)
		}
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
}

// TestListsAreSetsOnEveryDoor is breaker7 F11: topics, audiences, nations
// and related slugs given with repeats through the API (create and update)
// are stored as sets, in the order of their first occurrence, as the
// import stores them; and the topic counts (the home page's, /topics')
// equal the number of published resources a topic filter lists, the
// oracle, for generated resources.
func TestListsAreSetsOnEveryDoor(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	rng := rand.New(rand.NewSource(11))
	pick := func(from []string) []string {
		out := make([]string, 1+rng.Intn(12))
		for i := range out {
			out[i] = from[rng.Intn(len(from))]
		}
		return out
	}
	var topics []string
	for _, tp := range content.Topics {
		topics = append(topics, tp.Slug)
	}
	isSet := func(what string, in, stored []string) {
		t.Helper()
		first := map[string]int{}
		for i, v := range in {
			if _, ok := first[v]; !ok {
				first[v] = i
			}
		}
		if len(stored) != len(first) {
			t.Fatalf("%s: stored %v for %v", what, stored, in)
		}
		for i, v := range stored {
			if _, ok := first[v]; !ok || (i > 0 && first[stored[i-1]] > first[v]) {
				t.Fatalf("%s: stored %v for %v", what, stored, in)
			}
		}
	}
	var slugs []string
	for i := 0; i < 12; i++ {
		d := draft(fmt.Sprintf("f11-%02d", i))
		d.Topics, d.Audiences, d.Nations = pick(topics), pick(content.Audiences), pick(content.Nations)
		if len(slugs) > 0 {
			d.Related = pick(slugs)
		}
		r := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
		if i%2 == 1 {
			in := pick(topics)
			r = must[*content.Resource](t)(db.UpdateResource(ctx, editor, r.ID, 1, content.ResourceEdit{Topics: in}))
			d.Topics = in
		}
		must[*content.Resource](t)(db.PublishResource(ctx, editor, r.ID, nil))
		got, err := db.EditorResourceByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		isSet("topics", d.Topics, got.Topics)
		isSet("audiences", d.Audiences, got.Audiences)
		isSet("nations", d.Nations, got.Nations)
		isSet("related", d.Related, got.Related)
		slugs = append(slugs, d.Slug)
	}
	counts, err := db.TopicCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		page, err := db.ListResources(ctx, content.ListQuery{Filter: content.Filter{Topics: []string{tp}}, Order: content.DefaultOrder, First: 1})
		if err != nil {
			t.Fatal(err)
		}
		if counts[tp] != page.TotalCount {
			t.Errorf("topic %s: counted %d, its list has %d", tp, counts[tp], page.TotalCount)
		}
	}
}
