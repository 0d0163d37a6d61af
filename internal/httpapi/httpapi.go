// Package httpapi is the hub's HTTP surface: /graphql with the transport
// rules of GraphQL over HTTP (mutations only over POST, body limits, media
// types), GraphiQL, health and readiness probes, Prometheus metrics, CORS,
// request timeouts and access logs that never carry query strings or IPs.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"guidancehub/graph"
	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
	"guidancehub/internal/httpapi/graphiql"
	"guidancehub/internal/httpcache"
	"guidancehub/internal/reuse"
)

// Options configure the handler.
type Options struct {
	Logger *slog.Logger
	// GraphQL serves /graphql.
	GraphQL http.Handler
	// Ready reports whether the hub can serve (database reachable, index
	// caught up); /readyz answers 503 with the error otherwise.
	Ready func(ctx context.Context) error
	// CORSOrigins are the origins allowed to call the API from a browser;
	// empty means no cross-origin access.
	CORSOrigins []string
	// RequestTimeout bounds each request's work (default 10 s).
	RequestTimeout time.Duration
	// MaxBodyBytes caps a request body from anonymous and partner callers
	// (default 64 KiB); MaxEditorBodyBytes from editors and admins (2 MiB).
	MaxBodyBytes       int64
	MaxEditorBodyBytes int64
	// Authenticate checks a bearer token. A bad, expired or revoked token
	// gets 401, never a silent downgrade to anonymous. Nil: tokens refused.
	Authenticate func(ctx context.Context, token string) (*content.Principal, error)
	// Registry receives the HTTP metrics; /metrics serves it.
	Registry *prometheus.Registry
	// Rates are the request limits per kind of caller (DefaultRates fill
	// the gaps); ClientIPHeader is a trusted proxy's header carrying the
	// client address ("" means use the peer address).
	Rates          map[string]Rate
	ClientIPHeader string
	// Export serves GET /export/resources.ndjson, a long stream: outside
	// the request timeout (it sets its own write deadlines). Atom serves
	// GET /feeds/resources.atom. Nil: not served.
	Export http.Handler
	Atom   http.Handler
	// Pages serves the pages for people (internal/web) at every path the
	// API does not own: /, /search, /resources/{slug}, /topics, assets,
	// and the HTML 404. Nil: those paths answer 404.
	Pages http.Handler
	// AccessLogEvery thins the access log: 0 or 1 logs every request, N > 1
	// one request in N (and every 5xx answer), a negative value none.
	AccessLogEvery int
	// AccessLog receives the access-log lines (nil: Logger). The hub gives
	// it a logger over a LogQueue, so that no request waits on the log's
	// destination; AccessLogDropped then reports the lines the queue
	// dropped, as hub_access_log_dropped_total.
	AccessLog        *slog.Logger
	AccessLogDropped func() uint64
	// Reuse serves the partner doors outside GraphQL (internal/reuse:
	// citation downloads, /schema.graphql, oEmbed, embed cards): the paths
	// reuse.Owns claims go to it before any other route.
	Reuse http.Handler
	// Cache makes anonymous GET /graphql answers, the Atom feed and the
	// reuse doors cacheable (internal/httpcache); nil: no caching headers.
	// The pages take the same cache through web.Options.Cache, and the
	// export tags itself (partner.ExportHandler).
	Cache *httpcache.Cache
	// PersistedQuery looks up the document a request names by id instead
	// of sending it: a trusted document's id (documentId, doc_id or
	// extensions.persistedQuery.sha256Hash; graph.TrustedDocuments) or an
	// automatic persisted query's SHA-256 hash (graph.PersistedQueries), so
	// a GET naming a mutation by id is 405 like one that spells it out.
	// Nil: unknown.
	PersistedQuery func(id string) (string, bool)
}

