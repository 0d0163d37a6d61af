package search

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"guidancehub/internal/changelog"
	"guidancehub/internal/content"
)

// Store is what the index is kept in step with: PostgreSQL, read through
// its change log and its published resources. (Not content.Source, a
// document a resource cites.)
type Store interface {
	// ChangesSince returns change rows a reader at watermark may not have
	// seen, and the watermark for its next call.
	ChangesSince(ctx context.Context, watermark uint64) ([]content.Change, uint64, error)
	// ResourcesByID returns the resources that answer publicly (published
	// or withdrawn); only published ones are indexed.
	ResourcesByID(ctx context.Context, ids []int64, omit content.Part) ([]*content.Resource, error)
	// ScanPublished visits every published resource in one snapshot and
	// returns that snapshot's watermark.
	ScanPublished(ctx context.Context, batch int, fn func([]*content.Resource) error) (uint64, error)
	CountPublished(ctx context.Context) (int, error)
	LatestReindexRequest(ctx context.Context) (int64, error)
}

// Options configure a Syncer.
type Options struct {
	// DataDir holds the index (DataDir/index).
	DataDir string
	// Poll is the safety-net interval between catch-ups without a
	// notification (default 2 s).
	Poll time.Duration
	// Retention is how long change rows are kept; a replica away longer
	// rebuilds instead of catching up (default changelog.DefaultRetention).
	Retention time.Duration
	// Batch bounds documents per index batch (default 500).
	Batch   int
	Logger  *slog.Logger
	Metrics *Metrics
	// Snapshots: where index snapshots are stored and how often they are
	// written (snapshot.go); a zero value means none.
	Snapshots SnapshotOptions
	// PhrasePairs builds the index with every two neighbouring words
	// marked (marks.go; Elasticsearch's index_phrases is the same idea):
	// a two-word phrase is then found without reading positions and a
	// small query is scored in one exact pass, at the price of an index
	// about 1.4 times the size that takes about three times the CPU to
	// build (the issue-15 note). Changing it rebuilds the index.
	PhrasePairs bool
}

// Syncer owns a process's index. It answers searches (Search and Complete
// in heal.go guard the index: a damaged one answers UNAVAILABLE and is
// rebuilt) and keeps the index in step with the store as its subscriber to
// the change log: woken by notifications, polling as a safety net, catching
// up at start-up before it reports ready, and rebuilding when it must.
type Syncer struct {
	*Index
	src  Store
	opts Options
	// feed hands the index the change log's rows: the index is one
	// subscriber of the log.
	feed *changelog.Consumer
	// snapshotting is set while a snapshot is being written in the
	// background; snapshots waits for it when Run ends.
	snapshotting atomic.Bool
	snapshots    sync.WaitGroup
	// rebuilt is set by a full rebuild and cleared by a snapshot written
	// after it; liveSince is when Start finished.
	rebuilt   atomic.Bool
	liveSince time.Time
	// snapshotHook, if set, runs before each chunk of a snapshot is
	// stored (tests stop a writer midway with it).
	snapshotHook func()
}

