// Package content holds the hub's domain: resources, their kinds and fields,
// filters, error codes and the interfaces other packages implement. It depends
// on nothing but the standard library.
package content

import (
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

// ParseDate parses a YYYY-MM-DD date.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, s, time.UTC)
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

// DOIURL returns the DOI as a resolvable URL, or nil.
func (s Source) DOIURL() *string {
	if s.DOI == "" {
		return nil
	}
	u := "https://doi.org/" + s.DOI
	return &u
}
