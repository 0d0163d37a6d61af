package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// buildHub builds the hub binary once per test run.
func buildHub(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "guidancehub")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs the hub binary as its own process and returns its URL.
func startProcess(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "HUB_ADDR=127.0.0.1:0", "HUB_RATE_LIMITS="+testRates)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "ready on "); ok {
				url, _, _ := strings.Cut(rest, " ")
				ready <- url
			}
		}
	}()
	select {
	case url := <-ready:
		return url
	case <-time.After(60 * time.Second):
		t.Fatalf("hub process not ready after 60 s:\n%s", logs)
		return ""
	}
}

// TestTwoReplicasConverge runs two hub processes on one PostgreSQL, each
// with its own data dir, changes the library from a third process, and
// waits for the change to be searchable on both.
func TestTwoReplicasConverge(t *testing.T) {
	bin := buildHub(t)
	dsn := testdb.DSN(t)
	dir := copyFixtures(t)
	common := []string{"DATABASE_URL=" + dsn, "HUB_RESOURCES_DIR=" + dir}
	a := startProcess(t, bin, append(common, "HUB_DATA_DIR="+t.TempDir()))
	b := startProcess(t, bin, append(common, "HUB_DATA_DIR="+t.TempDir()))

	src, _ := os.ReadFile(filepath.Join(dir, "hostile-body.md"))
	added := strings.NewReplacer("slug: hostile-body", "slug: replica-news", "A body with hostile markup", "Marmosetlynx replica news").Replace(string(src))
	if err := os.WriteFile(filepath.Join(dir, "replica-news.md"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	imp := exec.Command(bin, "import", dir)
	imp.Env = append(os.Environ(), common...)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("import from a third process: %v\n%s", err, out)
	}
	committed := time.Now()
	for _, url := range []string{a, b} {
		var seen time.Duration
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			r := post(t, url, searchQ, map[string]any{"q": "marmosetlynx"})
			if path(r.Data, "search", "totalCount") == float64(1) {
				seen = time.Since(committed)
				break
			}
		}
		if seen == 0 {
			t.Fatalf("replica %s did not show the change within 10 s", url)
		}
		t.Logf("replica %s: searchable %v after the import committed", url, seen.Round(time.Millisecond))
	}
	for _, url := range []string{a, b} {
		code, body := getText(t, url+"/readyz")
		if code != 200 {
			t.Errorf("%s/readyz = %d %s", url, code, body)
		}
		_, metrics := getText(t, url+"/metrics")
		for _, m := range []string{"hub_search_index_lag_changes", "hub_search_index_lag_seconds", "hub_search_index_rebuilds_total", "hub_search_duration_seconds_count"} {
			if !strings.Contains(metrics, m) {
				t.Errorf("%s/metrics lacks %s", url, m)
			}
		}
	}
}
