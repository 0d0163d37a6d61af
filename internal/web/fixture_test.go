package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/httpapi"
	"guidancehub/internal/httpcache"
	"guidancehub/internal/ingest"
	"guidancehub/internal/partner"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
	"guidancehub/internal/service"
	"guidancehub/internal/testdb"
	"guidancehub/internal/web"
)

// hub is the shipped library plus two test resources (one withdrawn, one
// draft) in a real PostgreSQL database and a real Bleve index, served by
// the hub's real router on 127.0.0.1.
type hub struct {
	URL     string
	Handler http.Handler
	Service content.ResourceService
	DB      *postgres.DB
}

var (
	hubOnce sync.Once
	theHub  *hub
	hubErr  string
	// hubCleanups run when the package's tests end (TestMain).
	hubCleanups []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(hubCleanups) - 1; i >= 0; i-- {
		hubCleanups[i]()
	}
	os.Exit(code)
}

// startHub returns the package's hub, started on first use and shared by
// every test (importing and indexing the library takes about a second).
func startHub(t testing.TB) *hub {
	t.Helper()
	hubOnce.Do(func() { theHub, hubErr = newHub(t) })
	if theHub == nil {
		t.Fatal(hubErr)
	}
	return theHub
}

// lifetime is a testing.TB whose cleanups run at the end of TestMain, so
// the shared hub outlives the test that started it.
type lifetime struct{ testing.TB }

func (l lifetime) Cleanup(f func()) { hubCleanups = append(hubCleanups, f) }

func newHub(t testing.TB) (*hub, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn := testdb.DSN(lifetime{t})
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		return nil, "open database: " + err.Error()
	}
	hubCleanups = append(hubCleanups, db.Close)

	// The shipped library and the test resources, imported from one
	// directory; then the withdrawn one's file is removed and the
	// directory imported again with prune, as an editor would.
	dir := filepath.Join(os.TempDir(), "guidancehub-web-"+time.Now().Format("150405.000000000"))
	hubCleanups = append(hubCleanups, func() { os.RemoveAll(dir) })
	if err := copyDir("../../resources", dir); err != nil {
		return nil, err.Error()
	}
	if err := copyDir("testdata/extra", dir); err != nil {
		return nil, err.Error()
	}
	for _, prune := range []bool{false, true} {
		rep, err := ingest.Import(ctx, db, dir, prune)
		if err != nil {
			return nil, "import: " + err.Error()
		}
		if rep.Failed() {
			return nil, "import failed: " + rep.Errors[0].Error()
		}
		if !prune {
			os.Remove(filepath.Join(dir, "withdrawn-test-guidance.md"))
		}
	}
	syncer, err := search.NewSyncer(db, search.Options{DataDir: filepath.Join(dir, "data"), Poll: time.Hour})
	if err != nil {
		return nil, "search: " + err.Error()
	}
	hubCleanups = append(hubCleanups, func() { syncer.Close() })
	if err := syncer.Start(ctx); err != nil {
		return nil, "search start: " + err.Error()
	}
	h, svc := hubHandler(db, syncer)
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = h
	srv.Start()
	hubCleanups = append(hubCleanups, srv.Close)
	return &hub{URL: srv.URL, Handler: h, Service: svc, DB: db}, ""
}

// hubHandler is the hub's router (pages, the Atom feed, completions) over
// the database and an index, as the hub serves them.
func hubHandler(db *postgres.DB, syncer *search.Syncer) (http.Handler, content.ResourceService) {
	svc := service.New(service.Options{Store: db, Index: syncer})
	return httpapi.New(httpapi.Options{
		GraphQL: http.NotFoundHandler(),
		Atom:    partner.AtomHandler(svc, db.RecentlyWithdrawn, "http://hub.test", slog.New(slog.DiscardHandler)),
		Pages:   web.New(web.Options{Service: svc, PublicURL: "http://hub.test", Cache: httpcache.New(httpcache.Options{Position: syncer.Position})}),
		Rates:   map[string]httpapi.Rate{"anonymous": {PerSecond: 10000, Burst: 10000}},
	}), svc
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
