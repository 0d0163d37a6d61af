package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestScheduledPublicationKeepsLaterReviews is breaker7 F14 and its class,
// generated: over resources with a live revision, random sequences of
// edits, a publication scheduled for later, reviews (markReviewed) and
// more edits; when the schedule comes due, the public sees the content of
// the revision that was scheduled (the oracle: the title the test gave
// it) with the review dates of the last review recorded (the oracle: the
// dates the test gave markReviewed), never older ones.
func TestScheduledPublicationKeepsLaterReviews(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	rng := rand.New(rand.NewSource(21))
	day := func(s string) time.Time { d, _ := time.Parse(content.DateLayout, s); return d }
	latest := func(id int64) int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT latest_revision FROM resources WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 0; i < 16; i++ {
		d := draft(fmt.Sprintf("f14-%02d", i))
		r := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
		must[*content.Resource](t)(db.PublishResource(ctx, editor, r.ID, nil))
		rev := latest(r.ID) // the latest revision the editor saw
		scheduledTitle, last, next := "", time.Time{}, time.Time{}
		for step := 0; step < 6; step++ {
			switch k := rng.Intn(4); {
			case k == 0 || (step == 0):
				title := fmt.Sprintf("Edited %d.%d", i, step)
				must[*content.Resource](t)(db.UpdateResource(ctx, editor, r.ID, rev, content.ResourceEdit{Title: &title}))
				rev = latest(r.ID)
				if scheduledTitle == "" || rng.Intn(2) == 0 {
					at := time.Now().Add(time.Hour)
					must[*content.Resource](t)(db.PublishResource(ctx, editor, r.ID, &at))
					scheduledTitle = title
				}
			case k == 1 || k == 2:
				last = day(fmt.Sprintf("2026-%02d-%02d", 1+rng.Intn(10), 1+rng.Intn(28)))
				next = last.AddDate(1, rng.Intn(6), 0)
				must[*content.Resource](t)(db.MarkReviewed(ctx, editor, r.ID, last, next))
				rev = latest(r.ID)
			default:
				title := fmt.Sprintf("Later draft %d.%d", i, step)
				must[*content.Resource](t)(db.UpdateResource(ctx, editor, r.ID, rev, content.ResourceEdit{Title: &title}))
				rev = latest(r.ID)
			}
		}
		if scheduledTitle == "" {
			continue
		}
		if _, err := db.Pool().Exec(ctx, `UPDATE scheduled_publications SET publish_at = now() - interval '1 second' WHERE resource_id = $1`, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		live, err := db.ResourceBySlug(ctx, d.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if live.Title != scheduledTitle {
			t.Fatalf("%s: live title %q, scheduled %q", d.Slug, live.Title, scheduledTitle)
		}
		if !last.IsZero() && (live.LastReviewedAt == nil || !live.LastReviewedAt.Equal(last) || live.NextReviewDue == nil || !live.NextReviewDue.Equal(next)) {
			t.Fatalf("%s: live review %v / %v, the last review recorded %s / %s", d.Slug, live.LastReviewedAt, live.NextReviewDue, last.Format(content.DateLayout), next.Format(content.DateLayout))
		}
	}
}