// NewSyncer opens (or creates) the index under opts.DataDir. It fails fast
// with ErrInUse when another process holds the index.
func NewSyncer(src Store, opts Options) (*Syncer, error) {
	if opts.Poll == 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Retention == 0 {
		opts.Retention = changelog.DefaultRetention
	}
	if opts.Batch == 0 {
		opts.Batch = 500
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	opts.Snapshots.defaults()
	ix, rebuild, err := openIndex(indexDir(opts.DataDir), opts.Logger, opts.Metrics, opts.PhrasePairs)
	if err != nil {
		return nil, err
	}
	s := &Syncer{Index: ix, src: src, opts: opts}
	ix.texts = func(ctx context.Context, ids []int64) ([]*content.Resource, error) {
		return src.ResourcesByID(ctx, ids, textParts)
	}
	s.feed = changelog.NewConsumer(src, subscriber{s}, changelog.Options{Poll: opts.Poll, Name: "search index", Logger: opts.Logger})
	ix.onDamage = s.Wake
	if rebuild {
		s.needRebuild = true
	}
	return s, nil
}

// Wake asks the syncer to catch up now (on a change notification).
func (s *Syncer) Wake() { s.feed.Wake() }

// Start brings the index up to date (rebuilding if needed, or if it turns
// out damaged on the way) and marks it ready; then it returns, and Run
// keeps it in step.
func (s *Syncer) Start(ctx context.Context) (err error) {
	func() {
		defer s.recovered("starting", &err)
		err = s.start(ctx)
	}()
	if s.damaged.Load() {
		return s.heal(ctx)
	}
	return err
}

func (s *Syncer) start(ctx context.Context) error {
	away := time.Since(s.appliedAt())
	if !s.needRebuild && !s.appliedAt().IsZero() && away > s.opts.Retention {
		s.opts.Logger.Info("search index was away longer than the change-log retention: rebuilding", "away", away.Round(time.Second))
		s.needRebuild = true
	}
	// An index built before the latest reindex request is replaced as a
	// missing one is: by a snapshot made after that request if there is
	// one, else by a rebuild (breaker4 F16: a replica stopped while a
	// reindex ran rebuilt at start though such a snapshot existed).
	if !s.needRebuild {
		if latest, err := s.src.LatestReindexRequest(ctx); err == nil {
			if done, _ := strconv.ParseInt(s.internal(keyReindex), 10, 64); latest > done {
				s.opts.Logger.Info("a reindex was requested since this index was built: restoring a snapshot made after it, or rebuilding", "request", latest)
				s.needRebuild = true
			}
		}
	}
	// A snapshot from PostgreSQL, caught up below, instead of a rebuild
	// (restoreSnapshot checks it is usable: mapping version, change log
	// not pruned past it, no reindex requested after it).
	if s.needRebuild && s.restoreSnapshot(ctx) {
		s.needRebuild = false
	}
	if err := s.reindexIfRequested(ctx); err != nil {
		return err
	}
	if s.needRebuild {
		if err := s.Rebuild(ctx, ""); err != nil {
			return err
		}
	}
	if err := s.catchUpOrRebuild(ctx); err != nil {
		return err
	}
	if err := s.checkCount(ctx); err != nil {
		return err
	}
	if n, err := s.DocCount(); err == nil {
		s.m.docs.Set(float64(n)) // a catch-up with nothing to apply sets none
	}
	// A restart over a current index applies nothing: its position is the
	// watermark stored with it.
	s.pos.watermark.CompareAndSwap(0, s.watermark())
	s.liveSince = time.Now()
	s.ready.Store(true)
	return nil
}

// Run keeps the index in step until ctx ends: on every Wake and at least
// every Poll. Errors are logged and retried on the next round. It checks
// the index's segments in the background: all of them once at the start
// (so a second start stays fast) and hourly, new or changed ones every 10
// seconds; and it rebuilds a damaged index.
func (s *Syncer) Run(ctx context.Context) {
	poll := time.NewTicker(s.opts.Poll)
	defer poll.Stop()
	hourly := time.NewTicker(time.Hour)
	defer hourly.Stop()
	check := time.NewTicker(10 * time.Second)
	defer check.Stop()
	snap := time.NewTicker(s.opts.Snapshots.Check)
	defer snap.Stop()
	defer s.snapshots.Wait()
	go s.VerifySegments(true)
	s.snapshotInBackground(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-snap.C:
			s.snapshotInBackground(ctx)
			continue
		case <-s.feed.Woken():
		case <-poll.C:
		case <-hourly.C:
			go s.VerifySegments(true)
			continue
		case <-check.C:
			go s.VerifySegments(false)
			continue
		}
		s.round(ctx)
	}
}

// round is one step of Run: heal a damaged index, or carry out a reindex
// request and catch up. A panic inside the index marks it damaged.
func (s *Syncer) round(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.markDamaged("panic while updating", p)
		}
	}()
	if s.damaged.Load() {
		if err := s.heal(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("search index rebuild after damage: retrying", "err", err)
		}
		return
	}
	if err := s.reindexIfRequested(ctx); err != nil && ctx.Err() == nil {
		s.opts.Logger.Error("reindex", "err", err)
	}
	if err := s.catchUpOrRebuild(ctx); err != nil && ctx.Err() == nil {
		s.opts.Logger.Error("search index catch-up", "err", err)
	}
}

// catchUpOrRebuild catches up, or rebuilds (and catches up from the
// rebuild's position) when the change log was pruned past the index's
// position (EEXPIRED): the index may have missed an edit or a withdrawal
// that no count check would see.
func (s *Syncer) catchUpOrRebuild(ctx context.Context) error {
	err := s.CatchUp(ctx)
	if content.ErrorCode(err) != content.EEXPIRED {
		return err
	}
	s.opts.Logger.Warn("the change log was pruned past the search index's position: rebuilding", "err", err)
	if err := s.Rebuild(ctx, ""); err != nil {
		return err
	}
	return s.CatchUp(ctx)
}

