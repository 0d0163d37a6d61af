package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// makeDue moves every scheduled publication into the past, so that the
// next PublishDue publishes it.
func makeDue(t *testing.T, db *postgres.DB) {
	t.Helper()
	if _, err := db.Pool().Exec(context.Background(), `UPDATE scheduled_publications SET publish_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
}

// TestScheduledTranslationOfAWithdrawnOriginal is review6 R7 (b): a
// translation scheduled while its original was published, the original
// withdrawn before the time comes (accepted: nothing published links to it
// yet). The scheduler must not then publish the translation; it gives the
// schedule up and says why in the audit log.
func TestScheduledTranslationOfAWithdrawnOriginal(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	orig := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft("r7-orig")))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, orig.ID, nil))
	d := draft("r7-orig-ar")
	d.Language, d.TranslationOf, d.TranslationStatus = "ar", "r7-orig", "needs review"
	tr := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))
	other := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft("r7-other")))
	at := time.Now().Add(time.Hour)
	must[*content.Resource](t)(db.PublishResource(ctx, editor, tr.ID, &at))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, other.ID, &at))
	must[*content.Resource](t)(db.WithdrawResource(ctx, editor, orig.ID, "rules changed"))
	makeDue(t, db)
	n, err := db.PublishDue(ctx)
	if err != nil {
		t.Fatalf("PublishDue: %v", err)
	}
	if n != 1 {
		t.Errorf("PublishDue published %d, want 1 (r7-other alone)", n)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
	if r, _ := db.EditorResourceByID(ctx, tr.ID); r.Status != content.StatusDraft {
		t.Errorf("translation is %s, want DRAFT", r.Status)
	}
	if r, _ := db.EditorResourceByID(ctx, other.ID); r.Status != content.StatusPublished {
		t.Errorf("the other scheduled resource is %s, want PUBLISHED", r.Status)
	}
	var left int
	var why string
	if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM scheduled_publications),
		coalesce((SELECT detail FROM audit_log WHERE resource_id = $1 AND action = 'publish (scheduled) refused'), '')`, tr.ID).Scan(&left, &why); err != nil {
		t.Fatal(err)
	}
	if left != 0 || why == "" {
		t.Errorf("scheduled rows left %d, audit %q: want none left and the refusal recorded", left, why)
	}
	// Run again: nothing is due any more, nothing fails.
	if n, err := db.PublishDue(ctx); n != 0 || err != nil {
		t.Errorf("second PublishDue: %d, %v", n, err)
	}
}

// TestPublishRacingAWithdrawalOfItsOriginal is review6 R7 (c): publishing a
// translation while its original is being withdrawn. Each transaction
// checks the other's row before either commits (the publisher is held at
// its commit while the withdrawal runs): under READ COMMITTED each saw the
// other's old state and both committed. Now the publisher's share lock on
// the original makes the withdrawal wait and then see the translation.
func TestPublishRacingAWithdrawalOfItsOriginal(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	orig := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft("r7c-orig")))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, orig.ID, nil))
	d := draft("r7c-orig-fr")
	d.Language, d.TranslationOf, d.TranslationStatus = "fr", "r7c-orig", "needs review"
	tr := must[*content.Resource](t)(db.CreateResource(ctx, editor, d))

	withdrawn := make(chan error, 1)
	var once sync.Once
	postgres.SetCommitHooks(db, func(uint32) {
		once.Do(func() {
			go func() {
				_, err := db.WithdrawResource(ctx, editor, orig.ID, "rules changed")
				withdrawn <- err
			}()
			// Hold the publisher's commit until the withdrawal is done, or
			// for half a second if it waits for this transaction.
			select {
			case err := <-withdrawn:
				withdrawn <- err
			case <-time.After(500 * time.Millisecond):
			}
		})
	}, nil)
	_, perr := db.PublishResource(ctx, editor, tr.ID, nil)
	werr := <-withdrawn
	postgres.SetCommitHooks(db, nil, nil)
	if perr != nil {
		t.Errorf("publishing the translation: %v", perr)
	}
	if e, ok := werr.(*content.Error); !ok || e.Code != content.ECONFLICT {
		t.Errorf("withdrawing the original while its translation was being published: %v, want ECONFLICT", werr)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
}

// TestPublishWithdrawScheduleNeverLeaveDanglingLinks is R7's class,
// generated: twelve resources linking to each other (related, a body link,
// translationOf), four editors at once publishing, scheduling, withdrawing
// and relinking them at random while the scheduler publishes what is due,
// each commit delayed by up to 3 ms to widen the races. Whatever any door
// accepts, PostgreSQL (testdb.DanglingLinks) must then hold no published
// link to a resource the public cannot see; refusals must be coded
// (EINVALID, ECONFLICT), never internal errors.
func TestPublishWithdrawScheduleNeverLeaveDanglingLinks(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { raceLinks(t, seed) })
	}
}

