package service_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
)

// newService imports the shipped library into a fresh database and builds
// a real index for it.
func newService(t *testing.T) (*service.Service, *postgres.DB, *search.Syncer) {
	t.Helper()
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	if rep, err := ingest.Import(ctx, db, "../../resources", true); err != nil || rep.Failed() {
		t.Fatal(err, rep.Errors)
	}
	ix, err := search.NewSyncer(db, search.Options{DataDir: t.TempDir(), Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return service.New(service.Options{Store: db, Editor: db, Index: ix}), db, ix
}

func as(role content.Role) context.Context {
	return content.WithPrincipal(context.Background(), &content.Principal{Name: "test " + string(role), Role: role})
}

// TestBrowseSearchAgreesWithList: a search with no words under each
// single-value filter finds exactly the resources that PostgreSQL lists
// under the same filter (the oracle), in count and in set.
func TestBrowseSearchAgreesWithList(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	var filters []content.Filter
	filters = append(filters, content.Filter{})
	for _, k := range content.Kinds {
		filters = append(filters, content.Filter{Kinds: []content.Kind{k}})
	}
	for _, tp := range content.Topics {
		filters = append(filters, content.Filter{Topics: []string{tp.Slug}})
	}
	for _, n := range content.Nations {
		filters = append(filters, content.Filter{Nations: []string{n}})
	}
	for _, l := range []string{"en", "ar", "cy"} {
		filters = append(filters, content.Filter{Languages: []string{l}})
	}
	for _, f := range filters {
		list, err := svc.List(ctx, content.ListQuery{Filter: f, Order: content.DefaultOrder, First: content.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Search(ctx, content.SearchQuery{Filter: f, Order: content.SearchNewest, First: content.MaxPageSize, NoFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, r := range list.Resources {
			want = append(want, r.Slug)
		}
		for _, h := range res.Hits {
			got = append(got, h.Resource.Slug)
		}
		slices.Sort(want)
		slices.Sort(got)
		if res.Total != list.TotalCount || !slices.Equal(got, want) {
			t.Errorf("filter %+v: search found %d %v, list %d %v", f, res.Total, got, list.TotalCount, want)
		}
	}
}

// TestInvalidQueriesAreRejectedOnTheDomainType: each broken rule of a
// filter, page size or order is EINVALID naming its field, whichever use
// case receives it.
func TestInvalidQueriesAreRejectedOnTheDomainType(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	day := func(s string) *time.Time { d, _ := content.ParseDate(s); return &d }
	cases := []struct {
		name  string
		f     content.Filter
		first int
		field string
	}{
		{"unknown topic", content.Filter{Topics: []string{"nope"}}, 10, "filter.topics"},
		{"bad language", content.Filter{Languages: []string{"english!"}}, 10, "filter.languages"},
		{"unknown kind", content.Filter{Kinds: []content.Kind{"ESSAY"}}, 10, "filter.kinds"},
		{"dates reversed", content.Filter{PublishedAfter: day("2024-02-01"), PublishedBefore: day("2024-01-01")}, 10, "filter.publishedAfter"},
		{"page too large", content.Filter{}, content.MaxPageSize + 1, "first"},
		{"negative page", content.Filter{}, -1, "first"},
	}
	for _, c := range cases {
		_, serr := svc.Search(ctx, content.SearchQuery{Text: "gp", Filter: c.f, Order: content.SearchRelevance, First: c.first})
		_, lerr := svc.List(ctx, content.ListQuery{Filter: c.f, Order: content.DefaultOrder, First: c.first})
		for door, err := range map[string]error{"search": serr, "list": lerr} {
			var e *content.Error
			if content.ErrorCode(err) != content.EINVALID || !asError(err, &e) || e.Field != c.field {
				t.Errorf("%s, %s: error %v, want %s on %s", c.name, door, err, content.EINVALID, c.field)
			}
		}
	}
	if _, err := svc.Search(ctx, content.SearchQuery{Order: "BEST", First: 1}); content.ErrorCode(err) != content.EINVALID {
		t.Errorf("unknown search order: %v", err)
	}
	if _, err := svc.Search(ctx, content.SearchQuery{Order: content.SearchNewest, First: 1, Filter: content.Filter{Statuses: []content.Status{content.StatusDraft}}}); content.ErrorCode(err) != content.EINVALID {
		t.Errorf("search for drafts: %v, want %s", err, content.EINVALID)
	}
	if _, err := svc.Completions(ctx, "gp", content.MaxCompletions+1); content.ErrorCode(err) != content.EINVALID {
		t.Errorf("too many completions: %v", err)
	}
}

func asError(err error, e **content.Error) bool {
	x, ok := err.(*content.Error)
	*e = x
	return ok
}

// TestRolesAndVisibility: editorial actions need the editor role; a draft
// is invisible to the public by slug, id, list and search, and visible to
// editors; publishing shows it everywhere; withdrawing keeps it answering
// lookups but removes it from lists and search.
func TestRolesAndVisibility(t *testing.T) {
	svc, _, ix := newService(t)
	anon, partner, editor := context.Background(), as(content.RolePartner), as(content.RoleEditor)
	d := content.Draft{Kind: content.KindGuidance, Slug: "service-layer-canary", Title: " Zyxwv canary ", Summary: "A canary.", Body: "Body.", Language: "en",
		Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Sources: []content.Source{{Title: "Source", URL: "https://example.org/"}}}
	if _, err := svc.CreateResource(anon, d); content.ErrorCode(err) != content.EUNAUTHORIZED {
		t.Errorf("anonymous create: %v", err)
	}
	if _, err := svc.CreateResource(partner, d); content.ErrorCode(err) != content.EFORBIDDEN {
		t.Errorf("partner create: %v", err)
	}
	if _, err := svc.List(anon, content.ListQuery{Filter: content.Filter{Statuses: []content.Status{content.StatusDraft}}, Order: content.DefaultOrder, First: 5}); content.ErrorCode(err) != content.EUNAUTHORIZED {
		t.Errorf("anonymous list of drafts: %v", err)
	}
	r, err := svc.CreateResource(editor, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Zyxwv canary" {
		t.Errorf("title %q was not trimmed", r.Title)
	}
	seen := func(ctx context.Context) (bySlug, byID, listed, found bool) {
		t.Helper()
		if err := ix.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Resource(ctx, d.Slug)
		bySlug = err == nil
		_, err = svc.ResourceByID(ctx, r.ID)
		byID = err == nil
		page, err := svc.List(ctx, content.ListQuery{Filter: content.Filter{Topics: []string{"charging"}}, Order: content.DefaultOrder, First: content.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		listed = slices.ContainsFunc(page.Resources, func(x *content.Resource) bool { return x.ID == r.ID })
		res, err := svc.Search(ctx, content.SearchQuery{Text: "zyxwv", Order: content.SearchRelevance, First: 10})
		if err != nil {
			t.Fatal(err)
		}
		found = slices.ContainsFunc(res.Hits, func(h content.Hit) bool { return h.Resource.ID == r.ID })
		return
	}
	check := func(when string, ctx context.Context, want [4]bool) {
		t.Helper()
		a, b, c, d := seen(ctx)
		if got := [4]bool{a, b, c, d}; got != want {
			t.Errorf("%s: by slug, by id, listed, found = %v, want %v", when, got, want)
		}
	}
	check("draft, anonymous", anon, [4]bool{false, false, false, false})
	check("draft, editor", editor, [4]bool{true, true, false, false})
	if _, err := svc.PublishResource(editor, r.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("published, anonymous", anon, [4]bool{true, true, true, true})
	if _, err := svc.WithdrawResource(editor, r.ID, "  superseded  "); err != nil {
		t.Fatal(err)
	}
	check("withdrawn, anonymous", anon, [4]bool{true, true, false, false})
	got, err := svc.Resource(anon, d.Slug)
	if err != nil || got.Withdrawal == nil || got.Withdrawal.Reason != "superseded" {
		t.Errorf("withdrawn lookup = %+v, %v; want its trimmed withdrawal reason", got, err)
	}
}

// TestTopicsCountPublishedResources: each topic's count is the number of
// published resources PostgreSQL lists under it.
func TestTopicsCountPublishedResources(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	ts, err := svc.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != len(content.Topics) {
		t.Fatalf("%d topics, want %d", len(ts), len(content.Topics))
	}
	for _, tc := range ts {
		page, err := svc.List(ctx, content.ListQuery{Filter: content.Filter{Topics: []string{tc.Slug}}, Order: content.DefaultOrder, First: 0})
		if err != nil {
			t.Fatal(err)
		}
		if tc.Count != page.TotalCount {
			t.Errorf("topic %s: count %d, list total %d", tc.Slug, tc.Count, page.TotalCount)
		}
	}
}

// TestSearchHitsAreWhatTheStoreLoads: a search's hits carry exactly the
// resources the store loads for their ids with the parts the caller asked
// for (the oracle), whether the service reads them or takes the ones the
// index read to highlight the page; a resource withdrawn since the index
// saw it is left out either way.
func TestSearchHitsAreWhatTheStoreLoads(t *testing.T) {
	svc, db, ix := newService(t)
	ctx, editor := context.Background(), as(content.RoleEditor)
	omits := []content.Part{0, content.PartBody, content.PartSources | content.PartDetails,
		content.PartBody | content.PartSources | content.PartDetails, content.PartBody | content.PartSources | content.PartDetails | content.PartMeta,
		content.PartDetails, content.PartMeta}
	texts := []string{"register without proof of address", "gp", "charging exemptions pregnant", "asylum", "", "يمكن", "registraton", "interpreter -gp"}
	check := func(when string) {
		t.Helper()
		for _, text := range texts {
			for _, omit := range omits {
				for _, noHighlights := range []bool{false, true} {
					q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, Omit: omit, NoHighlights: noHighlights, NoRecord: true}
					res, err := svc.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					var ids []int64
					for _, h := range res.Hits {
						ids = append(ids, h.Resource.ID)
					}
					rs, err := db.ResourcesByID(ctx, ids, omit)
					if err != nil {
						t.Fatal(err)
					}
					want := map[int64]*content.Resource{}
					for _, r := range rs {
						want[r.ID] = r
					}
					for _, h := range res.Hits {
						if w := want[h.Resource.ID]; w == nil || !w.Visible() || !reflect.DeepEqual(h.Resource, w) {
							t.Errorf("%s: %q omit %b highlights %v: hit %+v\nthe store loads %+v", when, text, omit, !noHighlights, h.Resource, w)
						}
					}
				}
			}
		}
	}
	check("as indexed")
	// Publish a resource, let the index see it, then withdraw it without
	// letting the index catch up: the index still finds it, the service
	// leaves it out.
	d := content.Draft{Kind: content.KindGuidance, Slug: "hits-canary", Title: "Zyxwv canary", Summary: "A canary.", Body: "Zyxwv body.", Language: "en",
		Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Sources: []content.Source{{Title: "Source", URL: "https://example.org/"}}}
	r, err := svc.CreateResource(editor, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishResource(editor, r.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	texts = append(texts, "zyxwv")
	check("published")
	gone := r.ID
	if _, err := svc.WithdrawResource(editor, gone, "test"); err != nil {
		t.Fatal(err)
	}
	page, err := ix.Search(ctx, content.SearchQuery{Text: "zyxwv", Order: content.SearchRelevance, First: 10})
	if err != nil || len(page.Hits) == 0 || page.Hits[0].ID != gone {
		t.Fatalf("the index caught up already (%v): the test cannot see the service drop the withdrawn hit", err)
	}
	for _, noHighlights := range []bool{false, true} {
		res, err := svc.Search(ctx, content.SearchQuery{Text: "zyxwv", Order: content.SearchRelevance, First: 10, Omit: content.PartBody | content.PartSources | content.PartDetails, NoHighlights: noHighlights})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(res.Hits, func(h content.Hit) bool { return h.Resource.ID == gone }) {
			t.Errorf("highlights %v: the withdrawn resource %d is still a hit", !noHighlights, gone)
		}
	}
	check("after a withdrawal the index has not seen")
}
