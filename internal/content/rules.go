package content

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The resource rules: one set, used by the API (Draft.Validate), the import
// and the lint (ingest.Parse). Where a door is held to more, Rules says so.

// Rules says which rules apply beyond those every draft meets.
type Rules struct {
	// Publish: the draft is to be public, so it cites at least one source
	// (and, in the library, carries its dates).
	Publish bool
	// Library: the draft is a resource file. Files are held to more than
	// the API's drafts: at least one topic, audience and nation; the
	// kind's own required fields; a translation says how far it can be
	// trusted (a published one through any door: Publish); a review not
	// before publication; a body of at least MinWords words; published files
	// carry published, last_reviewed and next_review dates.
	Library bool
	// Spell spells a field name for the door: nil keeps the API's
	// spelling ("translationOf", "sources[0].url").
	Spell func(field string) string
	// Now is the instant the review date is checked against (a review
	// is not dated after today, CheckReviewDate); zero: time.Now().
	Now time.Time
}

// CheckReviewDate returns an EINVALID error on field when last, a
// last-reviewed date, is after today, or nil. "Today" is the date
// anywhere on Earth at now (UTC+14, the earliest time zone), so an editor
// east of Greenwich can record today's review before UTC reaches it. Every
// door that sets a review date holds it to this rule: the API's create,
// update and markReviewed, and resource files (import and lint), through
// Draft.Check.
func CheckReviewDate(field string, last Date, now time.Time) *Error {
	day := last.UTC().Format(DateLayout)
	if latest := now.UTC().Add(14 * time.Hour).Format(DateLayout); day > latest {
		return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf("is in the future (%s): record a review on or after the day it happens", day)}
	}
	return nil
}

// MinWords is the shortest body a library file of each kind may have
// (translations may be shorter: they carry the short texts people need in
// their own language). The API's own drafts are not held to it.
var MinWords = map[Kind]int{
	KindGuidance:       250,
	KindResearchBrief:  150,
	KindPolicyPosition: 150,
}

// MinTranslationWords is the shortest body of a library translation.
const MinTranslationWords = 40

// Length limits, in characters (runes) and bytes.
const (
	MaxTitle   = 200     // characters
	MaxSummary = 600     // characters: a summary should be read in 20 seconds
	MaxBody    = 1 << 20 // bytes
)

var indexRE = regexp.MustCompile(`\[\d+\]`)