// snapshotInBackground writes a snapshot if one is due and none is being
// written, without holding up Run.
func (s *Syncer) snapshotInBackground(ctx context.Context) {
	if s.opts.Snapshots.Store == nil || !s.snapshotting.CompareAndSwap(false, true) {
		return
	}
	s.snapshots.Add(1)
	go func() {
		defer s.snapshots.Done()
		defer s.snapshotting.Store(false)
		if _, err := s.WriteSnapshot(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("search index snapshot not written", "err", err)
		}
	}()
}

// CatchUp applies every change not yet reflected in the index.
func (s *Syncer) CatchUp(ctx context.Context) error { return s.feed.CatchUp(ctx) }

// subscriber is the index as a subscriber of the change log.
type subscriber struct{ s *Syncer }

func (sub subscriber) Watermark() uint64 { return sub.s.watermark() }

// Apply reloads each changed resource from PostgreSQL and indexes it if
// published, else deletes it, in bounded batches; the watermark moves with
// the last batch. Reapplying a change is harmless.
func (sub subscriber) Apply(ctx context.Context, changes []content.Change, next uint64) error {
	s := sub.s
	from := s.watermark()
	var ids []int64
	seen := map[int64]bool{}
	var oldest time.Time
	for _, c := range changes {
		if seen[c.ResourceID] {
			continue
		}
		seen[c.ResourceID] = true
		ids = append(ids, c.ResourceID)
		if oldest.IsZero() || c.CreatedAt.Before(oldest) {
			oldest = c.CreatedAt
		}
	}
	s.m.lagChanges.Set(float64(len(ids)))
	if !oldest.IsZero() {
		s.m.lagSeconds.Set(time.Since(oldest).Seconds())
	}
	if len(ids) == 0 && next == from {
		s.m.lagSeconds.Set(0)
		return nil
	}
	for start := 0; ; start += s.opts.Batch {
		chunk := ids[start:min(start+s.opts.Batch, len(ids))]
		last := start+s.opts.Batch >= len(ids)
		published := map[int64]*content.Resource{}
		if len(chunk) > 0 {
			rs, err := s.src.ResourcesByID(ctx, chunk, 0)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.Visible() {
					published[r.ID] = r
				}
			}
		}
		mark := from // the watermark moves with the last chunk only
		if last {
			mark = next
		}
		if err := s.apply(chunk, published, mark); err != nil {
			return err
		}
		if last {
			break
		}
	}
	s.m.lagChanges.Set(0)
	s.m.lagSeconds.Set(0)
	if n, err := s.DocCount(); err == nil {
		s.m.docs.Set(float64(n))
	}
	return nil
}

// Rebuild rebuilds the index from PostgreSQL beside the live one.
func (s *Syncer) Rebuild(ctx context.Context, reindex string) error {
	if reindex == "" {
		// A rebuild from PostgreSQL carries out every reindex request
		// made before it starts (breaker4 F7: each heal of a damaged
		// index was followed by a second full rebuild for a request the
		// first had already met).
		if latest, err := s.src.LatestReindexRequest(ctx); err == nil && latest > 0 {
			reindex = strconv.FormatInt(latest, 10)
		}
	}
	err := s.rebuild(ctx, func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		return s.src.ScanPublished(ctx, s.opts.Batch, fn)
	}, reindex)
	if err != nil {
		return err
	}
	s.needRebuild = false
	s.rebuilt.Store(true)
	s.feed.Reset()
	return nil
}

// reindexIfRequested rebuilds when a newer reindex request is recorded.
func (s *Syncer) reindexIfRequested(ctx context.Context) error {
	latest, err := s.src.LatestReindexRequest(ctx)
	if err != nil {
		return err
	}
	done, _ := strconv.ParseInt(s.internal(keyReindex), 10, 64)
	if latest <= done {
		return nil
	}
	s.opts.Logger.Info("reindex requested: rebuilding the search index", "request", latest)
	return s.Rebuild(ctx, strconv.FormatInt(latest, 10))
}

// checkCount rebuilds when the index and PostgreSQL disagree on how many
// resources are published.
func (s *Syncer) checkCount(ctx context.Context) error {
	want, err := s.src.CountPublished(ctx)
	if err != nil {
		return err
	}
	have, err := s.DocCount()
	if err != nil {
		return err
	}
	if int(have) == want {
		return nil
	}
	s.opts.Logger.Warn("search index count disagrees with PostgreSQL: rebuilding", "index", have, "postgres", want)
	if err := s.Rebuild(ctx, ""); err != nil {
		return err
	}
	return s.CatchUp(ctx)
}

// Check reports whether the index is ready (for /readyz).
func (s *Syncer) Check() error {
	if !s.Ready() {
		return content.Unavailable(5*time.Second, "search index catching up")
	}
	return nil
}
