package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

var valid = `---
kind: guidance
slug: register-with-a-gp
title: Registering with a GP
summary: Anyone in England can register with a GP practice.
topics: [gp-registration]
audiences: [gp-practices, Commissioners]
nations: [england, northern-ireland]
published: 2025-01-10
last_reviewed: 2025-06-01
next_review: 2026-06-01
sources:
  - title: Patient registration
    publisher: BMA
    url: https://www.bma.org.uk/
    date: 2018-07-01
  - title: A study
    doi: 10.5555/12345678
related: [other-thing]
applies_to: GP practices in England
actions:
  - Register without asking for ID
---
# Body

Text.
` + strings.Repeat("More words of guidance. ", 70)

func TestParseValid(t *testing.T) {
	f, errs := Parse("a.md", []byte(valid))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	d := f.Draft
	if d.Kind != content.KindGuidance || d.Slug != "register-with-a-gp" || d.Language != "en" {
		t.Errorf("kind %s slug %s language %s", d.Kind, d.Slug, d.Language)
	}
	if got := strings.Join(d.Audiences, ","); got != "GP_PRACTICES,COMMISSIONERS" {
		t.Errorf("audiences = %s", got)
	}
	if got := strings.Join(d.Nations, ","); got != "ENGLAND,NORTHERN_IRELAND" {
		t.Errorf("nations = %s", got)
	}
	if f.Status != content.StatusPublished {
		t.Errorf("status = %s, want published by default", f.Status)
	}
	if !strings.HasPrefix(d.Body, "# Body\n\nText.") {
		t.Errorf("body = %q", d.Body)
	}
	if len(d.Sources) != 2 || d.Sources[0].Date == nil || d.Sources[1].DOI == "" {
		t.Errorf("sources = %+v", d.Sources)
	}
	if len(f.Hash) != 64 {
		t.Errorf("hash = %q", f.Hash)
	}
}

// TestParseBadInput lists each kind of bad front matter and the field the
// error must name. A bad file is reported, never half-imported.
func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name, from, to, field, msg string
	}{
		{"missing kind", "kind: guidance\n", "", "kind", "is required"},
		{"unknown kind", "kind: guidance\n", "kind: leaflet\n", "kind", "unknown kind"},
		{"missing slug", "slug: register-with-a-gp\n", "", "slug", "is required"},
		{"bad slug", "slug: register-with-a-gp\n", "slug: Register With\n", "slug", "lower-case"},
		{"missing title", "title: Registering with a GP\n", "", "title", "is required"},
		{"missing summary", "summary: Anyone in England can register with a GP practice.\n", "", "summary", "is required"},
		{"unknown topic", "topics: [gp-registration]", "topics: [astrology]", "topics", "unknown topic"},
		{"unknown audience", "audiences: [gp-practices, Commissioners]", "audiences: [aliens]", "audiences", "unknown value"},
		{"unknown nation", "nations: [england, northern-ireland]", "nations: [france]", "nations", "unknown value"},
		{"bad date", "published: 2025-01-10", "published: 10/01/2025", "published", "not a date"},
		{"impossible date", "published: 2025-01-10", "published: 2025-02-30", "published", "not a date"},
		{"missing published", "published: 2025-01-10\n", "", "published", "is required"},
		{"next review before last", "next_review: 2026-06-01", "next_review: 2025-05-01", "next_review", "not after last_reviewed"},
		{"bad language", "kind: guidance\n", "kind: guidance\nlanguage: english!\n", "language", "not a language tag"},
		{"unknown field", "kind: guidance\n", "kind: guidance\ncolour: red\n", "colour", "unknown field"},
		{"field of another kind", "kind: guidance\n", "kind: guidance\nmethods: survey\n", "methods", "research_brief"},
		{"source without url, doi or full citation", "    url: https://www.bma.org.uk/\n    date: 2018-07-01\n", "", "sources[0]", "full citation"},
		{"translation without status", "kind: guidance\n", "kind: guidance\ntranslation_of: x\nlanguage: ar\n", "translation_status", "how far it can be trusted"},
		{"status without translation", "kind: guidance\n", "kind: guidance\ntranslation_status: reviewed\n", "translation_status", "only a translation"},
		{"body too short", strings.Repeat("More words of guidance. ", 70), "", "body", "at least 250"},
		{"source javascript url", "url: https://www.bma.org.uk/", "url: javascript:alert(1)", "sources[0].url", "not an http(s) URL"},
		{"bad doi", "doi: 10.5555/12345678", "doi: not-a-doi", "sources[1].doi", "not a DOI"},
		{"no sources", "sources:\n  - title: Patient registration\n    publisher: BMA\n    url: https://www.bma.org.uk/\n    date: 2018-07-01\n  - title: A study\n    doi: 10.5555/12345678\n", "", "sources", "at least one source"},
		{"bad status", "kind: guidance\n", "kind: guidance\nstatus: archived\n", "status", "unknown status"},
		{"related to itself", "related: [other-thing]", "related: [register-with-a-gp]", "related", "itself"},
		{"empty body", "# Body\n\nText.\n" + strings.Repeat("More words of guidance. ", 70), "", "body", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.from) {
				t.Fatalf("fixture does not contain %q", tt.from)
			}
			_, errs := Parse("bad.md", []byte(strings.Replace(valid, tt.from, tt.to, 1)))
			for _, e := range errs {
				if e.Field == tt.field && strings.Contains(e.Message, tt.msg) && e.Path == "bad.md" {
					return
				}
			}
			t.Errorf("errors %v: want one for field %q containing %q", errs, tt.field, tt.msg)
		})
	}
}

