// Package web serves the hub's pages for people: a home page, search with
// filters, a page per resource and per topic, in the NHS.UK design system
// (nhsuk-frontend, vendored into the binary under assets/vendor; `make
// web-assets` refreshes it). Pages are rendered on the server with
// html/template and work without JavaScript; with it, the search box offers
// completions through accessible-autocomplete. Every page and asset comes
// from the hub itself under a strict Content-Security-Policy: no CDN, no
// third-party request, no tracking.
//
// The pages read the library only through content.ResourceService, the
// hub's use cases (internal/service), which decide what the public may see:
// the pages translate requests into its queries and its results into HTML.
package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
	"guidancehub/internal/httpcache"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// CSP is the pages' Content-Security-Policy: scripts, styles, images and
// fetches from the hub itself only, forms posting to the hub only, no
// frames, no plugins, no base-URI tricks. Resource bodies may link to
// other sites but never load anything from them.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Cache lifetimes (Cache-Control max-age, seconds). Pages change when an
// editor publishes, so they are cached briefly; assets change only with a
// new binary.
const (
	pageMaxAge  = "public, max-age=60"
	assetMaxAge = "public, max-age=86400"
)

// Options configure the pages.
type Options struct {
	// Service answers every read; required.
	Service content.ResourceService
	// PublicURL is the hub's public base URL (no trailing slash), for
	// canonical links and citations.
	PublicURL string
	Logger    *slog.Logger
	// Cache makes the pages and /search/suggest cacheable: a strong ETag
	// (the body's hash) revalidated against the change-log position the
	// replica has applied, Cache-Control public with max-age and
	// stale-while-revalidate, 304 for a matching If-None-Match, Vary:
	// Authorization (internal/httpcache). Nil: pages carry Cache-Control
	// only. Either way a request sent with a token is answered private,
	// no-store.
	Cache *httpcache.Cache
	// ShortenSearch fits the search page's text within the search limits
	// (search.Shorten), reporting whether it shortened it: a pasted
	// question is searched by its first words, not refused (breaker5 F4).
	// Nil: text past the limits is a 400 page.
	ShortenSearch func(text string) (string, bool)
}

// Handler serves the pages. Mount it at "/": it answers /, /search,
// /search/suggest, /resources/{slug}, /topics, /topics/{slug}, /assets/…
// and /favicon.ico, and an HTML 404 for every other path.
type Handler struct {
	svc     content.ResourceService
	shorten func(string) (string, bool)
	public  string
	log     *slog.Logger
	mux     *http.ServeMux
	tmpl    map[string]*template.Template
	assets  http.Handler
}

// New returns the pages' handler.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{svc: opts.Service, shorten: opts.ShortenSearch, public: strings.TrimSuffix(opts.PublicURL, "/"), log: opts.Logger, tmpl: parseTemplates()}
	sub, _ := fs.Sub(assetFS, "assets")
	h.assets = http.StripPrefix("/assets/", http.FileServerFS(sub))
	// Pages change only through the change log: they are tagged and
	// revalidated by the cache. Assets change only with the binary: each
	// has a fixed tag (assetTags) and a day's max-age.
	page := func(f http.HandlerFunc) http.Handler {
		if opts.Cache == nil {
			return f
		}
		return opts.Cache.HandlerFor(f, false)
	}
	m := http.NewServeMux()
	m.Handle("GET /{$}", page(h.home))
	m.Handle("GET /search", page(h.search))
	m.Handle("GET "+suggestPath, page(h.suggest))
	m.HandleFunc(suggestPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeAPIError(w, apierror.MethodNotAllowed, content.Errorf(content.EINVALID, "completions can only be read (GET)"))
	})
	m.Handle("GET /resources/{slug}", page(h.resource))
	m.Handle("GET /topics", page(h.topics))
	m.Handle("GET /topics/{slug}", page(h.topic))
	m.HandleFunc("GET /assets/", h.asset)
	m.HandleFunc("GET /favicon.ico", h.favicon)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			h.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "These pages can only be read (GET).")
			return
		}
		h.NotFound(w, r)
	})
	h.mux = m
	return h
}

// ServeHTTP validates the query string at the edge, then serves the page.
// Anything sent with a token (an Authorization header) is answered
// private, no-store: the pages are public, but a shared cache must not keep
// an answer to a request that carried credentials.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		w = httpcache.Private(w)
	}
	if _, err := parseQuery(r.URL.RawQuery); err != nil {
		if r.URL.Path == suggestPath {
			// The completions are JSON: so are their errors.
			writeAPIError(w, apierror.BadRequest, err)
			return
		}
		h.badRequest(w, r, err)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// NotFound writes the HTML 404 page.
func (h *Handler) NotFound(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")
}

// Refuse answers a request the HTTP layer refuses (an address or header
// fields over its limits, httpapi.PageRefuser) as an HTML error page.
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	h.errorPage(w, r, status, heading, message)
}

