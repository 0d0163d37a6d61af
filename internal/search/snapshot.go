package search

// Index snapshots: a new replica restores the index instead of rebuilding
// it (a full rebuild at 100,000 resources takes minutes of CPU).
//
// Where: in PostgreSQL (index_snapshots and their chunks), the one thing
// every replica shares; no shared disk, no discovery of peers, and a
// snapshot outlives the replica that wrote it. A snapshot is written under
// an advisory lock (two replicas never write at once), each chunk in its
// own short transaction (so change-log readers' watermarks keep moving),
// and marked complete last: readers see complete snapshots only, a writer
// killed midway leaves the snapshots before it as they were, and the next
// writer deletes what it left (postgres.DB.WriteIndexSnapshot).
//
// What: Bleve's online copy (bleve.IndexCopyable.CopyTo; v2.6.3
// index/scorch/scorch.go CopyReader and snapshot_index.go CopyTo): it
// takes a reference on the index's current in-memory root snapshot, an
// immutable set of segments with their deletions and internal values, and
// marks its segment files so the merger and persister keep them until the
// copy ends; segments not yet persisted are written out by the copy. Writes
// go on meanwhile (each batch makes a new root), so the copy is the index
// as of one batch: documents and the watermark written in the same batch
// (Index.apply) are copied together. The copy streams zap segments straight
// into PostgreSQL; only root.bolt goes through a temporary file, since
// Bleve opens it with bolt by name.
//
// Restore: the newest snapshot with this build's mapping version, newer
// than the last reindex request and not older than the change log (its
// watermark above change_log_horizon), is read into DIR/index.restore,
// each file checked against its size and SHA-256 and each zap segment
// against its own CRC-32, then swapped in and opened; a snapshot that
// fails any check is skipped for the next one, and with none left the
// index is rebuilt from PostgreSQL as before. The syncer then catches up
// from the snapshot's watermark and checks its count against PostgreSQL
// before it reports ready: nothing is served from a snapshot that has not
// caught up.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"guidancehub/internal/content"
)

// Snapshots is where index snapshots are kept: PostgreSQL (postgres.DB).
type Snapshots interface {
	// IndexSnapshots returns the stored snapshots, newest first.
	IndexSnapshots(ctx context.Context) ([]content.IndexSnapshot, error)
	// ChangeLogHorizon returns the newest transaction id whose change
	// rows were pruned.
	ChangeLogHorizon(ctx context.Context) (uint64, error)
	// CountChangesSince counts public change rows at or after watermark,
	// up to limit.
	CountChangesSince(ctx context.Context, watermark uint64, limit int) (int, error)
	// WriteIndexSnapshot writes one snapshot under a lock if due says so
	// (nil when not, or when another replica is writing) and deletes all
	// but the newest keep of each mapping version.
	WriteIndexSnapshot(ctx context.Context, keep int, due func(have []content.IndexSnapshot) (bool, error), write func(w content.ChunkWriter) (*content.IndexSnapshot, error)) (*content.IndexSnapshot, error)
	// ReadIndexSnapshot calls fn with the chunks of a snapshot whose seq
	// is part modulo parts.
	ReadIndexSnapshot(ctx context.Context, id int64, part, parts int, fn func(file string, seq int, data []byte) error) error
	// DeleteIndexSnapshot deletes a snapshot and its chunks (none: no
	// error).
	DeleteIndexSnapshot(ctx context.Context, id int64) error
}

// damagedSnapshot is a restore failure that reading the snapshot again
// would repeat: a file of the wrong size, checksum or CRC, a file the
// description does not list, an index inside that is not what the row
// says. The replica that finds one deletes it (breaker4 F6: it stayed the
// newest usable snapshot, so every new replica downloaded it, failed and
// rebuilt, and none wrote a replacement).
type damagedSnapshot struct{ err error }

func (d damagedSnapshot) Error() string { return d.err.Error() }
func (d damagedSnapshot) Unwrap() error { return d.err }

// SnapshotOptions configure index snapshots. With Store nil there are
// none: a replica without an index rebuilds it.
type SnapshotOptions struct {
	Store Snapshots
	// Every: a replica writes a snapshot when the newest usable one is
	// older than this and the index has moved since (default 6 h). When
	// none is usable, a replica writes one at once after its own full
	// rebuild, else once it has served for Every.
	Every time.Duration
	// Changes: … or when this many public changes have been made since
	// the newest usable one (default 2,000), which bounds a new
	// replica's catch-up.
	Changes int
	// Keep is how many snapshots of each mapping version to keep
	// (default 2: the newest, and one to fall back on).
	Keep int
	// Check is how often Run checks whether a snapshot is due (default
	// 1 minute).
	Check time.Duration
}

