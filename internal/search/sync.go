package search

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"guidancehub/internal/content"
)

// Source is what the index is kept in step with: PostgreSQL.
type Source interface {
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
	PruneChanges(ctx context.Context, retention time.Duration) (int64, error)
}

// Options configure a Syncer.
type Options struct {
	// DataDir holds the index (DataDir/index).
	DataDir string
	// Poll is the safety-net interval between catch-ups without a
	// notification (default 2 s).
	Poll time.Duration
	// Retention is how long change rows are kept; a replica away longer
	// rebuilds instead of catching up (default 7 days).
	Retention time.Duration
	// Batch bounds documents per index batch (default 500).
	Batch   int
	Logger  *slog.Logger
	Metrics *Metrics
}

// Syncer owns a process's index and keeps it in step with the source:
// woken by notifications, polling as a safety net, catching up at start-up
// before it reports ready, and rebuilding when it must.
type Syncer struct {
	*Index
	src  Source
	opts Options
	wake chan struct{}
	// applied remembers change rows already applied since the watermark
	// last moved, so a row read again is not applied again.
	applied map[int64]bool
}

// NewSyncer opens (or creates) the index under opts.DataDir. It fails fast
// with ErrInUse when another process holds the index.
func NewSyncer(src Source, opts Options) (*Syncer, error) {
	if opts.Poll == 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Retention == 0 {
		opts.Retention = 7 * 24 * time.Hour
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
	ix, rebuild, err := openIndex(indexDir(opts.DataDir), opts.Logger, opts.Metrics)
	if err != nil {
		return nil, err
	}
	s := &Syncer{Index: ix, src: src, opts: opts, wake: make(chan struct{}, 1), applied: map[int64]bool{}}
	ix.onDamage = s.Wake
	if rebuild {
		s.needRebuild = true
	}
	return s, nil
}

// Wake asks the syncer to catch up now (on a change notification).
func (s *Syncer) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

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
	if err := s.reindexIfRequested(ctx); err != nil {
		return err
	}
	if s.needRebuild {
		if err := s.Rebuild(ctx, ""); err != nil {
			return err
		}
	}
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	if err := s.checkCount(ctx); err != nil {
		return err
	}
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
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	check := time.NewTicker(10 * time.Second)
	defer check.Stop()
	go s.VerifySegments(true)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-poll.C:
		case <-prune.C:
			if n, err := s.src.PruneChanges(ctx, s.opts.Retention); err != nil {
				s.opts.Logger.Warn("prune change log", "err", err)
			} else if n > 0 {
				s.opts.Logger.Info("pruned change log", "rows", n)
			}
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
	if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
		s.opts.Logger.Error("search index catch-up", "err", err)
	}
}

// CatchUp applies every change not yet reflected in the index: it reloads
// each changed resource from PostgreSQL and indexes it if published, else
// deletes it. Reapplying a change is harmless.
func (s *Syncer) CatchUp(ctx context.Context) error {
	from := s.watermark()
	changes, next, err := s.src.ChangesSince(ctx, from)
	if err != nil {
		return err
	}
	var ids []int64
	seen := map[int64]bool{}
	var oldest time.Time
	for _, c := range changes {
		if s.applied[c.Seq] || seen[c.ResourceID] {
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
	// Rows read now may be read again (their transactions are at or above
	// the new watermark); remember them so they are not applied twice.
	s.applied = make(map[int64]bool, len(changes))
	for _, c := range changes {
		s.applied[c.Seq] = true
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
	err := s.rebuild(ctx, func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		return s.src.ScanPublished(ctx, s.opts.Batch, fn)
	}, reindex)
	if err != nil {
		return err
	}
	s.needRebuild = false
	s.applied = map[int64]bool{}
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
