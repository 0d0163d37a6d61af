package search

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/highlight/fragmenter/simple"
	simplehl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
	index "github.com/blevesearch/bleve_index_api"
)

// snippetRunes is the length of a fragment before it is cut at words:
// Bleve's simple fragmenter's default, which the html highlighter used.
const snippetRunes = 200

// snippetEllipsis marks text left out before or after a fragment (Bleve's
// html highlighter's separator).
const snippetEllipsis = "…"

// snippet returns the best fragment of a field's text for the term
// locations a search found in it, as HTML-escaped text with <mark> around
// the matches. The window is Bleve's (the simple fragmenter's windows
// around each location, scored by the simple highlighter's scorer: the
// one holding the most matches, the first of equals), then:
//   - it starts and ends at word boundaries, never inside a word
//     (breaker5 F14: "…dren, some refused…"), widened rather than narrowed
//     when narrowing would drop a match;
//   - a match joined by a zero-width non-joiner to more of a word typed
//     with one (typed: the query's words holding one) is marked with it:
//     the whole Persian word as typed (breaker5 F25: only ثبت of ثبت‌نام
//     was marked; see joinedWord);
//   - with markdown set (bodies), what a reader of the page does not see
//     is left out (hiddenText: heading and list markers, emphasis, code
//     ticks, link targets, HTML, reference definitions, entities) and line
//     breaks read as spaces (F25: "## برای", "**").
//
// With no locations the fragment is the start of the text, as Bleve gave.
func snippet(text string, locs search.TermLocationMap, markdown bool, typed []string) string {
	if text == "" {
		return ""
	}
	orig := []byte(text)
	tls := highlight.OrderTermLocations(locs)
	var best *highlight.Fragment
	if frags := simple.NewFragmenter(snippetRunes).Fragment(orig, tls); len(frags) > 0 {
		scorer := simplehl.NewFragmentScorer(locs)
		for _, f := range frags {
			scorer.Score(f)
			if best == nil || f.Score > best.Score {
				best = f
			}
		}
	}
	if best == nil {
		return ""
	}
	var drop syntaxMask
	if markdown {
		// What the reader does not see of the whole body (a comment or an
		// HTML block may start paragraphs before the window): linear.
		drop = syntaxMask{lo: 0, m: hiddenText(text)}
	}
	tls.MergeOverlapping()
	var marks [][2]int
	for _, l := range tls {
		if l == nil || l.Start < 0 || l.End > len(text) || l.Start >= l.End {
			continue
		}
		s, e := joinedWord(text, l.Start, l.End, typed)
		if n := len(marks); n > 0 && s < marks[n-1][1] {
			marks[n-1][1] = max(marks[n-1][1], e)
			continue
		}
		marks = append(marks, [2]int{s, e})
	}
	start, end := snapToWords(text, best.Start, best.End, marks)

	var b strings.Builder
	if visibleIn(text, drop, 0, start) {
		b.WriteString(snippetEllipsis)
	}
	space := false // a space is due before the next character written
	wrote := false // a character of the text was written
	m := 0
	open, openEnd := false, 0
	for i := start; i < end; {
		for !open && m < len(marks) && marks[m][0] <= i {
			mk := marks[m]
			m++
			if mk[0] == i && mk[1] <= end && visibleIn(text, drop, mk[0], mk[1]) {
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteString("<mark>")
				open, openEnd = true, mk[1]
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case drop.at(i):
		case unicode.IsSpace(r):
			space = wrote
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(html.EscapeString(text[i : i+size]))
			wrote = true
		}
		i += size
		if open && i >= openEnd {
			b.WriteString("</mark>")
			open = false
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	if visibleIn(text, drop, end, len(text)) {
		b.WriteString(snippetEllipsis)
	}
	return b.String()
}

// syntaxMask says which bytes of text[lo:lo+len(m)] are Markdown syntax;
// the zero value, none.
type syntaxMask struct {
	lo int
	m  []bool
}

func (s syntaxMask) at(i int) bool { return i >= s.lo && i < s.lo+len(s.m) && s.m[i-s.lo] }

// visibleIn reports whether text[from:to] has a character a reader sees:
// neither Markdown syntax (drop) nor space.
func visibleIn(text string, drop syntaxMask, from, to int) bool {
	for i := from; i < to; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !drop.at(i) && !unicode.IsSpace(r) {
			return true
		}
		i += size
	}
	return false
}

// snippetWordRune reports whether r is part of a word: letters, digits, combining
// marks, and the zero-width (non-)joiners inside Persian and Urdu words.
func snippetWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		r == '\u200c' || r == '\u200d'
}

// joinedWord widens the match text[s:e] over the parts joined to it by a
// zero-width non-joiner (U+200C) while the widened text is part of a word
// the reader typed with one (typed): ثبت‌نام typed marks ثبت‌نام whole
// (the search matched ثبت, نام being a stop word), ثبت typed marks ثبت.
func joinedWord(text string, s, e int, typed []string) (int, int) {
	if len(typed) == 0 {
		return s, e
	}
	inTyped := func(w string) bool {
		for _, t := range typed {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	part := func(p int, forward bool) int {
		for p > 0 && p < len(text) {
			var r rune
			var size int
			if forward {
				r, size = utf8.DecodeRuneInString(text[p:])
			} else {
				r, size = utf8.DecodeLastRuneInString(text[:p])
			}
			if !snippetWordRune(r) || r == '\u200c' || r == '\u200d' {
				break
			}
			if forward {
				p += size
			} else {
				p -= size
			}
		}
		return p
	}
	for e < len(text) && strings.HasPrefix(text[e:], "\u200c") {
		p := part(e+len("\u200c"), true)
		if p == e+len("\u200c") || !inTyped(strings.ToLower(text[s:p])) {
			break
		}
		e = p
	}
	for s > 0 && strings.HasSuffix(text[:s], "\u200c") {
		p := part(s-len("\u200c"), false)
		if p == s-len("\u200c") || !inTyped(strings.ToLower(text[p:e])) {
			break
		}
		s = p
	}
	return s, e
}

// typedJoined returns the words of a query that hold a zero-width
// non-joiner, lower-cased: the words joinedWord may mark whole.
func typedJoined(q string) []string {
	var out []string
	for _, w := range strings.Fields(q) {
		if strings.Contains(w, "\u200c") {
			out = append(out, strings.ToLower(strings.Trim(w, `"`)))
		}
	}
	return out
}

// snapToWords moves a window's ends off the middle of words: the start
// forward to the next word (back to the word's start instead when that
// would pass a mark), the end back to the previous word's end (forward
// to the word's end instead when that would cut a mark).
func snapToWords(text string, start, end int, marks [][2]int) (int, int) {
	inWord := func(i int) bool {
		if i <= 0 || i >= len(text) {
			return false
		}
		a, _ := utf8.DecodeLastRuneInString(text[:i])
		b, _ := utf8.DecodeRuneInString(text[i:])
		return snippetWordRune(a) && snippetWordRune(b)
	}
	atWordStart := func(i int) bool {
		b, _ := utf8.DecodeRuneInString(text[i:])
		if i >= len(text) || !snippetWordRune(b) {
			return false
		}
		if i == 0 {
			return true
		}
		a, _ := utf8.DecodeLastRuneInString(text[:i])
		return !snippetWordRune(a)
	}
	atWordEnd := func(i int) bool {
		a, _ := utf8.DecodeLastRuneInString(text[:i])
		if i <= 0 || !snippetWordRune(a) {
			return false
		}
		if i >= len(text) {
			return true
		}
		b, _ := utf8.DecodeRuneInString(text[i:])
		return !snippetWordRune(b)
	}
	firstMark, lastMark := len(text), 0
	for _, m := range marks {
		if m[0] >= start && m[1] <= end || m[0] < end && m[1] > start {
			firstMark = min(firstMark, m[0])
			lastMark = max(lastMark, m[1])
		}
	}
	if start > 0 && !atWordStart(start) {
		// Forward to the next word's start, or back to this word's.
		s := start
		for s < len(text) && !atWordStart(s) {
			_, size := utf8.DecodeRuneInString(text[s:])
			s += size
		}
		if s <= firstMark && s < end {
			start = s
		} else {
			for inWord(start) {
				_, size := utf8.DecodeLastRuneInString(text[:start])
				start -= size
			}
		}
	}
	if start > firstMark {
		start = firstMark
	}
	if end < len(text) && !atWordEnd(end) {
		// Back to the previous word's end, or forward to this word's.
		e := end
		for e > start && !atWordEnd(e) {
			_, size := utf8.DecodeLastRuneInString(text[:e])
			e -= size
		}
		if e >= lastMark && e > start {
			end = e
		} else {
			for inWord(end) {
				_, size := utf8.DecodeRuneInString(text[end:])
				end += size
			}
		}
	}
	if end < lastMark {
		end = lastMark
	}
	return start, end
}

var (
	mdBlockPrefix = regexp.MustCompile(`^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+)+`)
	mdOrdered     = regexp.MustCompile(`^[ \t]*(\d{1,9})[.)][ \t]+`)
	mdRule        = regexp.MustCompile(`^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$`)
	mdTableRule   = regexp.MustCompile(`^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?$`)
)

// markdownSyntax marks the bytes of a Markdown text that a reader of the
// rendered text does not see: line prefixes of headings, quotes and list
// items, rules, table pipes and delimiter rows, emphasis asterisks, code
// ticks, backslash escapes, the brackets and target of links and images,
// and underscores at the edge of a word (emphasis; inside a word they are
// text). blankBefore and itemBefore say whether the line before text is
// blank or (part of) a list item.
func markdownSyntax(text string, blankBefore, itemBefore bool) []bool {
	drop := make([]bool, len(text))
	set := func(s, e int) {
		for i := s; i < e; i++ {
			drop[i] = true
		}
	}
	// Line by line: block prefixes; a number and a dot start a list item
	// only where CommonMark lets one (after a blank line or another item,
	// or "1." anywhere): "June\n2023. In" is text.
	prevBlank, prevItem := blankBefore, itemBefore
	for at := 0; at < len(text); {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += at
		}
		line := text[at:end]
		blank := strings.TrimSpace(line) == ""
		item := false
		switch {
		case blank:
		case mdRule.MatchString(line) || mdTableRule.MatchString(line):
			set(at, end)
		default:
			if m := mdBlockPrefix.FindStringIndex(line); m != nil {
				set(at, at+m[1])
				item = true
			} else if m := mdOrdered.FindStringSubmatchIndex(line); m != nil && (prevBlank || prevItem || line[m[2]:m[3]] == "1") {
				set(at, at+m[1])
				item = true
			}
			if strings.HasPrefix(strings.TrimSpace(line), "|") {
				for i := at; i < end; i++ {
					if text[i] == '|' {
						drop[i] = true
					}
				}
			}
		}
		prevBlank, prevItem = blank, item || (prevItem && strings.HasPrefix(line, " "))
		at = end + 1
	}
	closeAt, parenAt, linkClose := -1, -1, -1
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '*', '`', '\\':
			drop[i] = true
		case '_':
			j := i
			for j < len(text) && text[j] == '_' {
				j++
			}
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			after, _ := utf8.DecodeRuneInString(text[j:])
			if i == 0 || j == len(text) || !snippetWordRune(before) || !snippetWordRune(after) {
				set(i, j)
			}
			i = j - 1
		case '[':
			// [text](target) and ![alt](target), on one line. closeAt and
			// parenAt only move forward (the first ']' or newline after i,
			// the first ')' or newline after c+1: both grow with i), so a
			// run of brackets costs one pass, not one scan per bracket
			// (breaker7 F9: 300,000 '[' before one ']' took 24 s a search).
			if closeAt <= i {
				closeAt = len(text)
				if k := strings.IndexAny(text[i+1:], "]\n"); k >= 0 {
					closeAt = i + 1 + k
				}
			}
			c := closeAt
			if c >= len(text) || text[c] != ']' || c+1 >= len(text) || text[c+1] != '(' {
				continue
			}
			if parenAt <= c+1 {
				parenAt = len(text)
				if k := strings.IndexAny(text[c+2:], ")\n"); k >= 0 {
					parenAt = c + 2 + k
				}
			}
			if parenAt >= len(text) || text[parenAt] != ')' {
				continue
			}
			drop[i] = true
			if i > 0 && text[i-1] == '!' {
				drop[i-1] = true
			}
			if c != linkClose { // brackets sharing one "](target)" mark it once
				set(c, parenAt+1)
				linkClose = c
			}
		}
	}
	return drop
}

