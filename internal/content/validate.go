package content

import (
	"regexp"
	"strings"
	"time"
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
// problem (Check with the API's rules) as an EINVALID error naming the
// field under "input.". With publish, it also requires what a published
// resource needs: at least one source.
func (d Draft) Validate(publish bool) error {
	if ps := d.Check(Rules{Publish: publish}); len(ps) > 0 {
		ps[0].Field = "input." + ps[0].Field
		return ps[0]
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
