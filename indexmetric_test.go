package main

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// metricValue reads one unlabelled sample from a /metrics page.
func metricValue(t *testing.T, page, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("/metrics lacks %s", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestIndexDocumentsMetricAfterRebuild: hub_search_index_documents equals
// the number of published resources PostgreSQL counts (totalCount over
// every language) after the start-up build of a fresh index over a library imported
// beforehand, after a
// restart that finds the index current, and after a `reindex` rebuild.
func TestIndexDocumentsMetricAfterRebuild(t *testing.T) {
	// As the peer kit runs it: the library imported by the CLI, then a hub
	// with nothing of its own to import builds its index from PostgreSQL
	// (its catch-up then finds no change to apply).
	dsn := testdb.DSN(t)
	if code := run(context.Background(), []string{"import", copyFixtures(t)}, io.Discard, io.Discard, env(map[string]string{"DATABASE_URL": dsn}), nil); code != 0 {
		t.Fatalf("import exited %d", code)
	}
	dataDir, dir := t.TempDir(), t.TempDir()
	h := startHub(t, map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": dataDir, "HUB_PUBLIC_URL": "https://hub.example.org/"})
	published := func(h *hub) float64 {
		r := post(t, h.url, `{ resources(first: 1) { totalCount } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("count: %+v", r.Errors)
		}
		return path(r.Data, "resources", "totalCount").(float64)
	}
	want := published(h)
	if want < 2 {
		t.Fatalf("fixture library has %v published resources", want)
	}
	check := func(when string, h *hub) float64 {
		_, page := getText(t, h.url+"/metrics")
		if got := metricValue(t, page, "hub_search_index_documents"); got != want {
			t.Errorf("%s: hub_search_index_documents = %v, want %v", when, got, want)
		}
		return metricValue(t, page, "hub_search_index_rebuilds_total")
	}
	if n := check("after the start-up build", h); n != 1 {
		t.Errorf("start-up on an empty data dir: %v rebuilds, want 1", n)
	}

	code := run(context.Background(), []string{"reindex"}, io.Discard, io.Discard, env(map[string]string{"DATABASE_URL": h.dsn}), nil)
	if code != 0 {
		t.Fatalf("reindex exited %d", code)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, page := getText(t, h.url+"/metrics")
		if metricValue(t, page, "hub_search_index_rebuilds_total") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reindex not carried out within 60 s:\n%s", h.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	check("after a reindex", h)

	h.stop()
	h2 := startHub(t, map[string]string{"DATABASE_URL": h.dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": dataDir, "HUB_PUBLIC_URL": "https://hub.example.org/"})
	if n := check("after a restart over a current index", h2); n != 0 {
		t.Errorf("restart over a current index rebuilt it (%v rebuilds)", n)
	}
}
