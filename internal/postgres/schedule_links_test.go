package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestScheduleAfterWhatItLinksTo (breaker7 F8: a translation could not be
// scheduled to go live after its original's scheduled time, so a launch
// of both needed an editor there at the first): over 6 generated rounds of
// 7 drafts (originals in English, some related to earlier originals;
// translations into German of an original), each scheduled in random order
// at a random time, a schedule is accepted exactly when everything it
// links to is already scheduled strictly before it (none is published: the
// oracle is the set accepted so far and their times); one accepted
// original then has its schedule cancelled. When every time has come (the
// schedules moved into the past in their order) and the scheduler has run:
// every accepted schedule whose targets went live is published, the
// others are refused with an audit row, no link dangles and no schedule is
// left.
func TestScheduleAfterWhatItLinksTo(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(79, 83))
	accepted, refused, published, given := 0, 0, 0, 0
	for round := 0; round < 6; round++ {
		type item struct {
			id    int64
			slug  string
			links []int // indexes of what it links to
			trans bool
			at    time.Time
			ok    bool
		}
		var items []*item
		for i := 0; i < 7; i++ {
			it := &item{slug: fmt.Sprintf("sl-%d-%d", round, i)}
			d := draft(it.slug)
			var originals []int
			for j, o := range items {
				if !o.trans {
					originals = append(originals, j)
				}
			}
			if len(originals) > 0 {
				o := originals[rng.IntN(len(originals))]
				switch rng.IntN(3) {
				case 0:
					d.Language, d.TranslationOf, d.TranslationStatus = "de", items[o].slug, "needs review"
					it.links, it.trans = []int{o}, true
				case 1:
					d.Related = []string{items[o].slug}
					it.links = []int{o}
				}
			}
			r := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
			it.id = r.ID
			it.at = time.Now().Add(time.Hour + time.Duration(rng.IntN(600))*time.Second)
			items = append(items, it)
		}
		for _, i := range rng.Perm(len(items)) {
			it := items[i]
			want := true
			for _, l := range it.links {
				want = want && items[l].ok && items[l].at.Before(it.at)
			}
			_, err := db.PublishResource(ctx, editor, it.id, &it.at)
			if (err == nil) != want {
				t.Fatalf("round %d: scheduling %s at %s (links %v): error %v, want accepted %v", round, it.slug, it.at.Format(time.TimeOnly), it.links, err, want)
			}
			if err != nil && content.ErrorCode(err) != content.EINVALID {
				t.Fatalf("round %d: %s refused with %v, want INVALID_ARGUMENT", round, it.slug, err)
			}
			it.ok = err == nil
			if it.ok {
				accepted++
			} else {
				refused++
			}
		}
		// One accepted target's schedule cancelled: what links to it must
		// not go live.
		cancelled := -1
		for i, it := range items {
			target := false
			for _, o := range items {
				for _, l := range o.links {
					target = target || (l == i && o.ok)
				}
			}
			if it.ok && target {
				must[*content.Resource](t)(db.CancelScheduledPublication(ctx, editor, it.id))
				it.ok, cancelled = false, i
				break
			}
		}
		// Every time comes, in order.
		if _, err := db.Pool().Exec(ctx, `UPDATE scheduled_publications SET publish_at = publish_at - (SELECT max(publish_at) FROM scheduled_publications) + now() - interval '1 second'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		// Live: accepted, and everything it links to live.
		live := map[int]bool{}
		for changed := true; changed; {
			changed = false
			for i, it := range items {
				if live[i] || !it.ok {
					continue
				}
				all := true
				for _, l := range it.links {
					all = all && live[l]
				}
				if all {
					live[i], changed = true, true
				}
			}
		}
		for i, it := range items {
			r, err := db.EditorResourceByID(ctx, it.id)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Status == content.StatusPublished; got != live[i] {
				t.Errorf("round %d: %s (links %v, accepted %v, cancelled target %d): published %v, want %v", round, it.slug, it.links, it.ok, cancelled, got, live[i])
			}
			if live[i] {
				published++
			} else if it.ok {
				given++
			}
		}
		if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
			t.Fatalf("round %d: dangling links %v", round, d)
		}
		var left int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM scheduled_publications`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("round %d: %d schedules left (%v)", round, left, err)
		}
	}
	t.Logf("%d schedules accepted, %d refused; %d published, %d given up when their time came", accepted, refused, published, given)
	if accepted < 10 || refused < 5 || given == 0 {
		t.Errorf("too few cases: %d accepted, %d refused, %d given up", accepted, refused, given)
	}
}
