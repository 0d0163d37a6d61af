// Package httpcache makes the hub's GET doors (GET /graphql, pages, feeds,
// exports, citations) cacheable by browsers and CDNs: a strong ETag (a hash
// of the body) revalidated against the change-log position this replica
// has applied,
// Cache-Control public with a short max-age and stale-while-revalidate for
// anonymous callers, private no-store for anything sent with a token, and
// 304 Not Modified for a matching If-None-Match (RFC 9110 13.1.2, 15.4.5;
// RFC 5861 for stale-while-revalidate).
//
// The change-log position decides when a tag must be recomputed: a request
// whose If-None-Match names the tag this replica last gave the same
// request, while the replica has applied no change since, gets 304 without
// running the handler at all (that is what makes a revalidation cheap);
// after any change the handler runs and the body's hash decides.
package httpcache

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// Options configure the middleware.
type Options struct {
	// Position returns the change-log watermark this replica has applied
	// and a generation that grows with every change applied (search.Index
	// Position). Nil: tags carry only the body hash and every request runs
	// the handler.
	Position func() (watermark, generation uint64)
	// MaxAge (default 60 s) and StaleWhileRevalidate (default 300 s) go
	// into Cache-Control for anonymous answers.
	MaxAge, StaleWhileRevalidate time.Duration
	// Cacheable decides from a 200 answer's body whether it may be cached
	// (default: every 200). GraphQL uses it to leave out answers with
	// errors, which can be passing (a timeout, an index being rebuilt).
	Cacheable func(body []byte) bool
	// Entries bounds the remembered tags (default 10,000 requests).
	Entries int
}

// Cache is the middleware's state: the tags last given, by request.
type Cache struct {
	o    Options
	tags *lru.LRU[entry]
}

type entry struct {
	generation uint64
	tag        string
}

// New returns a cache.
func New(o Options) *Cache {
	if o.MaxAge == 0 {
		o.MaxAge = 60 * time.Second
	}
	if o.StaleWhileRevalidate == 0 {
		o.StaleWhileRevalidate = 300 * time.Second
	}
	if o.Entries == 0 {
		o.Entries = 10000
	}
	return &Cache{o: o, tags: lru.New[entry](o.Entries)}
}

// Vary is the Vary header of a door whose answer depends on who asks and
// on the negotiated media type (GET /graphql); VaryAuthorization that of a
// door with one media type (pages, feeds, exports, downloads). The hub
// compresses nothing, so Accept-Encoding is in neither.
const (
	Vary              = "Authorization, Accept"
	VaryAuthorization = "Authorization"
)

// Handler wraps next for a door whose answer depends on the Accept header
// (GET /graphql): Vary is Vary and the remembered tags are per Accept
// value. See HandlerFor.
func (c *Cache) Handler(next http.Handler) http.Handler {
	return c.HandlerFor(next, true)
}

// HandlerFor wraps next. byAccept says the answer depends on the Accept
// header (Vary: Authorization, Accept, and tags remembered per Accept
// value); otherwise Vary is Authorization only, so a shared cache keeps one
// copy for every browser.
//
// The answer is buffered to hash it: use it for answers that fit in memory,
// not for long streams (the NDJSON export tags itself from its snapshot,
// see partner.ExportHandler). GET and HEAD requests are handled as the
// package comment says; other methods pass through untouched. A request
// with an Authorization header is answered private, no-store, without ETag.
// An answer that is not 200, or that Cacheable refuses, passes through as
// the handler wrote it (with no-store unless the handler set
// Cache-Control): preconditions do not apply to an answer that would not be
// 2xx (RFC 9110 13.2.1), so a 404 or 410 is never a 304.
func (c *Cache) HandlerFor(next http.Handler, byAccept bool) http.Handler {
	vary := VaryAuthorization
	if byAccept {
		vary = Vary
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		// HEAD is answered as GET would be, without the body (RFC 9110
		// 9.3.2): next runs as GET, so the tag and length are the GET
		// body's.
		head := r.Method == http.MethodHead
		if head {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		h := w.Header()
		AddVary(h, vary)
		if r.Header.Get("Authorization") != "" {
			h.Set("Cache-Control", "private, no-store")
			next.ServeHTTP(&privateWriter{ResponseWriter: w}, r)
			return
		}
		key := requestKey(r, byAccept)
		inm := r.Header.Get("If-None-Match")
		var generation uint64
		if c.o.Position != nil {
			_, generation = c.o.Position()
			if inm != "" {
				if e, ok := c.tags.Get(r.Context(), key); ok && e.generation == generation && Match(inm, e.tag) {
					c.notModified(w, e.tag, vary)
					return
				}
			}
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		for k, v := range rec.header {
			if k != "Vary" {
				h[k] = v
			}
		}
		AddVary(h, strings.Join(rec.header.Values("Vary"), ", "))
		send := func(status int) {
			h.Set("Content-Length", strconv.Itoa(len(rec.body)))
			w.WriteHeader(status)
			if !head {
				w.Write(rec.body)
			}
		}
		if rec.status != http.StatusOK || (c.o.Cacheable != nil && !c.o.Cacheable(rec.body)) {
			if h.Get("Cache-Control") == "" {
				h.Set("Cache-Control", "no-store")
			}
			h.Del("ETag")
			if !bodyAllowed(rec.status) {
				h.Del("Content-Length")
				w.WriteHeader(rec.status)
				return
			}
			send(rec.status)
			return
		}
		tag := RepresentationTag(h.Get("Content-Type"), rec.body)
		if c.o.Position != nil {
			c.tags.Add(r.Context(), key, entry{generation: generation, tag: tag})
		}
		if Match(inm, tag) {
			c.notModified(w, tag, vary)
			return
		}
		h.Set("ETag", tag)
		h.Set("Cache-Control", c.cacheControl())
		send(http.StatusOK)
	})
}

// bodyAllowed reports whether a status may carry a body (RFC 9110 6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// AddVary adds each name in names (a comma-separated list) to h's Vary
// unless it is there already (compared without regard to case), keeping
// what is there: Vary is a list (RFC 9110 12.5.5), and rs/cors's Origin
// must survive, or a shared cache would give one origin's CORS answer to
// another.
func AddVary(h http.Header, names string) {
	have := map[string]bool{}
	var list []string
	for _, v := range append(h.Values("Vary"), names) {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" && !have[strings.ToLower(n)] {
				have[strings.ToLower(n)] = true
				list = append(list, n)
			}
		}
	}
	if len(list) > 0 {
		h.Set("Vary", strings.Join(list, ", "))
	}
}