// Check returns every rule d breaks, in field order, each an EINVALID
// *Error whose Field names the field in the door's spelling (r.Spell);
// nil when d keeps them all. Text fields are expected trimmed.
func (d Draft) Check(r Rules) []*Error {
	spell := r.Spell
	if spell == nil {
		spell = func(f string) string { return f }
	}
	var out []*Error
	// A field holding a forbidden character (ForbiddenRune) is reported
	// for that alone: the other rules would only describe the same text.
	badText := map[string]bool{}
	bad := func(field, format string, args ...any) {
		if badText[field] {
			return
		}
		out = append(out, &Error{Code: EINVALID, Field: spell(field), Message: fmt.Sprintf(format, args...)})
	}
	for _, t := range d.texts() {
		if why := BadText(t.text); why != "" {
			bad(t.field, "%s", why)
			badText[t.field] = true
		}
	}
	for _, f := range d.dates() {
		if f.t != nil && (f.t.Year() < MinYear || f.t.Year() > MaxYear) {
			bad(f.field, "%s is out of range: a year from %d to %d", f.t.Format(DateLayout), MinYear, MaxYear)
		}
	}
	day := func(t *Date) string { return t.Format(DateLayout) }

	if !d.Kind.Valid() {
		bad("kind", "must be GUIDANCE, RESEARCH_BRIEF or POLICY_POSITION")
	}
	switch {
	case d.Slug == "":
		bad("slug", "is required")
	case !ValidSlug(d.Slug):
		bad("slug", "%q must be lower-case letters and digits joined by single hyphens, at most 100 characters", d.Slug)
	}
	switch {
	case d.Title == "":
		bad("title", "is required")
	case utf8.RuneCountInString(d.Title) > MaxTitle:
		bad("title", "is longer than %d characters", MaxTitle)
	}
	switch {
	case d.Summary == "":
		bad("summary", "is required")
	case utf8.RuneCountInString(d.Summary) > MaxSummary:
		bad("summary", "is longer than %d characters: a summary should be read in 20 seconds", MaxSummary)
	}
	switch {
	case strings.TrimSpace(d.Body) == "":
		bad("body", "is empty")
	case len(d.Body) > MaxBody:
		bad("body", "is larger than 1 MiB")
	case LinkScanCost(d.Body) > MaxLinkScan:
		bad("body", "has too many unclosed links (\"](\" followed by long text without a space) to render in time: close them or put spaces in")
	case r.Library && d.Kind.Valid():
		min := MinWords[d.Kind]
		if d.TranslationOf != "" {
			min = MinTranslationWords
		}
		if n := len(strings.Fields(d.Body)); n < min {
			bad("body", "has %d words; a %s in the library has at least %d", n, strings.ToLower(strings.ReplaceAll(string(d.Kind), "_", " ")), min)
		}
	}

	for i, t := range d.Topics {
		if _, ok := TopicBySlug(t); !ok {
			bad(fmt.Sprintf("topics[%d]", i), "unknown topic %q", t)
		}
	}
	for i, a := range d.Audiences {
		if _, ok := NormalizeTerm(a, Audiences); !ok {
			bad(fmt.Sprintf("audiences[%d]", i), "unknown audience %q", a)
		}
	}
	for i, n := range d.Nations {
		if _, ok := NormalizeTerm(n, Nations); !ok {
			bad(fmt.Sprintf("nations[%d]", i), "unknown nation %q", n)
		}
	}
	// What a published resource has, whichever door published it (one
	// set: breaker7 F5, the API published a research brief without key
	// findings and a resource without topics, which a file could not be).
	published := r.Library || r.Publish
	if published {
		if len(d.Topics) == 0 {
			bad("topics", "at least one topic is required")
		}
		if len(d.Audiences) == 0 {
			bad("audiences", "at least one audience is required")
		}
		if len(d.Nations) == 0 {
			bad("nations", "at least one nation is required (england, scotland, wales, northern-ireland)")
		}
	}

	if !ValidLanguage(d.Language) {
		bad("language", "%q is not a language tag such as en, ar or pt-BR", d.Language)
	}
	switch {
	case d.TranslationOf != "" && !ValidSlug(d.TranslationOf):
		bad("translationOf", "%q is not a slug", d.TranslationOf)
	case d.TranslationOf != "" && d.TranslationOf == d.Slug:
		bad("translationOf", "a resource cannot be a translation of itself")
	}
	switch {
	case (r.Library || r.Publish) && d.TranslationOf != "" && d.TranslationStatus == "":
		// Every published translation says it (breaker5 F7: the API
		// published translations whose page said "Review status: not
		// stated"); an API draft may leave it for later.

		bad("translationStatus", "a translation says how far it can be trusted, e.g. \"needs review by a native speaker\"")
	case d.TranslationOf == "" && d.TranslationStatus != "":
		bad("translationStatus", "only a translation (with %s) has a translation status", spell("translationOf"))
	}

	if r.Library && r.Publish {
		for _, f := range []struct {
			name string
			t    *Date
		}{{"publishedAt", d.PublishedAt}, {"lastReviewedAt", d.LastReviewedAt}, {"nextReviewDue", d.NextReviewDue}} {
			if f.t == nil {
				bad(f.name, "is required (YYYY-MM-DD)")
			}
		}
	}
	if d.LastReviewedAt != nil {
		now := r.Now
		if now.IsZero() {
			now = time.Now()
		}
		if e := CheckReviewDate(spell("lastReviewedAt"), *d.LastReviewedAt, now); e != nil {
			out = append(out, e)
		}
	}
	if d.LastReviewedAt != nil && d.NextReviewDue != nil && !d.NextReviewDue.After(*d.LastReviewedAt) {
		bad("nextReviewDue", "%s is not after %s %s", day(d.NextReviewDue), spell("lastReviewedAt"), day(d.LastReviewedAt))
	}
	if published && d.PublishedAt != nil && d.LastReviewedAt != nil && d.LastReviewedAt.Before(*d.PublishedAt) {
		bad("lastReviewedAt", "%s is before %s %s", day(d.LastReviewedAt), spell("publishedAt"), day(d.PublishedAt))
	}
	if r.Publish && d.PublishedAt != nil {
		// Published on or before today, as a file's dates must be (its
		// review, on or before today, is not before it): a date to come
		// would head every newest-first list until then. A publication
		// to come is scheduled (publishResource's at).
		now := r.Now
		if now.IsZero() {
			now = time.Now()
		}
		if latest := now.UTC().Add(14 * time.Hour).Format(DateLayout); day(d.PublishedAt) > latest {
			bad("publishedAt", "%s is in the future: a resource is published on or before today (schedule the publication instead)", day(d.PublishedAt))
		}
	}

	for i, s := range d.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if strings.TrimSpace(s.Title) == "" {
			bad(f+".title", "is required")
		}
		if s.URL == "" && s.DOI == "" && (s.Publisher == "" || s.Date == nil) {
			bad(f, "needs a url, a doi, or a full citation (publisher and date)")
		}
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(f+".url", "%q is not an http(s) URL", s.URL)
			}
		}
		if s.DOI != "" && !ValidDOI(s.DOI) {
			bad(f+".doi", "%q is not a DOI such as 10.5555/12345678", s.DOI)
		}
	}
	if r.Publish && len(d.Sources) == 0 {
		bad("sources", "a published resource cites at least one source")
	}
	for i, rel := range d.Related {
		switch {
		case !ValidSlug(rel):
			bad(fmt.Sprintf("related[%d]", i), "%q is not a slug", rel)
		case rel == d.Slug:
			bad(fmt.Sprintf("related[%d]", i), "a resource cannot be related to itself")
		}
	}
	d.checkDetails(published, bad)
	return out
}

