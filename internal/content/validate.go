package content

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	doiRE  = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
)

// ValidSlug reports whether s is a slug: lower-case words of letters and
// digits joined by single hyphens, at most 100 characters.
func ValidSlug(s string) bool { return len(s) <= 100 && slugRE.MatchString(s) }

// ValidDOI reports whether s looks like a DOI (10.<registrant>/<suffix>).
func ValidDOI(s string) bool { return doiRE.MatchString(s) }

// ResourceEdit is an edit to a resource's content through the API. A nil
// field is left as it is.
type ResourceEdit struct {
	Kind              *Kind
	Slug              *string
	Title             *string
	Summary           *string
	Body              *string
	Topics            []string
	Audiences         []string
	Nations           []string
	Language          *string
	TranslationOf     *string
	TranslationStatus *string
	PublishedAt       *time.Time
	LastReviewedAt    *time.Time
	NextReviewDue     *time.Time
	Sources           []Source
	Related           []string
	// The kind's own fields.
	AppliesTo, Methods, Sample, Period, Rationale, Campaign *string
	SampleSize                                              *int
	Actions, KeyFindings, Recommendations                   []string
}

// Apply returns d with the input's fields applied: a field left out (nil)
// keeps its value; text is trimmed.
func (in ResourceEdit) Apply(d Draft) Draft {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if in.Kind != nil {
		d.Kind = *in.Kind
	}
	set(&d.Slug, in.Slug)
	set(&d.Title, in.Title)
	set(&d.Summary, in.Summary)
	if in.Body != nil {
		d.Body = *in.Body
	}
	set(&d.Language, in.Language)
	set(&d.TranslationOf, in.TranslationOf)
	set(&d.TranslationStatus, in.TranslationStatus)
	set(&d.Details.AppliesTo, in.AppliesTo)
	set(&d.Details.Methods, in.Methods)
	set(&d.Details.Sample, in.Sample)
	set(&d.Details.Period, in.Period)
	set(&d.Details.Rationale, in.Rationale)
	set(&d.Details.Campaign, in.Campaign)
	keepOr(&d.PublishedAt, in.PublishedAt)
	keepOr(&d.LastReviewedAt, in.LastReviewedAt)
	keepOr(&d.NextReviewDue, in.NextReviewDue)
	keepOr(&d.Details.SampleSize, in.SampleSize)
	keepOrList(&d.Topics, in.Topics)
	keepOrList(&d.Audiences, in.Audiences)
	keepOrList(&d.Nations, in.Nations)
	keepOrList(&d.Sources, in.Sources)
	keepOrList(&d.Related, in.Related)
	keepOrList(&d.Details.Actions, in.Actions)
	keepOrList(&d.Details.KeyFindings, in.KeyFindings)
	keepOrList(&d.Details.Recommendations, in.Recommendations)
	if d.Language == "" {
		d.Language = "en"
	}
	return d
}

// Validate checks a draft made through the API and returns the first
// problem as an EINVALID error naming the field (under "input."). With
// publish, it also requires what a published resource needs: at least one
// source. (The library's body-length checks apply to files only.)
func (d Draft) Validate(publish bool) error {
	bad := func(field, format string, args ...any) error {
		return FieldErrorf("input."+field, format, args...)
	}
	switch {
	case !d.Kind.Valid():
		return bad("kind", "must be GUIDANCE, RESEARCH_BRIEF or POLICY_POSITION")
	case !ValidSlug(d.Slug):
		return bad("slug", "must be lower-case letters and digits joined by single hyphens, at most 100 characters")
	case d.Title == "" || utf8.RuneCountInString(d.Title) > 200:
		return bad("title", "is required, at most 200 characters")
	case d.Summary == "" || utf8.RuneCountInString(d.Summary) > 600:
		return bad("summary", "is required, at most 600 characters")
	case strings.TrimSpace(d.Body) == "":
		return bad("body", "is required")
	case len(d.Body) > 1<<20:
		return bad("body", "is larger than 1 MiB")
	case !ValidLanguage(d.Language):
		return bad("language", "%q is not a language tag such as en, ar or pt-BR", d.Language)
	}
	for i, t := range d.Topics {
		if _, ok := TopicBySlug(t); !ok {
			return bad(fmt.Sprintf("topics[%d]", i), "unknown topic %q", t)
		}
	}
	for i, a := range d.Audiences {
		if _, ok := NormalizeTerm(a, Audiences); !ok {
			return bad(fmt.Sprintf("audiences[%d]", i), "unknown audience %q", a)
		}
	}
	for i, n := range d.Nations {
		if _, ok := NormalizeTerm(n, Nations); !ok {
			return bad(fmt.Sprintf("nations[%d]", i), "unknown nation %q", n)
		}
	}
	if d.TranslationOf != "" && !ValidSlug(d.TranslationOf) {
		return bad("translationOf", "%q is not a slug", d.TranslationOf)
	}
	for i, r := range d.Related {
		if !ValidSlug(r) || r == d.Slug {
			return bad(fmt.Sprintf("related[%d]", i), "%q is not the slug of another resource", r)
		}
	}
	for i, s := range d.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if strings.TrimSpace(s.Title) == "" {
			return bad(f+".title", "is required")
		}
		if s.URL == "" && s.DOI == "" && (s.Publisher == "" || s.Date == nil) {
			return bad(f, "needs a url, a doi, or a publisher and date")
		}
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad(f+".url", "%q is not an http(s) URL", s.URL)
			}
		}
		if s.DOI != "" && !ValidDOI(s.DOI) {
			return bad(f+".doi", "%q is not a DOI", s.DOI)
		}
	}
	if d.LastReviewedAt != nil && d.NextReviewDue != nil && !d.NextReviewDue.After(*d.LastReviewedAt) {
		return bad("nextReviewDue", "must be after lastReviewedAt")
	}
	if publish && len(d.Sources) == 0 {
		return bad("sources", "a published resource cites at least one source")
	}
	return nil
}

// keepOr sets *dst to src unless src is nil (a field left out).
func keepOr[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// keepOrList sets *dst to src unless src is nil (a list left out; an empty
// list clears it).
func keepOrList[T any](dst *[]T, src []T) {
	if src != nil {
		*dst = src
	}
}
