package search

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/util"

	"guidancehub/internal/render"
)

// What a reader of a body does not see: the page renders a body with
// goldmark (GFM and footnotes, internal/render) and raw HTML omitted, so
// the search leaves out of the index and of fragments exactly what the
// page does not show (breaker7 F2: a link's target, an HTML comment, a
// tag's attributes, a reference definition or an entity's name was
// searchable and showed in fragments; breaker8: rules read line by line
// missed tags across lines, multi-line definitions, and hid code's and
// inline tags' text).
//
// hiddenText marks the bytes render.Visible does not (the page's own
// parser, read as a tree), spaces and line breaks aside (they separate
// words), and the NUL bytes visibleBody writes. For a
// body render.Visible does not read (over content.MaxLinkScan: the page
// shows it as plain text), hiddenTextApprox's rules, read in one linear
// pass, stand in.
func hiddenText(text string) []bool {
	vis, ok := render.Visible(text)
	if !ok {
		return hiddenTextApprox(text)
	}
	drop := make([]bool, len(text))
	for i := range drop {
		switch text[i] {
		case ' ', '\t', '\n', '\r':
			// Space between the page's words (a line break, a table's
			// cell padding) separates words as it did: never text.
		case 0:
			drop[i] = true
		default:
			drop[i] = !vis[i]
		}
	}
	return drop
}

// hiddenTextApprox marks, in one pass over the text (each scan for a
// closing character moves only forward, so no input costs more than
// linear time: breaker7 F9), what markdownSyntax marks and:
//   - HTML comments, <!-- to --> (to the end when not closed);
//   - HTML blocks: from a line starting with a tag (up to three spaces
//     before it) to the next blank line;
//   - inline tags (<span title="…">, </span>, <br/>): the tag, not the
//     text between tags;
//   - autolinks (<https://…>, <name@host>): the angle brackets;
//   - reference definitions ([label]: target "title"): the whole line;
//     footnote definitions ([^1]: text): the label;
//   - footnote references ([^1]) whole, and of reference links
//     ([text][label], [text][], [label] when defined) the brackets and
//     the label;
//   - entity and character references (&amp; &#233; &#xE9;): the reference.
func hiddenTextApprox(text string) []bool {
	drop := markdownSyntax(text, true, false)
	// A body as indexed (visibleBody) holds NUL where it hides a byte.
	for i := 0; i < len(text); i++ {
		if text[i] == 0 {
			drop[i] = true
		}
	}
	set := func(s, e int) {
		for i := s; i < min(e, len(text)); i++ {
			drop[i] = true
		}
	}
	// Reference definitions first: the labels they define make
	// shortcut references ([label]) links.
	labels := map[string]bool{}
	inBlock := false
	for at := 0; at < len(text); {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += at
		}
		line := text[at:end]
		switch {
		case strings.TrimSpace(line) == "":
			inBlock = false
		case inBlock:
			set(at, end)
		case htmlBlockStart.MatchString(line):
			set(at, end)
			inBlock = true
		default:
			if m := footnoteDef.FindStringIndex(line); m != nil {
				set(at, at+m[1])
			} else if m := referenceDef.FindStringSubmatch(line); m != nil {
				labels[strings.ToLower(strings.TrimSpace(m[1]))] = true
				set(at, end)
			}
		}
		at = end + 1
	}
	gtAt, brAt := -1, -1
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '<':
			if strings.HasPrefix(text[i:], "<!--") {
				e := strings.Index(text[i+4:], "-->")
				if e < 0 {
					set(i, len(text))
					return drop
				}
				set(i, i+4+e+3)
				i += 4 + e + 2
				continue
			}
			// The first '>' or newline after i.
			if gtAt <= i {
				gtAt = len(text)
				if k := strings.IndexAny(text[i+1:], ">\n"); k >= 0 {
					gtAt = i + 1 + k
				}
			}
			if gtAt >= len(text) || text[gtAt] != '>' {
				continue
			}
			inner := text[i+1 : gtAt]
			switch {
			case autolink.MatchString(inner):
				drop[i], drop[gtAt] = true, true
			case inlineTag.MatchString(inner):
				set(i, gtAt+1)
			}
		case '&':
			// A reference goldmark resolves (a numeric one, or a name of
			// HTML5's list: "&qqfoo;" is shown as typed).
			if m := entityRef.FindStringSubmatchIndex(text[i:min(len(text), i+34)]); m != nil {
				name := ""
				if m[2] >= 0 {
					name = text[i+m[2] : i+m[3]]
				}
				if _, known := util.LookUpHTML5EntityByName(name); name == "" || known {
					set(i, i+m[1])
				}
			}
		case '[':
			if drop[i] {
				continue
			}
			// The first ']' or newline after i.
			if brAt <= i {
				brAt = len(text)
				if k := strings.IndexAny(text[i+1:], "]\n"); k >= 0 {
					brAt = i + 1 + k
				}
			}
			c := brAt
			if c >= len(text) || text[c] != ']' {
				continue
			}
			label := text[i+1 : c]
			switch {
			case strings.HasPrefix(label, "^"):
				set(i, c+1) // a footnote reference
			case c+1 < len(text) && text[c+1] == '[':
				// [text][label] or [text][]
				if k := strings.IndexAny(text[c+2:], "]\n"); k >= 0 && text[c+2+k] == ']' {
					drop[i] = true
					set(c, c+2+k+1)
				}
			case labels[strings.ToLower(strings.TrimSpace(label))] && !(c+1 < len(text) && text[c+1] == '('):
				drop[i], drop[c] = true, true
			}
		}
	}
	return drop
}

var (
	// htmlBlockStart is a line CommonMark starts an HTML block with
	// (types 1, 6 and 7 read loosely: a tag or a closing tag first).
	htmlBlockStart = regexp.MustCompile(`^ {0,3}</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)`)
	// inlineTag is the inside of an open, closing or empty tag.
	inlineTag = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>` + "`" + `]+))?)*\s*/?|/[A-Za-z][A-Za-z0-9-]*\s*)$`)
	// autolink is the inside of <scheme:…> or <address@host>.
	autolink     = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)$`)
	referenceDef = regexp.MustCompile(`^ {0,3}\[([^\]^][^\]]*)\]:\s*\S`)
	footnoteDef  = regexp.MustCompile(`^ {0,3}\[\^[^\]]+\]:`)
	entityRef    = regexp.MustCompile(`^&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));`)
)

// visibleBody is a body with every byte a reader does not see
// (hiddenText) a NUL, newlines kept: the same length, so that a word's
// offsets in it are its offsets in the body (highlights mark the body as
// stored). NUL separates words as a space does, and hiddenText hides it
// again, so a fragment of the body as indexed (Index.plain's stored text)
// is the fragment of the body (PostgreSQL text holds no NUL).
func visibleBody(body string) string {
	drop := hiddenText(body)
	b := []byte(body)
	for i, d := range drop {
		if d && b[i] != '\n' {
			b[i] = 0
		}
	}
	return string(b)
}
