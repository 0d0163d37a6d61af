package reuse

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// cardCSP lets any site frame the card (frame-ancestors *: this route
// only; every other page says 'none') and allows nothing else but the
// card's own inline style: no scripts, no requests to anywhere.
const cardCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *"

var cardTmpl = template.Must(template.New("card").Funcs(template.FuncMap{
	"date": func(d any) string {
		switch t := d.(type) {
		case time.Time:
			return t.Format("2 January 2006")
		case *time.Time:
			if t != nil {
				return t.Format("2 January 2006")
			}
		}
		return ""
	},
	// reasonAttrs: lang and dir for a withdrawal reason in another
	// script than the notice's English (breaker11 F2), as the 410 page has.
	"reasonAttrs": func(reason string) template.HTMLAttr { return render.LangAttrs(render.TextLanguage(reason)) },
}).Parse(`<!doctype html>
<html lang="{{.Lang}}"{{if .RTL}} dir="rtl"{{end}}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.R.Title}}</title>
<style>
html,body{margin:0;background:#fff}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32}
.card{box-sizing:border-box;height:100vh;overflow:hidden;border:1px solid #d8dde0;border-top:4px solid #005eb8;padding:12px 16px;display:flex;flex-direction:column}
.kind{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#4c6272;margin:0}
h1{font-size:19px;line-height:1.3;margin:4px 0 8px}
h1 a{color:#005eb8}
h1 a:focus{outline:3px solid #ffeb3b;background:#ffeb3b;color:#212b32}
.summary{margin:0 0 8px;overflow:hidden;flex:1}
.notice{margin:0 0 8px;padding:8px 12px;border-left:4px solid #d5281b;background:#fff4f4;flex:1}
.meta{font-size:13px;color:#4c6272;margin:0}
.status{font-size:13px;margin:0 0 8px;padding:4px 8px;border-left:4px solid #ffeb3b;background:#fff9c4}
</style>
</head>
<body>
<article class="card">
<p class="kind" lang="en" dir="ltr">{{.Kind}}</p>
<h1><a href="{{.URL}}" target="_blank" rel="noopener">{{.R.Title}}</a></h1>
{{if .R.TranslationOf}}<p class="status" lang="en" dir="ltr"><strong>Translation.</strong> Review status: {{with .R.TranslationStatus}}{{.}}{{else}}not stated{{end}}</p>
{{end}}{{if .R.Withdrawal}}<p class="notice" lang="en" dir="ltr"><strong>Withdrawn on {{date .R.Withdrawal.WithdrawnAt}}.</strong> {{with reasonAttrs .R.Withdrawal.Reason}}<span {{.}}>{{$.R.Withdrawal.Reason}}</span>{{else}}{{.R.Withdrawal.Reason}}{{end}}</p>
{{else}}<p class="summary">{{.R.Summary}}</p>
{{end}}<p class="meta" lang="en" dir="ltr">{{with .R.LastReviewedAt}}Last reviewed {{date .}}. {{end}}From <a href="{{.Home}}" target="_blank" rel="noopener">{{.Publisher}}</a>.</p>
</article>
</body>
</html>
`))

// goneTmpl is the card's 404: as self-contained and framable as the card,
// so a partner's iframe of a resource that was never published, or is no
// longer, shows a small notice rather than bare text.
var goneTmpl = template.Must(template.New("gone").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Not available</title>
<style>
html,body{margin:0;background:#fff}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32}
.card{box-sizing:border-box;height:100vh;overflow:hidden;border:1px solid #d8dde0;border-top:4px solid #4c6272;padding:12px 16px}
h1{font-size:19px;line-height:1.3;margin:4px 0 8px}
p{margin:0 0 8px}
a{color:#005eb8}
</style>
</head>
<body>
<article class="card">
<h1>This resource is not available</h1>
<p>There is no published resource at this address. It may have been removed.</p>
<p>Find current guidance at <a href="{{.Home}}" target="_blank" rel="noopener">{{.Publisher}}</a>.</p>
</article>
</body>
</html>
`))

var kindNames = map[content.Kind]string{content.KindGuidance: "Guidance", content.KindResearchBrief: "Research brief", content.KindPolicyPosition: "Policy position"}

// card serves /embed/resources/<slug>: a self-contained HTML card (title,
// summary, kind, last reviewed, a link back, attribution) in the
// resource's language and direction, escaped by html/template (the
// summary is plain text), framable by any site, without scripts. A
// withdrawn resource's card shows its notice instead of the summary; a
// draft, an unknown slug or any other path under /embed/resources/ is 404
// with a card of the same kind saying so (cardNotFound). A translation's
// card carries its review status, as its page does.
func (h *Handler) card(w http.ResponseWriter, r *http.Request) {
	if _, ok := validQuery(w, r); !ok {
		return
	}
	slug := r.PathValue("slug")
	if !content.ValidSlug(slug) || h.o.Resources == nil {
		h.cardNotFound(w)
		return
	}
	res, err := h.o.Resources.Resource(r.Context(), slug)
	if content.ErrorCode(err) == content.ENOTFOUND || (err == nil && res == nil) {
		h.cardNotFound(w)
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	data := struct {
		R                     *content.Resource
		Lang, Kind, URL, Home string
		Publisher             string
		RTL                   bool
	}{R: res, Lang: res.Language, Kind: kindNames[res.Kind], URL: h.o.PublicURL + "/resources/" + slug, Home: h.o.PublicURL + "/",
		Publisher: h.o.Publisher, RTL: content.IsRTL(res.Language)}
	var b bytes.Buffer
	if err := cardTmpl.Execute(&b, data); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", cardCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "strict-origin-when-cross-origin")
	write(w, r, b.Bytes())
}

// cardNotFound answers 404 with the not-available card, under the card's
// CSP (framable, no scripts).
func (h *Handler) cardNotFound(w http.ResponseWriter) {
	var b bytes.Buffer
	if err := goneTmpl.Execute(&b, struct{ Home, Publisher string }{h.o.PublicURL + "/", h.o.Publisher}); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", cardCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(http.StatusNotFound)
	w.Write(b.Bytes())
}
