// Package pgcluster runs a private PostgreSQL cluster from the installed
// PostgreSQL binaries: the hub's embedded default and the throwaway cluster
// of `make test`. The cluster listens only on a Unix socket in its own
// directory, so it never clashes with a system server.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the database role initdb creates.
const Superuser = "hub"

// port is the number in the socket's name; nothing listens on TCP.
const port = 5432

// Options configure a cluster.
type Options struct {
	// BinDir holds initdb, pg_ctl and postgres; empty means find them.
	BinDir string
	// Throwaway turns off durability (fsync, synchronous commit, full page
	// writes) for test clusters.
	Throwaway bool
	// Logger receives one line per start, stop and initdb.
	Logger *slog.Logger
	// Owner says the caller serves (the hub's serve command): it adopts a
	// running cluster that no live process owns (its hub was killed) and
	// stops it on exit, and Watch restarts the cluster if it dies. CLI
	// commands are not owners: they never adopt a running cluster.
	Owner bool
}

// Cluster is a PostgreSQL cluster under a data directory.
type Cluster struct {
	dataDir string // the cluster's PGDATA
	sockDir string
	logFile string
	binDir  string
	cred    *syscall.Credential // set when running as root
	started bool                // this process started (or adopted) the server and stops it
	log     *slog.Logger
	dir     string   // the hub's data dir
	users   *os.File // holds a shared lock (flock) on postgres.users while this process uses the cluster
	owner   *os.File // holds the owner lock (flock) while this process owns the cluster

	mu        sync.Mutex
	stopWatch context.CancelFunc
	watching  sync.WaitGroup
}

// ErrNoBinaries says the PostgreSQL server binaries are not installed.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package (apt-get install postgresql), set HUB_PG_BINDIR, or set DATABASE_URL to use an existing server")

// Start makes sure a cluster exists under dir (running initdb the first
// time) and is running, deciding "running" by connecting to the cluster's
// own socket. If it was already running and another live process owns it,
// Start joins it and Stop leaves it running; if no process owns it (its hub
// was killed), an Owner adopts it and stops it on exit, and anyone else
// joins. A process that starts the server owns it until Stop.
func Start(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	var users *os.File
	c, err := start(ctx, dir, opts, &users)
	if err != nil && users != nil {
		users.Close() // releases the shared lock
	}
	return c, err
}

func start(ctx context.Context, dir string, opts Options, users **os.File) (*Cluster, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bin, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	c := &Cluster{
		dir:     dir,
		dataDir: filepath.Join(dir, "postgres"),
		sockDir: socketDir(dir),
		logFile: filepath.Join(dir, "postgres.log"),
		binDir:  bin,
		log:     log,
	}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}

	// Serialise start-up between processes sharing the data dir.
	unlock, err := lockFile(ctx, filepath.Join(dir, "postgres.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c.cred != nil {
		if err := c.makeReachable(dir); err != nil {
			return nil, err
		}
		// Every process using the cluster holds this shared lock until its
		// Stop, so that an owner stopping the server puts the directory
		// modes back only when no other process (a serving hub joined to a
		// CLI command's cluster, which will restart it) still needs them.
		if c.users, err = os.OpenFile(filepath.Join(dir, "postgres.users"), os.O_CREATE|os.O_RDWR, 0o644); err != nil {
			return nil, fmt.Errorf("users lock: %w", err)
		}
		*users = c.users
		if err := syscall.Flock(int(c.users.Fd()), syscall.LOCK_SH); err != nil {
			return nil, fmt.Errorf("users lock: %w", err)
		}
	}

	if err := c.initOnce(ctx, opts.Throwaway); err != nil {
		return nil, err
	}
	if err := c.writeConf(opts.Throwaway); err != nil {
		return nil, err
	}
	if !c.includesConf() {
		// Edited away: the socket settings still come from the command
		// line (startServer), the rest of hub.conf is not applied.
		log.Warn("postgresql.conf does not include hub.conf: the hub's other settings (max_connections) are not applied; add the line back", "file", filepath.Join(c.dataDir, "postgresql.conf"), "line", includeLine)
	}
	if c.Running(ctx) {
		// The owner lock is free when the process that started the
		// cluster is gone (a kill -9 of its hub): a serving hub adopts it.
		if opts.Owner && c.tryOwn() {
			c.started = true
			log.Warn("adopted a running PostgreSQL whose hub is gone: this hub now watches it and stops it on exit", "dir", c.dataDir)
		} else {
			log.Info("using running PostgreSQL", "dir", c.dataDir)
		}
		return c, c.waitAccepting(ctx)
	}
	if !c.tryOwn() {
		// Its owner is alive and (re)starting it: wait, then join.
		log.Info("PostgreSQL is being started by its owner: waiting", "dir", c.dataDir)
		if err := c.waitAccepting(ctx); err != nil {
			return nil, err
		}
		log.Info("using running PostgreSQL", "dir", c.dataDir)
		return c, nil
	}
	t0 := time.Now()
	if err := c.startServer(ctx); err != nil {
		c.disown()
		return nil, err
	}
	c.started = true
	log.Info("started PostgreSQL", "dir", c.dataDir, "took", time.Since(t0).Round(time.Millisecond))
	return c, nil
}