func (o *SnapshotOptions) defaults() {
	if o.Every == 0 {
		o.Every = 6 * time.Hour
	}
	if o.Changes == 0 {
		o.Changes = 2000
	}
	if o.Keep == 0 {
		o.Keep = 2
	}
	if o.Check == 0 {
		o.Check = time.Minute
	}
}

// snapshotState is what the live index holds, as a snapshot would record it.
type snapshotState struct {
	mapping   string
	watermark uint64
	reindex   int64
}

func (ix *Index) stateOf(idx bleve.Index) snapshotState {
	get := func(k string) string { v, _ := idx.GetInternal([]byte(k)); return string(v) }
	st := snapshotState{mapping: get(keyMapping)}
	st.watermark, _ = strconv.ParseUint(get(keyWatermark), 10, 64)
	st.reindex, _ = strconv.ParseInt(get(keyReindex), 10, 64)
	return st
}

// usable says why a stored snapshot cannot be restored by this build
// ("" if it can): another mapping version, a change log pruned past it,
// or a reindex requested after it.
func usable(s content.IndexSnapshot, version string, horizon uint64, reindex int64) string {
	switch {
	case s.MappingVersion != version:
		return fmt.Sprintf("built with mapping version %q, this build uses %q", s.MappingVersion, version)
	case s.Watermark <= horizon:
		return "the change log was pruned past it"
	case s.Reindex < reindex:
		return "a reindex was requested after it"
	}
	return ""
}

// snapshotDue says whether the live index (state st) is worth a new
// snapshot, given those stored.
func (s *Syncer) snapshotDue(ctx context.Context, have []content.IndexSnapshot, st snapshotState) (bool, error) {
	o := s.opts.Snapshots
	if st.mapping != s.mappingVersion() {
		return false, nil
	}
	horizon, err := o.Store.ChangeLogHorizon(ctx)
	if err != nil {
		return false, err
	}
	for _, h := range have {
		if usable(h, s.mappingVersion(), horizon, st.reindex) != "" {
			continue
		}
		// The newest usable one decides.
		if h.Reindex > st.reindex || h.Watermark >= st.watermark {
			return false, nil // as new as this index, or newer
		}
		if time.Since(h.CreatedAt) >= o.Every {
			return true, nil
		}
		n, err := o.Store.CountChangesSince(ctx, h.Watermark, o.Changes)
		return n >= o.Changes, err
	}
	// None usable: write one after this replica's own full rebuild (the
	// first replica of a deployment, a mapping change, a reindex), else
	// once it has served for Every. An index merely opened at start-up
	// (a restart) does not copy gigabytes into PostgreSQL at once.
	return s.rebuilt.Load() || time.Since(s.liveSince) >= o.Every, nil
}

// WriteSnapshot stores a snapshot of the live index in PostgreSQL when one
// is due (see SnapshotOptions) and returns it; nil when none was due, the
// index is not ready, snapshots are off or another replica is writing one.
// Searches and updates go on meanwhile; a rebuild's swap waits for it.
func (s *Syncer) WriteSnapshot(ctx context.Context) (*content.IndexSnapshot, error) {
	return s.writeSnapshot(ctx, false)
}

func (s *Syncer) writeSnapshot(ctx context.Context, force bool) (*content.IndexSnapshot, error) {
	o := s.opts.Snapshots
	if o.Store == nil || !s.Ready() || s.damaged.Load() {
		return nil, nil
	}
	s.copying.Lock()
	defer s.copying.Unlock()
	s.mu.RLock()
	idx, live := s.idx, s.at == s.path
	s.mu.RUnlock() // swaps and Close wait for s.copying: idx stays open
	if idx == nil || !live {
		return nil, nil
	}
	st := s.stateOf(idx)
	docs, err := idx.DocCount()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	tmp, err := os.MkdirTemp(s.opts.DataDir, "snapshot-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	due := func(have []content.IndexSnapshot) (bool, error) {
		if force {
			return true, nil
		}
		return s.snapshotDue(ctx, have, st)
	}
	snap, err := o.Store.WriteIndexSnapshot(ctx, o.Keep, due, func(w content.ChunkWriter) (*content.IndexSnapshot, error) {
		d := &snapshotDir{w: w, tmp: tmp, beforeChunk: s.snapshotHook}
		if err := copyIndex(idx, d); err != nil {
			return nil, err
		}
		// Bleve wrote root.bolt through a file of its own (it opens it
		// with bolt by name): store it like the others.
		f, err := os.Open(filepath.Join(tmp, "root.bolt"))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cw := d.writer("store/root.bolt")
		if _, err := io.Copy(cw, f); err != nil {
			return nil, err
		}
		if err := cw.Close(); err != nil {
			return nil, err
		}
		return &content.IndexSnapshot{MappingVersion: st.mapping, Watermark: st.watermark, Reindex: st.reindex,
			Documents: int64(docs), Bytes: d.bytes, Files: d.files}, nil
	})
	if err != nil {
		return nil, err
	}
	if snap != nil {
		s.rebuilt.Store(false)
		s.m.snapshots.Inc()
		s.opts.Logger.Info("search index snapshot written", "id", snap.ID, "documents", snap.Documents, "bytes", snap.Bytes,
			"files", len(snap.Files), "watermark", snap.Watermark, "took", time.Since(t0).Round(time.Millisecond))
	}
	return snap, nil
}

