// Package ingest reads the resource library: one Markdown file per resource
// with YAML front matter. It parses and validates each file, checks the
// library as a whole (duplicate slugs, dangling links), and hands the valid
// files to the store, which imports them idempotently by content hash.
package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"guidancehub/internal/content"
)

// FileError is a problem with one file, naming the field at fault.
type FileError struct {
	Path    string
	Field   string
	Message string
}

func (e *FileError) Error() string {
	if e.Field == "" {
		return e.Path + ": " + e.Message
	}
	return e.Path + ": " + e.Field + ": " + e.Message
}

// frontMatter is the YAML header of a resource file. Dates are strings so
// that a bad date gets a clear error naming its field.
type frontMatter struct {
	Kind              string   `yaml:"kind"`
	Slug              string   `yaml:"slug"`
	Title             string   `yaml:"title"`
	Summary           string   `yaml:"summary"`
	Topics            []string `yaml:"topics"`
	Audiences         []string `yaml:"audiences"`
	Nations           []string `yaml:"nations"`
	Language          string   `yaml:"language"`
	TranslationOf     string   `yaml:"translation_of"`
	TranslationStatus string   `yaml:"translation_status"`
	Published         string   `yaml:"published"`
	LastReviewed      string   `yaml:"last_reviewed"`
	NextReview        string   `yaml:"next_review"`
	Status            string   `yaml:"status"`
	Sources           []struct {
		Title     string `yaml:"title"`
		Publisher string `yaml:"publisher"`
		URL       string `yaml:"url"`
		DOI       string `yaml:"doi"`
		Date      string `yaml:"date"`
	} `yaml:"sources"`
	Related []string `yaml:"related"`
	// The kind's own fields (applies_to, methods, recommendations, …).
	content.Details `yaml:",inline"`
}

var (
	// unknownFieldRE finds "line N: field X not found in type" in yaml.v3 errors.
	unknownFieldRE = regexp.MustCompile(`line (\d+): field (\S+) not found`)
)

// MaxFileSize is the largest resource file accepted.
const MaxFileSize = 1 << 20

var kindNames = map[string]content.Kind{
	"guidance": content.KindGuidance, "guidance-document": content.KindGuidance,
	"research-brief": content.KindResearchBrief, "research": content.KindResearchBrief,
	"policy-position": content.KindPolicyPosition, "policy": content.KindPolicyPosition,
}

// Parse parses one resource file. It returns every problem it finds, each
// naming its field, rather than stopping at the first.
func Parse(path string, data []byte) (content.FileImport, []*FileError) {
	return parse(path, data, true)
}

