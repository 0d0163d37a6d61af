package httpapi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// step is one response the test handler writes: its body in chunks, each
// perhaps followed by a Flush, with or without a Content-Length.
type step struct {
	chunks  []int
	flushes []bool
	length  bool
	head    bool
}

func (s step) size() int {
	n := 0
	for _, c := range s.chunks {
		n += c
	}
	return n
}

// body is the deterministic body of a response of n bytes for request i.
func body(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = "abcdefghijklmnopqrstuvwxyz0123456789\n"[(i*7+j)%37]
	}
	return b
}

// genSteps draws responses whose sizes fall on and around net/http's 4 KB
// buffer: the header is ~120 bytes, so bodies of 4096-120 ± a few, 8192 -
// 120 ± a few, exact multiples, empty, small and ~20 KB, written at once
// or in chunks (some exactly 4096), with Flush calls, with and without a
// Content-Length, some answered to HEAD.
func genSteps(r *rand.Rand, n int) []step {
	var out []step
	for range n {
		var size int
		switch r.IntN(6) {
		case 0:
			size = 4096*(1+r.IntN(3)) - 140 + r.IntN(60)
		case 1:
			size = 4096 * r.IntN(4)
		case 2:
			size = r.IntN(300)
		case 3:
			size = 3000 + r.IntN(18000)
		default:
			size = 3900 + r.IntN(400)
		}
		s := step{length: r.IntN(3) > 0, head: r.IntN(10) == 0}
		for left := size; left > 0 || len(s.chunks) == 0; {
			c := left
			switch r.IntN(4) {
			case 0:
				c = min(left, 4096)
			case 1:
				c = min(left, 1+r.IntN(5000))
			}
			s.chunks = append(s.chunks, c)
			s.flushes = append(s.flushes, r.IntN(5) == 0)
			left -= c
			if c == 0 {
				break
			}
		}
		out = append(out, s)
	}
	return out
}

// serveSteps serves the steps in order on /step/i with ln wrapped or not.
func serveSteps(t *testing.T, steps []step, coalesce bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/step/"))
		s := steps[i]
		w.Header().Set("Date", "Mon, 30 Nov 2026 16:00:00 GMT")
		w.Header().Set("Content-Type", "text/plain")
		if s.length {
			w.Header().Set("Content-Length", strconv.Itoa(s.size()))
			if !slices.Contains(s.flushes, true) {
				holdResponse(r) // as the GraphQL transport's answers
			}
		}
		b := body(i, s.size())
		for j, c := range s.chunks {
			w.Write(b[:c])
			b = b[c:]
			if s.flushes[j] {
				http.NewResponseController(w).Flush()
			}
		}
	})
	// Idle and write timeouts of an hour: only the connection's own rules
	// may release what it holds.
	srv := &http.Server{Handler: h, IdleTimeout: time.Hour, WriteTimeout: time.Hour, ConnContext: withConn}
	var l net.Listener = ln
	if coalesce {
		l = CoalesceWrites(ln)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// exchange sends every step's request on one connection, one after the
// other, reading each whole response (within a bounded wait: a response
// held back would never complete), and returns the raw bytes received.
func exchange(t *testing.T, addr string, steps []step) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &raw))
	for i, s := range steps {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		method := http.MethodGet
		if s.head {
			method = http.MethodHead
		}
		fmt.Fprintf(c, "%s /step/%d HTTP/1.1\r\nHost: x\r\n\r\n", method, i)
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("step %d (%+v): %v", i, s, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := body(i, s.size())
		if s.head {
			want = nil
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("step %d (%+v): body of %d bytes (%v), want %d", i, s, len(got), err, len(want))
		}
	}
	// What is left is what the reader had not consumed: nothing more.
	return raw.Bytes()[:raw.Len()-br.Buffered()]
}

// TestCoalescedResponsesAreTheSame: a server whose connections hold full
// 4 KB buffers (CoalesceWrites) sends, over one keep-alive connection,
// byte for byte what the same server sends without it, for generated
// sequences of responses; every response completes without the next
// request (held bytes never wait for it) and with the idle timeout an
// hour away.
func TestCoalescedResponsesAreTheSame(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 9))
	for round := range 6 {
		steps := genSteps(r, 60)
		plain := exchange(t, serveSteps(t, steps, false), steps)
		coalesced := exchange(t, serveSteps(t, steps, true), steps)
		if !bytes.Equal(plain, coalesced) {
			t.Fatalf("round %d: %d bytes coalesced, %d plain, first difference at %d", round, len(coalesced), len(plain), firstDiff(plain, coalesced))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestFlushedBytesAreNotHeld: a streaming handler that flushes, then
// waits for the client to read what it flushed, gets it to the client:
// its connection holds nothing back (it never said its response is
// written whole), even when a flush writes exactly one full buffer (the
// first write's size runs over every value for which the header, the
// chunk's framing and the data fill the 4 KB buffer).
func TestFlushedBytesAreNotHeld(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.Header().Set("Date", "Mon, 30 Nov 2026 16:00:00 GMT")
		w.Write(body(n, n))
		http.NewResponseController(w).Flush()
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Errorf("the client did not get %d flushed bytes", n)
			return
		}
		w.Write(body(n, 10))
	})
	srv := &http.Server{Handler: h, ConnContext: withConn, IdleTimeout: time.Hour}
	go srv.Serve(CoalesceWrites(ln))
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for n := 3900; n <= 4100; n++ {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", n)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil || !bytes.Equal(b, body(n, n)) {
			t.Fatalf("%d flushed bytes: %v", n, err)
		}
		got <- struct{}{}
		if rest, err := io.ReadAll(resp.Body); err != nil || !bytes.Equal(rest, body(n, 10)) {
			t.Fatalf("after %d flushed bytes: %q, %v", n, rest, err)
		}
	}
}

// TestOnlyWholeResponsesAreHeld drives a coalescing connection directly:
// a full buffer is sent at once unless the response was said to be
// written whole; then it waits for the next write of another size, a
// deadline, a read or Close, and goes out with it, in order.
func TestOnlyWholeResponsesAreHeld(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	raw, err := CoalesceWrites(ln).Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := raw.(*coalescingConn)
	full := body(1, netHTTPBuffer)
	expect := func(what string, want []byte) {
		t.Helper()
		peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, len(want))
		if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	nothing := func(what string) {
		t.Helper()
		// Held bytes never arrive by themselves: a short wait suffices.
		peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		var b [1]byte
		if n, err := peer.Read(b[:]); n > 0 || err == nil {
			t.Fatalf("%s: bytes arrived that should be held", what)
		}
	}
	c.Write(full)
	expect("a full buffer of a response not said whole", full)
	for _, release := range []struct {
		name string
		do   func()
		tail []byte
	}{
		{"a shorter write", func() { c.Write([]byte("end")) }, []byte("end")},
		{"a write deadline", func() { c.SetWriteDeadline(time.Time{}) }, nil},
		{"a read deadline", func() { c.SetReadDeadline(time.Time{}) }, nil},
		{"a deadline", func() { c.SetDeadline(time.Time{}) }, nil},
		{"a read", func() {
			peer.Write([]byte("x"))
			var b [1]byte
			c.Read(b[:])
		}, nil},
	} {
		c.holdResponse()
		c.Write(full)
		c.Write(full)
		nothing("two full buffers of a whole response, before " + release.name)
		release.do()
		expect("after "+release.name, append(append(append([]byte{}, full...), full...), release.tail...))
		c.Write(full)
		expect("a full buffer after "+release.name, full)
	}
	c.holdResponse()
	c.Write(full)
	c.Close()
	expect("held at Close", full)
}
