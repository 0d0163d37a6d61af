// Package changelog reads the hub's change log for its subscribers. Every
// write that changes what the public sees records a change row in the same
// transaction (the outbox, in PostgreSQL); each subscriber keeps its own
// position in the log and a Consumer brings it up to date: on a
// notification (Wake), by polling as a safety net, and at start-up. The
// search index is one subscriber; the partner change feed and webhook
// deliveries are meant to be others.
package changelog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"guidancehub/internal/content"
)

// DefaultRetention is how long change rows are kept: a subscriber away
// longer must start again from the resources themselves (the index
// rebuilds; a feed reader re-exports).
const DefaultRetention = 7 * 24 * time.Hour

// Log is the change log: PostgreSQL's changes table.
type Log interface {
	// ChangesSince returns the public change rows a reader at watermark
	// may not have seen (late commits included; a row may come again) and
	// the watermark for its next call.
	ChangesSince(ctx context.Context, watermark uint64) ([]content.Change, uint64, error)
}

// Subscriber is one reader of the log with its own position.
type Subscriber interface {
	// Watermark is the position the subscriber has applied up to (0: the
	// start), kept with the subscriber's own state so that it survives a
	// restart.
	Watermark() uint64
	// Apply applies changes (applying one twice must be harmless) and
	// then records next as the watermark. changes may be empty when only
	// the watermark moves.
	Apply(ctx context.Context, changes []content.Change, next uint64) error
}

// Options configure a Consumer.
type Options struct {
	// Poll is the safety-net interval between catch-ups without a
	// notification (default 2 s).
	Poll time.Duration
	// Name names the subscriber in logs.
	Name   string
	Logger *slog.Logger
}

// Consumer keeps one subscriber in step with the log. CatchUp and Run may
// not be called concurrently with each other.
type Consumer struct {
	log  Log
	sub  Subscriber
	opts Options
	wake chan struct{}

	mu sync.Mutex
	// applied remembers the rows handed over since the watermark last
	// moved: rows at or above it are read again, and are not handed twice.
	applied map[int64]bool
}

// NewConsumer returns a Consumer of log for sub.
func NewConsumer(log Log, sub Subscriber, opts Options) *Consumer {
	if opts.Poll == 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Consumer{log: log, sub: sub, opts: opts, wake: make(chan struct{}, 1), applied: map[int64]bool{}}
}

// Wake asks the consumer to catch up now (on a change notification).
func (c *Consumer) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Woken receives once after one or more Wake calls: for a subscriber that
// runs its own loop (the search index also checks and heals itself) and
// calls CatchUp when woken.
func (c *Consumer) Woken() <-chan struct{} { return c.wake }

// Reset forgets the rows handed over: after the subscriber starts again
// from a new position (an index rebuilt from a snapshot).
func (c *Consumer) Reset() {
	c.mu.Lock()
	c.applied = map[int64]bool{}
	c.mu.Unlock()
}

// CatchUp hands the subscriber every change it has not applied, once, and
// the log's next watermark.
func (c *Consumer) CatchUp(ctx context.Context) error {
	changes, next, err := c.log.ChangesSince(ctx, c.sub.Watermark())
	if err != nil {
		return err
	}
	c.mu.Lock()
	fresh := make([]content.Change, 0, len(changes))
	for _, ch := range changes {
		if !c.applied[ch.Seq] {
			fresh = append(fresh, ch)
		}
	}
	c.mu.Unlock()
	if err := c.sub.Apply(ctx, fresh, next); err != nil {
		return err
	}
	c.mu.Lock()
	c.applied = make(map[int64]bool, len(changes))
	for _, ch := range changes {
		c.applied[ch.Seq] = true
	}
	c.mu.Unlock()
	return nil
}

// Run catches up on every Wake and at least every Poll until ctx ends.
// Errors are logged and retried on the next round.
func (c *Consumer) Run(ctx context.Context) {
	poll := time.NewTicker(c.opts.Poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-poll.C:
		}
		if err := c.CatchUp(ctx); err != nil && ctx.Err() == nil {
			c.opts.Logger.Error("change log catch-up", "subscriber", c.opts.Name, "err", err)
		}
	}
}

// Pruner deletes change rows older than a retention period.
type Pruner interface {
	PruneChanges(ctx context.Context, retention time.Duration) (int64, error)
}

// Prune deletes rows older than retention every interval until ctx ends.
// Every replica may run it; deleting is idempotent.
func Prune(ctx context.Context, p Pruner, retention, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n, err := p.PruneChanges(ctx, retention); err != nil && ctx.Err() == nil {
			log.Warn("prune change log", "err", err)
		} else if n > 0 {
			log.Info("pruned change log", "rows", n)
		}
	}
}