// New returns the hub's HTTP handler.
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.MaxEditorBodyBytes == 0 {
		opts.MaxEditorBodyBytes = 2 << 20
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(opts.Registry)
	if opts.AccessLog == nil {
		opts.AccessLog = opts.Logger
	}
	if opts.AccessLogDropped != nil {
		dropped := opts.AccessLogDropped
		opts.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hub_access_log_dropped_total",
			Help: "Access-log lines dropped because the log's destination did not keep up (requests never wait for it).",
		}, func() float64 { return float64(dropped()) }))
	}

	mux := http.NewServeMux()
	limits := newLimiter(opts.Rates, opts.ClientIPHeader)
	var transport http.Handler = graphqlTransport(opts.GraphQL, func(r *http.Request) int64 {
		if content.PrincipalFrom(r.Context()).Can(content.RoleEditor) {
			return opts.MaxEditorBodyBytes
		}
		return opts.MaxBodyBytes
	}, opts.PersistedQuery)
	if opts.Cache != nil {
		transport = opts.Cache.Handler(transport)
	}
	gql := withCORS(opts.CORSOrigins, authenticate(opts.Logger, opts.Authenticate, rateLimit(limits, transport)))
	mux.Handle("/graphql", m.instrument("graphql", gql))
	mux.Handle("GET /graphiql", m.instrument("graphiql", graphiql.Handler("/graphiql")))
	mux.Handle("GET /graphiql/", m.instrument("graphiql", graphiql.Handler("/graphiql")))
	mux.Handle("GET /healthz", m.instrument("healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})))
	mux.Handle("GET /readyz", m.instrument("readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if opts.Ready != nil {
			if err := opts.Ready(r.Context()); err != nil {
				d, ok := content.RetryAfter(err)
				if !ok {
					d = 5 * time.Second
				}
				w.Header().Set("Retry-After", strconv.Itoa(apierror.RetrySeconds(d)))
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "not ready: "+err.Error()+"\n")
				return
			}
		}
		io.WriteString(w, "ready\n")
	})))
	// Public, so under the same per-client rate limit as every door
	// (review4 R7); a scraper every few seconds is far below it.
	mux.Handle("GET /metrics", rateLimit(limits, promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})))
	if opts.Pages != nil {
		mux.Handle("/", m.instrument("page", rateLimit(limits, opts.Pages)))
	}

	if opts.Atom != nil {
		atom := opts.Atom
		if opts.Cache != nil {
			atom = opts.Cache.HandlerFor(atom, false)
		}
		// A token is checked as on /graphql: a bad one is 401, never
		// anonymous (a revoked partner must learn it).
		mux.Handle("GET /feeds/resources.atom", m.instrument("atom", authenticate(opts.Logger, opts.Authenticate, rateLimit(limits, atom))))
	}
	var root http.Handler = mux
	if opts.Reuse != nil {
		var rh http.Handler = opts.Reuse
		if opts.Cache != nil {
			// One media type per reuse door: Vary names Authorization only.
			rh = opts.Cache.HandlerFor(rh, false)
		}
		// The reuse doors check a token as /graphql does (a bad one is 401,
		// never anonymous) and answer browsers on the same CORS terms.
		reuseH := m.instrument("reuse", withCORS(opts.CORSOrigins, authenticate(opts.Logger, opts.Authenticate, rateLimit(limits, rh))))
		root = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if reuse.Owns(r.URL.Path) {
				reuseH.ServeHTTP(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		})
	}
	h := timeout(opts.RequestTimeout, root)
	if opts.Export != nil {
		outer := http.NewServeMux()
		outer.Handle("/", h)
		outer.Handle("GET /export/resources.ndjson", m.instrument("export", authenticate(opts.Logger, opts.Authenticate, rateLimit(limits, opts.Export))))
		h = outer
	}
	h = sizeLimit(opts.Pages, h)
	return recoverer(opts.Logger, accessLog(opts.AccessLog, opts.AccessLogEvery, h))
}

// Request size limits. A request line's target over MaxURIBytes is 414
// URI_TOO_LONG (RFC 9110 15.5.15; a long GET /graphql query should be a
// POST, up to 64 KiB); header fields over MaxHeaderFieldBytes in all are
// 431 HEADERS_TOO_LARGE (RFC 6585 5). Both are answered in the API's
// error shape, or as an HTML page on the pages' paths. Past
// MaxRequestHeadBytes (request line and fields: both limits and 4 KiB)
// net/http itself answers a plain-text 431 before the hub sees the
// request: net/http holds up to that much (and 4 KiB more) of each
// connection's request head in memory before any handler or rate limit
// runs, so it is kept just above what the two limits need (review4 R4:
// at 1 MiB, 2,000 slow connections could hold 2 GB).
const (
	MaxURIBytes         = 32 << 10
	MaxHeaderFieldBytes = 32 << 10
	MaxRequestHeadBytes = MaxURIBytes + MaxHeaderFieldBytes + 4<<10
)

// PageRefuser is implemented by a pages handler (web.Handler) that
// answers a refused request as an HTML page.
type PageRefuser interface {
	Refuse(w http.ResponseWriter, r *http.Request, status int, heading, message string)
}