// copyIndex is Bleve's online copy of idx into d, with a panic inside it
// (a damaged index) as an error.
func copyIndex(idx bleve.Index, d *snapshotDir) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic while copying the index: %v", p)
		}
	}()
	c, ok := idx.(bleve.IndexCopyable)
	if !ok {
		return errors.New("the index cannot be copied online")
	}
	if err := c.CopyTo(d); err != nil {
		return err
	}
	return d.err // a failure in a writer's Close, which Bleve ignores
}

// snapshotDir is the index.Directory Bleve copies into: every file is
// streamed in chunks to PostgreSQL, hashed on the way, except root.bolt
// (Bleve needs an *os.File for it), which goes to tmp and is stored last
// under its own name.
type snapshotDir struct {
	w     content.ChunkWriter
	tmp   string
	files []content.SnapshotFile
	bytes int64
	err   error
	// beforeChunk, if set, runs before each chunk is stored (tests).
	beforeChunk func()
}

// GetWriter implements index.Directory.
func (d *snapshotDir) GetWriter(p string) (io.WriteCloser, error) {
	name := filepath.ToSlash(p)
	if name == "store/root.bolt" {
		return os.Create(filepath.Join(d.tmp, "root.bolt"))
	}
	return d.writer(name), nil
}

// writer streams file name (slash-separated, inside the index) to the
// snapshot.
func (d *snapshotDir) writer(name string) *chunkWriter {
	return &chunkWriter{d: d, name: name, h: sha256.New(), buf: make([]byte, 0, content.SnapshotChunk)}
}

