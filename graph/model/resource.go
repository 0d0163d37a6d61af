// Package model holds the GraphQL types that wrap domain types: one Go type
// per GraphQL object, so gqlgen can tell the kinds of resource apart.
package model

import (
	"context"
	"net/url"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// Node is an object with a global id.
type Node interface{ IsNode() }

// Resource is any kind of resource.
type Resource interface {
	Node
	IsResource()
	// Content is the domain resource behind it.
	Content() *content.Resource
}

// NodeType is the type part of resources' global ids.
const NodeType = "Resource"

// Wrap returns the GraphQL object for a domain resource.
func Wrap(r *content.Resource) Resource {
	if r == nil {
		return nil
	}
	b := base{r}
	switch r.Kind {
	case content.KindResearchBrief:
		return ResearchBrief{b}
	case content.KindPolicyPosition:
		return PolicyPosition{b}
	default:
		return GuidanceDocument{b}
	}
}

// WrapAll wraps a list of domain resources.
func WrapAll(rs []*content.Resource) []Resource {
	out := make([]Resource, len(rs))
	for i, r := range rs {
		out[i] = Wrap(r)
	}
	return out
}

// base holds the fields every kind has. Content fields are hidden unless the
// resource is published (a withdrawn one shows only its notice).
type base struct{ r *content.Resource }

func (base) IsNode()                           {}
func (base) IsResource()                       {}
func (b base) Content() *content.Resource      { return b.r }
func (b base) ID() string                      { return content.GlobalID(NodeType, b.r.ID) }
func (b base) Slug() string                    { return b.r.Slug }
func (b base) Kind() content.Kind              { return b.r.Kind }
func (b base) Status() content.Status          { return b.r.Status }
func (b base) Title() string                   { return b.r.Title }
func (b base) Language() string                { return b.r.Language }
func (b base) TranslationStatus() *string      { return b.opt(b.r.TranslationStatus) }
func (b base) Audiences() []content.Audience   { return typed[content.Audience](b.r.Audiences) }
func (b base) Nations() []content.Nation       { return typed[content.Nation](b.r.Nations) }
func (b base) PublishedAt() *time.Time         { return b.r.PublishedAt }
func (b base) UpdatedAt() time.Time            { return b.r.UpdatedAt }
func (b base) LastReviewedAt() *time.Time      { return b.r.LastReviewedAt }
func (b base) NextReviewDue() *time.Time       { return b.r.NextReviewDue }
func (b base) Sources() []content.Source       { return nonNil(b.r.Sources) }
func (b base) Withdrawal() *content.Withdrawal { return b.r.Withdrawal }
func (b base) Revision() int                   { return b.r.Revision }
func (b base) visible() bool                   { return b.r.Visible() || b.r.EditorView }
func (b base) text(s string) *string           { return ifVisible(b.visible(), s) }
func (b base) Summary() *string                { return b.text(b.r.Summary) }
func (b base) Body() *string                   { return b.text(b.r.Body) }

type publicURLKey struct{}

// WithPublicURL returns ctx carrying the base of resources' urls.
func WithPublicURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, publicURLKey{}, base)
}

// URL is the resource's page under the public URL. It reads the base from
// the operation's context, so it runs inline rather than as a concurrent
// resolver (a page of results would start a goroutine per item).
func (b base) URL(ctx context.Context) string {
	base, _ := ctx.Value(publicURLKey{}).(string)
	return base + "/resources/" + url.PathEscape(b.r.Slug)
}

// BodyHTML renders the body; rendering is cached by resource revision.
func (b base) BodyHTML() *string {
	if !b.visible() {
		return nil
	}
	h := render.Cached(b.r.Body, b.r.Language)
	return &h
}

// Topics returns the resource's topics from the controlled vocabulary.
func (b base) Topics() []content.Topic {
	out := make([]content.Topic, 0, len(b.r.Topics))
	for _, slug := range b.r.Topics {
		if t, ok := content.TopicBySlug(slug); ok {
			out = append(out, t)
		}
	}
	return out
}

// GuidanceDocument is practical guidance.
type GuidanceDocument struct{ base }

// AppliesTo says who the guidance applies to.
func (g GuidanceDocument) AppliesTo() *string { return g.opt(g.r.Details.AppliesTo) }

// Actions is the guidance's checklist.
func (g GuidanceDocument) Actions() []string { return g.list(g.r.Details.Actions) }

// ResearchBrief summarises evidence.
type ResearchBrief struct{ base }

// Methods says how the evidence was gathered.
func (r ResearchBrief) Methods() *string { return r.opt(r.r.Details.Methods) }

// Sample says who or what was studied.
func (r ResearchBrief) Sample() *string { return r.opt(r.r.Details.Sample) }

// SampleSize is the number studied, when known.
func (r ResearchBrief) SampleSize() *int {
	if !r.visible() {
		return nil
	}
	return r.r.Details.SampleSize
}

// Period is the period the evidence covers.
func (r ResearchBrief) Period() *string { return r.opt(r.r.Details.Period) }

// KeyFindings lists the findings.
func (r ResearchBrief) KeyFindings() []string { return r.list(r.r.Details.KeyFindings) }

// PolicyPosition states what the organisation asks for.
type PolicyPosition struct{ base }

// Recommendations are the asks.
func (p PolicyPosition) Recommendations() []string { return p.list(p.r.Details.Recommendations) }

// Rationale says why.
func (p PolicyPosition) Rationale() *string { return p.opt(p.r.Details.Rationale) }

// Campaign names the campaign, if any.
func (p PolicyPosition) Campaign() *string { return p.opt(p.r.Details.Campaign) }

// opt returns a kind field: nil when empty or when the resource is not visible.
func (b base) opt(s string) *string {
	if s == "" {
		return nil
	}
	return b.text(s)
}

func (b base) list(s []string) []string {
	if !b.visible() {
		return []string{}
	}
	return nonNil(s)
}

func ifVisible(ok bool, s string) *string {
	if !ok {
		return nil
	}
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Editorial is the editor-only view of a resource.
type Editorial struct {
	ID             int64
	LatestRevision int
	Origin         *string
}

// typed turns stored strings into enum values (never nil: the lists are
// non-null in the schema).
func typed[T ~string](xs []string) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}
