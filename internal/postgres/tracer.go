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
	statements atomic.Int64
	// Observe, if set, is called with the SQL of every statement, batched
	// or not (tests count what reaches the database); it must be safe for
	// concurrent use.
	Observe func(sql string)
}

// Statements returns the number of SQL statements sent so far (each query
// of a batch counts).
func (t *Tracer) Statements() int64 { return t.statements.Load() }

func (t *Tracer) observe(sql string) {
	t.statements.Add(1)
	if t.Observe != nil {
		t.Observe(sql)
	}
}

// RoundTrips returns the number of round trips so far.
func (t *Tracer) RoundTrips() int64 { return t.roundTrips.Load() }

type inBatchKey struct{}

// TraceQueryStart counts a query unless it is part of a batch.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if ctx.Value(inBatchKey{}) == nil {
		t.roundTrips.Add(1)
		t.observe(d.SQL)
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

// TraceBatchQuery counts each statement of a batch.
func (t *Tracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	t.observe(d.SQL)
}

// TraceBatchEnd does nothing.
func (t *Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
