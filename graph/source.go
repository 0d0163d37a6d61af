package graph

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// sourceCheck refuses, as syntax errors (GRAPHQL_PARSE_FAILED), the
// documents gqlparser reads although the GraphQL spec (October 2021 and
// the current draft, §2.9.4 String Value and §2.2 Document) makes them
// syntax errors, as graphql-js does:
//
//   - a \u escape of a lone UTF-16 surrogate in a string ("\uD800", a
//     leading surrogate not followed by an escaped trailing one, a trailing
//     one alone): "EscapedUnicode ... must be a Unicode scalar value", and a
//     fixed-width leading surrogate must be followed by a trailing one.
//     gqlparser writes U+FFFD for it, so the text would be silently altered
//     (an editor's title stored with U+FFFD, a search for another word);
//   - a document with no definition (only comments, commas or white
//     space): Document is Definition+; graphql-js says "Unexpected <EOF>.".
//
// It runs before the automatic persisted queries extension, so a document
// it refuses is never registered under its hash. Block strings have no
// escapes and comments are not read: "\uD800" in either stays valid.
type sourceCheck struct{}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = sourceCheck{}

func (sourceCheck) ExtensionName() string                   { return "SourceCheck" }
func (sourceCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (sourceCheck) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // a persisted query's hash: its document was checked when stored
	}
	err := checkSource(p.Query)
	if err != nil {
		errcode.Set(err, errcode.ParseFailed)
	}
	return err
}

// checkSource returns the first of the syntax errors sourceCheck looks
// for, with graphql-js's message and the line and column (in runes, as
// gqlparser counts them) where graphql-js puts it, or nil.
func checkSource(src string) *gqlerror.Error {
	i := skipIgnored(src, 0)
	if i == len(src) {
		line, col := lineColumn(src, i)
		return gqlerror.ErrorLocf("", line, col, "Unexpected <EOF>.")
	}
	if !strings.Contains(src, `\u`) {
		return nil
	}
	for i < len(src) {
		switch src[i] {
		case '#':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		case '"':
			if strings.HasPrefix(src[i:], `"""`) {
				i = skipBlockString(src, i+3)
				continue
			}
			end, bad, badLen := scanString(src, i+1)
			if bad >= 0 {
				line, col := lineColumn(src, bad)
				return gqlerror.ErrorLocf("", line, col, "Invalid Unicode escape sequence: %q.", src[bad:bad+badLen])
			}
			i = end
			continue
		}
		i++
	}
	return nil
}

// skipIgnored returns the offset of the first byte at or after i that is not
// an ignored token (§2.1.7: byte order mark, white space, line
// terminators, comments, commas).
func skipIgnored(src string, i int) int {
	for i < len(src) {
		switch {
		case src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r' || src[i] == ',':
			i++
		case strings.HasPrefix(src[i:], "\uFEFF"):
			i += len("\uFEFF")
		case src[i] == '#':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// skipBlockString returns the offset just past the block string whose text
// starts at i (after its opening """), or len(src) if it does not end (the
// parser reports that). \""" is the one escape of a block string.
func skipBlockString(src string, i int) int {
	for i < len(src) {
		switch {
		case strings.HasPrefix(src[i:], `\"""`):
			i += 4
		case strings.HasPrefix(src[i:], `"""`):
			return i + 3
		default:
			i++
		}
	}
	return i
}

// scanString scans the string whose text starts at i (after its opening
// quote) and returns the offset just past it and, for the first \u escape
// that is not a Unicode scalar value once surrogate pairs are joined, its
// offset and length (bad = -1 when there is none). Malformed strings
// (unterminated, a bad escape) are left to the parser: the scan stops.
func scanString(src string, i int) (end, bad, badLen int) {
	for i < len(src) {
		switch c := src[i]; {
		case c == '"':
			return i + 1, -1, 0
		case c == '\n' || c == '\r':
			return i, -1, 0
		case c != '\\':
			i++
		case i+1 < len(src) && src[i+1] == 'u' && i+2 < len(src) && src[i+2] != '{':
			// Fixed width: \uXXXX. (Braced escapes, \u{...}, are
			// refused by gqlparser itself unless they name a scalar value.)
			r, ok := hex4(src, i+2)
			if !ok {
				return len(src), -1, 0
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return len(src), i, 6
			case r >= 0xD800 && r <= 0xDBFF:
				lo, ok := hex4(src, i+8)
				if !ok || src[i+6] != '\\' || src[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
					return len(src), i, 6
				}
				i += 12
			default:
				i += 6
			}
		default:
			i += 2 // \" \\ \/ \b \f \n \r \t, or an escape the parser refuses
		}
	}
	return i, -1, 0
}

// hex4 reads four hexadecimal digits at s[at:].
func hex4[T string | []byte](s T, at int) (rune, bool) {
	if at < 0 || at+4 > len(s) {
		return 0, false
	}
	var v rune
	for k := at; k < at+4; k++ {
		c := s[k]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// lineColumn is the line and column of byte offset at, both from 1, with
// columns counted in runes and lines ended by \n, \r\n or \r (§2.1.3), as
// gqlparser reports positions.
func lineColumn(src string, at int) (line, col int) {
	line, start := 1, 0
	for k := 0; k < at; k++ {
		if src[k] == '\n' || (src[k] == '\r' && (k+1 >= len(src) || src[k+1] != '\n')) {
			line, start = line+1, k+1
		}
	}
	return line, utf8.RuneCountInString(src[start:at]) + 1
}
