package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestResourcesByIDOmitsOnlyWhatItIsTold: for every combination of omitted
// parts, each resource (by id and by slug) equals the whole one with
// exactly those fields emptied.
func TestResourcesByIDOmitsOnlyWhatItIsTold(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	f := file("a.md", "research", content.KindResearchBrief, "2025-01-01")
	n := 12
	f.Draft.Details = content.Details{Methods: "survey", SampleSize: &n, KeyFindings: []string{"a finding"}}
	mustImport(t, db, []content.FileImport{f, file("b.md", "guide", content.KindGuidance, "2025-02-01")}, content.ImportOptions{})
	page, err := db.ListResources(ctx, content.ListQuery{Order: content.DefaultOrder, First: 10})
	if err != nil || len(page.Resources) != 2 {
		t.Fatalf("list: %v, %d resources", err, len(page.Resources))
	}
	ids := []int64{page.Resources[0].ID, page.Resources[1].ID}
	whole, err := db.ResourcesByID(ctx, ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*content.Resource{}
	for _, r := range whole {
		byID[r.ID] = r
	}
	all := content.PartBody | content.PartSources | content.PartDetails | content.PartMeta
	for omit := content.Part(0); omit <= all; omit++ {
		got, err := db.ResourcesByID(ctx, ids, omit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("omit %04b: %d resources", omit, len(got))
		}
		// ResourceBySlugOmitting reads the same columns.
		for _, id := range ids {
			r, err := db.ResourceBySlugOmitting(ctx, byID[id].Slug, omit)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		for _, r := range got {
			want := *byID[r.ID]
			if omit.Has(content.PartBody) {
				want.Body = ""
			}
			if omit.Has(content.PartSources) {
				want.Sources = nil
			}
			if omit.Has(content.PartDetails) {
				want.Details = content.Details{}
			}
			if omit.Has(content.PartMeta) {
				want.Audiences, want.Nations, want.Related = nil, nil, nil
				want.TranslationOf, want.TranslationStatus, want.Origin = "", "", ""
				want.LastReviewedAt, want.NextReviewDue, want.Withdrawal = nil, nil, nil
				want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}
			}
			if len(r.Sources) == 0 {
				r.Sources = nil
			}
			if !reflect.DeepEqual(*r, want) {
				t.Errorf("omit %04b: %s =\n%+v\nwant\n%+v", omit, r.Slug, *r, want)
			}
		}
	}
}
