package render

import (
	"html"
	"html/template"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"

	"guidancehub/internal/content"
)

// A translation often keeps a passage of the original: the Arabic, Persian
// and Urdu notes quote their translation status in English. Inside the
// body's <div lang="ar" dir="rtl"> such a paragraph is read with an Arabic
// voice and laid out right to left (its closing bracket and full stop
// shown at its start). WCAG 2.2 SC 3.1.2 (Language of Parts) asks for the
// language of every passage in another language; its exceptions are proper
// names, technical terms and words of indeterminate language, such as
// "NHS" or "(GP)" inside an Arabic sentence, which the bidirectional
// algorithm places correctly.
//
// markOtherScripts gives each block (paragraph, heading, list item, table
// cell) whose letters are all in a script other than its surroundings' a
// lang and dir of its own: lang is the language that script stands for in
// the library (scriptLanguage), dir follows it. A block with letters of
// both scripts is the surroundings' language with names in it, and is left
// as it is. Another language in the same script (an English paragraph in a
// French translation) cannot be told from its letters; the library has no
// such translation.

// scriptLanguage returns the language a block written in script stands
// for, or "" for a script the hub does not name. Latin is English: the
// library is written in English and translated from it. Arabic script is
// Urdu when it has letters only Urdu uses, Persian when it has letters
// Persian adds to Arabic, else Arabic.
func scriptLanguage(script *unicode.RangeTable, text string) string {
	switch script {
	case unicode.Latin:
		return "en"
	case unicode.Arabic:
		switch {
		case strings.ContainsAny(text, "ٹڈڑںےۓھہ"):
			return "ur"
		case strings.ContainsAny(text, "پچژگکی"):
			return "fa"
		}
		return "ar"
	case unicode.Hebrew:
		return "he"
	case unicode.Greek:
		return "el"
	}
	return ""
}

// TextLanguage returns the language a short plain text (a withdrawal
// reason) is written in as far as its letters tell: scriptLanguage of the
// script holding at least three quarters of its letters ("en" for Latin,
// "ar", "fa" or "ur" for Arabic script), so an Arabic sentence naming the
// "NHS" is Arabic (breaker11 F4); or "" when no script holds that many, or
// the script is one the hub does not name, or every letter is of a script
// the hub does not count (breaker7 F10: an Arabic reason was shown and fed
// as English).
func TextLanguage(text string) string {
	n := map[*unicode.RangeTable]int{}
	all := 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		all++
		if s := scriptOf(r); s != nil {
			n[s]++
		}
	}
	for s, c := range n {
		if 4*c >= 3*all {
			return scriptLanguage(s, text)
		}
	}
	return ""
}

// LangAttrs returns lang and dir attributes for text in language tag
// inside a page (or card) whose language is English: nothing for English
// (a tag whose primary subtag is en), an empty tag or one that is not a
// language tag (content.ValidLanguage); dir is rtl for a right-to-left
// language (content.IsRTL), else ltr.
func LangAttrs(tag string) template.HTMLAttr {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if tag == "" || primary == "en" || !content.ValidLanguage(tag) {
		return ""
	}
	a := `lang="` + html.EscapeString(tag) + `"`
	if content.IsRTL(tag) {
		a += ` dir="rtl"`
	} else {
		a += ` dir="ltr"`
	}
	return template.HTMLAttr(a)
}

// scripts are the scripts letters are counted in.
var scripts = []*unicode.RangeTable{unicode.Latin, unicode.Arabic, unicode.Hebrew, unicode.Greek, unicode.Cyrillic,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Tamil, unicode.Thai, unicode.Ethiopic,
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Armenian, unicode.Georgian}

// scriptOf returns the script of a letter among scripts, or nil.
func scriptOf(r rune) *unicode.RangeTable {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return unicode.Latin
		}
		return nil
	}
	if !unicode.IsLetter(r) {
		return nil
	}
	for _, s := range scripts {
		if unicode.Is(s, r) {
			return s
		}
	}
	return nil
}