// parse is Parse; without check it leaves out the resource rules (for
// bytes that Parse already accepted: an import's second pass).
func parse(path string, data []byte, check bool) (content.FileImport, []*FileError) {
	var errs []*FileError
	fail := func(field, format string, args ...any) {
		errs = append(errs, &FileError{Path: path, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	f := content.FileImport{Path: path}
	sum := sha256.Sum256(data)
	f.Hash = hex.EncodeToString(sum[:])

	if len(data) > MaxFileSize {
		fail("", "file is larger than %d bytes", MaxFileSize)
		return f, errs
	}
	if !utf8.Valid(data) {
		fail("", "file is not valid UTF-8")
		return f, errs
	}
	head, body, err := split(data)
	if err != nil {
		fail("", "%v", err)
		return f, errs
	}
	if field, msg := badInteger(head); field != "" {
		fail(field, "%s", msg)
		return f, errs
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
			fail(m[2], "unknown field (line %s of the front matter)", m[1])
		} else {
			var te *yaml.TypeError
			if errors.As(err, &te) {
				fail("", "front matter: %s", strings.Join(te.Errors, "; "))
			} else {
				fail("", "front matter is not valid YAML: %v", err)
			}
		}
		return f, errs
	}

	d := &f.Draft
	d.Kind = kindNames[strings.ToLower(strings.TrimSpace(fm.Kind))]
	if content.Kind(strings.ToUpper(fm.Kind)).Valid() {
		d.Kind = content.Kind(strings.ToUpper(fm.Kind))
	}
	switch {
	case fm.Kind == "":
		fail("kind", "is required (guidance, research-brief or policy-position)")
	case d.Kind == "":
		fail("kind", "unknown kind %q (want guidance, research-brief or policy-position)", fm.Kind)
	}
	d.Slug = strings.TrimSpace(fm.Slug)
	d.Title = strings.TrimSpace(fm.Title)
	d.Summary = strings.TrimSpace(fm.Summary)
	d.Body = strings.TrimSpace(string(body))

	switch s := strings.ToLower(strings.TrimSpace(fm.Status)); s {
	case "", "published":
		f.Status = content.StatusPublished
	case "draft":
		f.Status = content.StatusDraft
	default:
		fail("status", "unknown status %q (files are published unless they say status: draft)", fm.Status)
	}

	d.Topics = dedupe(fm.Topics)
	d.Audiences = terms(fm.Audiences, content.Audiences, "audiences", fail)
	d.Nations = terms(fm.Nations, content.Nations, "nations", fail)
	d.Language = strings.TrimSpace(fm.Language)
	if d.Language == "" {
		d.Language = "en"
	}
	d.TranslationOf = strings.TrimSpace(fm.TranslationOf)
	d.TranslationStatus = strings.TrimSpace(fm.TranslationStatus)
	d.PublishedAt = date(fm.Published, "published", fail)
	d.LastReviewedAt = date(fm.LastReviewed, "last_reviewed", fail)
	d.NextReviewDue = date(fm.NextReview, "next_review", fail)
	for i, s := range fm.Sources {
		field := fmt.Sprintf("sources[%d]", i)
		d.Sources = append(d.Sources, content.Source{Title: strings.TrimSpace(s.Title), Publisher: strings.TrimSpace(s.Publisher),
			URL: strings.TrimSpace(s.URL), DOI: strings.TrimSpace(s.DOI), Date: date(s.Date, field+".date", fail)})
	}
	d.Related = dedupe(fm.Related)
	d.Details = fm.Details
	for _, text := range []*string{&d.Details.AppliesTo, &d.Details.Methods, &d.Details.Sample, &d.Details.Period, &d.Details.Rationale, &d.Details.Campaign} {
		*text = strings.TrimSpace(*text)
	}

	// The resource rules, shared with the API; a field this parser already
	// found unreadable is not reported twice.
	named := map[string]bool{}
	for _, e := range errs {
		named[e.Field] = true
	}
	if !check {
		return f, errs
	}
	for _, e := range d.Check(content.Rules{Publish: f.Status == content.StatusPublished, Library: true, Spell: content.FileFieldName}) {
		if !named[e.Field] {
			fail(e.Field, "%s", e.Message)
		}
	}
	return f, errs
}

func split(data []byte) (head, body []byte, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	s := string(data)
	// A delimiter line is "---", with any spaces, tabs or \r after it
	// (editors leave trailing whitespace; YAML's own document marker
	// allows it).
	delim := func(line string) bool { return strings.TrimRight(line, " \t\r") == "---" }
	first, _, found := strings.Cut(s, "\n")
	if !found || !delim(first) {
		return nil, nil, errors.New("file must start with YAML front matter between --- lines")
	}
	s = s[len(first)+1:]
	for off := 0; off <= len(s); {
		line, rest, found := strings.Cut(s[off:], "\n")
		if delim(line) {
			return []byte(s[:off]), []byte(rest), nil
		}
		if !found {
			break
		}
		off += len(line) + 1
	}
	return nil, nil, errors.New("front matter has no closing --- line")
}

// date parses a YYYY-MM-DD date; "" is nil (Check says when a date is
// required).
func date(s, field string, fail func(field, format string, args ...any)) *content.Date {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := content.ParseDate(s)
	if err != nil {
		fail(field, "%q is not a date (YYYY-MM-DD)", s)
		return nil
	}
	return &t
}

func terms(in, list []string, field string, fail func(field, format string, args ...any)) []string {
	var out []string
	for _, v := range in {
		n, ok := content.NormalizeTerm(v, list)
		if !ok {
			fail(field, "unknown value %q", v)
			continue
		}
		out = append(out, n)
	}
	return dedupe(out)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// intFields are the front-matter fields that hold integers. The API serves
// each as a GraphQL Int (a signed 32-bit integer, GraphQL spec §3.5.1).
var intFields = []string{"sample_size"}

// badInteger finds an integer field whose value is not a whole number in
// the range of a GraphQL Int (YAML would turn 2.5 into 2 and a quoted "5"
// into an error that names no field), and says what is wrong.
func badInteger(head []byte) (field, msg string) {
	// Parsing the front matter twice is a quarter of the cost of reading a
	// file: skip it when no integer field can be named (a key is spelled
	// out in the text unless a double-quoted key escapes its letters).
	named := bytes.IndexByte(head, '\\') >= 0
	for _, f := range intFields {
		named = named || bytes.Contains(head, []byte(f))
	}
	if !named {
		return "", ""
	}
	var doc yaml.Node
	if yaml.Unmarshal(head, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", "" // the decoder reports it
	}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if !slices.Contains(intFields, m[i].Value) {
			continue
		}
		v := m[i+1]
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(v.Value, "_", ""), 0, 64)
		switch {
		case v.Tag != "!!int":
			return m[i].Value, fmt.Sprintf("%q is not a whole number", v.Value)
		case err != nil || n > math.MaxInt32 || n < math.MinInt32:
			return m[i].Value, fmt.Sprintf("%s is out of range: at most %d (a GraphQL Int is 32-bit)", v.Value, math.MaxInt32)
		}
	}
	return "", ""
}
