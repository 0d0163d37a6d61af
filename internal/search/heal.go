package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"guidancehub/internal/content"
)

// A damaged index (bytes overwritten or cut off in a segment file, a
// damaged bolt file, a missing segment) is found four ways, each treated
// the same: "damaged: rebuild beside it from PostgreSQL and swap", with
// search answering UNAVAILABLE meanwhile.
//
//   - opening it fails or panics (recovered);
//   - a search or an index update panics (recovered);
//   - scorch's merger, persister or introducer reports an error or a
//     recovered panic: bleve v2.6.3 reports those only to the callback named
//     by the runtime option asyncErrorCallbackName (index/scorch/merge.go
//     mergerLoop; eventCallbackName only carries progress events), and
//     without one the merger stops silently and segments pile up;
//   - the background check after start-up finds a zap segment whose
//     trailing CRC-32 disagrees with its bytes (zapx writes it but never
//     checks it on open).

// callbackName is the name under which the index's scorch callbacks are
// registered (scorch.RegistryAsyncErrorCallbacks).
const callbackName = "guidancehub"

// openIndexes maps an open index's directory to its *Index, for the scorch
// callback, which only gets the store path (DIR/store).
var openIndexes sync.Map

// building maps the directory of an index being rebuilt to the channel
// its rebuild hears background failures on (persisting, merging).
var building sync.Map

func init() {
	scorch.RegistryAsyncErrorCallbacks[callbackName] = func(err error, path string) {
		if ch, ok := building.Load(filepath.Dir(path)); ok {
			if !errors.Is(err, scorch.ErrCleanup) {
				select {
				case ch.(chan error) <- err:
				default:
				}
			}
			return
		}
		v, ok := openIndexes.Load(filepath.Dir(path))
		if !ok {
			return // an index being built beside the live one, or closed
		}
		ix := v.(*Index)
		if errors.Is(err, scorch.ErrCleanup) {
			// Removing obsolete files failed: untidy, not damaged.
			ix.log.Warn("search index cleanup", "err", err)
			return
		}
		ix.markDamaged("the index's background work failed", err)
	}
}

// runtimeConfig is the runtime configuration every index is opened with:
// a bolt timeout (a second process fails fast with ErrInUse instead of
// blocking) and the error callback.
func runtimeConfig() map[string]interface{} {
	// unsafe_batch is false explicitly: Bleve stores the config an index
	// was created with (index_meta.json) and merges it under the runtime
	// config at open, so a rebuilt index (created with unsafe batches)
	// would otherwise keep them once live, and a batch could be lost at
	// Close.
	return map[string]interface{}{"bolt_timeout": "1s", "asyncErrorCallbackName": callbackName, "unsafe_batch": false}
}

// openRecovered opens the index at path, recovering a panic inside bleve
// (a damaged segment can panic while loading) as an error, and checks that
// it answers a search.
func openRecovered(path string) (idx bleve.Index, err error) {
	defer func() {
		if p := recover(); p != nil {
			if idx != nil {
				closeRecovered(idx)
			}
			idx, err = nil, fmt.Errorf("panic while opening: %v", p)
		}
	}()
	idx, err = bleve.OpenUsing(path, runtimeConfig())
	if err != nil {
		return nil, err
	}
	// Reading every segment's dictionary and doc values once shows most
	// damage that panics, before the index is used.
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, true)
	req.AddFacet("language", bleve.NewFacetRequest("language", 1))
	req.SortBy([]string{"-published"})
	if _, err := idx.Search(req); err != nil {
		closeRecovered(idx)
		return nil, fmt.Errorf("search after open: %w", err)
	}
	return idx, nil
}

// closeRecovered closes an index that may be damaged.
func closeRecovered(idx bleve.Index) {
	defer func() { recover() }()
	idx.Close()
}

// markDamaged records that the live index is damaged: search and /readyz
// answer "not ready" until Run has rebuilt it beside and swapped it in.
func (ix *Index) markDamaged(why string, cause any) {
	if ix.damaged.Swap(true) {
		return
	}
	ix.ready.Store(false)
	ix.log.Error("search index damaged: rebuilding it beside the old one", "why", why, "err", fmt.Sprint(cause))
	if ix.onDamage != nil {
		ix.onDamage()
	}
}

// Damaged reports whether the live index was found damaged and is waiting
// for (or in) its rebuild.
func (ix *Index) Damaged() bool { return ix.damaged.Load() }

// recovered turns a panic inside bleve during fn into "damaged" and an
// UNAVAILABLE error.
func (ix *Index) recovered(what string, err *error) {
	if p := recover(); p != nil {
		ix.markDamaged("panic while "+what, p)
		*err = errDamaged
	}
}

var errDamaged = content.Unavailable(5*time.Second, "the search index is being rebuilt; try again in a few seconds")

// Search is Index.Search with a damaged index's panics and read errors
// turned into "damaged" and UNAVAILABLE (see failed).
func (s *Syncer) Search(ctx context.Context, q content.SearchQuery) (page *content.SearchPage, err error) {
	defer s.recovered("searching", &err)
	page, err = s.Index.Search(ctx, q)
	return page, s.failed(ctx, "searching", err)
}

// Complete is Index.Complete with a damaged index's panics and read
// errors turned into "damaged" and UNAVAILABLE.
func (s *Syncer) Complete(ctx context.Context, prefix string, first int) (cs []content.Completion, err error) {
	defer s.recovered("completing", &err)
	cs, err = s.Index.Complete(ctx, prefix, first)
	return cs, s.failed(ctx, "completing", err)
}