func TestParseBadFiles(t *testing.T) {
	tests := []struct{ name, data, msg string }{
		{"no front matter", "# Just markdown\n", "must start with YAML front matter"},
		{"unclosed front matter", "---\nkind: guidance\n", "no closing ---"},
		{"not yaml", "---\nkind: [guidance\n---\nbody\n", "not valid YAML"},
		{"wrong type", "---\ntopics: charging\n---\nbody\n", "front matter"},
		{"not utf-8", "---\nkind: \xff\n---\n", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Parse("x.md", []byte(tt.data))
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.msg) {
				t.Errorf("errors %v, want %q", errs, tt.msg)
			}
		})
	}
}

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadChecksTheLibraryAsAWhole(t *testing.T) {
	dir := t.TempDir()
	other := strings.Replace(strings.Replace(valid, "slug: register-with-a-gp", "slug: other-thing", 1), "related: [other-thing]", "related: [register-with-a-gp]", 1)
	write(t, dir, "a.md", valid)
	write(t, dir, "b.md", other)
	write(t, dir, "README.md", "not a resource")
	write(t, dir, "_drafts/x.md", "ignored")
	dup := write(t, dir, "sub/dup.md", strings.Replace(valid, "title: Registering with a GP", "title: Copy", 1))
	dangling := write(t, dir, "c.md", strings.Replace(strings.Replace(valid, "slug: register-with-a-gp", "slug: c", 1), "related: [other-thing]", "related: [nowhere]", 1))
	broken := write(t, dir, "broken.md", "no front matter")
	badLink := write(t, dir, "d.md", strings.Replace(strings.Replace(valid, "slug: register-with-a-gp", "slug: d", 1), "Text.", "See [this](/resources/missing-page).", 1))

	lib, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Present) != 6 {
		t.Errorf("present = %v, want the 6 resource files (README and _drafts skipped)", lib.Present)
	}
	var slugs []string
	for _, f := range lib.Files {
		slugs = append(slugs, f.Draft.Slug)
	}
	// The duplicated slug fails in both files, and b.md, which relates to
	// that slug, fails in turn: nothing imported links to a missing slug.
	if len(slugs) != 0 {
		t.Errorf("valid files = %v, want none", slugs)
	}
	want := map[string]string{
		filepath.Join(dir, "a.md"): "also used by " + dup,
		dup:                        "also used by " + filepath.Join(dir, "a.md"),
		dangling:                   "no resource with slug \"nowhere\"",
		broken:                     "front matter",
		badLink:                    "links to /resources/missing-page",
		filepath.Join(dir, "b.md"): "no resource with slug \"register-with-a-gp\" in the library (" + filepath.Join(dir, "a.md") + " is not imported: it has errors)",
	}
	for path, msg := range want {
		found := false
		for _, e := range lib.Errors {
			found = found || (e.Path == path && strings.Contains(e.Message, msg))
		}
		if !found {
			t.Errorf("no error for %s containing %q; errors: %v", path, msg, lib.Errors)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\nkind: research-brief\nsample_size: -1\n---\nx"))
	f.Add([]byte("---\r\nslug: a\r\n---\r\n"))
	f.Add([]byte(strings.Replace(valid, "Text.", "Text\x00.", 1)))
	f.Add([]byte(strings.Replace(valid, "published: 2025-01-10", "published: 0000-01-01", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		fi, errs := Parse("fuzz.md", data)
		if len(errs) == 0 {
			// Whatever parses must be importable as it is.
			if !fi.Draft.Kind.Valid() || fi.Draft.Slug == "" || fi.Draft.Title == "" || len(fi.Draft.Nations) == 0 {
				t.Fatalf("accepted an incomplete file: %+v", fi.Draft)
			}
			if !content.ValidLanguage(fi.Draft.Language) {
				t.Fatalf("accepted language %q", fi.Draft.Language)
			}
			// Nothing PostgreSQL or a door would refuse or alter: no
			// forbidden character in any text, no year outside 1-9999.
			if i := strings.IndexFunc(fmt.Sprintf("%v", fi.Draft), content.ForbiddenRune); i >= 0 {
				t.Fatalf("accepted a forbidden character: %+v", fi.Draft)
			}
			for _, d := range []*content.Date{fi.Draft.PublishedAt, fi.Draft.LastReviewedAt, fi.Draft.NextReviewDue} {
				if d != nil && (d.Year() < content.MinYear || d.Year() > content.MaxYear) {
					t.Fatalf("accepted year %d", d.Year())
				}
			}
		}
	})
}

// TestDelimiterWhitespace: the front matter's --- lines may carry trailing
// spaces, tabs or \r (issue 11: "--- " was refused as "no closing ---
// line"); each spelling parses to the same resource.
func TestDelimiterWhitespace(t *testing.T) {
	want, errs := Parse("a.md", []byte(valid))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	head, body, _ := strings.Cut(strings.TrimPrefix(valid, "---\n"), "\n---\n")
	for _, open := range []string{"---", "--- ", "---\t", "---  \t ", "--- \r"} {
		for _, closing := range []string{"---", "--- ", "---\t", "---   ", "---\r", "--- \r"} {
			src := open + "\n" + head + "\n" + closing + "\n" + body
			f, errs := Parse("a.md", []byte(src))
			if len(errs) > 0 {
				t.Errorf("open %q close %q: %v", open, closing, errs)
				continue
			}
			if f.Draft.Slug != want.Draft.Slug || strings.TrimSpace(f.Draft.Body) != strings.TrimSpace(want.Draft.Body) {
				t.Errorf("open %q close %q: parsed %q with body %.30q", open, closing, f.Draft.Slug, f.Draft.Body)
			}
		}
	}
	// Still not delimiters: text after the dashes, or fewer dashes.
	for _, closing := range []string{"--- x", "-- ", "----"} {
		if _, errs := Parse("a.md", []byte("---\n"+head+"\n"+closing+"\n"+body)); len(errs) == 0 {
			t.Errorf("closing line %q accepted", closing)
		}
	}
}

// TestIntegersInRange: every integer a file can hold is served as a GraphQL
// Int, a signed 32-bit integer, so the lint refuses one out of range.
func TestIntegersInRange(t *testing.T) {
	brief := strings.NewReplacer("kind: guidance\n", "kind: research-brief\nmethods: A survey\nkey_findings: [One]\nsample_size: N\n",
		"applies_to: GP practices in England\nactions:\n  - Register without asking for ID\n", "").Replace(valid)
	for _, tt := range []struct {
		n  string
		ok bool
	}{{"0", true}, {"1000", true}, {"2147483647", true}, {"2147483648", false}, {"9007199254740993", false}, {"-1", false}, {"99999999999999999999", false}, {"2.5", false}, {"\"5\"", false}} {
		_, errs := Parse("b.md", []byte(strings.Replace(brief, "sample_size: N", "sample_size: "+tt.n, 1)))
		named := false
		for _, e := range errs {
			named = named || e.Field == "sample_size" || strings.Contains(e.Message, "sample_size")
		}
		if tt.ok && len(errs) > 0 || !tt.ok && !named {
			t.Errorf("sample_size %s: errors %v, want ok=%v", tt.n, errs, tt.ok)
		}
	}
}