type chunkWriter struct {
	d      *snapshotDir
	name   string
	h      hash.Hash
	buf    []byte
	seq    int
	size   int64
	closed bool
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if c.d.err != nil {
		return 0, c.d.err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(c.buf)-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == cap(c.buf) {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	if c.d.beforeChunk != nil {
		c.d.beforeChunk()
	}
	c.h.Write(c.buf)
	if err := c.d.w.Put(c.name, c.seq, c.buf); err != nil {
		c.d.err = err
		return err
	}
	c.seq++
	c.size += int64(len(c.buf))
	c.buf = c.buf[:0]
	return nil
}

func (c *chunkWriter) Close() error {
	if c.closed {
		return c.d.err
	}
	c.closed = true
	if c.d.err != nil {
		return c.d.err
	}
	if err := c.flush(); err != nil {
		return err
	}
	c.d.files = append(c.d.files, content.SnapshotFile{Name: c.name, Size: c.size, SHA256: hex.EncodeToString(c.h.Sum(nil))})
	c.d.bytes += c.size
	return nil
}

// restoreSnapshot restores the newest usable snapshot as the live index
// and reports whether it did. Snapshots that cannot be used or fail a
// check are logged and skipped; false means: rebuild.
func (s *Syncer) restoreSnapshot(ctx context.Context) bool {
	o := s.opts.Snapshots
	if o.Store == nil {
		return false
	}
	log := s.opts.Logger
	have, err := o.Store.IndexSnapshots(ctx)
	if err != nil {
		log.Warn("search index snapshots: cannot list them: rebuilding", "err", err)
		return false
	}
	horizon, err := o.Store.ChangeLogHorizon(ctx)
	if err != nil {
		log.Warn("search index snapshots: rebuilding", "err", err)
		return false
	}
	reindex, err := s.src.LatestReindexRequest(ctx)
	if err != nil {
		log.Warn("search index snapshots: rebuilding", "err", err)
		return false
	}
	for _, snap := range have {
		if why := usable(snap, s.mappingVersion(), horizon, reindex); why != "" {
			log.Info("search index snapshot not usable", "id", snap.ID, "why", why)
			continue
		}
		t0 := time.Now()
		if err := s.restoreFrom(ctx, snap, horizon); err != nil {
			if ctx.Err() != nil {
				return false
			}
			log.Warn("search index snapshot not restored: trying the next", "id", snap.ID, "err", err)
			var d damagedSnapshot
			if errors.As(err, &d) {
				if err := o.Store.DeleteIndexSnapshot(ctx, snap.ID); err != nil {
					log.Warn("search index snapshot damaged, not deleted", "id", snap.ID, "err", err)
				} else {
					log.Warn("search index snapshot damaged: deleted", "id", snap.ID)
				}
			}
			continue
		}
		log.Info("search index restored from a snapshot", "id", snap.ID, "documents", snap.Documents, "bytes", snap.Bytes,
			"written", snap.CreatedAt, "took", time.Since(t0).Round(time.Millisecond))
		s.feed.Reset()
		s.m.restores.Inc()
		return true
	}
	if len(have) > 0 {
		log.Info("no usable search index snapshot: rebuilding")
	}
	return false
}

// restoreParts is how many connections read a snapshot at once: reading
// is PostgreSQL's work (fetching 1 MiB rows out of TOAST), one core each.
const restoreParts = 4

// restoreFrom reads snapshot snap into DIR/index.restore, checks every
// file, swaps it in and checks what it holds.
func (s *Syncer) restoreFrom(ctx context.Context, snap content.IndexSnapshot, horizon uint64) error {
	dir := s.path + ".restore"
	os.RemoveAll(dir)
	defer os.RemoveAll(dir)
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, f := range snap.Files {
		if !filepath.IsLocal(filepath.FromSlash(f.Name)) || files[f.Name] != nil {
			return damagedSnapshot{fmt.Errorf("file name %q outside the index or twice", f.Name)}
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		w, err := os.Create(p)
		if err != nil {
			return err
		}
		files[f.Name] = w
	}
	// Chunks arrive in parallel parts and are written where they belong:
	// chunk seq of a file starts at seq × SnapshotChunk. Each file is then
	// checked whole (size and SHA-256), which also catches a chunk
	// missing, repeated or of the wrong length.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, restoreParts)
	for part := 0; part < restoreParts; part++ {
		go func() {
			err := s.opts.Snapshots.Store.ReadIndexSnapshot(ctx, snap.ID, part, restoreParts, func(file string, seq int, data []byte) error {
				w, ok := files[file]
				if !ok {
					return damagedSnapshot{fmt.Errorf("unexpected file %q", file)}
				}
				_, err := w.WriteAt(data, int64(seq)*content.SnapshotChunk)
				return err
			})
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var err error
	for range restoreParts {
		if e := <-errs; err == nil {
			err = e
		}
	}
	if err != nil {
		return err
	}
	for _, f := range snap.Files {
		w := files[f.Name]
		delete(files, f.Name)
		if err := w.Close(); err != nil {
			return err
		}
		if err := checkFile(filepath.Join(dir, filepath.FromSlash(f.Name)), f); err != nil {
			if errors.Is(err, errMismatch) {
				return damagedSnapshot{err}
			}
			return err
		}
	}
	if err := s.swapIn(dir, nil); err != nil {
		return err
	}
	idx, done := s.current()
	st := s.stateOf(idx)
	done()
	switch {
	case st.mapping != s.mappingVersion():
		return damagedSnapshot{fmt.Errorf("the index inside has mapping version %q, this build uses %q", st.mapping, s.mappingVersion())}
	case st.watermark <= horizon:
		return fmt.Errorf("the index inside is at %d, the change log was pruned up to %d", st.watermark, horizon)
	}
	return nil
}

// errMismatch marks a restored file that is not what the snapshot
// describes.
var errMismatch = errors.New("the file does not match the snapshot")

// checkFile checks a restored file against its description: size and
// SHA-256, and for a zap segment its own trailing CRC-32 (IEEE,
// big-endian, over every byte before it: zapx persistFooter), in one read.
func checkFile(p string, want content.SnapshotFile) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != want.Size {
		return fmt.Errorf("%s: %d bytes, the snapshot says %d: %w", want.Name, fi.Size(), want.Size, errMismatch)
	}
	zap := strings.HasSuffix(want.Name, ".zap")
	if zap && fi.Size() < 4 {
		return fmt.Errorf("%s: %d bytes, too short for a segment: %w", want.Name, fi.Size(), errMismatch)
	}
	sum, crc := sha256.New(), crc32.NewIEEE()
	body := fi.Size()
	if zap {
		body -= 4
	}
	if _, err := io.Copy(io.MultiWriter(sum, crc), io.LimitReader(f, body)); err != nil {
		return fmt.Errorf("%s: %w", want.Name, err)
	}
	var tail bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(sum, &tail), f); err != nil {
		return fmt.Errorf("%s: %w", want.Name, err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != want.SHA256 {
		return fmt.Errorf("%s: SHA-256 %s, the snapshot says %s: %w", want.Name, got, want.SHA256, errMismatch)
	}
	if zap {
		if stored := binary.BigEndian.Uint32(tail.Bytes()); crc.Sum32() != stored {
			return fmt.Errorf("%s: segment checksum %08x, the segment says %08x: %w", want.Name, crc.Sum32(), stored, errMismatch)
		}
	}
	return nil
}
