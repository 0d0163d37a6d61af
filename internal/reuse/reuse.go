// Package reuse serves the doors through which partners reuse the hub's
// content outside GraphQL: citation downloads (/resources/<slug>.ris, .bib,
// .json), the published schema (/schema.graphql), oEmbed (/oembed) and
// embeddable cards (/embed/resources/<slug>). It reads through
// content.ResourceService, so it sees what the public sees.
package reuse

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"guidancehub/internal/apierror"
	"guidancehub/internal/citation"
	"guidancehub/internal/content"
)

// Resources is what the doors read: content.ResourceService's lookup by slug.
type Resources interface {
	Resource(ctx context.Context, slug string) (*content.Resource, error)
}

// Options configure the Handler.
type Options struct {
	Resources Resources
	// PublicURL is the base of resources' URLs (HUB_PUBLIC_URL); Publisher
	// the organisation named in citations and cards.
	PublicURL string
	Publisher string
	// Schema is the public schema's SDL served at /schema.graphql.
	Schema string
	Logger *slog.Logger
}

// Handler serves the reuse doors. Mount it in front of the pages: Owns
// says which paths are its own.
type Handler struct {
	o   Options
	mux *http.ServeMux
}

// New returns the handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	if strings.TrimSpace(o.Publisher) == "" {
		o.Publisher = "Guidance Hub"
	}
	h := &Handler{o: o, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /resources/{file}", h.citation)
	h.mux.HandleFunc("GET /schema.graphql", h.schema)
	h.mux.HandleFunc("GET /oembed", h.oembed)
	h.mux.HandleFunc("GET /embed/resources/{slug...}", h.card)
	// Any other method on these doors: 405 in the API's error shape.
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		apierror.Write(w, apierror.Error{Code: apierror.MethodNotAllowed, Message: "this address can only be read (GET or HEAD)"})
	})
	return h
}

// Owns reports whether the path is one of the handler's doors: the
// citation downloads (a slug followed by .ris, .bib or .json; slugs never
// contain a dot, so no page path is taken), /schema.graphql, /oembed and
// /embed/resources/<slug>.
func Owns(p string) bool {
	switch {
	case p == "/schema.graphql", p == "/oembed", strings.HasPrefix(p, "/embed/resources/"):
		return true
	case strings.HasPrefix(p, "/resources/"):
		_, ok := citation.ByExtension(strings.TrimPrefix(path.Ext(p), "."))
		return ok && !strings.Contains(strings.TrimPrefix(p, "/resources/"), "/")
	}
	return false
}

// ServeHTTP serves the doors.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) site() citation.Site {
	return citation.Site{Publisher: h.o.Publisher, PublicURL: h.o.PublicURL}
}

// citation serves /resources/<slug>.<ext> as an attachment named after the
// slug. Drafts and unknown slugs are 404; a withdrawn resource is still
// citable (its citation notes the withdrawal).
func (h *Handler) citation(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	ext := path.Ext(file)
	f, ok := citation.ByExtension(strings.TrimPrefix(ext, "."))
	slug := strings.TrimSuffix(file, ext)
	if !ok || !content.ValidSlug(slug) {
		notFound(w, "no resource at this address")
		return
	}
	res, ok := h.load(w, r, slug)
	if !ok {
		return
	}
	body, err := citation.Write(res, f, h.site())
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", f.MediaType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+slug+"."+f.Extension()+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	write(w, r, []byte(body))
}

// load reads a resource the public may see (published or withdrawn);
// it answers 404 itself otherwise.
func (h *Handler) load(w http.ResponseWriter, r *http.Request, slug string) (*content.Resource, bool) {
	if h.o.Resources == nil {
		notFound(w, "no resource at this address")
		return nil, false
	}
	res, err := h.o.Resources.Resource(r.Context(), slug)
	if content.ErrorCode(err) == content.ENOTFOUND || (err == nil && res == nil) {
		notFound(w, "no resource at this address")
		return nil, false
	} else if err != nil {
		h.fail(w, err)
		return nil, false
	}
	return res, true
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	if content.ErrorCode(err) == content.EINTERNAL {
		h.o.Logger.Error("reuse", "err", err)
	}
	apierror.Write(w, apierror.FromDomain("", err))
}

// notFound answers 404 NOT_FOUND in the API's error shape, cacheable for
// a minute like the pages' 404.
func notFound(w http.ResponseWriter, msg string) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	apierror.Write(w, apierror.Error{Code: apierror.NotFound, Message: msg})
}

func write(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Write(body)
}

// schema serves the public schema's SDL (the text graph.SDL formats).
func (h *Handler) schema(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	write(w, r, []byte(h.o.Schema))
}