// layout is what every page gives the layout template.
type layout struct {
	Title     string // the page's own title; " – Guidance Hub" is added
	Canonical string
	// Feed is the Atom feed a reader discovers on the page (default: the
	// newest resources).
	Feed string
	// OEmbed is the page's absolute oEmbed endpoint (<public>/oembed?url=…), which oEmbed
	// consumers discover from a <link> (resource pages only).
	OEmbed string
	// Query fills the header's search box; HideHeaderSearch leaves it out
	// on pages that have their own search form.
	Query            string
	HideHeaderSearch bool
	// Autocomplete loads the completion script.
	Autocomplete bool
	Data         any
}

// render writes a page with its status and security and caching headers.
// Templates execute into a buffer first: a template error becomes a 500
// page, never half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, l layout) {
	t, ok := h.tmpl[name]
	if !ok {
		panic("web: no template " + name)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", l); err != nil {
		h.log.Error("render page", "template", name, "err", err)
		if name != "error" {
			h.errorPage(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later.")
		}
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	setSecurity(hd)
	if hd.Get("Cache-Control") == "" {
		switch {
		case status < 300 || status == http.StatusNotFound || status == http.StatusGone:
			hd.Set("Cache-Control", pageMaxAge)
		default:
			hd.Set("Cache-Control", "no-store")
		}
	}
	w.WriteHeader(status)
	// Written for HEAD too: net/http sends no body for HEAD, and the
	// cache must hash the body a GET would get, so HEAD and GET carry the
	// same ETag.
	w.Write(buf.Bytes())
}

// bufPool holds page buffers: a search page is about 40 KB, so a buffer
// that has grown once is reused rather than grown again for every page.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}

func setSecurity(hd http.Header) {
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
}

type errorData struct {
	Status  int
	Heading string
	Message string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	h.render(w, r, status, "error", layout{Title: heading, Data: errorData{Status: status, Heading: heading, Message: msg}})
}

// badRequest writes a 400 page naming the parameter at fault (the
// EINVALID error's field).
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, err error) {
	msg := "The address of this page is not one the hub understands."
	var e *content.Error
	if errors.As(err, &e) && e.Code == content.EINVALID {
		if e.Field != "" {
			msg = "The " + e.Field + " in the address " + e.Message + "."
		} else {
			msg = e.Message + "."
		}
	}
	h.errorPage(w, r, http.StatusBadRequest, "Sorry, we cannot show this page", msg)
}

// fail turns a use case's error into a page: invalid input is 400, a
// missing resource 404, a search index still catching up 503, anything
// else a logged 500 that shows no detail.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch content.ErrorCode(err) {
	case content.EINVALID:
		h.badRequest(w, r, err)
	case content.ENOTFOUND:
		h.NotFound(w, r)
	case content.EUNAVAILABLE:
		// The index is being built or the database is restarting: the
		// error says how long to wait.
		d, _ := content.RetryAfter(err)
		w.Header().Set("Retry-After", strconv.Itoa(apierror.RetrySeconds(d)))
		h.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the library is not available for a moment", "The hub is starting up or recovering. Try again in a few seconds.")
	default:
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			h.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, this took too long", "Try again, or narrow the search.")
			return
		}
		h.log.Error("page", "path", r.URL.Path, "err", err)
		h.errorPage(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later.")
	}
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	setSecurity(hd)
	hd.Set("Cache-Control", assetMaxAge)
	if strings.HasSuffix(r.URL.Path, "/") || strings.Contains(r.URL.Path, "/.") {
		h.NotFound(w, r)
		return
	}
	tag, ok := assetTags[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		hd.Del("Cache-Control")
		h.NotFound(w, r)
		return
	}
	// http.ServeContent answers If-None-Match against this tag (304).
	hd.Set("ETag", tag)
	h.assets.ServeHTTP(w, r)
}

func (h *Handler) favicon(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	setSecurity(hd)
	hd.Set("Cache-Control", assetMaxAge)
	hd.Set("ETag", faviconTag)
	if httpcache.Match(r.Header.Get("If-None-Match"), faviconTag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "image/x-icon")
	w.Write(faviconICO)
}

// assetTags are the strong tags of the embedded assets by path
// ("assets/hub.css"), computed once: an asset changes only with the
// binary.
var assetTags, faviconTag = func() (map[string]string, string) {
	tags := map[string]string{}
	fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := fs.ReadFile(assetFS, p); err == nil {
				tags[p] = httpcache.Tag(b)
			}
		}
		return nil
	})
	return tags, httpcache.Tag(faviconICO)
}()

// suggestPath is the completions' JSON endpoint.
const suggestPath = "/search/suggest"

// writeAPIError answers a JSON endpoint's error in the API's shape
// ({"errors":[{"message","extensions":{"code","field"}}]}, codes and
// statuses from internal/apierror): code is the transport's client code
// (BAD_REQUEST, METHOD_NOT_ALLOWED) or "" to present err's domain code
// (INVALID_ARGUMENT, UNAVAILABLE with retryAfter, INTERNAL). Never cached.
func writeAPIError(w http.ResponseWriter, code string, err error) {
	setSecurity(w.Header())
	apierror.Write(w, apierror.FromDomain(code, err))
}

// writeJSON writes v as JSON with the pages' headers.
func writeJSON(w http.ResponseWriter, status int, cache string, v any) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	setSecurity(hd)
	hd.Set("Cache-Control", cache)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
