package postgres_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/pgcluster"
	"guidancehub/internal/postgres"
)

// ownCluster starts a durable private cluster (as the embedded default
// runs) that the test may kill, watched and restarted like the hub's own.
func ownCluster(t *testing.T) (*pgcluster.Cluster, *postgres.DB) {
	t.Helper()
	c, err := pgcluster.Start(context.Background(), filepath.Join(t.TempDir(), "data"), pgcluster.Options{Owner: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	db, err := postgres.Open(context.Background(), c.DSN("postgres"), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return c, db
}

// killPostmaster kills PostgreSQL with SIGKILL and waits until it is gone.
func killPostmaster(t *testing.T, c *pgcluster.Cluster) {
	t.Helper()
	if err := syscall.Kill(c.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); c.Running(context.Background()); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("PostgreSQL still answers after SIGKILL")
		}
	}
}

// eventually retries fn until it stops answering EUNAVAILABLE (10 s at most).
func eventually(t *testing.T, fn func() error) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		if content.ErrorCode(err) != content.EUNAVAILABLE || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healDraft(slug string) content.Draft {
	return content.Draft{Kind: content.KindGuidance, Slug: slug, Title: "Title of " + slug, Summary: "Summary", Body: "Body",
		Topics: []string{"gp-registration"}, Nations: []string{"ENGLAND"}, Language: "en",
		Sources: []content.Source{{Title: "A source", URL: "https://example.org/"}}}
}

var healEditor = &content.Principal{Name: "test editor", Role: content.RoleEditor}

// TestMutationAnswersWhatItCommitted covers the mutation that committed
// while PostgreSQL died before the reload: the answer is the committed
// result, read inside the transaction. And a commit whose answer is lost
// says the outcome is unknown and how to check, never "internal error".
func TestMutationAnswersWhatItCommitted(t *testing.T) {
	c, db := ownCluster(t)
	ctx := context.Background()
	r, err := db.CreateResource(ctx, healEditor, healDraft("heal-me"))
	if err != nil {
		t.Fatal(err)
	}
	title := "Committed title"

	// PostgreSQL dies right after the commit.
	postgres.SetCommitHooks(db, nil, func() { killPostmaster(t, c) })
	got, err := db.UpdateResource(ctx, healEditor, r.ID, 1, content.ResourceEdit{Title: &title})
	postgres.SetCommitHooks(db, nil, nil)
	if err != nil {
		t.Fatalf("update committed but answered %v (code %s)", err, content.ErrorCode(err))
	}
	if got.Revision != 2 || got.Title != title {
		t.Errorf("answer: revision %d %q, want 2 %q", got.Revision, got.Title, title)
	}
	// While it is down, reads and writes say UNAVAILABLE with a retry delay
	// (a backend may answer once more before it notices its postmaster died).
	_, err = db.EditorResourceByID(ctx, r.ID)
	for deadline := time.Now().Add(5 * time.Second); err == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_, err = db.EditorResourceByID(ctx, r.ID)
	}
	if content.ErrorCode(err) != content.EUNAVAILABLE {
		t.Errorf("read while PostgreSQL is down: %v (code %s), want EUNAVAILABLE", err, content.ErrorCode(err))
	} else if d, _ := content.RetryAfter(err); d < time.Second {
		t.Errorf("retry after %v", d)
	}
	// A write on a pooled connection whose server died cannot tell whether
	// its statement arrived: EUNKNOWN; one that could not connect: EUNAVAILABLE.
	for i := 0; i < 3; i++ {
		if _, _, err := db.CreateToken(ctx, "while down", content.RoleEditor, nil); content.ErrorCode(err) != content.EUNAVAILABLE && content.ErrorCode(err) != content.EUNKNOWN {
			t.Errorf("token create while PostgreSQL is down: %v (code %s), want EUNAVAILABLE or EUNKNOWN", err, content.ErrorCode(err))
		}
	}
	c.Watch(ctx, 100*time.Millisecond)
	var stored *content.Resource
	if err := eventually(t, func() (err error) { stored, err = db.EditorResourceByID(ctx, r.ID); return err }); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if stored.Revision != got.Revision || stored.Title != got.Title {
		t.Errorf("stored revision %d %q, answered %d %q", stored.Revision, stored.Title, got.Revision, got.Title)
	}

	// The commit is sent but its answer never comes: the backend is
	// stopped before reading it, then killed.
	postgres.SetCommitHooks(db, func(pid uint32) {
		syscall.Kill(int(pid), syscall.SIGSTOP)
		time.AfterFunc(300*time.Millisecond, func() { syscall.Kill(int(pid), syscall.SIGKILL) })
	}, nil)
	other := "Lost title"
	_, err = db.UpdateResource(ctx, healEditor, r.ID, 2, content.ResourceEdit{Title: &other})
	postgres.SetCommitHooks(db, nil, nil)
	var de *content.Error
	if !errors.As(err, &de) || de.Code != content.EUNKNOWN || !strings.Contains(de.Message, "latestRevision") {
		t.Fatalf("commit without an answer: %v (code %s), want EUNKNOWN saying how to check", err, content.ErrorCode(err))
	}
	if err := eventually(t, func() (err error) { stored, err = db.EditorResourceByID(ctx, r.ID); return err }); err != nil {
		t.Fatalf("after crash recovery: %v", err)
	}
	if stored.Revision != 2 {
		t.Errorf("revision %d after a commit the server never read, want 2", stored.Revision)
	}
}

// TestUnreachableDatabaseIsUnavailable drives each way PostgreSQL can stop
// answering (refused connection, administrator shutdown of the session,
// crash of another backend, closed pool) through a real store call: each
// is EUNAVAILABLE, never internal.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	c, db := ownCluster(t)
	ctx := context.Background()
	admin := func(sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.DSN("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string) {
		t.Helper()
		// A backend whose postmaster died may answer once more before it
		// notices: the first error is the one that counts.
		_, err := db.CountPublished(ctx)
		for deadline := time.Now().Add(5 * time.Second); err == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			_, err = db.CountPublished(ctx)
		}
		if content.ErrorCode(err) != content.EUNAVAILABLE {
			t.Errorf("%s: %v (code %s), want EUNAVAILABLE", name, err, content.ErrorCode(err))
		}
	}
	warm := func() {
		t.Helper()
		if err := eventually(t, func() error { _, err := db.CountPublished(ctx); return err }); err != nil {
			t.Fatal(err)
		}
	}

	warm()
	admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'guidancehub'`)
	check("administrator shutdown (57P01)")

	warm()
	killPostmaster(t, c)
	check("server killed (lost connection, then refused)")
	c.Watch(ctx, 100*time.Millisecond)

	warm()
	db.Close()
	check("closed pool")
}