// SnippetHighlighter is the name of the Bleve highlighter that makes
// snippet's fragments from a document's stored text: the search's own
// highlights call snippet directly (highlightPage), and a search that asks
// Bleve to highlight (Index.plain, the tests' reference) gets the same
// fragments from the same locations.
const SnippetHighlighter = "hub_snippet"

// snippetHighlighter is SnippetHighlighter: snippet over the stored text
// of the field (no typed words: a Bleve request does not carry the query).
type snippetHighlighter struct{}

func (snippetHighlighter) Fragmenter() highlight.Fragmenter                 { return nil }
func (snippetHighlighter) SetFragmenter(highlight.Fragmenter)               {}
func (snippetHighlighter) FragmentFormatter() highlight.FragmentFormatter   { return nil }
func (snippetHighlighter) SetFragmentFormatter(highlight.FragmentFormatter) {}
func (snippetHighlighter) Separator() string                                { return snippetEllipsis }
func (snippetHighlighter) SetSeparator(string)                              {}

func (h snippetHighlighter) BestFragmentInField(dm *search.DocumentMatch, doc index.Document, field string) string {
	if fs := h.BestFragmentsInField(dm, doc, field, 1); len(fs) > 0 {
		return fs[0]
	}
	return ""
}

func (snippetHighlighter) BestFragmentsInField(dm *search.DocumentMatch, doc index.Document, field string, _ int) []string {
	var text string
	found := false
	doc.VisitFields(func(f index.Field) {
		if _, ok := f.(index.TextField); ok && f.Name() == field {
			text, found = string(f.Value()), true
		}
	})
	name, _, _ := strings.Cut(field, "_")
	frag := snippet(text, dm.Locations[field], name == "body", nil)
	if !found || frag == "" {
		return nil
	}
	dm.AddFragments(field, []string{frag})
	return []string{frag}
}

func init() {
	if err := registry.RegisterHighlighter(SnippetHighlighter, func(map[string]interface{}, *registry.Cache) (highlight.Highlighter, error) {
		return snippetHighlighter{}, nil
	}); err != nil {
		panic(err)
	}
}
