// Package render turns a resource's Markdown body into safe HTML: goldmark
// renders it, then bluemonday sanitises the result (never the other way
// round), so no script, event handler or javascript: URL survives.
package render

import (
	"bytes"
	"html"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"guidancehub/internal/content"
)

var (
	md = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Footnote))

	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https", "mailto")
		p.RequireParseableURLs(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
	// bluemonday policies are safe for concurrent use once built; goldmark
	// renderers are too.
	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// HTML renders Markdown to sanitised HTML wrapped in an element that carries
// the language (and dir="rtl" for right-to-left languages). A block written
// in another script than the rest gets its own lang and dir (see
// markOtherScripts).
func HTML(markdown, lang string) string {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if content.LinkScanCost(markdown) > content.MaxLinkScan {
		// A body the rules refuse (Draft.Check) but stored before they
		// did: its links would take the parser minutes (see
		// content.MaxLinkScan); shown as text.
		return wrap("<p>"+html.EscapeString(markdown)+"</p>", lang)
	}
	src := []byte(markdown)
	doc := md.Parser().Parse(text.NewReader(src))
	markOtherScripts(doc, src, lang)
	if err := md.Renderer().Render(buf, src, doc); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		buf.Reset()
		buf.WriteString("<p>" + html.EscapeString(markdown) + "</p>")
	}
	return wrap(string(policy.SanitizeBytes(buf.Bytes())), lang)
}

// wrap puts safe HTML in an element carrying the language (and
// dir="rtl" for right-to-left languages).
func wrap(safe, lang string) string {
	open := `<div lang="` + html.EscapeString(lang) + `"`
	if content.IsRTL(lang) {
		open += ` dir="rtl"`
	}
	return open + ">" + safe + "</div>"
}
