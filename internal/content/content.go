// Package content holds the hub's domain: resources, their kinds and fields,
// filters, error codes and the interfaces other packages implement. It depends
// on nothing but the standard library.
package content

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the kind of a resource.
type Kind string

// The three kinds of resource the hub publishes.
const (
	KindGuidance       Kind = "GUIDANCE"
	KindResearchBrief  Kind = "RESEARCH_BRIEF"
	KindPolicyPosition Kind = "POLICY_POSITION"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{KindGuidance, KindResearchBrief, KindPolicyPosition}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindGuidance, KindResearchBrief, KindPolicyPosition:
		return true
	}
	return false
}

// Status is the public state of a resource.
type Status string

// A resource is a draft until first published; withdrawn resources keep
// answering by slug and id with a withdrawal notice.
const (
	StatusDraft     Status = "DRAFT"
	StatusPublished Status = "PUBLISHED"
	StatusWithdrawn Status = "WITHDRAWN"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusDraft, StatusPublished, StatusWithdrawn:
		return true
	}
	return false
}

// Date is a calendar date (no time of day), kept as a time.Time at midnight UTC.
type Date = time.Time

// DateLayout is how dates are written in files, the API and the database.
const DateLayout = "2006-01-02"

// The years a date may have, in every door (the API's Date scalar, resource
// files, cursors). Go parses year 0000, but PostgreSQL has no year 0: it
// stores "0000-01-01" as 1 BC and writes it back as "0001-01-01 BC", which
// no door reads again (breaker3 F26).
const (
	MinYear = 1
	MaxYear = 9999
)

// ParseDate parses a YYYY-MM-DD date with a year from MinYear to MaxYear.
func ParseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, s, time.UTC)
	if err == nil && (t.Year() < MinYear || t.Year() > MaxYear) {
		return time.Time{}, fmt.Errorf("%q: year %d is out of range (%d to %d)", s, t.Year(), MinYear, MaxYear)
	}
	return t, err
}

// ParseDateTime reads an RFC 3339 date-time (section 5.6): YYYY-MM-DD,
// "T" or "t", hh:mm:ss with an optional fraction after "." (nanoseconds
// kept, further digits dropped), and an offset, "Z", "z" or ±hh:mm (a time
// without one is refused: read as UTC it could publish an hour early or
// late). RFC 3339 allows the lower-case t and z (its section 5.6 NOTE),
// which time.Parse refuses, and second 60 for a leap second, which Go
// cannot represent: a leap second is accepted where section 5.7 places one,
// 23:59:60 UTC (the offset shifts it) on 30 June or 31 December, written
// whole (no fraction), and read as the POSIX instant that counts it, the
// next second (00:00:00 UTC), as PostgreSQL reads it; second 60 elsewhere
// is refused. Offsets are -23:59 to +23:59 (time.Parse takes +24:00). The year, as written
// and in UTC, is MinYear to MaxYear (PostgreSQL has no year 0). An error
// says what is wrong, without repeating s.
func ParseDateTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, errors.New(why)
	}
	// The shape: Go's parser is laxer (a comma before the fraction).
	digits := func(from, to int) bool {
		for k := from; k < to; k++ {
			if s[k] < '0' || s[k] > '9' {
				return false
			}
		}
		return true
	}
	if len(s) < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 7) || s[7] != '-' || !digits(8, 10) ||
		(s[10] != 'T' && s[10] != 't') || !digits(11, 13) || s[13] != ':' || !digits(14, 16) || s[16] != ':' || !digits(17, 19) {
		return bad("write YYYY-MM-DDThh:mm:ss with an offset")
	}
	i := 19
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return bad("a fraction of a second needs digits after the point")
		}
		i = j
	}
	zone := s[i:]
	switch {
	case zone == "Z" || zone == "z":
		zone = "Z"
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && digits(i+1, i+3) && digits(i+4, i+6):
		// time.Parse takes +24:00 and -12:60.
		if zone[1:3] > "23" || zone[4:6] > "59" {
			return bad("the offset's hours must be 00 to 23 and its minutes 00 to 59")
		}
	default:
		return bad("the offset must be Z or ±hh:mm")
	}
	leap := s[17:19] == "60"
	sec := s[17:19]
	if leap {
		sec = "59"
	}
	t, err := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:17]+sec+s[19:i]+zone)
	if err != nil {
		return bad("a field is out of range")
	}
	if leap {
		if strings.Trim(s[19:i], ".0") != "" {
			// POSIX time counts no leap second, so 23:59:60.5 would be
			// read as 00:00:00.5, after the next day's 00:00:00.2:
			// PostgreSQL refuses it too.
			return bad("a leap second can only be written whole (23:59:60)")
		}
		u := t.UTC()
		if u.Hour() != 23 || u.Minute() != 59 || !(u.Month() == time.June && u.Day() == 30 || u.Month() == time.December && u.Day() == 31) {
			return bad("second 60 is a leap second, only at 23:59:60 UTC on 30 June or 31 December (RFC 3339 section 5.7)")
		}
		t = t.Add(time.Second)
	}
	if y, uy := t.Year(), t.UTC().Year(); y < MinYear || y > MaxYear || uy < MinYear || uy > MaxYear {
		return bad(fmt.Sprintf("the year must be %d to %d, in UTC too", MinYear, MaxYear))
	}
	return t, nil
}

