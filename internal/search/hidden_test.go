package search

import (
	"context"
	"fmt"
	"html"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// TestBodyIsSearchedAsTheReaderSeesIt checks what a search finds in bodies
// and shows of them against the page's own rendering (internal/render,
// goldmark then bluemonday), the oracle (breaker7 F2): generated bodies
// build each of 60 resources from random Markdown constructs (links and
// their targets, images (their alt text is the page's), reference links and definitions, footnotes, HTML
// comments, inline tags with attributes, HTML blocks, script elements,
// entities known and unknown, autolinks, code, emphasis, headings, tables),
// each holding a word of its own. A word is found by the search (typo
// tolerance off) exactly when the rendered page shows it, and every word a
// body fragment shows is a word of its page.
func TestBodyIsSearchedAsTheReaderSeesIt(t *testing.T) {
	rng := rand.New(rand.NewSource(43))
	letters := "bcdfghjklmnpqrstvwxz"
	seen := map[string]bool{}
	word := func() string {
		for {
			b := []byte("zq")
			for range 5 {
				b = append(b, letters[rng.Intn(len(letters))])
			}
			if w := string(b); !seen[w] {
				seen[w] = true
				return w
			}
		}
	}
	constructs := []func(w string) string{
		func(w string) string { return "Plain " + w + " text." },
		func(w string) string { return "See [the " + w + " guide](/resources/other) now." },
		func(w string) string { return "See [the guide](/resources/" + w + "-slug) now." },
		func(w string) string { return "![" + w + " picture](/img/" + w + ".png)" },
		func(w string) string {
			return "A [" + w + " ref][r" + w + "] here.\n\n[r" + w + "]: https://example.org/" + w + " \"" + w + " title\""
		},
		func(w string) string { return "Read [" + w + "].\n\n[" + w + "]: https://example.org/x" },
		func(w string) string { return "A note[^n" + w + "].\n\n[^n" + w + "]: the " + w + " note" },
		func(w string) string { return "Text <!-- " + w + " editor note --> more." },
		func(w string) string { return "<!--\n" + w + " across\n\nparagraphs -->\nafter" },
		func(w string) string { return "Inline <span title=\"" + w + "\">shown " + w + "</span> here." },
		func(w string) string { return "<div class=\"" + w + "\">\n" + w + " block\n</div>" },
		func(w string) string { return "<script>alert(\"" + w + "\")</script>" },
		func(w string) string { return "&amp; " + w + " &lt;b&gt; &copy; &zqunknown; &#233;t&#xE9;" },
		func(w string) string { return "See <https://example.org/" + w + "> or <" + w + "@example.org>." },
		func(w string) string { return "Code `" + w + "` span." },
		func(w string) string { return "```\n" + w + " in code\n```" },
		func(w string) string { return "*" + w + "* and __strong__." },
		func(w string) string { return "## " + w + " heading" },
		func(w string) string { return "| a | b |\n|---|---|\n| " + w + " | x |" },
		func(w string) string { return "1. first " + w + "\n2. second" },
		func(w string) string { return "> quoted " + w },
		// breaker8's.
		func(w string) string { return "Inline <span\ntitle=\"" + w + "\">shown</span> text." },
		func(w string) string { return "A <a\nhref=\"/resources/" + w + "\">link</a> here." },
		func(w string) string { return "[![alt](/i.png) text](/resources/" + w + "-slug)" },
		func(w string) string { return "[t](/x(" + w + ")y) after" },
		func(w string) string {
			return "A [ref][m" + w + "].\n\n[m" + w + "]:\n  https://example.org/" + w + "\n  \"" + w + " title\""
		},
		func(w string) string { return "> A [q][q" + w + "].\n>\n> [q" + w + "]: https://example.org/" + w },
		func(w string) string { return "<?php " + w + " ?>" },
		func(w string) string { return "<!DOCTYPE " + w + ">" },
		func(w string) string { return "<![CDATA[" + w + "]]>" },
		func(w string) string { return "~~" + w + "~~ struck" },
		func(w string) string { return "- [ ] " + w + " task\n- [x] done" },
		func(w string) string { return "## " + w + " closed ##" },
		func(w string) string { return "Code `[" + w + "](x)` span." },
		func(w string) string { return "```\n<b>" + w + "</b> [l](/resources/x)\n```" },
		func(w string) string { return "<kbd>" + w + "</kbd> key." },
		func(w string) string { return "<a href=\"/x\">" + w + "</a>" },
		func(w string) string { return "Text <span>" + w + " after an unclosed span" },
		func(w string) string { return "Some text\n[" + w + "]: not a definition" },
		func(w string) string { return "&#x41;&#66;C &eacute;cole " + w },
	}
	var rs []*content.Resource
	var words []string
	owner := map[string]int{}
	for i := 0; i < 60; i++ {
		var parts []string
		for range 3 + rng.Intn(5) {
			w := word()
			words = append(words, w)
			owner[w] = i
			parts = append(parts, constructs[rng.Intn(len(constructs))](w))
		}
		d := content.Draft{Slug: fmt.Sprintf("r%d", i), Title: "Resource", Summary: "A summary.", Kind: content.KindGuidance, Language: "en", Body: strings.Join(parts, "\n\n")}
		rs = append(rs, &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: d})
	}
	ix := indexOf(t, rs, 20)
	ix.rank = DefaultRanking
	ix.rank.Typos = false
	tag := regexp.MustCompile(`<[^>]*>`)
	// An image's alt text is read out and shown in its place when it
	// does not load: the page's text too.
	alt := regexp.MustCompile(`<img[^>]*\salt="([^"]*)"`)
	wordRE := regexp.MustCompile(`[\pL\pN]+`)
	pageWords := make([]map[string]bool, len(rs))
	for i, r := range rs {
		pageWords[i] = map[string]bool{}
		page := render.HTML(r.Body, "en")
		text := tag.ReplaceAllString(page, " ")
		for _, m := range alt.FindAllStringSubmatch(page, -1) {
			text += " " + m[1]
		}
		for _, w := range wordRE.FindAllString(html.UnescapeString(text), -1) {
			pageWords[i][strings.ToLower(w)] = true
		}
	}
	shown, hidden := 0, 0
	for _, w := range words {
		i := owner[w]
		page, err := ix.Search(context.Background(), content.SearchQuery{Text: w, Order: content.SearchRelevance, First: 10, NoFacets: true, NoSuggestion: true})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range page.Hits {
			if h.ID == rs[i].ID {
				found = true
			}
			for _, f := range h.Highlights {
				if f.Field != "body" {
					continue
				}
				for _, frag := range f.Fragments {
					for _, fw := range wordRE.FindAllString(html.UnescapeString(tag.ReplaceAllString(frag, "")), -1) {
						if !pageWords[h.ID-1][strings.ToLower(fw)] {
							t.Errorf("%q: the fragment %q shows %q, which the page of %s does not", w, frag, fw, rs[h.ID-1].Slug)
						}
					}
				}
			}
		}
		if visible := pageWords[i][w]; found != visible {
			t.Errorf("%q: found %v, shown on the page %v; body:\n%s", w, found, visible, rs[i].Body)
		} else if visible {
			shown++
		} else {
			hidden++
		}
	}
	t.Logf("%d words: %d shown and found, %d hidden and not found", len(words), shown, hidden)
	if shown == 0 || hidden == 0 {
		t.Fatal("the generated bodies did not hold both kinds of word")
	}
}
