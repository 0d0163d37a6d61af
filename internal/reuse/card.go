package reuse

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"guidancehub/internal/content"
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
</style>
</head>
<body>
<article class="card">
<p class="kind" lang="en" dir="ltr">{{.Kind}}</p>
<h1><a href="{{.URL}}" target="_blank" rel="noopener">{{.R.Title}}</a></h1>
{{if .R.Withdrawal}}<p class="notice" lang="en" dir="ltr"><strong>Withdrawn on {{date .R.Withdrawal.WithdrawnAt}}.</strong> {{.R.Withdrawal.Reason}}</p>
{{else}}<p class="summary">{{.R.Summary}}</p>
{{end}}<p class="meta" lang="en" dir="ltr">{{with .R.LastReviewedAt}}Last reviewed {{date .}}. {{end}}From <a href="{{.Home}}" target="_blank" rel="noopener">{{.Publisher}}</a>.</p>
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
// draft or unknown slug is 404.
func (h *Handler) card(w http.ResponseWriter, r *http.Request) {
	if _, ok := validQuery(w, r); !ok {
		return
	}
	slug := r.PathValue("slug")
	if !content.ValidSlug(slug) {
		notFound(w, "no resource at this address")
		return
	}
	res, ok := h.load(w, r, slug)
	if !ok {
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
