package graph

import (
	"context"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// translationOf loads the original of a translation (published or withdrawn).
func (r *Resolver) translationOf(ctx context.Context, res model.Resource) (model.Resource, error) {
	slug := res.Content().TranslationOf
	if slug == "" {
		return nil, nil
	}
	orig, err := loadersFor(ctx, r.Reading).bySlug().Load(ctx, slug)
	if err != nil || orig == nil {
		return nil, err
	}
	return model.Wrap(orig), nil
}

// translations loads the published translations of a resource.
func (r *Resolver) translations(ctx context.Context, res model.Resource) ([]model.Resource, error) {
	ts, err := loadersFor(ctx, r.Reading).translations().Load(ctx, res.Content().Slug)
	if err != nil {
		return nil, err
	}
	return model.WrapAll(ts), nil
}

// related loads the published resources a resource links to, in its order.
// A resource whose content the caller sees (published, or any revision in
// an editor's view) shows them; only the published ones, the ones a
// publish accepts (breaker5 F36: an editor's draft showed none, as the
// public view of a draft, although its other content was shown).
func (r *Resolver) related(ctx context.Context, res model.Resource) ([]model.Resource, error) {
	c := res.Content()
	if !(c.Visible() || c.EditorView) || len(c.Related) == 0 {
		return []model.Resource{}, nil
	}
	rs, err := loadersFor(ctx, r.Reading).bySlug().LoadAll(ctx, c.Related)
	if err != nil {
		return nil, err
	}
	out := make([]model.Resource, 0, len(rs))
	for _, x := range rs {
		if x != nil && x.Visible() {
			out = append(out, model.Wrap(x))
		}
	}
	return out, nil
}

// domainFilter turns the GraphQL filter into the domain's; the service
// validates it.
func domainFilter(filter *model.ResourceFilter) (content.Filter, error) {
	var f content.Filter
	if filter == nil {
		return f, nil
	}
	f = content.Filter{
		Kinds: filter.Kinds, Statuses: filter.Statuses,
		Topics: filter.Topics, Audiences: strs(filter.Audiences), Nations: strs(filter.Nations), Languages: filter.Languages,
		PublishedAfter: filter.PublishedAfter, PublishedBefore: filter.PublishedBefore,
	}
	f.ReviewOverdue = filter.ReviewOverdue != nil && *filter.ReviewOverdue
	return f, nil
}

// listQuery turns the GraphQL arguments of `resources` into the domain's
// list query (the default page size and order applied, the cursor decoded).
func listQuery(filter *model.ResourceFilter, orderBy *model.ResourceOrder, first *int, after *string) (content.ListQuery, error) {
	var q content.ListQuery
	if err := content.CheckAfter(after); err != nil {
		return q, err
	}
	n, err := content.PageSize(first)
	if err != nil {
		return q, err
	}
	q.First = n
	q.Order = content.DefaultOrder
	if orderBy != nil {
		q.Order.Field = orderBy.Field
		q.Order.Direction = content.Desc
		if orderBy.Direction != nil {
			q.Order.Direction = *orderBy.Direction
		}
	}
	if q.Filter, err = domainFilter(filter); err != nil {
		return q, err
	}
	if err := q.Filter.Validate(); err != nil {
		return q, err
	}
	if after != nil {
		c, err := content.DecodeCursor(*after, q.Order)
		if err != nil {
			return q, err
		}
		q.After = c
	}
	return q, nil
}

// connection turns a store page into a Relay connection; without cursors
// the edges' cursors and pageInfo's start and end are left empty (for a
// selection that asks none of them).
func connection(p *content.ListPage, cursors bool) *model.ResourceConnection {
	conn := &model.ResourceConnection{
		TotalCount: p.TotalCount,
		Edges:      make([]model.ResourceEdge, len(p.Resources)),
		PageInfo:   &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrevious},
	}
	if p.CountedAt > 0 {
		at := content.ChangePosition{Watermark: p.CountedAt}.Encode()
		conn.CountedAt = &at
	}
	for i, res := range p.Resources {
		conn.Edges[i] = model.ResourceEdge{Node: model.Wrap(res)}
		if cursors {
			conn.Edges[i].Cursor = content.EncodeCursor(p.Cursors[i])
		}
	}
	if n := len(conn.Edges); n > 0 && cursors {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}