// apiPath reports whether a path is a door for programs (its errors are
// JSON) rather than a page for people.
func apiPath(p string) bool {
	switch {
	case p == "/graphql", p == "/search/suggest", p == "/metrics", p == "/healthz", p == "/readyz",
		strings.HasPrefix(p, "/feeds/"), strings.HasPrefix(p, "/export/"), reuse.Owns(p):
		return !strings.HasPrefix(p, "/embed/")
	}
	return false
}

// sizeLimit refuses a request whose target or header fields are over the
// limits above (see MaxURIBytes).
func sizeLimit(pages http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, msg := "", ""
		if len(r.RequestURI) > MaxURIBytes {
			code, msg = apierror.URITooLong, fmt.Sprintf("the address is %d bytes long; the limit is %d (send a long GraphQL document with POST)", len(r.RequestURI), MaxURIBytes)
		} else if n := headerFieldBytes(r); n > MaxHeaderFieldBytes {
			code, msg = apierror.HeadersTooLarge, fmt.Sprintf("the request's header fields are %d bytes in all; the limit is %d", n, MaxHeaderFieldBytes)
		}
		if code == "" {
			next.ServeHTTP(w, r)
			return
		}
		if pr, ok := pages.(PageRefuser); ok && !apiPath(r.URL.Path) {
			heading := "Sorry, this web address is too long"
			if code == apierror.HeadersTooLarge {
				heading = "Sorry, your browser sent too much"
			}
			pr.Refuse(w, r, apierror.Status(code), heading, msg+".")
			return
		}
		writeError(w, code, msg)
	})
}

// headerFieldBytes is the size of r's header fields as sent: "name: value"
// and CRLF each, Host included (net/http moves it out of r.Header).
func headerFieldBytes(r *http.Request) int {
	n := len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// CORSAllowedHeaders are the request headers a browser may send
// cross-origin (the preflight allows them): the API's own, If-None-Match
// for revalidating with a stored ETag, and those Apollo Client sends
// (client name and version, and the header its CSRF prevention asks for).
// CORSExposedHeaders are the answer headers browser code may read.
var (
	CORSAllowedHeaders = []string{"Content-Type", "Authorization", "If-None-Match",
		"Apollographql-Client-Name", "Apollographql-Client-Version", "Apollo-Require-Preflight"}
	CORSExposedHeaders = []string{"ETag", "Retry-After"}
)

// withCORS answers cross-origin requests from origins (GET, HEAD, POST and
// preflights). rs/cors allows every origin when the list is empty, so
// with no origins next is returned as it is: no cross-origin access.
// rs/cors adds Origin to Vary on every answer; httpcache keeps it.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders: CORSAllowedHeaders,
		ExposedHeaders: CORSExposedHeaders,
		MaxAge:         600,
	}).Handler(next)
}

// NewServer returns an http.Server with timeouts against slow clients.
func NewServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		// net/http answers a plain 431 past this, before any handler:
		// set high, so that sizeLimit refuses the usual cases in the
		// API's error shape (414, 431) or as a page.
		MaxHeaderBytes: MaxRequestHeadBytes,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:    withConn,
	}
}

