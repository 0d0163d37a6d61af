package reuse

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
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
// the resource's card; 400 (BAD_REQUEST) when url is missing or empty
// (it is required); 404 for a URL that is not exactly one of this hub's
// resource pages (or a draft); 501 for a format other than json; 400 for
// parameters that are not valid UTF-8, contain a control character, or a
// maxwidth or maxheight that is not a positive whole number. A maxwidth
// or maxheight above the card's size (however large) only caps it: the
// answer is never larger than asked (oEmbed 2.2).
func (h *Handler) oembed(w http.ResponseWriter, r *http.Request) {
	q, ok := validQuery(w, r)
	if !ok {
		return
	}
	if q.Get("url") == "" {
		badRequest(w, "url is required: the address of one of this hub's resource pages")
		return
	}
	if f := q.Get("format"); f != "" && f != "json" {
		http.Error(w, "only format=json is supported", http.StatusNotImplemented)
		return
	}
	width, height := cardWidth, cardHeight
	for _, d := range []struct {
		name string
		dim  *int
	}{{"maxwidth", &width}, {"maxheight", &height}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		n, ok := pixels(v)
		if !ok {
			badRequest(w, d.name+" must be a positive whole number of pixels")
			return
		}
		*d.dim = min(*d.dim, n)
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

// maxPixels is the largest maxwidth or maxheight read as a number; any
// larger positive value caps nothing the card could reach, so it is read
// as maxPixels.
const maxPixels = 1 << 20

// pixels reads a maxwidth or maxheight: ASCII digits only (no sign,
// exponent or spaces), not all zeros. A value of any length is accepted;
// above maxPixels it is read as maxPixels.
func pixels(v string) (int, bool) {
	if v == "" || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	v = strings.TrimLeft(v, "0")
	if v == "" {
		return 0, false
	}
	if len(v) > 7 {
		return maxPixels, true
	}
	n, _ := strconv.Atoi(v)
	return min(n, maxPixels), true
}

// slugOf returns the slug of a URL that is exactly one of this hub's
// resource pages: scheme http or https, no userinfo (RFC 9110 4.2.4 says
// to treat it as an error), the host of PublicURL (its port, or none),
// and the path PublicURL's path + /resources/<slug> after decoding only
// percent-encoded unreserved characters (RFC 3986 6.2.2.2), so an encoded
// slash, dot segments, a doubled slash or another route such as
// /embed/resources/<slug> is not one. A query or fragment is ignored.
func (h *Handler) slugOf(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || raw == "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	base, err := url.Parse(h.o.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !sameHost(u, base) {
		return "", false
	}
	p := normalizePath(u.EscapedPath())
	slug, ok := strings.CutPrefix(p, strings.TrimSuffix(base.EscapedPath(), "/")+"/resources/")
	if !ok || !content.ValidSlug(slug) {
		return "", false
	}
	return slug, true
}

// sameHost compares u's host with base's: the host name without regard
// to case, and the port when u names one (against base's port, or the
// default of base's scheme).
func sameHost(u, base *url.URL) bool {
	if !strings.EqualFold(u.Hostname(), base.Hostname()) {
		return false
	}
	if u.Port() == "" {
		return true
	}
	want := base.Port()
	if want == "" {
		want = map[string]string{"http": "80", "https": "443"}[base.Scheme]
	}
	return u.Port() == want
}

// normalizePath decodes the percent-encodings of unreserved characters
// (ALPHA, DIGIT, "-", ".", "_", "~") in an escaped path and leaves every
// other escape as it is (RFC 3986 6.2.2.2).
func normalizePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if c, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil && unreserved(byte(c)) {
				b.WriteByte(byte(c))
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// validQuery parses the query string and refuses (400, BAD_REQUEST) one
// that does not parse, or has a key or value that is not valid UTF-8 or
// holds a control character (C0 other than tab and line breaks, or DEL;
// the rule the pages apply): such text would reach PostgreSQL as an error.
func validQuery(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		badRequest(w, "the query string does not parse (a % escape is malformed or a ; is used)")
		return nil, false
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range append([]string{k}, q[k]...) {
			switch {
			case !utf8.ValidString(v):
				badRequest(w, "parameter "+strconv.Quote(k)+" is not valid UTF-8 text")
				return nil, false
			case strings.ContainsFunc(v, controlChar):
				badRequest(w, "parameter "+strconv.Quote(k)+" contains a control character (such as NUL)")
				return nil, false
			}
		}
	}
	return q, true
}

// controlChar is a C0 control other than tab and line breaks, or DEL.
func controlChar(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }

// badRequest answers 400 with the hub's coded error body.
func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(apierror.Status(apierror.BadRequest))
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]string{"code": apierror.BadRequest}}}})
	w.Write(append(b, '\n'))
}

func (h *Handler) publisher() string { return h.site().Publisher }
