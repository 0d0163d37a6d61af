package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// metricLine waits up to 30 s for /metrics to show line (e.g.
// "hub_search_index_snapshots_written_total 1") and reports whether it did.
func metricLine(t *testing.T, url, line string) bool {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, m := getText(t, url+"/metrics"); strings.Contains(m, "\n"+line+"\n") {
			return true
		}
	}
	return false
}

// TestNewReplicaStartsFromSnapshot: the first hub on a database writes an
// index snapshot to PostgreSQL; the library then changes (a new file, an
// edited title, a deleted file pruned); a second hub with an empty data
// dir restores the snapshot instead of rebuilding, catches up, and only
// then answers — the same GraphQL search answers as the first hub.
func TestNewReplicaStartsFromSnapshot(t *testing.T) {
	dir := copyFixtures(t)
	dsn := testdb.DSN(t)
	vars := func() map[string]string {
		// A loaded machine (make test under -race) must not turn a search
		// into a TIMEOUT here: this test is about what is answered.
		return map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": dir, "HUB_DATA_DIR": t.TempDir(), "HUB_PUBLIC_URL": "https://hub.example.org/",
			"HUB_REQUEST_TIMEOUT": "60s", "HUB_INDEX_SNAPSHOTS": "auto"}
	}
	a := startHub(t, vars())
	if !metricLine(t, a.url, "hub_search_index_snapshots_written_total 1") {
		t.Fatalf("the first hub wrote no index snapshot within 30 s:\n%s", a.logs)
	}

	src, _ := os.ReadFile(filepath.Join(dir, "hostile-body.md"))
	added := strings.NewReplacer("slug: hostile-body", "slug: replica-news", "A body with hostile markup", "Zebrafinch replica news").Replace(string(src))
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "replica-news.md"), []byte(added), 0o644))
	brief, _ := os.ReadFile(filepath.Join(dir, "barriers-brief.md"))
	must(os.WriteFile(filepath.Join(dir, "barriers-brief.md"), bytes.Replace(brief, []byte("title: Barriers to GP registration"), []byte("title: Marmoset barriers to GP registration"), 1), 0o644))
	must(os.Remove(filepath.Join(dir, "hostile-body.md")))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"import", "--prune", dir}, &out, &errOut, env(map[string]string{"DATABASE_URL": dsn}), nil); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out.String(), errOut.String())
	}

	b := startHub(t, vars())
	for _, line := range []string{"hub_search_index_restores_total 1", "hub_search_index_rebuilds_total 0"} {
		if !metricLine(t, b.url, line) {
			_, m := getText(t, b.url+"/metrics")
			t.Errorf("new replica's metrics lack %q:\n%s", line, grepLines(m, "hub_search_index_"))
		}
	}
	// Ready means caught up: the changes are there at once.
	for q, want := range map[string]float64{"zebrafinch": 1, "marmoset": 1, "hostile markup": 0} {
		if r := post(t, b.url, searchQ, map[string]any{"q": q}); len(r.Errors) > 0 {
			t.Errorf("new replica: %q: %+v", q, r.Errors)
		} else if path(r.Data, "search", "totalCount") != want {
			t.Errorf("new replica: %q found %v, want %v", q, path(r.Data, "search", "totalCount"), want)
		}
	}
	// The first hub catches up by notification; then both answer alike.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r := post(t, a.url, searchQ, map[string]any{"q": "zebrafinch"}); path(r.Data, "search", "totalCount") == float64(1) {
			break
		}
	}
	for _, q := range []string{"registration", "register without id", "charging exemptions", "free care", "barriers", "marmoset",
		"zebrafinch", "hostile markup", "interpreting", "التسجيل"} {
		for _, o := range []string{"RELEVANCE", "NEWEST"} {
			vars := map[string]any{"q": q, "o": o}
			ja, jb := withoutScores(post(t, a.url, searchQ, vars)), withoutScores(post(t, b.url, searchQ, vars))
			if ja != jb {
				t.Errorf("%q %s: the replicas answer differently:\nfirst:    %s\nrestored: %s", q, o, ja, jb)
			}
		}
	}
}

// withoutScores is a search answer without its scores and cursors (which
// carry the score). Bleve's BM25 takes the average field length from the
// number of distinct terms in each field's dictionary, which counts terms
// of deleted documents until a merge drops them (v2.6.3
// search/searcher/search_term.go bm25ScoreMetrics, scorch
// IndexSnapshot.FieldCardinality): two replicas holding the same
// documents after different merges score slightly differently, snapshot
// or not. What they find, in which order, with which highlights and
// facets, is the same.
func withoutScores(r *gqlResponse) string {
	edges, _ := path(r.Data, "search", "edges").([]any)
	for _, e := range edges {
		delete(e.(map[string]any), "score")
		delete(e.(map[string]any), "cursor")
	}
	if pi, ok := path(r.Data, "search", "pageInfo").(map[string]any); ok {
		delete(pi, "endCursor")
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