// startServer starts the postmaster and waits until it accepts connections.
func (c *Cluster) startServer(ctx context.Context) error {
	if err := c.mkdirOwned(c.sockDir, 0o700); err != nil {
		return err
	}
	if err := c.touchOwned(c.logFile); err != nil {
		return err
	}
	c.clearStalePID()
	// The socket settings are given on the command line too, which
	// overrides postgresql.conf: whatever the configuration files say, the
	// server listens on no TCP address and only on its own socket, never
	// on 127.0.0.1:5432 or the system's /var/run/postgresql. pg_ctl hands
	// -o to a shell, hence the quoting.
	opts := fmt.Sprintf("-c listen_addresses='' -c port=%d -c unix_socket_directories=%s -c unix_socket_permissions=0700", port, shellQuote(c.sockDir))
	out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-s", "-D", c.dataDir, "-l", c.logFile, "-o", opts)
	if err != nil {
		return fmt.Errorf("start PostgreSQL (log: %s): %w: %s%s", c.logFile, err, out, tail(c.logFile))
	}
	return nil
}

// shellQuote quotes s for /bin/sh: in single quotes, each quote inside
// closed, escaped and opened again.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tryOwn takes the owner lock (an flock on DIR/postgres.owner, released by
// the kernel when this process dies however it dies) if it is free.
func (c *Cluster) tryOwn() bool {
	if c.owner != nil {
		return true
	}
	f, err := os.OpenFile(filepath.Join(c.dir, "postgres.owner"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		c.log.Warn("owner lock", "err", err)
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return false
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	c.owner = f
	return true
}

func (c *Cluster) disown() {
	if c.owner != nil {
		syscall.Flock(int(c.owner.Fd()), syscall.LOCK_UN)
		c.owner.Close()
		c.owner = nil
	}
}

// waitAccepting waits up to a minute for the server to accept connections
// (it may be starting up or recovering after a crash).
func (c *Cluster) waitAccepting(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.ping(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("PostgreSQL under %s does not accept connections: %w", c.dataDir, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Watch restarts the server whenever it stops answering on its socket,
// with backoff (0.25 s doubling to 4 s), until ctx ends or Stop is called.
// Only the cluster's owner restarts it; a process that joined a cluster
// another process owns takes ownership when that process exits. Each
// restart is logged with how long the server was down. It returns at once.
func (c *Cluster) Watch(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopWatch != nil {
		return
	}
	ctx, c.stopWatch = context.WithCancel(ctx)
	c.watching.Add(1)
	go func() {
		defer c.watching.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if c.Running(ctx) || ctx.Err() != nil {
				continue
			}
			c.restart(ctx)
		}
	}()
}

// restart brings a stopped server back, retrying with backoff.
func (c *Cluster) restart(ctx context.Context) {
	if !c.started {
		// Owned by another process (a CLI command that started it); once
		// that process has gone, this one owns the cluster.
		if !c.tryOwn() {
			return
		}
		c.started = true
		c.log.Warn("took over PostgreSQL from the process that started it", "dir", c.dataDir)
	}
	down := time.Now()
	c.log.Warn("PostgreSQL stopped unexpectedly: restarting it", "dir", c.dataDir)
	backoff := 250 * time.Millisecond
	for attempt := 1; ctx.Err() == nil; attempt++ {
		err := func() error {
			unlock, err := lockFile(ctx, filepath.Join(c.dir, "postgres.lock"))
			if err != nil {
				return err
			}
			defer unlock()
			if c.Running(ctx) {
				return nil
			}
			return c.startServer(ctx)
		}()
		if err == nil {
			c.log.Warn("restarted PostgreSQL", "dir", c.dataDir, "down", time.Since(down).Round(time.Millisecond), "attempts", attempt)
			return
		}
		if ctx.Err() != nil {
			return
		}
		c.log.Error("restart PostgreSQL failed: retrying", "err", firstLine(err.Error()), "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 4*time.Second)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Started reports whether this process started the server (and so stops it).
func (c *Cluster) Started() bool { return c.started }

// Stop stops watching, then stops the server if this process started or
// adopted it, and gives up ownership.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	if c.stopWatch != nil {
		c.stopWatch()
	}
	c.mu.Unlock()
	c.watching.Wait()
	defer c.disown()
	defer c.leave()
	if !c.started {
		return nil
	}
	out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-t", "60", "-s", "-m", "fast", "-D", c.dataDir)
	if err != nil {
		return fmt.Errorf("stop PostgreSQL: %w: %s", err, out)
	}
	c.started = false
	c.log.Info("stopped PostgreSQL", "dir", c.dataDir)
	if c.cred == nil {
		return nil
	}
	// Under the start-up lock, and only while no cluster runs here: a hub
	// that started one meanwhile keeps the directories open, and its own
	// Stop puts them back (the record stays).
	unlock, err := lockFile(ctx, filepath.Join(c.dir, "postgres.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if c.Running(ctx) || !c.lastUser() {
		return nil
	}
	return c.restoreReachable()
}

// leave releases this process's shared lock on postgres.users.
func (c *Cluster) leave() {
	if c.users != nil {
		c.users.Close()
		c.users = nil
	}
}

// lastUser reports whether no other process holds the users lock (this
// one's is released first): nobody else will need the directories opened
// for the postgres user.
func (c *Cluster) lastUser() bool {
	c.leave()
	f, err := os.OpenFile(filepath.Join(c.dir, "postgres.users"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// PID returns the postmaster's process id from postmaster.pid (0 if none).
func (c *Cluster) PID() int { return lockPID(filepath.Join(c.dataDir, "postmaster.pid")) }

// DataDir returns the cluster's PGDATA.
func (c *Cluster) DataDir() string { return c.dataDir }

// DSN returns a connection URL for the named database over the socket.
func (c *Cluster) DSN(database string) string {
	q := url.Values{"host": {c.sockDir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User(Superuser), Host: "localhost", Path: "/" + database, RawQuery: q.Encode()}).String()
}

func (c *Cluster) initOnce(ctx context.Context, throwaway bool) error {
	// initdb runs in a sibling directory that becomes the cluster only
	// once it is complete (initdb done, the include line written): an
	// initdb stopped half-way (Ctrl-C on the first start) left PG_VERSION
	// behind without the include line, so every later start ran
	// PostgreSQL's defaults and never found its socket (breaker3 F18).
	tmp := c.dataDir + ".initdb"
	if _, err := os.Stat(tmp); err == nil {
		// An interrupted initdb: no server ever ran on it, so it holds
		// nothing to keep.
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("remove the directory of an interrupted initdb: %w", err)
		}
		c.log.Warn("removed the directory of an interrupted initdb", "dir", tmp)
	}
	if c.complete() {
		return nil
	}
	// A half-made directory (an interrupted initdb of an earlier version,
	// which ran in place) is moved aside, never deleted.
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		aside := c.dataDir + ".incomplete-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(c.dataDir, aside); err != nil {
			return fmt.Errorf("move aside incomplete cluster: %w", err)
		}
		c.log.Warn("moved aside an incomplete PostgreSQL directory", "to", aside)
	}
	if err := c.mkdirOwned(tmp, 0o700); err != nil {
		return err
	}
	args := []string{"-D", tmp, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-locale"}
	if throwaway {
		args = append(args, "--no-sync")
	}
	t0 := time.Now()
	if out, err := c.runIn(ctx, tmp, "initdb", args...); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	f, err := os.OpenFile(filepath.Join(tmp, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	_, err = f.WriteString("\n# Settings the hub writes at every start.\n" + includeLine + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	// rename(2) replaces an empty directory (left by mkdir) atomically.
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	c.log.Info("created PostgreSQL cluster", "dir", c.dataDir, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// includeLine is what the hub appends to postgresql.conf once initdb has
// finished.
const includeLine = "include_if_exists 'hub.conf'"

// complete reports whether the data dir holds a cluster to keep: PG_VERSION
// and either a postmaster has ever run on it (postmaster.opts, which
// PostgreSQL writes at every start and initdb's bootstrap never does: a
// started cluster may hold editors' drafts, tokens and the change log, so
// it is never moved aside, whatever its postgresql.conf says) or its
// postgresql.conf includes hub.conf (initdb finished; the line was
// written last). What is left is the shape an interrupted in-place initdb
// of earlier versions made (PG_VERSION, no include line, never started).
func (c *Cluster) complete() bool {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "postmaster.opts")); err == nil {
		return true
	}
	return c.includesConf()
}

// includesConf reports whether postgresql.conf has an include of hub.conf
// that is not commented out, in any of the forms PostgreSQL accepts
// (`include_if_exists 'hub.conf'`, `include_if_exists = 'hub.conf'`, with
// or without a final newline).
func (c *Cluster) includesConf() bool {
	conf, err := os.ReadFile(filepath.Join(c.dataDir, "postgresql.conf"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(conf), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if rest, ok := strings.CutPrefix(line, "include_if_exists"); ok && strings.Contains(rest, "hub.conf") {
			return true
		}
	}
	return false
}

// writeConf writes hub.conf, which postgresql.conf includes: the socket
// directory can change when the data dir moves.
func (c *Cluster) writeConf(throwaway bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "listen_addresses = ''\nport = %d\nunix_socket_directories = '%s'\nunix_socket_permissions = 0700\n", port, strings.ReplaceAll(c.sockDir, "'", "''"))
	b.WriteString("max_connections = 200\n")
	if throwaway {
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	}
	p := filepath.Join(c.dataDir, "hub.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return c.chown(p)
}

// Answering reports whether the embedded cluster under the hub data dir
// dir answers on its socket, without starting anything.
func Answering(ctx context.Context, dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	c := &Cluster{dir: dir, dataDir: filepath.Join(dir, "postgres"), sockDir: socketDir(dir)}
	return c.Running(ctx)
}

// Running reports whether the cluster's own server answers on its own
// socket. A postmaster.pid is not evidence: after a crash or reboot its pid
// may belong to another process (pg_ctl status would say "running").
// Any answer from the server, even "starting up", counts as running.
func (c *Cluster) Running(ctx context.Context) bool {
	err := c.ping(ctx)
	var pgErr *pgconn.PgError
	return err == nil || errors.As(err, &pgErr) || pgconn.Timeout(err)
}

// ping connects to the server over its socket and disconnects.
func (c *Cluster) ping(ctx context.Context) error {
	cfg, err := pgconn.ParseConfig(c.DSN("postgres"))
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 2 * time.Second
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// clearStalePID moves aside a lock file (postmaster.pid, and the socket's
// .s.PGSQL.5432.lock) left by a server that is gone, when its pid now
// belongs to another live process: PostgreSQL refuses to start over a lock
// file whose process is alive. Called only when the server does not answer
// on its socket; a lock file whose process is a postgres working in this
// data dir is left alone.
func (c *Cluster) clearStalePID() {
	for _, p := range []string{filepath.Join(c.dataDir, "postmaster.pid"), filepath.Join(c.sockDir, fmt.Sprintf(".s.PGSQL.%d.lock", port))} {
		pid := lockPID(p)
		if pid <= 0 || syscall.Kill(pid, 0) == syscall.ESRCH {
			continue // none, or its process is gone: PostgreSQL handles that itself
		}
		if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil && cwd == c.dataDir {
			continue // a server of this cluster that is starting or stopping
		}
		aside := p + ".stale"
		if err := os.Rename(p, aside); err != nil {
			c.log.Warn("stale PostgreSQL lock file: could not move it aside", "file", p, "err", err)
			continue
		}
		c.log.Warn("PostgreSQL lock file named a process that is not this cluster's running server (nothing answers on its socket): moved it aside", "file", filepath.Base(p), "pid", pid, "to", aside)
	}
}

// lockPID reads the pid on the first line of a PostgreSQL lock file (0 if none).
func lockPID(p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return c.runIn(ctx, c.dataDir, name, args...)
}

// runIn is run with the working directory dir.
func (c *Cluster) runIn(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// pg_ctl start leaves the server running after we exit: its own process
	// group, so a Ctrl-C to the hub reaches the hub, which then stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.cred != nil {
		cmd.SysProcAttr.Credential = c.cred
		cmd.Env = append(cmd.Env, "HOME="+c.dataDir)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// The server inherits no pipe from us: its output goes to the log file.
	err := cmd.Run()
	return bytes.TrimSpace(out.Bytes()), err
}

func (c *Cluster) mkdirOwned(dir string, mode os.FileMode) error {
	if err := os.MkdirAll(dir, mode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return c.chown(dir)
}

func (c *Cluster) touchOwned(p string) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	f.Close()
	return c.chown(p)
}

func (c *Cluster) chown(p string) error {
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("chown %s: %w", p, err)
	}
	return nil
}

// WidenedFile, in the data dir, records the directories above it that
// makeReachable opened (o+x) and their modes before, one "MODE PATH" line
// each (octal), until Stop puts them back. It outlives a crash, so the
// next owner's Stop restores what an earlier one changed.
const WidenedFile = "widened-dirs"

// makeReachable lets the unprivileged cluster user traverse every directory
// above the cluster (mktemp and /root are 0700). It adds only the search
// bit (o+x), never read or write. A directory outside the data dir that
// it changes is recorded in WidenedFile and put back by Stop (breaker5
// F34: a home directory stayed open to every local user after the hub
// stopped). Called under the start-up lock.
func (c *Cluster) makeReachable(dir string) error {
	rec, err := readWidened(dir)
	if err != nil {
		return err
	}
	changed := false
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("let the postgres user reach %s (chmod o+x): %w", d, err)
			}
			if d != dir {
				if _, ok := rec[d]; !ok {
					rec[d] = fi.Mode().Perm()
					changed = true
				}
				c.log.Warn("added o+x (search only) so the unprivileged PostgreSQL user can reach the data dir; the mode is put back when this hub stops PostgreSQL", "dir", d, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
			}
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if !changed {
		return nil
	}
	return writeWidened(dir, rec)
}

// restoreReachable puts back the modes WidenedFile records, each only if
// the directory still has exactly the mode makeReachable gave it (someone
// who changed it since meant it), and removes the record.
func (c *Cluster) restoreReachable() error {
	rec, err := readWidened(c.dir)
	if err != nil || len(rec) == 0 {
		return err
	}
	for d, was := range rec {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != was|0o001 {
			continue
		}
		if err := os.Chmod(d, was); err != nil {
			return fmt.Errorf("put back the mode of %s: %w", d, err)
		}
		c.log.Info("put back the mode of a directory opened for PostgreSQL", "dir", d, "mode", fmt.Sprintf("%#o", was))
	}
	return os.Remove(filepath.Join(c.dir, WidenedFile))
}

// readWidened reads WidenedFile (an empty map when there is none).
func readWidened(dir string) (map[string]os.FileMode, error) {
	out := map[string]os.FileMode{}
	b, err := os.ReadFile(filepath.Join(dir, WidenedFile))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		mode, path, ok := strings.Cut(line, " ")
		m, err := strconv.ParseUint(mode, 8, 32)
		if !ok || err != nil || !filepath.IsAbs(path) {
			continue // not ours: ignore rather than chmod something else
		}
		out[path] = os.FileMode(m).Perm()
	}
	return out, nil
}

// writeWidened replaces WidenedFile with rec, atomically.
func writeWidened(dir string, rec map[string]os.FileMode) error {
	var b strings.Builder
	paths := make([]string, 0, len(rec))
	for p := range rec {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "%o %s\n", rec[p], p)
	}
	tmp := filepath.Join(dir, WidenedFile+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, WidenedFile))
}

// unprivileged returns the credential of the user PostgreSQL runs as when
// the hub runs as root (PostgreSQL refuses to run as root).
func unprivileged() (*syscall.Credential, error) {
	name := os.Getenv("HUB_PG_USER")
	if name == "" {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user %q (Debian's postgresql package creates it; or set HUB_PG_USER): %w", name, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// findBinDir finds the directory of initdb and pg_ctl: the given one, the
// PATH, or the newest of Debian's /usr/lib/postgresql/<version>/bin.
func findBinDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("HUB_PG_BINDIR")
	}
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err != nil {
			return "", fmt.Errorf("HUB_PG_BINDIR %s has no pg_ctl: %w", dir, err)
		}
		return dir, nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	return "", ErrNoBinaries
}

func version(pgctl string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return v
}

// socketDir keeps the socket path under the ~107-byte limit: inside the data
// dir when short enough, else a short directory named after the data dir.
func socketDir(dataDir string) string {
	d := filepath.Join(dataDir, "run")
	if len(d)+len("/.s.PGSQL.5432") < 100 {
		return d
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(os.TempDir(), "guidancehub-"+hex.EncodeToString(sum[:6]))
}

func lockFile(ctx context.Context, p string) (func(), error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", p, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", p, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tail(p string) string {
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n" + string(b)
}
