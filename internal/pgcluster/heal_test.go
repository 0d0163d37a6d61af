package pgcluster

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// logBuffer collects a cluster's log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// killServer kills the postmaster with SIGKILL, as the OOM killer would,
// and waits until its socket no longer answers.
func killServer(t *testing.T, c *Cluster) {
	t.Helper()
	pid := c.PID()
	if pid <= 0 {
		t.Fatal("no postmaster.pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill postmaster %d: %v", pid, err)
	}
	for deadline := time.Now().Add(10 * time.Second); c.ping(context.Background()) == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("postmaster still answers 10 s after SIGKILL")
		}
	}
}

func exec1(t *testing.T, c *Cluster, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, c *Cluster) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM acked`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWatchRestartsAKilledServer kills the postmaster of an owned cluster
// repeatedly: the watcher brings it back each time within the 10 s,
// logs it, and every committed row is still there.
func TestWatchRestartsAKilledServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &logBuffer{}
	// Durable, as the embedded default is: a throwaway cluster's
	// asynchronous commits may die with the server.
	c, err := Start(context.Background(), dir, Options{Owner: true, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Watch(ctx, 100*time.Millisecond)
	exec1(t, c, `CREATE TABLE acked (n int)`)

	var took []time.Duration
	for i := 0; i < 3; i++ {
		exec1(t, c, `INSERT INTO acked VALUES ($1)`, i)
		killServer(t, c)
		t0 := time.Now()
		for c.ping(context.Background()) != nil {
			if time.Since(t0) > 10*time.Second {
				t.Fatalf("cycle %d: not back within 10 s:\n%s", i, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took = append(took, time.Since(t0))
		if n := count(t, c); n != i+1 {
			t.Fatalf("cycle %d: %d rows, want %d: an acknowledged write was lost", i, n, i+1)
		}
	}
	if !strings.Contains(logs.String(), "PostgreSQL stopped unexpectedly: restarting it") || !strings.Contains(logs.String(), "restarted PostgreSQL") {
		t.Errorf("no restart log lines:\n%s", logs)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("recovery after kill -9 of PostgreSQL: p50 %v, max %v (%d cycles)", took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), len(took))

	// Stop stops the watcher first: the server stays stopped.
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if c.Running(context.Background()) {
		t.Error("the watcher restarted the server after Stop")
	}
}

// TestStalePIDOfAnotherLiveProcess leaves a postmaster.pid naming a live
// process that is not PostgreSQL (as after a reboot): Start must see that
// nothing answers on the socket, start the server and use it.
func TestStalePIDOfAnotherLiveProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c, err := Start(context.Background(), dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	killServer(t, c)
	c.disown()

	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	// Both lock files (the data dir's and the socket's) name that process.
	for _, f := range []string{filepath.Join(c.DataDir(), "postmaster.pid"), filepath.Join(c.sockDir, ".s.PGSQL.5432.lock")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), "\n")
		if err := os.WriteFile(f, []byte(strconv.Itoa(other.Process.Pid)+"\n"+rest), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	logs := &logBuffer{}
	c2, err := Start(context.Background(), dir, Options{Throwaway: true, Logger: logs.logger()})
	if err != nil {
		t.Fatalf("start over a stale pid file: %v\n%s", err, logs)
	}
	defer c2.Stop(context.Background())
	if !c2.Started() || strings.Contains(logs.String(), "using running PostgreSQL") {
		t.Errorf("took a stale pid file for a running server:\n%s", logs)
	}
	if strings.Count(logs.String(), "moved it aside") != 2 {
		t.Errorf("no log line about the stale pid file:\n%s", logs)
	}
	exec1(t, c2, `SELECT 1`)
}

// TestOrphanIsAdoptedByServeOnly kills (-9) a process that owns a running
// cluster, as after kill -9 of the hub: a CLI command joins the orphan and
// leaves it running; a serving owner adopts it and stops it on exit.
func TestOrphanIsAdoptedByServeOnly(t *testing.T) {
	if dir := os.Getenv("PGCLUSTER_HELPER_DIR"); dir != "" {
		return // the helper side runs in TestMain
	}
	dir := filepath.Join(t.TempDir(), "data")
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), "PGCLUSTER_HELPER_DIR="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	helper.Stderr = os.Stderr
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "owner ready") {
		helper.Process.Kill()
		t.Fatalf("helper: %q %v", line, err)
	}
	helper.Process.Kill() // kill -9: no chance to stop the cluster
	helper.Wait()
	t.Cleanup(func() {
		// Whatever failed below, leave no orphan behind: adopt and stop it.
		if Answering(context.Background(), dir) {
			if c, err := Start(context.Background(), dir, Options{Throwaway: true, Owner: true}); err == nil {
				c.Stop(context.Background())
			}
		}
	})

	cli, err := Start(context.Background(), dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if cli.Started() {
		t.Error("a CLI command adopted the orphaned cluster")
	}
	cli.Stop(context.Background())
	if !cli.Running(context.Background()) {
		t.Fatal("a CLI command stopped a cluster it had joined")
	}

	logs := &logBuffer{}
	srv, err := Start(context.Background(), dir, Options{Throwaway: true, Owner: true, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	if !srv.Started() || !strings.Contains(logs.String(), "adopted a running PostgreSQL") {
		t.Errorf("serve did not adopt the orphan:\n%s", logs)
	}
	// While it owns the cluster, another owner only joins.
	second, err := Start(context.Background(), dir, Options{Throwaway: true, Owner: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.Started() {
		t.Error("a second owner adopted a cluster whose owner is alive")
	}
	second.Stop(context.Background())
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if srv.Running(context.Background()) {
		t.Error("the adopting hub left the cluster running on exit")
	}
}

// TestMain runs the helper side of TestOrphanIsAdoptedByServeOnly: a
// process that starts and owns a cluster, then waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PGCLUSTER_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), dir, Options{Throwaway: true, Owner: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		fmt.Printf("owner ready %v\n", c.Started())
		time.Sleep(60 * time.Second)
		c.Stop(context.Background())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestServeTakesOverFromACLICommand: a CLI command starts the cluster (and
// owns it), a serving hub joins it; when the command ends and stops the
// cluster, the hub's watcher takes ownership and restarts it, and stops it
// on exit.
func TestServeTakesOverFromACLICommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	// As root, the parents opened for the postgres user stay open while
	// the hub needs them (the CLI's Stop must not close them under the
	// hub's restart) and are put back by the hub's Stop (breaker5 F34).
	parent := filepath.Dir(filepath.Dir(dir))
	fi, err := os.Stat(parent)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	srv, err := Start(ctx, dir, Options{Throwaway: true, Owner: true, Logger: logs.logger()})
	if err != nil {
		cli.Stop(ctx)
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	if srv.Started() {
		t.Fatal("the hub adopted a cluster whose CLI owner is alive")
	}
	srv.Watch(ctx, 100*time.Millisecond)
	if err := cli.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for t0 := time.Now(); srv.ping(ctx) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(t0) > 10*time.Second {
			t.Fatalf("the hub did not bring the cluster back within 10 s:\n%s", logs)
		}
	}
	if !strings.Contains(logs.String(), "took over PostgreSQL") {
		t.Errorf("no take-over log line:\n%s", logs)
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if srv.Running(ctx) {
		t.Error("the hub left the cluster it took over running on exit")
	}
	if after, _ := os.Stat(parent); after.Mode().Perm() != fi.Mode().Perm() {
		t.Errorf("%s is %#o after the hub stopped, was %#o", parent, after.Mode().Perm(), fi.Mode().Perm())
	}
}
