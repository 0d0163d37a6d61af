package httpapi

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLogQueueLines is how many access-log lines may wait for the
// log's destination before new ones are dropped (a few hundred kilobytes).
const DefaultLogQueueLines = 4096

// LogQueue is an io.Writer for the access log that never makes a request
// wait on the log's destination (a pipe to a slow collector, a full disk, a
// terminal): each Write (one log line, as slog handlers write them) is
// copied into a bounded queue and written out by one goroutine; when the
// queue is full the line is dropped and counted (Dropped), never blocked
// on. Writes after Close are dropped and counted too.
type LogQueue struct {
	out     io.Writer
	lines   chan []byte
	done    chan struct{}
	mu      sync.RWMutex // Write holds it shared; Close exclusively, to close lines
	closed  bool
	dropped atomic.Uint64
}

// NewLogQueue starts a queue of at most n lines (n <= 0:
// DefaultLogQueueLines) in front of out.
func NewLogQueue(out io.Writer, n int) *LogQueue {
	if n <= 0 {
		n = DefaultLogQueueLines
	}
	q := &LogQueue{out: out, lines: make(chan []byte, n), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *LogQueue) run() {
	defer close(q.done)
	for b := range q.lines {
		q.out.Write(b) // a failing destination loses the line, as a synchronous log would
	}
}

// Write queues a copy of p and returns at once; it always reports success
// (a dropped line is counted, not returned as an error, so that the
// logger does not give up).
func (q *LogQueue) Write(p []byte) (int, error) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.dropped.Add(1)
		return len(p), nil
	}
	select {
	case q.lines <- append([]byte(nil), p...):
	default:
		q.dropped.Add(1)
	}
	return len(p), nil
}

// Dropped returns the number of lines dropped because the queue was full
// (or closed).
func (q *LogQueue) Dropped() uint64 { return q.dropped.Load() }

// Close stops accepting lines and waits up to wait for the queued ones to
// be written.
func (q *LogQueue) Close(wait time.Duration) {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.lines)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
	case <-time.After(wait):
	}
}
