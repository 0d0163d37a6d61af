package httpcache

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestRevalidationSkipsTheHandler: a matching If-None-Match at an unmoved
// generation is answered 304 without running the handler; once the
// generation moves the handler runs again, and the tag changes only if
// the body does.
func TestRevalidationSkipsTheHandler(t *testing.T) {
	var gen atomic.Uint64
	var calls atomic.Int64
	body := "one"
	c := New(Options{Position: func() (uint64, uint64) { return 7, gen.Load() }})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	}))
	do := func(inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/x?q=1", nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := do("")
	tag := first.Header().Get("ETag")
	if first.Code != 200 || first.Body.String() != "one" || tag != RepresentationTag("text/plain", []byte("one")) {
		t.Fatalf("first: %d %q %q", first.Code, first.Body, tag)
	}
	if r := do(tag); r.Code != http.StatusNotModified || r.Body.Len() != 0 || calls.Load() != 1 {
		t.Fatalf("revalidation: %d, handler ran %d times", r.Code, calls.Load())
	}
	gen.Add(1) // a change applied that did not touch this answer
	if r := do(tag); r.Code != http.StatusNotModified || calls.Load() != 2 {
		t.Fatalf("after a move: %d, handler ran %d times", r.Code, calls.Load())
	}
	gen.Add(1)
	body = "two"
	r := do(tag)
	if r.Code != 200 || r.Body.String() != "two" || r.Header().Get("ETag") == tag {
		t.Fatalf("after a change: %d %q %q", r.Code, r.Body, r.Header().Get("ETag"))
	}
	// With a token: private, no tag, handler always runs.
	req := httptest.NewRequest(http.MethodGet, "/x?q=1", nil)
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("If-None-Match", r.Header().Get("ETag"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("with a token: %d %v", rec.Code, rec.Header())
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{{`"a"`, true}, {`W/"a"`, true}, {`"b", "a"`, true}, {`*`, true}, {`"b"`, false}, {``, false}, {`a`, false}, {`"x", "a"`, true}, {`"ab"`, false}, {` W/"a" `, true}} {
		if got := Match(c.header, `"a"`); got != c.want {
			t.Errorf("Match(%q) = %v", c.header, got)
		}
	}
}

// BenchmarkRevalidation compares a 304 from the remembered tag with a
// full answer (the handler here is trivial; see the hub benchmark for
// GET /graphql).
func BenchmarkRevalidation(b *testing.B) {
	c := New(Options{Position: func() (uint64, uint64) { return 1, 1 }})
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 8<<10)) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	tag := rec.Header().Get("ETag")
	b.Run("304", func(b *testing.B) {
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req.Header.Set("If-None-Match", tag)
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	b.Run("200", func(b *testing.B) {
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
		}
	})
}

// TestHeadAndVary: over a real server, HEAD answers GET's status and
// headers (the GET body's tag and length) without a body, and 304 for the
// GET tag (RFC 9110 9.3.2); a Vary set before the middleware (rs/cors's
// Origin) and by the handler is kept, with Authorization and Accept added
// once; answers of different media types never share a tag.
func TestHeadAndVary(t *testing.T) {
	c := New(Options{})
	inner := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("handler saw %s", r.Method)
		}
		w.Header().Set("Content-Type", r.URL.Query().Get("ct"))
		w.Header().Add("Vary", "accept-language")
		w.Write([]byte("body"))
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin")
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	do := func(method, ct, inm string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/?ct="+ct, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	get, head := do(http.MethodGet, "text/plain", ""), do(http.MethodHead, "text/plain", "")
	if head.StatusCode != 200 || head.Header.Get("ETag") != get.Header.Get("ETag") || head.Header.Get("Content-Length") != "4" || head.ContentLength != 4 {
		t.Errorf("HEAD: %d ETag %q (GET %q) Content-Length %q", head.StatusCode, head.Header.Get("ETag"), get.Header.Get("ETag"), head.Header.Get("Content-Length"))
	}
	if r := do(http.MethodHead, "text/plain", get.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
		t.Errorf("HEAD with the GET tag: %d", r.StatusCode)
	}
	for _, r := range []*http.Response{get, head, do(http.MethodGet, "text/plain", get.Header.Get("ETag"))} {
		if v := r.Header.Values("Vary"); len(v) != 1 || v[0] != "Origin, Authorization, Accept, accept-language" {
			t.Errorf("%s %d: Vary %q", r.Request.Method, r.StatusCode, v)
		}
	}
	if other := do(http.MethodGet, "application/json", ""); other.Header.Get("ETag") == get.Header.Get("ETag") {
		t.Errorf("text/plain and application/json share the tag %s", get.Header.Get("ETag"))
	}
}
