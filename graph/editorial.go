package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// hasRole enforces @hasRole for every field, argument and input field that
// carries it, by content.Require (the services check the same roles).
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role content.Role) (any, error) {
	if err := content.Require(ctx, role); err != nil {
		return nil, err
	}
	return next(ctx)
}

// resourceID decodes a resource's global id.
func resourceID(id string) (int64, error) {
	typ, n, err := content.ParseGlobalID(id)
	if err != nil {
		return 0, err
	}
	if typ != model.NodeType {
		return 0, content.FieldErrorf("id", "not the id of a resource")
	}
	return n, nil
}

// renamed returns err with its field (a *content.Error's) respelled by f
// as the argument the client sent (breaker5 F8: extensions.field named
// "input.topics[0]" for input.content.topics[0], "expires" for
// input.expiresAt); any other error is returned as it is.
func renamed(err error, f func(string) string) error {
	var ce *content.Error
	if err == nil || !errors.As(err, &ce) || ce.Field == "" {
		return err
	}
	c := *ce
	c.Field = f(ce.Field)
	return &c
}

// createField spells a draft's field as createResource takes it: kind,
// slug, title, summary and body beside content, every other field inside
// it ("input.topics[0]" → "input.content.topics[0]").
func createField(field string) string {
	rest, ok := strings.CutPrefix(field, "input.")
	if !ok {
		return field
	}
	root := rest
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		root = rest[:i]
	}
	switch root {
	case "kind", "slug", "title", "summary", "body", "content":
		return field
	}
	return "input.content." + rest
}

// tokenField spells the store's token fields as createToken's input.
func tokenField(field string) string {
	switch field {
	case "name", "role":
		return "input." + field
	case "expires":
		return "input.expiresAt"
	}
	return field
}

// contentAgrees refuses a createResource whose content repeats kind, slug,
// title, summary or body with another value than the one given beside it
// (breaker5 F7: content.kind was silently ignored). The same value twice
// is accepted.
func contentAgrees(in model.CreateResourceInput) error {
	c := in.Content
	if c == nil {
		return nil
	}
	differs := func(v *string, want string) bool { return v != nil && strings.TrimSpace(*v) != strings.TrimSpace(want) }
	switch {
	case c.Kind != nil && *c.Kind != in.Kind:
		return content.FieldErrorf("input.content.kind", "%s differs from input.kind %s: give the kind once, as input.kind", *c.Kind, in.Kind)
	case differs(c.Slug, in.Slug):
		return content.FieldErrorf("input.content.slug", "differs from input.slug: give the slug once, as input.slug")
	case differs(c.Title, in.Title):
		return content.FieldErrorf("input.content.title", "differs from input.title: give the title once, as input.title")
	case differs(c.Summary, in.Summary):
		return content.FieldErrorf("input.content.summary", "differs from input.summary: give the summary once, as input.summary")
	case c.Body != nil && *c.Body != in.Body:
		return content.FieldErrorf("input.content.body", "differs from input.body: give the body once, as input.body")
	}
	return nil
}

