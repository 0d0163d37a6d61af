package reuse

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

// Card sizes: the default an oEmbed answer asks for, within the
// consumer's maxwidth and maxheight.
const (
	cardWidth  = 560
	cardHeight = 300
	// cacheAge is how long (seconds) a consumer may keep an oEmbed answer.
	cacheAge = 3600
)

// oembedResponse is an oEmbed 1.0 "rich" answer (oembed.com, section 2.3.4).
type oembedResponse struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	AuthorName   string `json:"author_name"`
	AuthorURL    string `json:"author_url"`
	CacheAge     int    `json:"cache_age"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// oembed serves /oembed?url=…&format=json&maxwidth=…&maxheight=… as the
// oEmbed specification says: a "rich" answer whose html is an iframe of
// the resource's card; 404 for a URL that is not one of this hub's
// resource pages (or a draft); 501 for a format other than json; 400 for
// parameters that are not valid UTF-8, contain NUL, or a maxwidth or
// maxheight that is not a positive integer.
func (h *Handler) oembed(w http.ResponseWriter, r *http.Request) {
	q, ok := validQuery(w, r)
	if !ok {
		return
	}
	if f := q.Get("format"); f != "" && f != "json" {
		http.Error(w, "only format=json is supported", http.StatusNotImplemented)
		return
	}
	width, height := cardWidth, cardHeight
	for name, dim := range map[string]*int{"maxwidth": &width, "maxheight": &height} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			badRequest(w, name+" must be a positive whole number of pixels")
			return
		}
		*dim = min(*dim, n)
	}
	slug, ok := h.slugOf(q.Get("url"))
	if !ok {
		notFound(w, "not a resource of this hub")
		return
	}
	res, ok := h.load(w, r, slug)
	if !ok {
		return
	}
	src := h.o.PublicURL + "/embed/resources/" + slug
	title := res.Title
	iframe := `<iframe src="` + template.HTMLEscapeString(src) + `" width="` + strconv.Itoa(width) + `" height="` + strconv.Itoa(height) +
		`" title="` + template.HTMLEscapeString(title) + `" style="border:0" loading="lazy" sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>`
	body, err := json.Marshal(oembedResponse{
		Version: "1.0", Type: "rich", Title: title,
		ProviderName: h.publisher(), ProviderURL: h.o.PublicURL + "/",
		AuthorName: h.publisher(), AuthorURL: h.o.PublicURL + "/",
		CacheAge: cacheAge, HTML: iframe, Width: width, Height: height,
	})
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	write(w, r, body)
}

// slugOf returns the slug of a resource page (or card) URL of this hub:
// same scheme and host as PublicURL, path /resources/<slug> or
// /embed/resources/<slug>.
func (h *Handler) slugOf(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "", false
	}
	base, err := url.Parse(h.o.PublicURL)
	if err != nil || !strings.EqualFold(u.Host, base.Host) || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	p := strings.TrimPrefix(u.Path, strings.TrimSuffix(base.Path, "/"))
	p = strings.TrimPrefix(p, "/embed")
	slug, ok := strings.CutPrefix(p, "/resources/")
	if !ok || !content.ValidSlug(slug) {
		return "", false
	}
	return slug, true
}

// validQuery parses the query string and refuses (400, BAD_REQUEST) one
// that does not parse or has a key or value that is not valid UTF-8 or
// contains NUL: such text would reach PostgreSQL as an error.
func validQuery(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		badRequest(w, "the query string does not parse")
		return nil, false
	}
	for k, vs := range q {
		for _, v := range append([]string{k}, vs...) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				badRequest(w, "parameter "+strconv.Quote(k)+" is not valid UTF-8 text")
				return nil, false
			}
		}
	}
	return q, true
}

// badRequest answers 400 with the hub's coded error body.
func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(apierror.Status(apierror.BadRequest))
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]string{"code": apierror.BadRequest}}}})
	w.Write(append(b, '\n'))
}

func (h *Handler) publisher() string { return h.site().Publisher }
