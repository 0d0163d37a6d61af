package postgres_test

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestMarkReviewedKeepsTheFilesRule is breaker5 F17: markReviewed took a
// last review dated 0001-01-01 for a resource published in 2025, which
// the importer refuses in a file ("last_reviewed: … is before published").
// The example, then 60 generated review dates around the publication
// date and today: markReviewed accepts exactly what the files' rules
// (content.Draft.Check with Library, the oracle) accept for the same
// dates, refuses with EINVALID on lastReviewedAt or nextReviewDue, and a
// refusal leaves the resource as it was. (A review dated after today is
// refused before the store, by the service: content.CheckReviewDate; the
// oracle is asked as if today were far ahead.)
func TestMarkReviewedKeepsTheFilesRule(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	d := draft("reviewed")
	d.PublishedAt, d.LastReviewedAt = date("2025-03-10"), nil
	r := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, r.ID, nil))
	live := must[*content.Resource](t)(db.EditorResourceByID(ctx, r.ID))
	pub := *live.PublishedAt

	if _, err := db.MarkReviewed(ctx, editor, r.ID, *date("0001-01-01"), *date("9999-12-31")); content.ErrorCode(err) != content.EINVALID {
		t.Fatalf("review in year 1: %v, want EINVALID", err)
	}
	rng := rand.New(rand.NewSource(17))
	now := time.Now()
	for i := 0; i < 60; i++ {
		last := pub.AddDate(0, 0, rng.Intn(1200)-400)
		if i%10 == 0 {
			last = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, rng.Intn(5)-2)
		}
		next := last.AddDate(0, 0, rng.Intn(800)-30)
		oracle := d
		oracle.PublishedAt = &pub
		oracle.LastReviewedAt, oracle.NextReviewDue = &last, &next
		want := ""
		for _, e := range oracle.Check(content.Rules{Library: true, Publish: true, Now: time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)}) {
			if e.Field == "lastReviewedAt" || e.Field == "nextReviewDue" {
				want = e.Field
				break
			}
		}
		before := must[*content.Resource](t)(db.EditorResourceByID(ctx, r.ID))
		_, err := db.MarkReviewed(ctx, editor, r.ID, last, next)
		var got string
		if err != nil {
			e, ok := err.(*content.Error)
			if !ok || e.Code != content.EINVALID {
				t.Fatalf("%s / %s: %#v, want EINVALID", last.Format("2006-01-02"), next.Format("2006-01-02"), err)
			}
			got = e.Field
			after := must[*content.Resource](t)(db.EditorResourceByID(ctx, r.ID))
			if !after.LastReviewedAt.Equal(*before.LastReviewedAt) {
				t.Errorf("a refused review changed the resource")
			}
		}
		if (got == "") != (want == "") {
			t.Errorf("last %s next %s (published %s): API refused %q, the files' rule %q", last.Format("2006-01-02"), next.Format("2006-01-02"),
				pub.Format("2006-01-02"), got, want)
		}
	}
}