// edit turns the API's input into a domain edit.
func edit(in *model.ResourceInput) content.ResourceEdit {
	var e content.ResourceEdit
	if in == nil {
		return e
	}
	if in.Kind != nil {
		k := *in.Kind
		e.Kind = &k
	}
	e.Slug, e.Title, e.Summary, e.Body = in.Slug, in.Title, in.Summary, in.Body
	e.Topics, e.Audiences, e.Nations = in.Topics, strs(in.Audiences), strs(in.Nations)
	e.Language, e.TranslationOf, e.TranslationStatus = in.Language, in.TranslationOf, in.TranslationStatus
	e.PublishedAt, e.LastReviewedAt, e.NextReviewDue = in.PublishedAt, in.LastReviewedAt, in.NextReviewDue
	if in.Sources != nil {
		e.Sources = make([]content.Source, len(in.Sources))
		for i, s := range in.Sources {
			e.Sources[i] = content.Source{Title: s.Title, Publisher: deref(s.Publisher), URL: deref(s.URL), DOI: deref(s.Doi), Date: s.Date}
		}
	}
	e.Related = in.Related
	e.AppliesTo, e.Methods, e.Sample, e.Period, e.Rationale, e.Campaign = in.AppliesTo, in.Methods, in.Sample, in.Period, in.Rationale, in.Campaign
	e.SampleSize = in.SampleSize
	e.Actions, e.KeyFindings, e.Recommendations = in.Actions, in.KeyFindings, in.Recommendations
	return e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func payload(r *content.Resource, err error) (*model.ResourcePayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.ResourcePayload{Resource: model.Wrap(r)}, nil
}

// diffDrafts lists the fields that differ between two revisions, named
// and written as ResourceInput names and takes them (breaker7 F7: the
// details came as one storage blob with snake_case keys, dates as JSON
// timestamps, and a translation status change was missing): a text as
// it is, a date as YYYY-MM-DD, a number in digits, a list or the sources
// as JSON with the input's names; null for an empty value.
func diffDrafts(a, b *content.Draft) []model.FieldChange {
	show := func(v any) *string {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case *time.Time:
			if x != nil {
				s = x.Format(content.DateLayout)
			}
		case *int:
			if x != nil {
				s = strconv.Itoa(*x)
			}
		case []content.Source:
			if len(x) > 0 {
				type source struct {
					Title     string `json:"title"`
					Publisher string `json:"publisher,omitempty"`
					URL       string `json:"url,omitempty"`
					DOI       string `json:"doi,omitempty"`
					Date      string `json:"date,omitempty"`
				}
				out := make([]source, len(x))
				for i, src := range x {
					out[i] = source{Title: src.Title, Publisher: src.Publisher, URL: src.URL, DOI: src.DOI}
					if src.Date != nil {
						out[i].Date = src.Date.Format(content.DateLayout)
					}
				}
				j, _ := json.Marshal(out)
				s = string(j)
			}
		case []string:
			if len(x) > 0 {
				j, _ := json.Marshal(x)
				s = string(j)
			}
		}
		if s == "" {
			return nil
		}
		return &s
	}
	ad, bd := a.Details, b.Details
	fields := []struct {
		name string
		a, b any
	}{
		{"kind", string(a.Kind), string(b.Kind)}, {"slug", a.Slug, b.Slug}, {"title", a.Title, b.Title}, {"summary", a.Summary, b.Summary}, {"body", a.Body, b.Body},
		{"topics", a.Topics, b.Topics}, {"audiences", a.Audiences, b.Audiences}, {"nations", a.Nations, b.Nations},
		{"language", a.Language, b.Language}, {"translationOf", a.TranslationOf, b.TranslationOf}, {"translationStatus", a.TranslationStatus, b.TranslationStatus},
		{"publishedAt", a.PublishedAt, b.PublishedAt}, {"lastReviewedAt", a.LastReviewedAt, b.LastReviewedAt}, {"nextReviewDue", a.NextReviewDue, b.NextReviewDue},
		{"sources", a.Sources, b.Sources}, {"related", a.Related, b.Related},
		{"appliesTo", ad.AppliesTo, bd.AppliesTo}, {"actions", ad.Actions, bd.Actions},
		{"methods", ad.Methods, bd.Methods}, {"sample", ad.Sample, bd.Sample}, {"sampleSize", ad.SampleSize, bd.SampleSize},
		{"period", ad.Period, bd.Period}, {"keyFindings", ad.KeyFindings, bd.KeyFindings},
		{"recommendations", ad.Recommendations, bd.Recommendations}, {"rationale", ad.Rationale, bd.Rationale}, {"campaign", ad.Campaign, bd.Campaign},
	}
	out := []model.FieldChange{}
	for _, f := range fields {
		from, to := show(f.a), show(f.b)
		if fmt.Sprint(deref(from)) != fmt.Sprint(deref(to)) {
			out = append(out, model.FieldChange{Field: f.name, From: from, To: to})
		}
	}
	return out
}

func parseAfter(after *string) (int64, error) {
	if after == nil {
		return 0, nil
	}
	if err := content.CheckAfter(after); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(*after, 10, 64)
	if err != nil || n <= 0 {
		return 0, content.FieldErrorf("after", "not an audit entry id")
	}
	return n, nil
}

// editorial is the editor-only view of a resource.
func (r *Resolver) editorial(ctx context.Context, res model.Resource) (*model.Editorial, error) {
	c := res.Content()
	full, err := r.Reading.ResourceByID(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	revs, err := r.Editing.Revisions(ctx, c.ID, 1, nil)
	if err != nil {
		return nil, err
	}
	e := &model.Editorial{ID: c.ID, LatestRevision: full.Revision}
	if len(revs) > 0 {
		e.LatestRevision = revs[0].Revision
	}
	if full.Origin != "" {
		// Its name in the resources directory, not the server's path.
		name := filepath.Base(full.Origin)
		e.Origin = &name
	}
	return e, nil
}

// strs turns a list of enum values into the strings the domain stores
// (nil stays nil: an edit that leaves the list out keeps it).
func strs[T ~string](xs []T) []string {
	if xs == nil {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// argumentError names the argument a client sent in a field error from a
// layer that names the value otherwise: the store says "revision" for
// diff's from and to (breaker3 F24: extensions.field must name the
// argument, README "extensions.field names it").
func argumentError(err error, arg string) error {
	var e *content.Error
	if errors.As(err, &e) && e.Field != "" && e.Field != arg {
		c := *e
		c.Field = arg
		return &c
	}
	return err
}