// soleScript returns the one script of text's letters, or nil when it has
// none or letters of several scripts.
func soleScript(text string) *unicode.RangeTable {
	var one *unicode.RangeTable
	for _, r := range text {
		s := scriptOf(r)
		if s == nil {
			if unicode.IsLetter(r) {
				return nil // a script the hub does not count
			}
			continue
		}
		if one != nil && s != one {
			return nil
		}
		one = s
	}
	return one
}

// mainScript returns the script most of text's letters are in, or nil.
func mainScript(text string) *unicode.RangeTable {
	n := map[*unicode.RangeTable]int{}
	var best *unicode.RangeTable
	for _, r := range text {
		if s := scriptOf(r); s != nil {
			n[s]++
			if best == nil || n[s] > n[best] {
				best = s
			}
		}
	}
	return best
}

// inlineText is the text a block shows: its words and the text of its
// links, code and images, not link addresses, autolinked URLs or raw
// HTML.
func inlineText(n ast.Node, src []byte, b *strings.Builder) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			b.WriteByte(' ')
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink, *ast.RawHTML:
		default:
			if c.Type() == ast.TypeInline {
				inlineText(c, src, b)
			}
		}
	}
}

// langScripts are the scripts of the languages written in another than
// Latin that the hub might hold (primary subtags).
var langScripts = map[string]*unicode.RangeTable{
	"ar": unicode.Arabic, "fa": unicode.Arabic, "ur": unicode.Arabic, "ps": unicode.Arabic, "ckb": unicode.Arabic,
	"sd": unicode.Arabic, "ug": unicode.Arabic, "he": unicode.Hebrew, "yi": unicode.Hebrew, "el": unicode.Greek,
	"ru": unicode.Cyrillic, "uk": unicode.Cyrillic, "bg": unicode.Cyrillic, "hi": unicode.Devanagari,
	"ne": unicode.Devanagari, "mr": unicode.Devanagari, "bn": unicode.Bengali, "pa": unicode.Gurmukhi,
	"ta": unicode.Tamil, "th": unicode.Thai, "am": unicode.Ethiopic, "ti": unicode.Ethiopic, "zh": unicode.Han,
	"ko": unicode.Hangul, "hy": unicode.Armenian, "ka": unicode.Georgian,
}

// markOtherScripts marks the blocks under doc written in another script
// than the body's language, lang (see the top of this file). src is the
// Markdown. A language the hub does not know the script of (Japanese
// mixes three) is taken to be written in the script of most of the
// body's letters.
func markOtherScripts(doc ast.Node, src []byte, lang string) {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	around, ok := langScripts[primary]
	switch {
	case ok:
	case len(primary) >= 2 && primary != "ja":
		around = unicode.Latin
	default:
		var all strings.Builder
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if entering && hasInline(n) {
				inlineText(n, src, &all)
			}
			return ast.WalkContinue, nil
		})
		if around = mainScript(all.String()); around == nil {
			return
		}
	}
	markBlocks(doc, src, around)
}

// hasInline reports whether a block holds inline content (text) rather
// than other blocks.
func hasInline(n ast.Node) bool {
	switch n.(type) {
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading, *east.TableCell:
		return true
	}
	return false
}

// markBlocks marks the blocks under n whose letters are all in a script
// other than around (the script of the language they are inside).
func markBlocks(n ast.Node, src []byte, around *unicode.RangeTable) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Type() != ast.TypeBlock {
			continue
		}
		if hasInline(c) {
			target := c
			if _, ok := c.(*ast.TextBlock); ok {
				// A tight list item's text has no element of its own: the
				// item carries the marks when the text is all it holds.
				if c.Parent().Kind() != ast.KindListItem || c.Parent().ChildCount() != 1 {
					continue
				}
				target = c.Parent()
			}
			var b strings.Builder
			inlineText(c, src, &b)
			text := b.String()
			if s := soleScript(text); s != nil && s != around {
				if l := scriptLanguage(s, text); l != "" {
					target.SetAttributeString("lang", []byte(l))
					dir := "ltr"
					if content.IsRTL(l) {
						dir = "rtl"
					}
					target.SetAttributeString("dir", []byte(dir))
				}
			}
			continue
		}
		markBlocks(c, src, around)
	}
}