// failed passes domain errors (bad input, not ready) and the request's own
// end through; any other error comes from reading the index (a damaged
// segment answers "error loading roaring bitmap" and the like), so the
// index is marked damaged and the client told to retry.
func (ix *Index) failed(ctx context.Context, what string, err error) error {
	var de *content.Error
	if err == nil || errors.As(err, &de) || ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	ix.markDamaged(what+" failed", err)
	return errDamaged
}

// heal rebuilds a damaged index from PostgreSQL and marks it ready again.
func (s *Syncer) heal(ctx context.Context) error {
	t0 := time.Now()
	if err := s.Rebuild(ctx, ""); err != nil {
		return err
	}
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	s.damaged.Store(false)
	s.ready.Store(true)
	s.opts.Logger.Info("search index healed", "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// segmentStamp is what a checked segment file looked like.
type segmentStamp struct {
	size    int64
	modTime time.Time
}

// verifier remembers which segment files were checked as they are, so the
// frequent check reads only new or changed files.
type verifier struct {
	mu      sync.Mutex // one check at a time
	checked map[string]segmentStamp
}

// settledAge is how old a segment file's mtime must be, when a check
// starts reading it, for the check to remember its stamp (size and mtime)
// and skip the file while the stamp stays the same. A write sets the
// file's mtime when it starts and copies its bytes afterwards (Linux
// file_modified, then generic_perform_write, in ext4, tmpfs and the
// generic write path), so a check that looks at the file during a write
// sees the new mtime and can still read the old, sound bytes: remembering
// that stamp skipped the damaged file at every later check, as the stamp
// never changed again (the chaos suite's live damage lands within a
// millisecond of the check run at start-up, and went unnoticed for 90 s
// now and then). A younger file is checked again at the next check. Two
// seconds is far longer than a write of a few bytes takes, even from a
// writer descheduled or waiting for the disk, and short beside the 10 s
// between checks, so a new segment is read about once more at most.
const settledAge = 2 * time.Second

// VerifySegments checks zap segment files of the live index against the
// CRC-32 at their end and marks the index damaged when one disagrees: every
// file when full, else only files new or changed (size or mtime) since
// their last check, or written too recently then to be trusted
// (settledAge). Only the files the index's current snapshot reads are
// checked (complete ones: a file a merge or the persister is still writing
// is not yet in a snapshot), and one that changes while it is read (merged
// away) is not counted. Run calls it in the background: in full
// after start-up and hourly, for changes every 10 seconds.
func (ix *Index) VerifySegments(full bool) error {
	v := &ix.verify
	if !v.mu.TryLock() {
		return nil // a check is running
	}
	defer v.mu.Unlock()
	if v.checked == nil || full {
		v.checked = map[string]segmentStamp{}
	}
	files, _ := filepath.Glob(filepath.Join(ix.path, "store", "*.zap"))
	live := ix.liveSegments()
	seen := map[string]bool{}
	for _, f := range files {
		if !live[filepath.Base(f)] {
			// Not (or no longer) read by the index: a segment a merge or
			// the persister is still writing (breaker7 F16: a merge
			// paused over 500 ms under load, and its half-written file was
			// taken for damage, again and again while editors published),
			// or one merged away and about to be removed.
			continue
		}
		seen[f] = true
		fi, err := os.Stat(f)
		if err != nil {
			continue
		}
		stamp := segmentStamp{fi.Size(), fi.ModTime()}
		if v.checked[f] == stamp {
			continue
		}
		settled := time.Since(stamp.modTime) >= settledAge
		err = checkSegment(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err == nil {
			if settled {
				v.checked[f] = stamp
			}
			continue
		}
		// zap files are written once and never changed: one that still
		// disagrees a moment later, unchanged, is damaged.
		time.Sleep(500 * time.Millisecond)
		after, aerr := os.Stat(f)
		if aerr != nil || after.Size() != stamp.size || !after.ModTime().Equal(stamp.modTime) {
			continue
		}
		if err := checkSegment(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			v.checked = nil
			ix.markDamaged("segment check", err)
			return err
		}
		if settled {
			v.checked[f] = stamp
		}
	}
	for f := range v.checked {
		if !seen[f] {
			delete(v.checked, f)
		}
	}
	return nil
}

// liveSegments returns the file names of the segments the index's current
// snapshot reads. Scorch introduces a segment into a snapshot only once
// its file is written and synced (a persisted segment or a merge's
// result), so these are complete.
func (ix *Index) liveSegments() map[string]bool {
	out := map[string]bool{}
	idx, done := ix.current()
	defer done()
	if idx == nil {
		return out
	}
	ai, err := idx.Advanced()
	if err != nil {
		return out
	}
	r, err := ai.Reader()
	if err != nil {
		return out
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return out
	}
	for _, s := range snap.Segments() {
		if p, ok := s.Segment().(interface{ Path() string }); ok && p.Path() != "" {
			out[filepath.Base(p.Path())] = true
		}
	}
	return out
}

// checkSegment compares a zap segment's trailing CRC-32 (IEEE, big-endian,
// over every byte before it: zapx persistFooter) with its bytes.
func checkSegment(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < 4 {
		return fmt.Errorf("segment %s: %d bytes, too short", filepath.Base(p), fi.Size())
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size()-4)); err != nil {
		return fmt.Errorf("segment %s: %w", filepath.Base(p), err)
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], fi.Size()-4); err != nil {
		return fmt.Errorf("segment %s: %w", filepath.Base(p), err)
	}
	if want := binary.BigEndian.Uint32(tail[:]); h.Sum32() != want {
		return fmt.Errorf("segment %s: checksum %08x, file says %08x", filepath.Base(p), h.Sum32(), want)
	}
	return nil
}