// CacheControl is the Cache-Control of an anonymous, tagged answer:
// "public, max-age=60, stale-while-revalidate=300" by default.
func (c *Cache) CacheControl() string { return c.cacheControl() }

func (c *Cache) cacheControl() string {
	return "public, max-age=" + strconv.Itoa(int(c.o.MaxAge/time.Second)) +
		", stale-while-revalidate=" + strconv.Itoa(int(c.o.StaleWhileRevalidate/time.Second))
}

// notModified answers 304 with the validator and caching headers a 200
// would carry, and no body (RFC 9110 15.4.5).
func (c *Cache) notModified(w http.ResponseWriter, tag, vary string) {
	h := w.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition"} {
		h.Del(k)
	}
	h.Set("ETag", tag)
	h.Set("Cache-Control", c.cacheControl())
	AddVary(h, vary)
	w.WriteHeader(http.StatusNotModified)
}

// privateWriter keeps a token-bearing answer private: whatever
// Cache-Control or ETag the handler sets, it goes out private, no-store,
// without a tag.
type privateWriter struct {
	http.ResponseWriter
	wrote bool
}

func (p *privateWriter) WriteHeader(code int) {
	if !p.wrote {
		p.wrote = true
		h := p.ResponseWriter.Header()
		h.Set("Cache-Control", "private, no-store")
		h.Del("ETag")
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *privateWriter) Write(b []byte) (int, error) {
	if !p.wrote {
		p.WriteHeader(http.StatusOK)
	}
	return p.ResponseWriter.Write(b)
}

func (p *privateWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// Tag is the strong entity tag of a body: the first 128 bits of its
// SHA-256 in hex, quoted. It changes exactly when the body does: not when
// the change log moves without touching this answer (a draft saved, an
// unrelated resource published), and never with the clock; two replicas
// give the same tag for the same body, and different tags where their
// scores (and so the body) differ.
func Tag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// RepresentationTag is the strong entity tag of a representation: like
// Tag, but over the media type as well as the body, so two answers to
// one URL that differ only in Content-Type (negotiated by Accept) never
// share a tag (RFC 9110 8.8.3: a strong validator is unique across all
// representations of a resource). The middleware tags answers with it.
func RepresentationTag(contentType string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(contentType))
	h.Write([]byte{0})
	h.Write(body)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// Match applies If-None-Match's weak comparison (RFC 9110 13.1.2): true
// for "*" or when any listed tag equals tag, W/ prefixes ignored.
func Match(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// requestKey names what an answer depends on besides the position: the
// path and query, the Accept header (for doors that negotiate), and
// today's date (UTC) for answers that use it.
func requestKey(r *http.Request, byAccept bool) string {
	accept := ""
	if byAccept {
		accept = r.Header.Get("Accept")
	}
	return r.Method + " " + r.URL.RequestURI() + "\x00" + accept + "\x00" + time.Now().UTC().Format("2006-01-02")
}

// recorder buffers an answer so its tag can be computed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   []byte
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body = append(r.body, b...)
	return len(b), nil
}

// Private returns w made private: whatever Cache-Control or ETag the
// handler sets, the answer goes out "private, no-store" without a tag. For
// doors that are not wrapped by a Cache (static assets) but follow the same
// rule for requests sent with a token.
func Private(w http.ResponseWriter) http.ResponseWriter {
	return &privateWriter{ResponseWriter: w}
}
