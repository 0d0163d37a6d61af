package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func clusterRunning(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "postgres", "postmaster.pid"))
	return err == nil
}

// TestEmbeddedDefault boots the hub as `make run` does with no
// configuration: it creates and starts its own PostgreSQL under the data
// dir, a CLI import beside it uses that cluster and leaves it running, and
// stopping the hub stops the cluster. A second start reuses the data.
func TestEmbeddedDefault(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	resDir := copyFixtures(t)
	vars := map[string]string{"HUB_DATA_DIR": dataDir, "HUB_RESOURCES_DIR": resDir}

	h := startHub(t, vars)
	if !strings.Contains(h.logs.String(), "created PostgreSQL cluster") {
		t.Errorf("first start did not create a cluster:\n%s", h.logs)
	}
	r := post(t, h.url, `{ resources { totalCount } }`, nil)
	if path(r.Data, "resources", "totalCount") != float64(5) {
		t.Fatalf("totalCount = %v %v", r.Data, r.Errors)
	}

	// A CLI command beside the running server joins its cluster.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"import", resDir}, &out, &errOut, env(map[string]string{"HUB_DATA_DIR": dataDir}), nil); code != 0 {
		t.Fatalf("import beside server: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "import: 6 unchanged, 0 failed") || !strings.Contains(errOut.String(), "using running PostgreSQL") {
		t.Errorf("import beside server:\n%s\n%s", out.String(), errOut.String())
	}
	if r := post(t, h.url, `{ resources { totalCount } }`, nil); path(r.Data, "resources", "totalCount") != float64(5) {
		t.Fatalf("server lost its database after the CLI import: %v", r.Errors)
	}

	h.stop()
	if clusterRunning(dataDir) {
		t.Fatal("cluster still running after the hub stopped")
	}

	// The CLI alone starts the cluster and stops it again.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"import", "--prune", resDir}, &out, &errOut, env(map[string]string{"HUB_DATA_DIR": dataDir}), nil); code != 0 {
		t.Fatalf("import alone: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "stopped PostgreSQL") || clusterRunning(dataDir) {
		t.Errorf("import alone left the cluster running:\n%s", errOut.String())
	}

	h2 := startHub(t, vars)
	if strings.Contains(h2.logs.String(), "created PostgreSQL cluster") || !strings.Contains(h2.logs.String(), "import: 6 unchanged") {
		t.Errorf("second start did not reuse the data:\n%s", h2.logs)
	}
	if r := post(t, h2.url, `{ resource(slug: "free-care-for-all") { title } }`, nil); path(r.Data, "resource", "title") == nil {
		t.Errorf("second start: %v", r.Errors)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	tests := []struct {
		args []string
		env  map[string]string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{[]string{"--addr", "nonsense"}, nil, 2, "want host:port"},
		{nil, map[string]string{"HUB_CORS_ORIGINS": "*"}, 2, "wildcard is not allowed"},
		{nil, map[string]string{"HUB_CORS_ORIGINS": "example.org"}, 2, "is not an origin"},
		{nil, map[string]string{"HUB_PUBLIC_URL": "ftp://x"}, 2, "want an http(s) URL"},
		{nil, map[string]string{"HUB_REQUEST_TIMEOUT": "ten seconds"}, 2, "HUB_REQUEST_TIMEOUT: want a duration"},
		{nil, map[string]string{"HUB_REQUEST_TIMEOUT": "-5s"}, 2, "HUB_REQUEST_TIMEOUT: want a duration"},
		{nil, map[string]string{"HUB_MAX_DEPTH": "-1"}, 2, "HUB_MAX_DEPTH: want a positive whole number"},
		{nil, map[string]string{"HUB_LOG_FORMAT": "xml"}, 2, "want text or json"},
		{nil, map[string]string{"HUB_ACCESS_LOG": "sometimes"}, 2, "HUB_ACCESS_LOG: want on, off or sample:N"},
		{nil, map[string]string{"HUB_ACCESS_LOG": "sample:0"}, 2, "HUB_ACCESS_LOG: want on, off or sample:N"},
		{nil, map[string]string{"HUB_ACCESS_LOG": "sample:-3"}, 2, "HUB_ACCESS_LOG: want on, off or sample:N"},
		{nil, map[string]string{"HUB_ACCESS_LOG": "sample:"}, 2, "HUB_ACCESS_LOG: want on, off or sample:N"},
		{[]string{"--access-log", "OFF"}, nil, 2, "HUB_ACCESS_LOG: want on, off or sample:N"},
		{nil, map[string]string{"HUB_RATE_LIMITS": "anonymous=fast"}, 2, "HUB_RATE_LIMITS"},
		{nil, map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x?connect_timeout=1"}, 1, "database not reachable"},
		{[]string{"import", "a", "b"}, map[string]string{"DATABASE_URL": "x"}, 1, ""},
	}
	for _, tt := range tests {
		out.Reset()
		errOut.Reset()
		if code := run(context.Background(), tt.args, &out, &errOut, env(tt.env), nil); code != tt.code || !strings.Contains(errOut.String(), tt.msg) {
			t.Errorf("%v %v: exit %d, %q; want %d, %q", tt.args, tt.env, code, errOut.String(), tt.code, tt.msg)
		}
		if strings.Contains(errOut.String(), "password") {
			t.Errorf("error shows a password: %s", errOut.String())
		}
	}
}
