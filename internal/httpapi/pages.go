package httpapi

import (
	"context"
	"html/template"
	"net/http"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// pageCSP allows the page's own inline styles and images over https only.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"date": func(d any) string {
		switch t := d.(type) {
		case interface{ Format(string) string }:
			return t.Format("2 January 2006")
		}
		return ""
	},
	"kind": func(k content.Kind) string {
		return map[content.Kind]string{content.KindGuidance: "Guidance", content.KindResearchBrief: "Research brief", content.KindPolicyPosition: "Policy position"}[k]
	},
	"nation": func(n string) string {
		return map[string]string{"ENGLAND": "England", "SCOTLAND": "Scotland", "WALES": "Wales", "NORTHERN_IRELAND": "Northern Ireland"}[n]
	},
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.R.Title}} – Guidance Hub</title>
<link rel="canonical" href="{{.URL}}">
<style>
body{font:1.05rem/1.6 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#111}
.kind{text-transform:uppercase;font-size:.8rem;letter-spacing:.05em;color:#444}
.summary{font-size:1.15rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:600}
.notice{border-left:.4rem solid #b00;padding:.5rem 1rem;background:#fff4f4}
a{color:#0645ad}
</style>
</head>
<body>
<main>
<p class="kind">{{kind .R.Kind}}</p>
<h1 lang="{{.R.Language}}"{{if .RTL}} dir="rtl"{{end}}>{{.R.Title}}</h1>
{{if .R.Withdrawal}}
<div class="notice" role="alert"><p><strong>Withdrawn on {{date .R.Withdrawal.WithdrawnAt}}.</strong> {{.R.Withdrawal.Reason}}</p></div>
{{else}}
<p class="summary" lang="{{.R.Language}}"{{if .RTL}} dir="rtl"{{end}}>{{.R.Summary}}</p>
<dl>
{{with .R.PublishedAt}}<dt>Published</dt><dd>{{date .}}</dd>{{end}}
{{with .R.LastReviewedAt}}<dt>Last reviewed</dt><dd>{{date .}}</dd>{{end}}
{{with .R.NextReviewDue}}<dt>Next review due</dt><dd>{{date .}}</dd>{{end}}
<dt>Applies to</dt><dd>{{range $i, $n := .R.Nations}}{{if $i}}, {{end}}{{nation $n}}{{end}}</dd>
</dl>
<article>{{.Body}}</article>
{{if .R.Sources}}<h2>Sources</h2>
<ol>{{range .R.Sources}}<li>{{if .URL}}<a href="{{.URL}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}{{with .Publisher}}, {{.}}{{end}}{{with .Date}} ({{date .}}){{end}}{{with .DOI}}. DOI <a href="https://doi.org/{{.}}">{{.}}</a>{{end}}</li>{{end}}</ol>{{end}}
{{end}}
</main>
</body>
</html>
`))

// The page's own words (labels, dates) are English; the resource's title,
// summary and body carry its language and direction, so right-to-left text
// renders correctly beside left-to-right labels.

// resourcePage serves the public page of a resource at /resources/{slug}:
// the page each resource's url points to. Drafts are not found; withdrawn
// resources show their notice.
func resourcePage(load func(ctx context.Context, slug string) (*content.Resource, error), publicURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !content.ValidSlug(slug) || load == nil {
			http.NotFound(w, r)
			return
		}
		res, err := load(r.Context(), slug)
		if content.ErrorCode(err) == content.ENOTFOUND {
			http.NotFound(w, r)
			return
		} else if d, ok := content.RetryAfter(err); ok {
			setRetryAfter(w, d)
			http.Error(w, "temporarily unavailable: try again in a few seconds", http.StatusServiceUnavailable)
			return
		} else if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		data := struct {
			R    *content.Resource
			RTL  bool
			URL  string
			Body template.HTML
		}{R: res, RTL: content.IsRTL(res.Language), URL: publicURL + "/resources/" + slug}
		if res.Visible() {
			data.Body = template.HTML(render.Cached(res.Body, res.Language)) // sanitised by bluemonday
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=60")
		if err := pageTmpl.Execute(w, data); err != nil {
			return
		}
	})
}