func raceLinks(t *testing.T, seed int64) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	r := rand.New(rand.NewSource(seed))
	const n = 12
	langs := []string{"fr", "de", "es", "it", "pt", "ro", "pl", "ar", "fa", "ur", "so", "ti"}
	slugs := make([]string, n)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("race%d-%02d", seed, i)
	}
	ids := make([]int64, n)
	link := func(i int, d *content.Draft, to int) {
		switch r.Intn(3) {
		case 0:
			d.Related = []string{slugs[to]}
		case 1:
			d.Body = "Body of " + d.Slug + ", see [it](/resources/" + slugs[to] + ")."
		case 2:
			d.Language, d.TranslationOf, d.TranslationStatus = langs[i], slugs[to], "needs review"
		}
	}
	other := func(i int) int { return (i + 1 + r.Intn(n-1)) % n }
	// Resources 0-3 link to nothing and start published; the others link
	// to one of them, or to any other (perhaps a draft).
	for i := range slugs {
		d := draft(slugs[i])
		if i >= 4 {
			if r.Intn(2) == 0 {
				link(i, &d, r.Intn(4))
			} else {
				link(i, &d, other(i))
			}
		}
		ids[i] = must[*content.Resource](t)(db.CreateResource(ctx, editor, d)).ID
		if i < 4 {
			must[*content.Resource](t)(db.PublishResource(ctx, editor, ids[i], nil))
		}
	}
	var mu sync.Mutex // guards r
	pick := func() (int, int, int) {
		mu.Lock()
		defer mu.Unlock()
		i := r.Intn(n)
		return r.Intn(10), i, other(i)
	}
	postgres.SetCommitHooks(db, func(uint32) {
		mu.Lock()
		d := time.Duration(r.Intn(3000)) * time.Microsecond
		mu.Unlock()
		time.Sleep(d)
	}, nil)
	defer postgres.SetCommitHooks(db, nil, nil)

	coded := func(op string, err error) error {
		var e *content.Error
		if err == nil || errors.As(err, &e) && (e.Code == content.EINVALID || e.Code == content.ECONFLICT) {
			return nil
		}
		return fmt.Errorf("%s: %v", op, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*40)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step := 0; step < 40; step++ {
				op, i, j := pick()
				var err error
				switch {
				case op < 3:
					_, err = db.PublishResource(ctx, editor, ids[i], nil)
					err = coded("publish "+slugs[i], err)
				case op < 5:
					at := time.Now().Add(time.Hour)
					_, err = db.PublishResource(ctx, editor, ids[i], &at)
					err = coded("schedule "+slugs[i], err)
				case op < 7:
					_, err = db.WithdrawResource(ctx, editor, ids[i], "gone")
					err = coded("withdraw "+slugs[i], err)
				case op < 8:
					var latest int
					if err = db.Pool().QueryRow(ctx, `SELECT latest_revision FROM resources WHERE id = $1`, ids[i]).Scan(&latest); err == nil {
						_, err = db.UpdateResource(ctx, editor, ids[i], latest, content.ResourceEdit{Related: []string{slugs[j]}})
					}
					err = coded("relink "+slugs[i], err)
				default:
					if _, err = db.Pool().Exec(ctx, `UPDATE scheduled_publications SET publish_at = now() - interval '1 second'`); err == nil {
						_, err = db.PublishDue(ctx)
					}
					if err != nil {
						err = fmt.Errorf("publish due: %v", err)
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	makeDue(t, db)
	if _, err := db.PublishDue(ctx); err != nil {
		t.Errorf("last PublishDue: %v", err)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
	var pub int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM resources WHERE status = 'PUBLISHED'`).Scan(&pub); err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: %d of %d published at the end", seed, pub, n)
}

// TestImportRacingAWithdrawal is R7 at the import's door: a file links to
// a resource made through the API, which is published when the import
// stages the file (so the importer's checks pass) and withdrawn before the
// import commits (accepted: nothing published links to it yet). The commit
// must then be refused rather than publish the link; run again, the import
// sees the withdrawal.
func TestImportRacingAWithdrawal(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	api := must[*content.Resource](t)(db.CreateResource(ctx, editor, draft("r7i-api")))
	must[*content.Resource](t)(db.PublishResource(ctx, editor, api.ID, nil))
	f := file("/lib/r7i-file.md", "r7i-file", content.KindGuidance, "2025-01-01")
	f.Draft.Related = []string{"r7i-api"}
	s, err := db.BeginImport(ctx, content.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Stage(ctx, []content.FileImport{f})
	if err != nil || len(res) != 1 || res[0].Action != "staged" {
		t.Fatalf("stage: %v %+v", err, res)
	}
	must[*content.Resource](t)(db.WithdrawResource(ctx, editor, api.ID, "rules changed"))
	err = s.Commit(ctx, []int64{res[0].ID}, nil, nil)
	var e *content.Error
	if !errors.As(err, &e) || e.Code != content.ECONFLICT {
		t.Errorf("commit after the withdrawal: %v, want ECONFLICT", err)
	}
	if d := testdb.DanglingLinks(t, db.Pool()); len(d) > 0 {
		t.Errorf("dangling: %v", d)
	}
}
