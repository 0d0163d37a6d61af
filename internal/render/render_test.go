package render

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var xss = []string{
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"[click](javascript:alert(1))",
	"[click](JaVaScRiPt:alert(1))",
	"<a href=\"javascript:alert(1)\">x</a>",
	"![x](javascript:alert(1))",
	"<iframe src=\"https://evil.test\"></iframe>",
	"<svg onload=alert(1)>",
	"<div style=\"background:url(javascript:alert(1))\">x</div>",
	"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"<p onclick=\"alert(1)\">x</p>",
	"<form action=\"https://evil.test\"><input></form>",
}

// unsafe parses rendered HTML and returns the first thing in it that could
// run script: a dangerous element, an event handler, a style attribute or a
// URL attribute with a scheme other than http(s) or mailto.
func unsafe(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "svg", "object", "embed", "form", "style", "math", "base", "link", "meta":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Key)
				if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" {
					return "attribute " + k
				}
				if k == "href" || k == "src" || k == "action" || k == "formaction" || k == "xlink:href" {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if scheme, _, ok := strings.Cut(v, ":"); ok && !strings.ContainsAny(scheme, "/?#") &&
						scheme != "http" && scheme != "https" && scheme != "mailto" {
						return k + "=" + v
					}
				}
			}
		}
	}
}

func TestHTMLStripsScriptsHandlersAndJavascriptURLs(t *testing.T) {
	for _, in := range xss {
		if got := HTML(in, "en"); unsafe(got) != "" {
			t.Errorf("HTML(%q) = %q: %s survived", in, got, unsafe(got))
		}
	}
}

func TestHTMLRendersMarkdownWithLanguage(t *testing.T) {
	got := HTML("# Title\n\n* one\n* [link](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |", "en")
	for _, want := range []string{`<div lang="en">`, "<h1>Title</h1>", "<li>one</li>", `href="https://example.org"`, "<table>"} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML missing %q in %s", want, got)
		}
	}
	if got := HTML("مرحبا", "ar"); !strings.HasPrefix(got, `<div lang="ar" dir="rtl">`) {
		t.Errorf("Arabic = %s, want lang and dir=rtl", got)
	}
	if Cached("x", "en") != HTML("x", "en") {
		t.Error("Cached differs from HTML")
	}
}

func FuzzHTML(f *testing.F) {
	for _, s := range xss {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		if got := HTML(md, "en"); unsafe(got) != "" {
			t.Fatalf("HTML(%q) = %q: %s survived", md, got, unsafe(got))
		}
	})
}