// Source is a document a resource cites.
type Source struct {
	Title     string     `json:"title"`
	Publisher string     `json:"publisher,omitempty"`
	URL       string     `json:"url,omitempty"`
	DOI       string     `json:"doi,omitempty"`
	Date      *time.Time `json:"date,omitempty"`
}

// Withdrawal says why and when a resource was withdrawn.
type Withdrawal struct {
	Reason      string
	WithdrawnAt time.Time
}

// Details holds the fields that only one kind has. Fields of other kinds are
// left empty. The tags name them as revisions store them (JSON) and as
// resource files write them (YAML front matter).
type Details struct {
	// Guidance.
	AppliesTo string   `json:"applies_to,omitempty" yaml:"applies_to"`
	Actions   []string `json:"actions,omitempty" yaml:"actions"`
	// Research brief.
	Methods     string   `json:"methods,omitempty" yaml:"methods"`
	Sample      string   `json:"sample,omitempty" yaml:"sample"`
	SampleSize  *int     `json:"sample_size,omitempty" yaml:"sample_size"`
	Period      string   `json:"period,omitempty" yaml:"period"`
	KeyFindings []string `json:"key_findings,omitempty" yaml:"key_findings"`
	// Policy position.
	Recommendations []string `json:"recommendations,omitempty" yaml:"recommendations"`
	Rationale       string   `json:"rationale,omitempty" yaml:"rationale"`
	Campaign        string   `json:"campaign,omitempty" yaml:"campaign"`
}

// Draft is the editable content of a resource: everything a revision
// snapshots. Imports and the API write Drafts; Check holds them to the
// resource rules.
type Draft struct {
	Kind          Kind
	Slug          string
	Title         string
	Summary       string
	Body          string
	Topics        []string
	Audiences     []string
	Nations       []string
	Language      string
	TranslationOf string // slug of the original, or ""
	// TranslationStatus says how far a translation can be trusted, e.g.
	// "needs review by a native speaker".
	TranslationStatus string
	PublishedAt       *time.Time
	LastReviewedAt    *time.Time
	NextReviewDue     *time.Time
	Sources           []Source
	Related           []string // slugs
	Details           Details
}

// Resource is a resource as readers see it: the identity and state of the
// resource with the content of its published revision (for a draft, its
// latest revision).
type Resource struct {
	ID       int64
	Revision int
	Status   Status
	// Origin is the file the resource is managed by ("" for the API).
	Origin     string
	Withdrawal *Withdrawal
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// EditorView marks a resource loaded for an editor: its content is
	// shown whatever its status.
	EditorView bool
	Draft
}

// Visible reports whether the public may see the resource's content.
func (r *Resource) Visible() bool { return r.Status == StatusPublished }

// DOIURL returns the DOI as a resolvable URL on https://doi.org/, or nil
// when there is none. The DOI is hex-encoded as the DOI Handbook's
// "Encoding rules for URL presentation" say: the mandatory % " # space ?
// and the recommended < > { } ^ [ ] ` | \ +, plus controls and non-ASCII
// bytes (UTF-8, RFC 3986 2.5), and one slash of /./ and /../, which
// browsers would resolve away; every other character is kept, so
// unescaping the path gives the DOI back.
func (s Source) DOIURL() *string {
	if s.DOI == "" {
		return nil
	}
	u := "https://doi.org/" + escapeDOI(s.DOI)
	return &u
}

func escapeDOI(doi string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(doi); i++ {
		c := doi[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`%"#?<>{}^[]`+"`|\\+", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	for _, seg := range []string{"/./", "/../"} {
		for strings.Contains(out, seg) {
			out = strings.ReplaceAll(out, seg, seg[:len(seg)-1]+"%2F")
		}
	}
	// A DOI ending in /. or /.. would lose its last segment too (and
	// %2E is a dot to a URL parser): its slash is encoded instead.
	for _, end := range []string{"/..", "/."} {
		if strings.HasSuffix(out, end) {
			return strings.TrimSuffix(out, end) + "%2F" + end[1:]
		}
	}
	return out
}

// PublisherOrNil, URLOrNil and DOIOrNil are the optional fields as the
// API shows them: nil (GraphQL null) when empty, never "".
func (s Source) PublisherOrNil() *string { return orNil(s.Publisher) }

// URLOrNil: see PublisherOrNil.
func (s Source) URLOrNil() *string { return orNil(s.URL) }

// DOIOrNil: see PublisherOrNil.
func (s Source) DOIOrNil() *string { return orNil(s.DOI) }

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
