package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/search"
)

// heldStore is the hub's database as the index reads it, except that
// once armed, a rebuild's scan of the library waits until it is released:
// the test asks for pages while a real rebuild is under way, and knows it
// is (entered is closed when the scan starts).
type heldStore struct {
	*postgres.DB
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *heldStore) ScanPublished(ctx context.Context, batch int, fn func([]*content.Resource) error) (uint64, error) {
	s.mu.Lock()
	armed := s.armed
	s.armed = false
	s.mu.Unlock()
	if armed {
		close(s.entered)
		select {
		case <-s.release:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return s.DB.ScanPublished(ctx, batch, fn)
}

// TestPagesDuringARebuild (breaker3 F16): while a damaged index is rebuilt
// (a real rebuild of a real index over the hub's database, found by the
// index's own segment check and held in its scan of the library), the
// pages that PostgreSQL can answer keep answering exactly what they
// answered before the damage: the home page (its newest resources and the
// counts of each kind), the topics, every topic's pages (past the last one
// too) and resource pages, byte for byte. What needs the index answers 503 with
// Retry-After: the search page (an HTML page saying so; its results,
// filters and counts are the index's), completions (the API's JSON
// error) and the Atom feed (a search). When the rebuild is done, every
// page answers as before.
func TestPagesDuringARebuild(t *testing.T) {
	db := startHub(t).DB
	store := &heldStore{DB: db}
	dir := t.TempDir()
	syncer, err := search.NewSyncer(store, search.Options{DataDir: dir, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	defer func() {
		cancel()
		<-ran
		syncer.Close()
	}()
	if err := syncer.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(ran)
		syncer.Run(ctx)
	}()
	h, _ := hubHandler(db, syncer)
	get := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec
	}
	// Every topic's pages, the last and one past it included.
	fromLibrary := []string{"/", "/topics", "/resources/register-with-a-gp-without-documents", "/resources/everyone-can-register-with-a-gp-ar"}
	for _, tp := range content.Topics {
		fromLibrary = append(fromLibrary, "/topics/"+tp.Slug)
		for page := 2; page <= 4; page++ {
			fromLibrary = append(fromLibrary, "/topics/"+tp.Slug+"?page="+strconv.Itoa(page))
		}
	}
	fromIndex := []string{"/search?q=register+without+proof+of+address", "/search", "/search?q=gp&page=2", "/search/suggest?q=regis",
		"/feeds/resources.atom", "/feeds/resources.atom?q=asylum"}
	before := map[string][]byte{}
	for _, u := range append(slices.Clone(fromLibrary), fromIndex...) {
		rec := get(u)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s before the damage: %d", u, rec.Code)
		}
		before[u] = rec.Body.Bytes()
	}

	// Damage the largest segment; the index's own check finds it and the
	// syncer starts rebuilding beside it, held in its scan.
	store.mu.Lock()
	store.armed, store.entered, store.release = true, make(chan struct{}), make(chan struct{})
	store.mu.Unlock()
	segs, _ := filepath.Glob(filepath.Join(dir, "index", "store", "*.zap"))
	slices.SortFunc(segs, func(a, b string) int { return int(fileSize(b) - fileSize(a)) })
	if len(segs) == 0 {
		t.Fatal("the index has no segment files")
	}
	f, err := os.OpenFile(segs[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 256), fileSize(segs[0])/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	syncer.VerifySegments(true)
	if !syncer.Damaged() {
		t.Fatal("the segment check did not find the damage")
	}
	select {
	case <-store.entered:
	case <-time.After(time.Minute):
		t.Fatal("no rebuild started within a minute of the damage")
	}
	if syncer.Ready() {
		t.Fatal("the index answers searches while it is rebuilt")
	}

	for _, u := range fromLibrary {
		rec := get(u)
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), before[u]) {
			t.Errorf("%s during the rebuild: %d, and the page differs from before: %v\n%.600s", u, rec.Code, !bytes.Equal(rec.Body.Bytes(), before[u]), rec.Body)
		}
	}
	for _, u := range fromIndex {
		rec := get(u)
		ct := rec.Header().Get("Content-Type")
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s during the rebuild: %d, Retry-After %q, Cache-Control %q; want 503, a Retry-After and no-store", u, rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Cache-Control"))
			continue
		}
		switch {
		case strings.HasPrefix(u, "/search?") || u == "/search":
			if !strings.HasPrefix(ct, "text/html") || !strings.Contains(rec.Body.String(), "not available for a moment") || strings.Count(rec.Body.String(), "<h1") != 1 {
				t.Errorf("%s during the rebuild: %s page without its explanation:\n%.600s", u, ct, rec.Body)
			}
		default:
			var e struct {
				Errors []struct {
					Extensions struct{ Code string } `json:"extensions"`
				} `json:"errors"`
			}
			if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(rec.Body.Bytes(), &e) != nil || len(e.Errors) != 1 || e.Errors[0].Extensions.Code != "UNAVAILABLE" {
				t.Errorf("%s during the rebuild: %s %.300s; want the API's UNAVAILABLE error", u, ct, rec.Body)
			}
		}
	}

	close(store.release)
	// Ready is the index's own state: it turns true when the heal has
	// swapped the new index in and caught up.
	for deadline := time.Now().Add(2 * time.Minute); !syncer.Ready(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the index was not rebuilt within two minutes of its scan going on")
		}
	}
	for _, u := range append(slices.Clone(fromLibrary), fromIndex...) {
		if rec := get(u); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), before[u]) {
			t.Errorf("%s after the rebuild: %d, the page differs from before: %v", u, rec.Code, !bytes.Equal(rec.Body.Bytes(), before[u]))
		}
	}
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}
