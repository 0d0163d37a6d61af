package render

import (
	"bytes"
	"fmt"
	"html"
	"math/rand"
	"strings"
	"testing"
	"unicode"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// block is a block element's text with the language and direction it is
// in: its own or its nearest ancestor's lang and dir ("" when none).
type block struct{ text, lang, dir string }

var blockTags = map[string]bool{"p": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "td": true, "th": true}

// hasBlock reports whether an element holds a block element.
func hasBlock(n *xhtml.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.ElementNode && (blockTags[c.Data] || hasBlock(c)) {
			return true
		}
	}
	return false
}

// blockLanguages parses rendered HTML and returns its innermost block
// elements (p, li, h1–h6, td, th) in document order.
func blockLanguages(t *testing.T, h string) []block {
	t.Helper()
	nodes, err := xhtml.ParseFragment(strings.NewReader(h), &xhtml.Node{Type: xhtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	var walk func(n *xhtml.Node, lang, dir string)
	walk = func(n *xhtml.Node, lang, dir string) {
		if n.Type == xhtml.ElementNode {
			for _, a := range n.Attr {
				switch a.Key {
				case "lang":
					lang = a.Val
				case "dir":
					dir = a.Val
				}
			}
			if blockTags[n.Data] && !hasBlock(n) {
				var b strings.Builder
				textOf(n, &b)
				out = append(out, block{b.String(), lang, dir})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, lang, dir)
		}
	}
	for _, n := range nodes {
		walk(n, "", "")
	}
	return out
}

func textOf(n *xhtml.Node, b *strings.Builder) {
	if n.Type == xhtml.TextNode {
		b.WriteString(n.Data)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		textOf(c, b)
	}
}

// scriptsOf returns the scripts of a text's letters, as "Latin",
// "Arabic" or "other".
func scriptsOf(s string) map[string]bool {
	out := map[string]bool{}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Latin, r):
			out["Latin"] = true
		case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
			out["Arabic"] = true
		case unicode.IsLetter(r):
			out["other"] = true
		}
	}
	return out
}

// checkBlocks fails when a block written in Latin letters only is in a
// right-to-left language or direction, or one written in Arabic letters
// only is in a language other than Arabic, Persian or Urdu or not right
// to left (WCAG 2.2 SC 3.1.2, and the bidirectional layout). It returns
// how many elements below the body's own carry a lang.
func checkBlocks(t *testing.T, name, h string) (marked int) {
	t.Helper()
	for _, b := range blockLanguages(t, h) {
		primary, _, _ := strings.Cut(b.lang, "-")
		sc := scriptsOf(b.text)
		switch {
		case len(sc) != 1:
		case sc["Latin"] && (content.IsRTL(primary) || b.dir == "rtl"):
			t.Errorf("%s: Latin text in lang=%q dir=%q: %.60q", name, b.lang, b.dir, b.text)
		case sc["Arabic"] && (primary != "ar" && primary != "fa" && primary != "ur" || b.dir != "rtl"):
			t.Errorf("%s: Arabic-script text in lang=%q dir=%q: %.60q", name, b.lang, b.dir, b.text)
		}
	}
	return strings.Count(h, ` lang="`) - 1
}

// oldHTML is HTML before blocks in another script were marked: the
// reference for bodies that have none.
func oldHTML(markdown, lang string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(markdown), &buf); err != nil {
		return "<p>" + html.EscapeString(markdown) + "</p>"
	}
	open := `<div lang="` + html.EscapeString(lang) + `"`
	if content.IsRTL(lang) {
		open += ` dir="rtl"`
	}
	return open + ">" + string(policy.SanitizeBytes(buf.Bytes())) + "</div>"
}

