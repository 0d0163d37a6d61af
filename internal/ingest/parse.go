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
	"net/url"
	"regexp"
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
	switch {
	case d.Slug == "":
		fail("slug", "is required")
	case !content.ValidSlug(d.Slug):
		fail("slug", "%q must be lower-case letters and digits joined by single hyphens, at most 100 characters", d.Slug)
	}
	d.Title = strings.TrimSpace(fm.Title)
	if d.Title == "" {
		fail("title", "is required")
	} else if utf8.RuneCountInString(d.Title) > 200 {
		fail("title", "is longer than 200 characters")
	}
	d.Summary = strings.TrimSpace(fm.Summary)
	if d.Summary == "" {
		fail("summary", "is required")
	} else if utf8.RuneCountInString(d.Summary) > 600 {
		fail("summary", "is longer than 600 characters: a summary should be read in 20 seconds")
	}
	d.Body = strings.TrimSpace(string(body))
	if d.Body == "" {
		fail("body", "is empty")
	}

	switch s := strings.ToLower(strings.TrimSpace(fm.Status)); s {
	case "", "published":
		f.Status = content.StatusPublished
	case "draft":
		f.Status = content.StatusDraft
	default:
		fail("status", "unknown status %q (files are published unless they say status: draft)", fm.Status)
	}
	published := f.Status == content.StatusPublished

	for _, t := range fm.Topics {
		if _, ok := content.TopicBySlug(t); !ok {
			fail("topics", "unknown topic %q", t)
		}
	}
	d.Topics = dedupe(fm.Topics)
	d.Audiences = terms(fm.Audiences, content.Audiences, "audiences", fail)
	d.Nations = terms(fm.Nations, content.Nations, "nations", fail)
	if len(d.Topics) == 0 {
		fail("topics", "at least one topic is required")
	}
	if len(d.Audiences) == 0 {
		fail("audiences", "at least one audience is required")
	}
	if len(d.Nations) == 0 {
		fail("nations", "at least one nation is required (england, scotland, wales, northern-ireland)")
	}

	d.Language = strings.TrimSpace(fm.Language)
	if d.Language == "" {
		d.Language = "en"
	} else if !content.ValidLanguage(d.Language) {
		fail("language", "%q is not a language tag such as en, ar or pt-BR", d.Language)
	}
	d.TranslationOf = strings.TrimSpace(fm.TranslationOf)
	if d.TranslationOf != "" && !content.ValidSlug(d.TranslationOf) {
		fail("translation_of", "%q is not a slug", d.TranslationOf)
	} else if d.TranslationOf != "" && d.TranslationOf == d.Slug {
		fail("translation_of", "a resource cannot be a translation of itself")
	}
	d.TranslationStatus = strings.TrimSpace(fm.TranslationStatus)
	switch {
	case d.TranslationOf != "" && d.TranslationStatus == "":
		fail("translation_status", "a translation says how far it can be trusted, e.g. \"needs review by a native speaker\"")
	case d.TranslationOf == "" && d.TranslationStatus != "":
		fail("translation_status", "only a translation (with translation_of) has a translation status")
	}

	d.PublishedAt = date(fm.Published, "published", published, fail)
	d.LastReviewedAt = date(fm.LastReviewed, "last_reviewed", published, fail)
	d.NextReviewDue = date(fm.NextReview, "next_review", published, fail)
	if d.LastReviewedAt != nil && d.NextReviewDue != nil && !d.NextReviewDue.After(*d.LastReviewedAt) {
		fail("next_review", "%s is not after last_reviewed %s", fm.NextReview, fm.LastReviewed)
	}
	if d.PublishedAt != nil && d.LastReviewedAt != nil && d.LastReviewedAt.Before(*d.PublishedAt) {
		fail("last_reviewed", "%s is before published %s", fm.LastReviewed, fm.Published)
	}

	for i, s := range fm.Sources {
		field := fmt.Sprintf("sources[%d]", i)
		src := content.Source{Title: strings.TrimSpace(s.Title), Publisher: strings.TrimSpace(s.Publisher),
			URL: strings.TrimSpace(s.URL), DOI: strings.TrimSpace(s.DOI)}
		if src.Title == "" {
			fail(field+".title", "is required")
		}
		if src.URL == "" && src.DOI == "" && (src.Publisher == "" || s.Date == "") {
			fail(field, "needs a url, a doi, or a full citation (publisher and date)")
		}
		if src.URL != "" {
			if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				fail(field+".url", "%q is not an http(s) URL", src.URL)
			}
		}
		if src.DOI != "" && !content.ValidDOI(src.DOI) {
			fail(field+".doi", "%q is not a DOI such as 10.5555/12345678", src.DOI)
		}
		src.Date = date(s.Date, field+".date", false, fail)
		d.Sources = append(d.Sources, src)
	}
	if published && len(d.Sources) == 0 {
		fail("sources", "a published resource cites at least one source")
	}
	for _, r := range fm.Related {
		if !content.ValidSlug(r) {
			fail("related", "%q is not a slug", r)
		} else if r == d.Slug {
			fail("related", "a resource cannot be related to itself")
		}
	}
	d.Related = dedupe(fm.Related)

	d.Details = fm.Details
	for _, text := range []*string{&d.Details.AppliesTo, &d.Details.Methods, &d.Details.Sample, &d.Details.Period, &d.Details.Rationale, &d.Details.Campaign} {
		*text = strings.TrimSpace(*text)
	}
	checkKindFields(d, fail)
	checkLength(d, fail)
	return f, errs
}

