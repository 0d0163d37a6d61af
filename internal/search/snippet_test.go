package search

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// renderedText is the text a reader of a body sees: the hub's renderer
// (goldmark, then bluemonday) turned into text, a space at every tag, runs
// of space collapsed.
func renderedText(body, lang string) string {
	z := xhtml.NewTokenizer(strings.NewReader(render.HTML(body, lang)))
	var b strings.Builder
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.TextToken:
			b.Write(z.Text())
		default:
			name, _ := z.TagName()
			if !inline[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}

// inline elements run on with the text around them; others break it.
var inline = map[string]bool{"a": true, "span": true, "em": true, "strong": true, "code": true, "bdi": true, "sup": true, "sub": true, "del": true, "b": true, "i": true}

var markRE = regexp.MustCompile(`<mark>(.*?)</mark>`)

// snippetWordRune is the test's own idea of a word's letters (the oracle's):
// letters, digits, combining marks, zero-width (non-)joiners.
func oracleWordRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.Mn, unicode.Mc) || r == '\u200c' || r == '\u200d'
}

// checkSnippet checks one fragment against the text a reader sees (plain,
// whitespace collapsed): it is HTML-escaped text with marks only; its
// text, without marks and the leading/trailing ellipsis, occurs in plain
// starting and ending at word boundaries (at the start or end of plain
// exactly when it has no ellipsis there); every mark covers whole words
// there. It returns a problem, or "".
func checkSnippet(frag, plain string) string {
	if !utf8.ValidString(frag) {
		return "not UTF-8"
	}
	if strings.Count(frag, "<mark>") != strings.Count(frag, "</mark>") || strings.Count(strings.ReplaceAll(strings.ReplaceAll(frag, "<mark>", ""), "</mark>", ""), "<") > 0 {
		return "markup other than <mark>"
	}
	lead, trail := strings.HasPrefix(frag, snippetEllipsis), strings.HasSuffix(frag, snippetEllipsis)
	body := strings.TrimSuffix(strings.TrimPrefix(frag, snippetEllipsis), snippetEllipsis)
	// Each mark's place in the unmarked text.
	type span struct{ s, e int }
	var marks []span
	var text strings.Builder
	rest := body
	for {
		loc := markRE.FindStringSubmatchIndex(rest)
		if loc == nil {
			text.WriteString(html.UnescapeString(rest))
			break
		}
		text.WriteString(html.UnescapeString(rest[:loc[0]]))
		s := text.Len()
		text.WriteString(html.UnescapeString(rest[loc[2]:loc[3]]))
		marks = append(marks, span{s, text.Len()})
		rest = rest[loc[1]:]
	}
	t := text.String()
	if t == "" {
		return "empty"
	}
	boundary := func(at int, before bool) bool {
		if before {
			if at == 0 {
				return true
			}
			r, _ := utf8.DecodeLastRuneInString(plain[:at])
			return !oracleWordRune(r)
		}
		if at == len(plain) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(plain[at:])
		return !oracleWordRune(r)
	}
	why := "not in the text a reader sees"
	for from := 0; ; {
		i := strings.Index(plain[from:], t)
		if i < 0 {
			return why
		}
		i += from
		from = i + 1
		switch {
		case !lead && i != 0:
			why = "no leading ellipsis, yet text comes before it"
			continue
		case !trail && i+len(t) != len(plain):
			why = "no trailing ellipsis, yet text comes after it"
			continue
		case !boundary(i, true) || !boundary(i+len(t), false):
			why = "starts or ends inside a word"
			continue
		}
		for _, m := range marks {
			// A mark may stop at a zero-width non-joiner: a part of a
			// compound matched by itself (ثبت typed, in ثبت‌نام).
			if !(boundary(i+m.s, true) || strings.HasSuffix(plain[:i+m.s], "\u200c")) ||
				!(boundary(i+m.e, false) || strings.HasPrefix(plain[i+m.e:], "\u200c")) {
				return "a mark covers part of a word: " + plain[i+m.s:i+m.e]
			}
		}
		return ""
	}
}

// TestSnippetsAreWholeWordsOfTheRenderedText is breaker5 F14 and F25 and
// their class: over the shipped library, for the realistic queries, the
// breaker's (charging, ukhsa, the Persian ثبت‌نام with its zero-width
// non-joiner) and words of the Persian, Arabic and Urdu resources, every
// highlight fragment of every hit is checked against the text the hub's
// renderer shows a reader (goldmark and bluemonday, as text): it occurs
// there, starts and ends at word boundaries, carries no Markdown syntax,
// and each <mark> covers whole words (a Persian word joined by a ZWNJ
// whole). Before: fragments cut words ("…dren"), marked half of ثبت‌نام and
// carried "##", "**" and list dashes.
func TestSnippetsAreWholeWordsOfTheRenderedText(t *testing.T) {
	ix := shippedIndex(t)
	ctx := context.Background()
	queries := append([]string{"charging", "ukhsa", "ثبت‌نام", "ثبت نام", "Doctors of the World UK", "registration refused",
		"پزشک", "طبيب", "ڈاکٹر", "گذرنامه"}, realisticQueries...)
	checked, bad := 0, 0
	for _, q := range queries {
		page, err := ix.Search(ctx, content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 10, NoFacets: true, NoSuggestion: true})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		for _, h := range page.Hits {
			texts, err := ix.texts(ctx, []int64{h.ID})
			if err != nil || len(texts) != 1 {
				t.Fatalf("text of %d: %v", h.ID, err)
			}
			r := texts[0]
			for _, hl := range h.Highlights {
				plain := map[string]string{"title": r.Title, "summary": r.Summary, "body": renderedText(r.Body, r.Language)}[hl.Field]
				plain = strings.Join(strings.Fields(plain), " ")
				for _, f := range hl.Fragments {
					checked++
					why := checkSnippet(f, plain)
					// A word typed with a ZWNJ is marked whole, never its
					// first part alone (F25).
					for _, w := range typedJoined(q) {
						parts := strings.Split(w, "\u200c")
						if strings.Contains(f, "<mark>"+parts[0]+"</mark>\u200c"+parts[1]) {
							why = "half the typed word " + w + " marked"
						}
					}
					if why != "" {
						bad++
						if bad <= 15 {
							t.Errorf("%q, %s %s: %s\n  %q", q, r.Slug, hl.Field, why, f)
						}
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d fragments fail", bad, checked)
	}
	if checked < 300 {
		t.Errorf("only %d fragments checked", checked)
	}
	t.Logf("%d fragments checked", checked)
}

// TestPersianZWNJWordMarkedWhole is F25's example: ثبت‌نام (one word with
// a zero-width non-joiner, as typed) is marked whole in the Persian
// resource's title.
func TestPersianZWNJWordMarkedWhole(t *testing.T) {
	ix := shippedIndex(t)
	page, err := ix.Search(context.Background(), content.SearchQuery{Text: "ثبت‌نام", Order: content.SearchRelevance, First: 10, NoFacets: true, NoSuggestion: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range page.Hits {
		for _, hl := range h.Highlights {
			for _, f := range hl.Fragments {
				if strings.Contains(f, "<mark>ثبت</mark>\u200cنام") {
					t.Errorf("%s: half the word marked: %q", hl.Field, f)
				}
				found = found || strings.Contains(f, "<mark>ثبت\u200cنام</mark>")
			}
		}
	}
	if !found {
		t.Error("no fragment marks ثبت‌نام whole")
	}
}