// TestShippedBodiesMarkOtherLanguages checks every shipped resource's body:
// each block is in its script's language and direction (the English
// translation-status paragraph of the Arabic, Persian and Urdu notes was
// inside their lang and dir=rtl), and a body with no block in another
// script renders as before, byte for byte.
func TestShippedBodiesMarkOtherLanguages(t *testing.T) {
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	translations, marked := 0, 0
	for _, f := range lib.Files {
		d := f.Draft
		lang := d.Language
		if lang == "" {
			lang = "en"
		}
		got := HTML(d.Body, lang)
		n := checkBlocks(t, d.Slug, got)
		if n == 0 && got != oldHTML(d.Body, lang) {
			t.Errorf("%s: nothing marked, but the HTML changed", d.Slug)
		}
		if d.TranslationOf != "" {
			translations++
			if n == 0 {
				t.Errorf("%s: a translation with its English status note, nothing marked", d.Slug)
			}
		}
		marked += n
	}
	if translations < 3 {
		t.Errorf("%d translations: the library misses the cases", translations)
	}
	t.Logf("%d resources, %d translations, %d blocks marked", len(lib.Files), translations, marked)
}

// TestGeneratedBodiesMarkOtherLanguages checks generated bodies of
// paragraphs, headings, tight and loose lists, quotes and tables, each in
// English, Arabic, Persian or Urdu letters, names inside another script's
// sentence, or digits, in a body of each of those languages: each block
// must be in the language of its letters when they are another script's
// than the body's (Persian and Urdu told by their letters), else in the
// body's.
func TestGeneratedBodiesMarkOtherLanguages(t *testing.T) {
	sentences := map[string][]string{
		"en":    {"Translation status: needs review by a native speaker (before printing).", "Everyone can register with a GP.", "See the *NHS England* manual, version 6."},
		"ar":    {"يمكن لأي شخص التسجيل لدى طبيب عام.", "التسجيل مجاني."},
		"fa":    {"هر کسی می‌تواند در مطب پزشک عمومی ثبت‌نام کند.", "ثبت‌نام رایگان است و به گذرنامه نیازی نیست."},
		"ur":    {"ہر شخص جی پی کے ساتھ رجسٹر ہو سکتا ہے۔", "رجسٹریشن مفت ہے۔"},
		"mixed": {"رقم NHS مجاني.", "Ask for «ترجمه» at reception."},
		"none":  {"2018 — 18/07.", "(1), (2)"},
	}
	kinds := []string{"en", "ar", "fa", "ur", "mixed", "none"}
	rng := rand.New(rand.NewSource(31))
	cases, marked := 0, 0
	for i := 0; i < 300; i++ {
		bodyLang := []string{"en", "ar", "fa", "ur"}[rng.Intn(4)]
		var md strings.Builder
		var want []string // each block's expected language, in order
		add := func() string {
			k := kinds[rng.Intn(len(kinds))]
			s := sentences[k][rng.Intn(len(sentences[k]))]
			expect := bodyLang
			if k == "en" && bodyLang != "en" || k != "en" && k != "mixed" && k != "none" && bodyLang == "en" {
				expect = k
			}
			want = append(want, expect)
			return s
		}
		for range 1 + rng.Intn(5) {
			switch rng.Intn(6) {
			case 0:
				fmt.Fprintf(&md, "%s\n\n", add())
			case 1:
				fmt.Fprintf(&md, "## %s\n\n", add())
			case 2:
				for range 1 + rng.Intn(3) {
					fmt.Fprintf(&md, "- %s\n", add())
				}
				md.WriteString("\n")
			case 3:
				for range 1 + rng.Intn(2) {
					fmt.Fprintf(&md, "1. %s\n\n", add())
				}
			case 4:
				fmt.Fprintf(&md, "> %s\n>\n> *%s*\n\n", add(), add())
			default:
				fmt.Fprintf(&md, "| %s | %s |\n|---|---|\n| %s | %s |\n\n", add(), add(), add(), add())
			}
		}
		got := HTML(md.String(), bodyLang)
		marked += checkBlocks(t, fmt.Sprintf("case %d (%s)", i, bodyLang), got)
		blocks := blockLanguages(t, got)
		var langs []string
		for _, b := range blocks {
			langs = append(langs, b.lang)
		}
		if strings.Join(langs, " ") != strings.Join(want, " ") {
			t.Errorf("case %d, body in %s:\n%s\nblocks in %v, want %v\n%s", i, bodyLang, md.String(), langs, want, got)
		}
		cases++
	}
	if marked < cases {
		t.Errorf("%d bodies, %d blocks marked: the generator misses the cases", cases, marked)
	}
	t.Logf("%d bodies, %d blocks marked", cases, marked)
}