// checkKindFields refuses fields that belong to another kind, and requires
// the fields a kind cannot do without.
func checkKindFields(d *content.Draft, fail func(field, format string, args ...any)) {
	x := d.Details
	own := map[content.Kind][]struct {
		name string
		set  bool
	}{
		content.KindGuidance:       {{"applies_to", x.AppliesTo != ""}, {"actions", len(x.Actions) > 0}},
		content.KindResearchBrief:  {{"methods", x.Methods != ""}, {"sample", x.Sample != ""}, {"sample_size", x.SampleSize != nil}, {"period", x.Period != ""}, {"key_findings", len(x.KeyFindings) > 0}},
		content.KindPolicyPosition: {{"recommendations", len(x.Recommendations) > 0}, {"rationale", x.Rationale != ""}, {"campaign", x.Campaign != ""}},
	}
	for kind, fields := range own {
		if kind == d.Kind || d.Kind == "" {
			continue
		}
		for _, f := range fields {
			if f.set {
				fail(f.name, "is a field of %s resources, not of %s", strings.ToLower(string(kind)), strings.ToLower(string(d.Kind)))
			}
		}
	}
	switch d.Kind {
	case content.KindResearchBrief:
		if x.Methods == "" {
			fail("methods", "a research brief says how the evidence was gathered")
		}
		if len(x.KeyFindings) == 0 {
			fail("key_findings", "a research brief lists at least one key finding")
		}
		if x.SampleSize != nil && *x.SampleSize < 0 {
			fail("sample_size", "must not be negative")
		}
	case content.KindPolicyPosition:
		if len(x.Recommendations) == 0 {
			fail("recommendations", "a policy position states at least one ask")
		}
		if x.Rationale == "" {
			fail("rationale", "a policy position says why")
		}
	}
}

func split(data []byte) (head, body []byte, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	s := string(data)
	if !strings.HasPrefix(s, "---\n") && !strings.HasPrefix(s, "---\r\n") {
		return nil, nil, errors.New("file must start with YAML front matter between --- lines")
	}
	s = s[strings.Index(s, "\n")+1:]
	for off := 0; off <= len(s); {
		line, rest, found := strings.Cut(s[off:], "\n")
		if strings.TrimRight(line, "\r") == "---" {
			return []byte(s[:off]), []byte(rest), nil
		}
		if !found {
			break
		}
		off += len(line) + 1
	}
	return nil, nil, errors.New("front matter has no closing --- line")
}

func date(s, field string, required bool, fail func(field, format string, args ...any)) *content.Date {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			fail(field, "is required (YYYY-MM-DD)")
		}
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

// MinWords is the shortest body a library file of each kind may have
// (translations may be shorter: they carry the short texts people need in
// their own language). The API's own drafts are not held to it.
var MinWords = map[content.Kind]int{
	content.KindGuidance:       250,
	content.KindResearchBrief:  150,
	content.KindPolicyPosition: 150,
}

// MinTranslationWords is the shortest body of a translation.
const MinTranslationWords = 40

func checkLength(d *content.Draft, fail func(field, format string, args ...any)) {
	if d.Body == "" || !d.Kind.Valid() {
		return
	}
	min := MinWords[d.Kind]
	if d.TranslationOf != "" {
		min = MinTranslationWords
	}
	if n := len(strings.Fields(d.Body)); n < min {
		fail("body", "has %d words; a %s in the library has at least %d", n, strings.ToLower(strings.ReplaceAll(string(d.Kind), "_", " ")), min)
	}
}
