package content

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ForbiddenRune reports whether r may not appear in any text of a resource
// (title, summary, body, sources, the kind's own fields, …), through any
// door: the API, resource files (lint and import) alike. Forbidden are
//
//   - U+0000, which PostgreSQL refuses in text (SQLSTATE 22021);
//   - the other C0 controls except tab, line feed and carriage return, and
//     DEL and the C1 controls U+007F–U+009F: XML 1.0 §2.2 (Char) forbids the
//     C0 ones in the Atom feed, and WHATWG HTML §13.2.3.5 makes every one a
//     "control-character-in-input-stream" parse error in the pages, so each
//     door would otherwise show them differently (raw, U+FFFD, deleted);
//   - the noncharacters U+FDD0–U+FDEF and U+xFFFE/U+xFFFF of every plane
//     (WHATWG's "noncharacter-in-input-stream"; XML forbids U+FFFE/U+FFFF).
//
// Invalid UTF-8 is refused before this check (utf8.RuneError from a bad
// byte is reported by BadText too).
func ForbiddenRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	return false
}

// BadText returns a message for the first forbidden code point in s
// ("contains U+0007 (a control character) at character 12"), or "" when s
// has none. Characters are counted from 1, in code points.
func BadText(s string) string {
	n := 0
	for i, r := range s {
		n++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Sprintf("is not valid UTF-8 (at character %d)", n)
			}
		}
		if ForbiddenRune(r) {
			what := "a control character"
			switch {
			case r == 0:
				what = "NUL"
			case r > 0x9f:
				what = "a noncharacter"
			}
			return fmt.Sprintf("contains U+%04X (%s) at character %d; text may hold no control characters other than tab and line breaks", r, what, n)
		}
	}
	return ""
}

// texts lists every free-text field of d with its name in the API's
// spelling, in field order.
func (d Draft) texts() []struct{ field, text string } {
	var out []struct{ field, text string }
	add := func(field, text string) { out = append(out, struct{ field, text string }{field, text}) }
	add("slug", d.Slug)
	add("title", d.Title)
	add("summary", d.Summary)
	add("body", d.Body)
	for i, t := range d.Topics {
		add(fmt.Sprintf("topics[%d]", i), t)
	}
	for i, a := range d.Audiences {
		add(fmt.Sprintf("audiences[%d]", i), a)
	}
	for i, n := range d.Nations {
		add(fmt.Sprintf("nations[%d]", i), n)
	}
	add("language", d.Language)
	add("translationOf", d.TranslationOf)
	add("translationStatus", d.TranslationStatus)
	for i, s := range d.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		add(f+".title", s.Title)
		add(f+".publisher", s.Publisher)
		add(f+".url", s.URL)
		add(f+".doi", s.DOI)
	}
	for i, r := range d.Related {
		add(fmt.Sprintf("related[%d]", i), r)
	}
	x := d.Details
	add("appliesTo", x.AppliesTo)
	for i, a := range x.Actions {
		add(fmt.Sprintf("actions[%d]", i), a)
	}
	add("methods", x.Methods)
	add("sample", x.Sample)
	add("period", x.Period)
	for i, k := range x.KeyFindings {
		add(fmt.Sprintf("keyFindings[%d]", i), k)
	}
	for i, r := range x.Recommendations {
		add(fmt.Sprintf("recommendations[%d]", i), r)
	}
	add("rationale", x.Rationale)
	add("campaign", x.Campaign)
	return out
}

// dates lists every date of d with its name in the API's spelling.
func (d Draft) dates() []struct {
	field string
	t     *Date
} {
	out := []struct {
		field string
		t     *Date
	}{{"publishedAt", d.PublishedAt}, {"lastReviewedAt", d.LastReviewedAt}, {"nextReviewDue", d.NextReviewDue}}
	for i, s := range d.Sources {
		out = append(out, struct {
			field string
			t     *Date
		}{fmt.Sprintf("sources[%d].date", i), s.Date})
	}
	return out
}

// MaxWithdrawalReason is the longest withdrawal reason, in characters
// (code points).
const MaxWithdrawalReason = 500

// CheckWithdrawalReason returns an EINVALID error on field "reason" unless
// reason is a text with a visible character (not only spaces and format
// characters such as U+200B or U+200F: breaker11 F6) of at most
// MaxWithdrawalReason characters
// with no forbidden code point (ForbiddenRune): the reason is public text
// of the resource, shown by the API, the pages and the Atom feed's
// tombstone (review4 R3: it skipped the check every other text has, and it
// counted bytes, so 300 Arabic letters were "over 500 characters").
func CheckWithdrawalReason(reason string) error {
	if !utf8.ValidString(reason) {
		return FieldErrorf("reason", "is not valid UTF-8")
	}
	visible := strings.ContainsFunc(reason, func(r rune) bool { return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) })
	if n := utf8.RuneCountInString(reason); n == 0 || !visible || n > MaxWithdrawalReason {
		return FieldErrorf("reason", "is required, at most %d characters (this one has %d)", MaxWithdrawalReason, n)
	}
	if msg := BadText(reason); msg != "" {
		return FieldErrorf("reason", "%s", msg)
	}
	return nil
}
