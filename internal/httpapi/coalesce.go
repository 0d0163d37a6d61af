package httpapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// CoalesceWrites returns ln with its TCP connections wrapped so that a
// GraphQL answer larger than net/http's 4 KB connection buffer goes to the
// socket in one write (writev) instead of one per 4 KB buffer filled:
// net/http writes a response through a bufio.Writer of 4 KB, so a slug
// lookup of the peer kit (5.8 KB with its header) took two write(2) calls
// and two TCP segments, a list of 20 (12 KB) three; those writes were 22 %
// of a lookup's CPU (on loopback a write also runs the receiver's side).
// Serve the listener with NewServer's server.
//
// Only a response that is written whole at once is held back: one whose
// length is known before its first byte (the GraphQL transport's answers,
// which set Content-Length; see holdResponse). While it is written, each
// full 4 KB buffer is held, and the next write of another size (the end
// of the response) sends them with it in one writev. Whatever is held
// also goes out before anything else the connection does: a read, a
// deadline set (net/http sets one after every response), ReadFrom,
// CloseWrite, Close; and at maxHeld. Streaming responses (a handler's
// Flush) are never held. Bytes and their order are unchanged.
func CoalesceWrites(ln net.Listener) net.Listener { return coalescingListener{ln} }

// netHTTPBuffer is the size of net/http's per-connection write buffer
// (net/http server.go, newBufioWriterSize(..., 4<<10)); maxHeld bounds
// what a connection holds.
const (
	netHTTPBuffer = 4 << 10
	maxHeld       = 64 << 10
)

type coalescingListener struct{ net.Listener }

func (l coalescingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &coalescingConn{TCPConn: tc}, nil
	}
	return c, err
}

// coalescingConn is a TCP connection that holds full 4 KB buffers of a
// response written whole until the response's last write (see
// CoalesceWrites).
type coalescingConn struct {
	*net.TCPConn
	mu sync.Mutex
	// whole: the response being written is written whole at once
	// (holdResponse), until a write that is not a full buffer.
	whole bool
	held  []byte
}

// holdResponse says that the response about to be written is written
// whole, at once: its full buffers may wait for its last write.
func (c *coalescingConn) holdResponse() {
	c.mu.Lock()
	c.whole = true
	c.mu.Unlock()
}

func (c *coalescingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.whole && len(p) == netHTTPBuffer && len(c.held)+len(p) <= maxHeld {
		if c.held == nil {
			c.held = (*heldPool.Get().(*[]byte))[:0]
		}
		c.held = append(c.held, p...) // p is net/http's buffer: copied
		return len(p), nil
	}
	c.whole = false
	if len(c.held) == 0 {
		return c.TCPConn.Write(p)
	}
	held := len(c.held)
	bufs := net.Buffers{c.held, p}
	n, err := bufs.WriteTo(c.TCPConn) // writev
	c.release()
	// The held bytes were reported written already: net/http has moved
	// on (a failed write ends the connection either way).
	return max(int(n)-held, 0), err
}

// flush sends what is held.
func (c *coalescingConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.whole = false
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.TCPConn.Write(c.held)
	c.release()
	return err
}

// release returns the held buffer to the pool (an idle connection keeps
// none).
func (c *coalescingConn) release() {
	b := c.held[:0]
	heldPool.Put(&b)
	c.held = nil
}

type coalescingKey struct{}

// withConn is NewServer's ConnContext: a coalescing connection is found
// from its requests' contexts.
func withConn(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*coalescingConn); ok {
		return context.WithValue(ctx, coalescingKey{}, cc)
	}
	return ctx
}

// holdResponse tells r's connection, if it coalesces writes, that the
// response about to be written is written whole at once.
func holdResponse(r *http.Request) {
	if cc, ok := r.Context().Value(coalescingKey{}).(*coalescingConn); ok {
		cc.holdResponse()
	}
}

// heldPool holds the buffers of held writes.
var heldPool = sync.Pool{New: func() any { b := make([]byte, 0, 2*netHTTPBuffer); return &b }}

func (c *coalescingConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.TCPConn.Read(p)
}

func (c *coalescingConn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.TCPConn.ReadFrom(r)
}

func (c *coalescingConn) SetDeadline(t time.Time) error {
	c.flush()
	return c.TCPConn.SetDeadline(t)
}

func (c *coalescingConn) SetReadDeadline(t time.Time) error {
	c.flush()
	return c.TCPConn.SetReadDeadline(t)
}

func (c *coalescingConn) SetWriteDeadline(t time.Time) error {
	c.flush()
	return c.TCPConn.SetWriteDeadline(t)
}

func (c *coalescingConn) CloseWrite() error {
	c.flush()
	return c.TCPConn.CloseWrite()
}

func (c *coalescingConn) Close() error {
	c.flush()
	return c.TCPConn.Close()
}
