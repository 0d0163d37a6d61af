package postgres

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Tracer counts round trips to the database: each query outside a batch
// and each batch count as one. Metrics read it; tests assert on it.
type Tracer struct {
	roundTrips atomic.Int64
}

// RoundTrips returns the number of round trips so far.
func (t *Tracer) RoundTrips() int64 { return t.roundTrips.Load() }

type inBatchKey struct{}

// TraceQueryStart counts a query unless it is part of a batch.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if ctx.Value(inBatchKey{}) == nil {
		t.roundTrips.Add(1)
	}
	return ctx
}

// TraceQueryEnd does nothing.
func (t *Tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart counts a batch as one round trip.
func (t *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	t.roundTrips.Add(1)
	return context.WithValue(ctx, inBatchKey{}, true)
}

// TraceBatchQuery does nothing.
func (t *Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (t *Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
