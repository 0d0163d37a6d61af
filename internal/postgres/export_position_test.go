package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestExportPositionHoldsWhileNothingPublicChanges: the export's change-feed
// position (its last line, so its bytes and ETag), and the next cursor of
// a reader caught up from it (a polled changes page's), stay the same across
// writes that change nothing public (transactions that take an id and
// commit, a draft created and edited: every write on the cluster moves
// the snapshot's xmin, and TestEveryGETDoorIsCacheable saw the export's
// ETag change between identical requests); after each round of them, one
// publication moves it, and the feed followed from the old position gives
// exactly that publication, nothing missed.
func TestExportPositionHoldsWhileNothingPublicChanges(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		r := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft(fmt.Sprintf("ep-%d", i))))
		must[*content.Resource](t)(db.PublishResource(ctx, editor, r.ID, nil))
	}
	export := func() content.ChangePosition {
		pos, err := db.ExportPublished(ctx, 100, nil, func([]*content.Resource) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return pos
	}
	// caughtUp is where a reader following the feed from pos stands once
	// it has every change: its next cursor.
	caughtUp := func(pos content.ChangePosition) content.ChangePosition {
		page, err := db.ChangeFeed(ctx, &pos, 100)
		if err != nil {
			t.Fatal(err)
		}
		return page.Next
	}
	for round := 0; round < 5; round++ {
		before := export()
		reader := caughtUp(before)
		for w := 0; w < 3; w++ {
			if _, err := db.Pool().Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
				t.Fatal(err)
			}
		}
		d := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft(fmt.Sprintf("ep-draft-%d", round))))
		if after := export(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("round %d: the export's position moved from %v to %v with nothing public changed", round, before, after)
		}
		if again := caughtUp(before); fmt.Sprint(again) != fmt.Sprint(reader) {
			t.Fatalf("round %d: a caught-up feed cursor moved from %v to %v with nothing public changed", round, reader, again)
		}
		must[*content.Resource](t)(db.PublishResource(ctx, editor, d.ID, nil))
		if after := export(); fmt.Sprint(after) == fmt.Sprint(before) {
			t.Fatalf("round %d: a publication did not move the export's position %v", round, before)
		}
		page, err := db.ChangeFeed(ctx, &before, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 1 || page.Events[0].Slug != d.Slug {
			t.Fatalf("round %d: the feed from the export's position gives %+v, want the publication of %s alone", round, page.Events, d.Slug)
		}
	}
}
