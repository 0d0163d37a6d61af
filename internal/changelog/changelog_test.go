package changelog_test

import (
	"context"
	"testing"
	"time"

	"guidancehub/internal/changelog"
	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// recorder is a subscriber that keeps its position in memory and records
// what it was handed.
type recorder struct {
	mark uint64
	got  map[int64]int // seq → times handed
	acts map[content.ChangeAction]int
}

func (r *recorder) Watermark() uint64 { return r.mark }

func (r *recorder) Apply(_ context.Context, cs []content.Change, next uint64) error {
	for _, c := range cs {
		r.got[c.Seq]++
		r.acts[c.Action]++
	}
	r.mark = next
	return nil
}

func newRecorder() *recorder {
	return &recorder{got: map[int64]int{}, acts: map[content.ChangeAction]int{}}
}

func fileImport(slug, title string, status content.Status) content.FileImport {
	d, _ := content.ParseDate("2025-01-01")
	return content.FileImport{Path: slug + ".md", Hash: slug + title, Status: status, Draft: content.Draft{
		Kind: content.KindGuidance, Slug: slug, Title: title, Summary: "S", Body: "B", Language: "en",
		Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"},
		PublishedAt: &d, LastReviewedAt: &d, Sources: []content.Source{{Title: "S", URL: "https://example.org/"}}}}
}

// TestSubscribersKeepTheirOwnPositions: two subscribers of one log each
// receive every public change once, whenever they start; a catch-up with
// nothing new hands nothing again; draft-only changes reach no subscriber.
func TestSubscribersKeepTheirOwnPositions(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	imp := func(files ...content.FileImport) {
		t.Helper()
		if _, err := db.ImportFiles(ctx, files, content.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	early, late := newRecorder(), newRecorder()
	a := changelog.NewConsumer(db, early, changelog.Options{Poll: time.Hour})
	b := changelog.NewConsumer(db, late, changelog.Options{Poll: time.Hour})

	imp(fileImport("one", "One", content.StatusPublished), fileImport("two", "Two", content.StatusPublished), fileImport("hidden", "Hidden", content.StatusDraft))
	for i := 0; i < 3; i++ { // again and again: nothing is handed twice
		if err := a.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	imp(fileImport("one", "One, edited", content.StatusPublished))
	if err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.CatchUp(ctx); err != nil { // starts late, from 0
		t.Fatal(err)
	}
	for name, r := range map[string]*recorder{"early": early, "late": late} {
		if len(r.got) != 3 {
			t.Errorf("%s subscriber got %d changes (%v), want 3: two published, one update", name, len(r.got), r.acts)
		}
		for seq, n := range r.got {
			if n != 1 {
				t.Errorf("%s subscriber got change %d %d times", name, seq, n)
			}
		}
		if r.acts[content.ActionDraft] != 0 || r.acts[content.ActionPublished] != 2 || r.acts[content.ActionUpdated] != 1 {
			t.Errorf("%s subscriber got actions %v, want 2 PUBLISHED and 1 UPDATED, no DRAFT", name, r.acts)
		}
	}
}

// TestRunWakesOnNotification: a running consumer applies a change as soon
// as it is woken, long before its poll interval.
func TestRunWakesOnNotification(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	applied := make(chan int, 10)
	r := &notifying{recorder: newRecorder(), applied: applied}
	c := changelog.NewConsumer(db, r, changelog.Options{Poll: time.Hour})
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	if _, err := db.ImportFiles(ctx, []content.FileImport{fileImport("one", "One", content.StatusPublished)}, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Wake()
	deadline := time.After(10 * time.Second)
	for n := 0; n == 0; {
		select {
		case n = <-applied:
		case <-deadline:
			t.Fatal("the woken consumer applied nothing within 10 s")
		}
	}
	cancel()
	<-done
}

type notifying struct {
	*recorder
	applied chan int // the number of changes each Apply was handed
}

func (n *notifying) Apply(ctx context.Context, cs []content.Change, next uint64) error {
	err := n.recorder.Apply(ctx, cs, next)
	n.applied <- len(cs)
	return err
}
