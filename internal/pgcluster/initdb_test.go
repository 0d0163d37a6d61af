package pgcluster

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestInterruptedInitdbHeals (breaker3 F18): Ctrl-C during the first
// start (while initdb runs) left a data dir no later start could use, and
// each retry ran PostgreSQL's defaults: a trust-auth server on
// 127.0.0.1:5432 and /var/run/postgresql. Here the data dir starts in the
// shape an interrupted initdb of the old in-place code left (PG_VERSION
// and a postgresql.conf without the hub's include line), then Start is
// interrupted at random moments (before, during and after initdb), and
// then Start runs to the end: it must start a cluster that listens only on
// the socket in its own directory, moving the half-made one aside (never
// deleting it).
func TestInterruptedInitdbHeals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pg := filepath.Join(dir, "postgres")
	if err := os.MkdirAll(pg, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"PG_VERSION": "15\n", "postgresql.conf": "# half-made\nmax_connections = 100\n"} {
		if err := os.WriteFile(filepath.Join(pg, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 18))
	for i := 0; i < 2; i++ {
		// initdb takes from one to several seconds here.
		d := time.Duration(rng.IntN(3000)) * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), d)
		c, err := Start(ctx, dir, Options{Throwaway: true})
		cancel()
		t.Logf("interrupted after %v: %v", d, firstLine(fmt.Sprint(err)))
		if err == nil {
			// Finished in time: a complete cluster, which the next
			// Start must simply use.
			c.Stop(context.Background())
		}
	}
	ctx := context.Background()
	c, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatalf("start after interrupted initdb: %v", err)
	}
	defer c.Stop(ctx)
	if !c.Running(ctx) {
		t.Fatal("not running")
	}
	listening := regexp.MustCompile(`listening on (.*)`).FindAllStringSubmatch(readFile(t, filepath.Join(dir, "postgres.log")), -1)
	if len(listening) == 0 {
		t.Fatal("no listening line in postgres.log")
	}
	for _, m := range listening {
		if !strings.Contains(m[1], "Unix socket \""+c.sockDir+"/") {
			t.Errorf("PostgreSQL listened on %s; want only its own socket in %s", m[1], c.sockDir)
		}
	}
	if _, err := os.Stat(pg + ".initdb"); err == nil {
		t.Error("the initdb directory is left behind")
	}
	aside, _ := filepath.Glob(pg + ".incomplete-*")
	if len(aside) == 0 {
		t.Error("the half-made cluster was not moved aside")
	}
	for _, a := range aside {
		if readFile(t, filepath.Join(a, "PG_VERSION")) != "15\n" {
			t.Errorf("%s: not the half-made cluster", a)
		}
	}
}

// TestSocketSettingsOnTheCommandLine: even a cluster whose configuration
// files say otherwise (an administrator's edit, a hub.conf removed)
// listens on no TCP address and only on its own socket: Start passes the
// socket settings on the command line, which overrides postgresql.conf.
func TestSocketSettingsOnTheCommandLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	c, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(c.dataDir, "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// After the include line, so these win over hub.conf.
	f.WriteString("listen_addresses = '127.0.0.1'\nunix_socket_directories = '/tmp'\nport = 5\n")
	f.Close()
	os.Truncate(filepath.Join(dir, "postgres.log"), 0)
	c, err = Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	defer c.Stop(ctx)
	log := readFile(t, filepath.Join(dir, "postgres.log"))
	if strings.Contains(log, "IPv4") || strings.Contains(log, "/tmp/.s.PGSQL") {
		t.Errorf("PostgreSQL listened where postgresql.conf said:\n%s", log)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEditedConfKeepsTheCluster (review4 R6): a cluster that has run holds
// data (drafts, tokens, the change log) whatever its postgresql.conf says:
// an administrator's edit that drops the final newline, rewrites the
// include with '=', comments it out or removes it must not make the next
// start move the cluster aside and start an empty one. Each edit is one
// case of the class "postgresql.conf of a started cluster no longer has
// the exact bytes the hub wrote".
func TestEditedConfKeepsTheCluster(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pg := filepath.Join(dir, "postgres")
	ctx := context.Background()
	c, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(pg, "postgresql.conf")
	orig := readFile(t, conf)
	if !strings.Contains(orig, "\n"+includeLine+"\n") {
		t.Fatalf("initdb's postgresql.conf lacks %q", includeLine)
	}
	marker := filepath.Join(pg, "hub-test-marker")
	for _, edit := range []struct {
		name string
		conf string
	}{
		{"no final newline", strings.TrimRight(orig, "\n")},
		{"with =", strings.Replace(orig, includeLine, "include_if_exists = 'hub.conf'", 1)},
		{"indented, trailing comment", strings.Replace(orig, includeLine, "  "+includeLine+"   # the hub's settings", 1)},
		{"commented out", strings.Replace(orig, includeLine, "#"+includeLine, 1)},
		{"removed", strings.Replace(orig, includeLine, "", 1)},
	} {
		if err := os.WriteFile(conf, []byte(edit.conf), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(marker, []byte(edit.name), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Start(ctx, dir, Options{Throwaway: true})
		if err != nil {
			t.Fatalf("%s: start: %v", edit.name, err)
		}
		running := c.Running(ctx)
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if !running {
			t.Errorf("%s: not running", edit.name)
		}
		if got, err := os.ReadFile(marker); err != nil || string(got) != edit.name {
			t.Errorf("%s: the cluster was replaced (marker %q, %v)", edit.name, got, err)
		}
		if aside, _ := filepath.Glob(pg + ".incomplete-*"); len(aside) > 0 {
			t.Fatalf("%s: moved aside to %v", edit.name, aside)
		}
		if got := c.includesConf(); got != (edit.name != "commented out" && edit.name != "removed") {
			t.Errorf("%s: includesConf %v", edit.name, got)
		}
	}
}