// graphqlTransport applies the GraphQL-over-HTTP rules gqlgen leaves to us,
// before gqlgen sees the request: a body over the limit is 413 before any
// parsing; a POST body that is not JSON is 415; a mutation or subscription
// over GET is 405 with Allow: POST, decided from the parsed operation type
// before validation.
//
// A request may carry a trusted document's id (documentId, doc_id) or an
// automatic persisted query's hash (extensions.persistedQuery) instead of
// query; persistedQuery looks an id up for the GET method rule (nil:
// unknown ids).
func graphqlTransport(next http.Handler, bodyLimit func(*http.Request) int64, persistedQuery func(hash string) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		media := responseMedia(r.Header.Get("Accept"))
		if media == "" && r.Method != http.MethodOptions {
			writeError(w, apierror.NotAcceptable, "accept application/graphql-response+json or application/json")
			return
		}
		switch r.Method {
		case http.MethodPost:
			maxBody := bodyLimit(r)
			// The hub reads request bodies as sent: a content coding
			// (gzip) is refused with 415 and Accept-Encoding: identity
			// (RFC 9110 15.5.16 and 12.5.3), not misread as bad JSON.
			if coding := requestCoding(r.Header); coding != "" {
				w.Header().Set("Accept-Encoding", "identity")
				writeError(w, apierror.UnsupportedMediaType, "the request body has Content-Encoding "+strconv.Quote(coding)+"; send it uncompressed (no Content-Encoding)")
				return
			}
			ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || ct != "application/json" {
				writeError(w, apierror.UnsupportedMediaType, "send the request as Content-Type: application/json")
				return
			}
			// JSON is UTF-8 (RFC 8259 §8.1); a body declared in another
			// charset would be misread, so it is refused (GraphQL over
			// HTTP: 415), never decoded as UTF-8.
			if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
				writeError(w, apierror.UnsupportedMediaType, "send the request body in UTF-8 (charset=utf-8)")
				return
			}
			if r.ContentLength > maxBody {
				writeError(w, apierror.RequestTooLarge, "request body is larger than the limit")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, apierror.RequestTooLarge, "request body is larger than the limit")
				return
			} else if err != nil {
				writeError(w, apierror.BadRequest, "could not read the request body")
				return
			}
			if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
				writeError(w, apierror.BatchNotSupported, "send one GraphQL request per HTTP request; batches are not supported")
				return
			}
			// Member names are matched exactly, and a name given twice in
			// one object is refused (graph.CheckJSONNames): encoding/json
			// would match "Query" as query and keep the last duplicate.
			if err := graph.CheckJSONNames(body); err != nil {
				writeError(w, apierror.BadRequest, "the request body "+err.Error())
				return
			}
			if code, msg := graph.CheckPOSTBody(body); code != "" {
				writeError(w, code, msg)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		case http.MethodGet, http.MethodHead:
			// HEAD is GET without the body (RFC 9110 9.3.2): gqlgen only
			// knows GET, and the server drops the body of an answer to HEAD.
			if r.Method == http.MethodHead {
				r = r.Clone(r.Context())
				r.Method = http.MethodGet
			}
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				// A malformed escape: r.URL.Query() would drop that
				// parameter; the GraphQL transport refuses the request
				// naming it (breaker3 F3).
				break
			}
			q := r.URL.Query()
			if err := content.GivenOnce(q, graph.GETParams...); err != nil {
				apierror.Write(w, apierror.FromDomain(apierror.BadRequest, err))
				return
			}
			query := q.Get("query")
			if strings.TrimSpace(query) == "" {
				// A trusted document's id, or an automatic persisted
				// query's hash, stands for the document.
				id, err := graph.GETDocumentID(q)
				if err != nil {
					writeError(w, apierror.BadRequest, err.Error())
					return
				}
				if id == "" {
					// Extensions that are not a JSON object, or whose
					// persistedQuery is malformed, go on to the GraphQL
					// transport, which refuses them naming the member.
					var ext map[string]any
					raw := q.Get("extensions")
					if err := json.Unmarshal([]byte(raw), &ext); strings.TrimSpace(raw) == "" || (err == nil && ext["persistedQuery"] == nil) {
						writeError(w, apierror.BadRequest, "the request has no query")
						return
					}
					pq, _ := ext["persistedQuery"].(map[string]any)
					id, _ = pq["sha256Hash"].(string)
				}
				// The document an id stands for decides the method rule
				// too; an unknown id is PERSISTED_QUERY_NOT_FOUND later.
				if persistedQuery != nil {
					query, _ = persistedQuery(id)
				}
			}
			if getOperation(query, q.Get("operationName")) == ast.Mutation {
				w.Header().Set("Allow", http.MethodPost)
				writeError(w, apierror.MethodNotAllowed, "mutations must be sent with POST")
				return
			}
		case http.MethodOptions:
			// RFC 9110 9.3.7: the methods /graphql supports, the same list
			// a 405 gives. (A CORS preflight is answered before this, by
			// rs/cors, when HUB_CORS_ORIGINS allows the origin.)
			w.Header().Set("Allow", GraphQLMethods)
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			w.Header().Set("Allow", GraphQLMethods)
			writeError(w, apierror.MethodNotAllowed, "use GET (or HEAD) for queries or POST")
			return
		}
		next.ServeHTTP(&mediaWriter{ResponseWriter: w, media: media, r: r}, r)
	})
}

// GraphQLMethods are the methods /graphql answers, as its Allow header
// lists them (OPTIONS and 405 alike).
const GraphQLMethods = "GET, HEAD, POST, OPTIONS"

// requestCoding returns the request's content coding other than identity
// ("gzip", "br, gzip"), or "" for a body sent as it is.
func requestCoding(h http.Header) string {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				codings = append(codings, c)
			}
		}
	}
	return strings.Join(codings, ", ")
}

