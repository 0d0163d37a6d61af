package reuse

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	if err := content.GivenOnce(q, "url", "format", "maxwidth", "maxheight"); err != nil {
		apierror.Write(w, apierror.FromDomain(apierror.BadRequest, err))
		return
	}
	if q.Get("url") == "" {
		badRequestOn(w, "url", "is required: the address of one of this hub's resource pages")
		return
	}
	if f := q.Get("format"); f != "" && f != "json" {
		apierror.Write(w, apierror.Error{Code: apierror.NotImplemented, Field: "format", Message: "only format=json is supported"})
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
			badRequestOn(w, d.name, "must be a positive whole number of pixels")
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

// validQuery parses the query string as every door does
// (content.ParseQueryString) and refuses (400, BAD_REQUEST, naming the
// parameter) one that does not parse, or has a value that is not valid
// UTF-8 or holds a control character: such text would reach PostgreSQL as
// an error.
func validQuery(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	q, err := content.ParseQueryString(r.URL.RawQuery)
	if err != nil {
		apierror.Write(w, apierror.FromDomain(apierror.BadRequest, err))
		return nil, false
	}
	return q, true
}

// badRequestOn answers 400 BAD_REQUEST in the API's error shape, naming
// the parameter at fault in extensions.field and at the start of the
// message, "param: msg" (breaker5 F8: maxwidth and a missing url were not
// named).
func badRequestOn(w http.ResponseWriter, param, msg string) {
	apierror.Write(w, apierror.Error{Code: apierror.BadRequest, Field: param, Message: param + ": " + msg})
}

func (h *Handler) publisher() string { return h.site().Publisher }