// checkDetails checks the kind's own fields: a sample size is not negative
// and no field of another kind is set; in the library, the kind's required
// fields are.
func (d Draft) checkDetails(library bool, bad func(field, format string, args ...any)) {
	x := d.Details
	if x.SampleSize != nil && *x.SampleSize < 0 {
		bad("sampleSize", "must not be negative")
	} else if x.SampleSize != nil && *x.SampleSize > math.MaxInt32 {
		// Served as a GraphQL Int: a signed 32-bit integer (spec §3.5.1).
		bad("sampleSize", "must be at most %d (a GraphQL Int is 32-bit)", math.MaxInt32)
	}
	own := []struct {
		kind Kind
		name string
		set  bool
	}{
		{KindGuidance, "appliesTo", x.AppliesTo != ""}, {KindGuidance, "actions", len(x.Actions) > 0},
		{KindResearchBrief, "methods", x.Methods != ""}, {KindResearchBrief, "sample", x.Sample != ""}, {KindResearchBrief, "sampleSize", x.SampleSize != nil},
		{KindResearchBrief, "period", x.Period != ""}, {KindResearchBrief, "keyFindings", len(x.KeyFindings) > 0},
		{KindPolicyPosition, "recommendations", len(x.Recommendations) > 0}, {KindPolicyPosition, "rationale", x.Rationale != ""}, {KindPolicyPosition, "campaign", x.Campaign != ""},
	}
	// No field of another kind, through any door (breaker5 F7: the API
	// stored a guidance's methods and key findings).
	for _, f := range own {
		if f.set && d.Kind.Valid() && f.kind != d.Kind {
			bad(f.name, "is a field of %s resources, not of %s", strings.ToLower(string(f.kind)), strings.ToLower(string(d.Kind)))
		}
	}
	if !library {
		return
	}
	switch d.Kind {
	case KindResearchBrief:
		if x.Methods == "" {
			bad("methods", "a research brief says how the evidence was gathered")
		}
		if len(x.KeyFindings) == 0 {
			bad("keyFindings", "a research brief lists at least one key finding")
		}
	case KindPolicyPosition:
		if len(x.Recommendations) == 0 {
			bad("recommendations", "a policy position states at least one ask")
		}
		if x.Rationale == "" {
			bad("rationale", "a policy position says why")
		}
	}
}

// FileFieldName spells a field as resource files write it: the front
// matter's snake_case key ("translation_of", "next_review"), with list
// indexes dropped except for sources ("topics", "sources[0].url").
func FileFieldName(field string) string {
	if !strings.HasPrefix(field, "sources[") {
		field = indexRE.ReplaceAllString(field, "")
	}
	if n, ok := fileNames[field]; ok {
		return n
	}
	return field
}

var fileNames = map[string]string{
	"translationOf": "translation_of", "translationStatus": "translation_status",
	"publishedAt": "published", "lastReviewedAt": "last_reviewed", "nextReviewDue": "next_review",
	"appliesTo": "applies_to", "sampleSize": "sample_size", "keyFindings": "key_findings",
}