// getOperation returns the type of the operation a GET request selects
// (GraphQL over HTTP, GET: 405 only "if the values of query and
// operationName indicate that a mutation operation is to be executed"),
// or "" when it selects none: the query does not parse, operationName names
// no operation, or the document has several and no operationName. gqlgen
// then answers as it does over POST (breaker5 F33: such documents, and
// subscriptions, which the schema does not have and which validation
// refuses over POST as graphql-js does, were 405 "mutations must be sent
// with POST").
func getOperation(query, name string) ast.Operation {
	if query == "" {
		return ""
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return ""
	}
	if name == "" {
		if len(doc.Operations) == 1 {
			return doc.Operations[0].Operation
		}
		return ""
	}
	if op := doc.Operations.ForName(name); op != nil {
		return op.Operation
	}
	return ""
}

// writeError refuses a request with a client code from the apierror
// table, which also gives its HTTP status, in the API's error shape.
func writeError(w http.ResponseWriter, code, msg string) {
	apierror.Write(w, apierror.Error{Code: code, Message: msg})
}

func timeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// serveRecorded serves the request and returns the response's status and size.
func serveRecorded(next http.Handler, w http.ResponseWriter, r *http.Request) (status int, size int64) {
	sw := &statusWriter{ResponseWriter: w}
	next.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.status, sw.bytes
}

// accessLog logs method, path, status, size and duration. Never the query
// string (search terms) nor the client address: people fear their data
// being shared, and these logs must not be able to link a person to a search.
//
// every thins it (see Options.AccessLogEvery): with N > 1, the requests
// counted 1, N+1, 2N+1, … are logged, and every 5xx answer; off, the
// handler is next itself.
func accessLog(log *slog.Logger, every int, next http.Handler) http.Handler {
	if every < 0 {
		return next
	}
	var n atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		status, size := serveRecorded(next, w, r)
		if every > 1 && (n.Add(1)-1)%uint64(every) != 0 && status < 500 {
			return
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Int64("bytes", size), slog.Duration("took", time.Since(t0)))
	})
}

func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("http panic", "path", r.URL.Path, "panic", p)
				writeError(w, apierror.Internal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hub_http_request_duration_seconds", Help: "HTTP request duration by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	// Process and Go runtime metrics, unless the caller registered them.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		status, _ := serveRecorded(next, w, r)
		m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(t0).Seconds())
	})
}

// authenticate attaches the request's principal: anonymous without an
// Authorization header; the token's principal with a good bearer token;
// otherwise 401. Tokens are never logged.
func authenticate(log *slog.Logger, check func(context.Context, string) (*content.Principal, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r.WithContext(content.WithPrincipal(r.Context(), content.Anonymous)))
			return
		}
		token, ok := BearerToken(h)
		if !ok || check == nil {
			unauthenticated(w, "send the API token as Authorization: Bearer <token>")
			return
		}
		p, err := check(r.Context(), token)
		if content.ErrorCode(err) == content.EUNAUTHORIZED {
			unauthenticated(w, content.ErrorMessage(err))
			return
		} else if d, ok := content.RetryAfter(err); ok {
			writeUnavailable(w, d, content.ErrorMessage(err))
			return
		} else if err != nil {
			log.Error("authenticate", "err", err)
			writeError(w, apierror.Internal, "internal error")
			return
		}
		next.ServeHTTP(w, r.WithContext(content.WithPrincipal(r.Context(), p)))
	})
}

// writeUnavailable answers 503 UNAVAILABLE with Retry-After and, like the
// GraphQL error presenter, extensions.retryAfter (seconds).
func writeUnavailable(w http.ResponseWriter, d time.Duration, msg string) {
	apierror.Write(w, apierror.Error{Code: apierror.Unavailable, Message: msg, RetryAfter: max(d, time.Nanosecond)})
}

// BearerToken returns the token of an Authorization header value in the
// Bearer scheme (RFC 6750 2.1), or ok false for another scheme or no
// token. The scheme is matched without regard to case (RFC 9110 11.1:
// "bearer", "BEARER" and "Bearer" are one scheme) and is separated from
// the token by one or more spaces (RFC 9110 11.4: 1*SP); the token itself
// is compared exactly (it is a secret).
func BearerToken(h string) (token string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(rest, " ")
	return token, token != ""
}

// unauthenticated answers 401 UNAUTHENTICATED, never stored by a cache:
// the request carried Authorization, so the answer is private.
func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.Header().Set("Cache-Control", "no-store")
	writeError(w, apierror.Unauthenticated, msg)
}
