package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// forbiddenSample is one code point of each forbidden class
// (content.ForbiddenRune), with the ends of each range.
var forbiddenSample = []rune{0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9f,
	0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x10ffff}

// fileTextFields is every free-text field of a resource file: the line of
// the valid file to replace, and the replacement with %s where the
// character goes (a YAML escape), and the field the error must name.
var fileTextFields = []struct{ field, old, new string }{
	{"slug", "slug: register-with-a-gp", `slug: "register%s-with-a-gp"`},
	{"title", "title: Registering with a GP", `title: "Registering%s with a GP"`},
	{"summary", "summary: Anyone in England can register with a GP practice.", `summary: "Anyone%s in England can register with a GP practice."`},
	{"topics", "topics: [gp-registration]", `topics: ["gp-%sregistration"]`},
	{"audiences", "audiences: [gp-practices, Commissioners]", `audiences: ["gp-%spractices", Commissioners]`},
	{"nations", "nations: [england, northern-ireland]", `nations: ["eng%sland", northern-ireland]`},
	{"language", "published: 2025-01-10", "published: 2025-01-10\nlanguage: \"e%sn\""},
	{"translation_status", "published: 2025-01-10", "published: 2025-01-10\ntranslation_of: other-thing\ntranslation_status: \"needs%s review\""},
	{"translation_of", "published: 2025-01-10", "published: 2025-01-10\ntranslation_of: \"other%s-thing\"\ntranslation_status: needs review"},
	{"sources[0].title", "  - title: Patient registration", `  - title: "Patient%s registration"`},
	{"sources[0].publisher", "    publisher: BMA", `    publisher: "B%sMA"`},
	{"sources[0].url", "    url: https://www.bma.org.uk/", `    url: "https://www.bma.org.uk/%sx"`},
	{"sources[1].doi", "    doi: 10.5555/12345678", `    doi: "10.5555/1234%s5678"`},
	{"related", "related: [other-thing]", `related: ["other%s-thing"]`},
	{"applies_to", "applies_to: GP practices in England", `applies_to: "GP practices%s in England"`},
	{"actions", "  - Register without asking for ID", `  - "Register%s without asking for ID"`},
}

// yamlEscape writes r as a YAML double-quoted escape.
func yamlEscape(r rune) string {
	if r > 0xffff {
		return fmt.Sprintf(`\U%08X`, r)
	}
	return fmt.Sprintf(`\u%04X`, r)
}

// TestFileTextRefusesForbiddenCharacters (breaker3 F14/F25): every
// forbidden code point class in every text field of a resource file is an
// error naming that field, so lint and import refuse the file by name
// before PostgreSQL sees it (a NUL reached the database as "invalid byte
// sequence … 0x00" and failed the whole import). Tab, line breaks and
// other characters near the forbidden ranges are kept.
func TestFileTextRefusesForbiddenCharacters(t *testing.T) {
	if _, errs := Parse("ok.md", []byte(valid)); len(errs) > 0 {
		t.Fatalf("valid file: %v", errs)
	}
	for _, f := range fileTextFields {
		if !strings.Contains(valid, f.old) {
			t.Fatalf("%s: %q not in the valid file", f.field, f.old)
		}
		for _, r := range forbiddenSample {
			text := strings.Replace(valid, f.old, fmt.Sprintf(f.new, yamlEscape(r)), 1)
			_, errs := Parse("bad.md", []byte(text))
			if !namesField(errs, f.field) {
				t.Errorf("%s with U+%04X: got %v, want an error naming %s", f.field, r, errs, f.field)
			}
		}
	}
	// The body, raw (it is not YAML): each forbidden character in it.
	for _, r := range forbiddenSample {
		text := valid + "end" + string(r) + "end\n"
		_, errs := Parse("bad.md", []byte(text))
		if !namesField(errs, "body") {
			t.Errorf("body with U+%04X: got %v, want an error naming body", r, errs)
		}
	}
	// Characters next to the forbidden ranges stay allowed.
	for _, r := range []rune{'\t', 0xa0, 0xad, 0x200b, 0x202e, 0xfdcf, 0xfdf0, 0xfffd, 0x1f600, 0x10fffd} {
		text := strings.Replace(valid, "title: Registering with a GP", `title: "Registering`+yamlEscape(r)+` with a GP"`, 1) + "end" + string(r) + "\n"
		if _, errs := Parse("ok.md", []byte(text)); len(errs) > 0 {
			t.Errorf("U+%04X refused: %v", r, errs)
		}
	}
}

// TestFileDatesInRange (breaker3 F26): every date field of a file at the
// boundary years: year 0 (PostgreSQL's 1 BC, spelled back "0001-01-01 BC"
// and then refused as a cursor) is refused by name like any bad date;
// years 1 and 9999 are dates; 10000 is not YYYY-MM-DD. The API's Date
// scalar and the cursor check read dates with the same content.ParseDate.
func TestFileDatesInRange(t *testing.T) {
	fields := []struct{ field, old string }{
		{"published", "published: 2025-01-10"},
		{"last_reviewed", "last_reviewed: 2025-06-01"},
		{"next_review", "next_review: 2026-06-01"},
		{"sources[0].date", "    date: 2018-07-01"},
	}
	for _, f := range fields {
		key, _, _ := strings.Cut(f.old, ":")
		for _, y := range []struct {
			date string
			ok   bool
		}{{"0000-01-01", false}, {"0000-12-31", false}, {"-0001-01-01", false}, {"10000-01-01", false}, {"0001-01-01", true}, {"9999-12-31", true}} {
			text := strings.Replace(valid, f.old, key+": "+y.date, 1)
			fi, errs := Parse("d.md", []byte(text))
			if y.ok {
				// Dates may break the order rules (review before
				// publication); only the field's own readability counts.
				for _, e := range errs {
					if e.Field == f.field && strings.Contains(e.Message, "not a date") {
						t.Errorf("%s: %s refused: %v", f.field, y.date, e)
					}
				}
				continue
			}
			if !namesField(errs, f.field) {
				t.Errorf("%s: %s accepted: %+v", f.field, y.date, fi.Draft)
			}
		}
	}
	for _, y := range []string{"0000-01-01", "0000-02-29"} {
		if _, err := content.ParseDate(y); err == nil {
			t.Errorf("ParseDate(%q) accepted year 0", y)
		}
	}
	if d, err := content.ParseDate("0001-01-01"); err != nil || !d.Equal(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate(0001-01-01) = %v, %v", d, err)
	}
}

func namesField(errs []*FileError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}
