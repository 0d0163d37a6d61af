package web

import (
	"html"
	"html/template"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// parseTemplates parses the layout with each page's template.
func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, p))
	}
	return out
}

var kindNames = map[content.Kind]string{
	content.KindGuidance:       "Guidance",
	content.KindResearchBrief:  "Research brief",
	content.KindPolicyPosition: "Policy position",
}

var audienceNames = map[string]string{
	"COMMISSIONERS": "Commissioners", "PUBLIC_HEALTH": "Public health teams", "GP_PRACTICES": "GP practices",
	"HOSPITALS": "Hospitals", "CLINICIANS": "Clinicians", "VOLUNTARY_SECTOR": "Voluntary sector", "PATIENTS": "Patients",
}

var nationNames = map[string]string{"ENGLAND": "England", "SCOTLAND": "Scotland", "WALES": "Wales", "NORTHERN_IRELAND": "Northern Ireland"}

// languageNames gives a language's name in English and in itself, for
// the languages the hub publishes in or is likely to.
var languageNames = map[string][2]string{
	"en": {"English", "English"}, "ar": {"Arabic", "العربية"}, "fa": {"Persian (Farsi)", "فارسی"},
	"ur": {"Urdu", "اردو"}, "ps": {"Pashto", "پښتو"}, "ckb": {"Kurdish (Sorani)", "کوردی"},
	"fr": {"French", "Français"}, "es": {"Spanish", "Español"}, "pt": {"Portuguese", "Português"},
	"ro": {"Romanian", "Română"}, "pl": {"Polish", "Polski"}, "so": {"Somali", "Soomaali"},
	"ti": {"Tigrinya", "ትግርኛ"}, "am": {"Amharic", "አማርኛ"}, "bn": {"Bengali", "বাংলা"},
	"pa": {"Punjabi", "ਪੰਜਾਬੀ"}, "zh": {"Chinese", "中文"}, "vi": {"Vietnamese", "Tiếng Việt"},
	"uk": {"Ukrainian", "Українська"}, "ru": {"Russian", "Русский"}, "tr": {"Turkish", "Türkçe"},
	"sq": {"Albanian", "Shqip"}, "de": {"German", "Deutsch"}, "it": {"Italian", "Italiano"},
	"cy": {"Welsh", "Cymraeg"}, "ga": {"Irish", "Gaeilge"}, "gd": {"Scottish Gaelic", "Gàidhlig"},
}

func primaryLang(tag string) string {
	p, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return p
}

// englishName is a language's name in English ("Arabic"), or its tag.
func englishName(tag string) string {
	if n, ok := languageNames[primaryLang(tag)]; ok {
		return n[0]
	}
	return tag
}

// nativeName is a language's name in itself ("العربية"), or "".
func nativeName(tag string) string {
	if n, ok := languageNames[primaryLang(tag)]; ok && n[1] != n[0] {
		return n[1]
	}
	return ""
}

// isEnglish reports whether text in the language needs no lang attribute
// on a page whose language is English.
func isEnglish(tag string) bool { return tag == "" || primaryLang(tag) == "en" }

// langAttrs is render.LangAttrs: lang and dir for text in another
// language than the page's English.
var langAttrs = render.LangAttrs

func formatDate(d any) string {
	switch t := d.(type) {
	case time.Time:
		return t.Format("2 January 2006")
	case *time.Time:
		if t != nil {
			return t.Format("2 January 2006")
		}
	}
	return ""
}

func topicName(slug string) string {
	if t, ok := content.TopicBySlug(slug); ok {
		return t.Name
	}
	return slug
}

var (
	markdownLink  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	markdownNoise = strings.NewReplacer("**", "", "__", "", "`", "", "\n", " ")
)

// snippet returns a hit's best fragment as HTML in which only the
// highlighter's <mark> elements are markup: the fragment is split on the
// marks, each piece unescaped, stripped of Markdown syntax and escaped
// again, so nothing the highlighter passed through can become markup.
func snippet(hs []content.Highlight) template.HTML {
	for _, field := range []string{"summary", "body", "extra"} {
		for _, h := range hs {
			if h.Field != field || len(h.Fragments) == 0 {
				continue
			}
			return safeFragment(h.Fragments[0])
		}
	}
	return ""
}

// hitView is one result as a list shows it, computed in Go once rather
// than by template function calls (a search page lists ten).
type hitView struct {
	Slug, Title string
	// Lang marks a title and snippet in another language than English.
	Lang template.HTMLAttr
	// Tag is the kind's tag colour (nhsuk-tag--…), KindName its name.
	Tag, KindName string
	// Reviewed is the last-reviewed date ("" if none); Language the
	// language's English name when it is not English.
	Reviewed, Language string
	Snippet            template.HTML
}

var kindTags = map[content.Kind]string{
	content.KindGuidance: "blue", content.KindResearchBrief: "purple", content.KindPolicyPosition: "aqua-green",
}

// hitViews returns the views of hits, in order.
func hitViews(hs []content.Hit) []hitView {
	out := make([]hitView, len(hs))
	for i, h := range hs {
		r := h.Resource
		v := hitView{Slug: r.Slug, Title: r.Title, Lang: langAttrs(r.Language), Tag: kindTags[r.Kind], KindName: kindNames[r.Kind],
			Reviewed: formatDate(r.LastReviewedAt), Snippet: hitSnippet(h)}
		if v.Tag == "" {
			v.Tag = "aqua-green"
		}
		if !isEnglish(r.Language) {
			v.Language = englishName(r.Language)
		}
		out[i] = v
	}
	return out
}

// hitSnippet is a hit's best highlighted fragment, or its summary.
func hitSnippet(h content.Hit) template.HTML {
	if s := snippet(h.Highlights); s != "" {
		return s
	}
	return template.HTML(html.EscapeString(h.Resource.Summary))
}

func safeFragment(frag string) template.HTML {
	var b strings.Builder
	inMark := false
	for frag != "" {
		tag := "<mark>"
		if inMark {
			tag = "</mark>"
		}
		i := strings.Index(frag, tag)
		piece := frag
		if i >= 0 {
			piece = frag[:i]
		}
		text := html.UnescapeString(piece)
		text = markdownLink.ReplaceAllString(text, "$1")
		text = markdownNoise.Replace(text)
		if b.Len() == 0 {
			text = strings.TrimLeft(text, "# ")
		}
		b.WriteString(html.EscapeString(text))
		if i < 0 {
			break
		}
		b.WriteString(tag)
		frag = frag[i+len(tag):]
		inMark = !inMark
	}
	if inMark {
		b.WriteString("</mark>")
	}
	return template.HTML(strings.TrimSpace(b.String()))
}

// bdi echoes a reader's text (search words, a correction of them) inside
// <bdi>: isolated from the text around it, with its bidirectional controls
// balanced (content.BalanceBidi) so none can end the isolation early.
func bdi(s string) template.HTML {
	return template.HTML("<bdi>" + html.EscapeString(content.BalanceBidi(s)) + "</bdi>")
}

var funcs = template.FuncMap{
	"date":         formatDate,
	"kindName":     func(k content.Kind) string { return kindNames[k] },
	"kindSlug":     kindSlug,
	"topicName":    topicName,
	"audienceName": func(a string) string { return audienceNames[a] },
	"nationName":   func(n string) string { return nationNames[n] },
	"englishName":  englishName,
	"nativeName":   nativeName,
	"langAttrs":    langAttrs,
	"textLang":     render.TextLanguage,
	"isEnglish":    isEnglish,
	"bdi":          bdi,
	"add":          func(a, b int) int { return a + b },
	"lower":        strings.ToLower,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}
