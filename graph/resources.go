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
	orig, err := loadersFor(ctx, r.Store).bySlug.Load(ctx, slug)
	if err != nil || orig == nil {
		return nil, err
	}
	return model.Wrap(orig), nil
}

// translations loads the published translations of a resource.
func (r *Resolver) translations(ctx context.Context, res model.Resource) ([]model.Resource, error) {
	ts, err := loadersFor(ctx, r.Store).translations.Load(ctx, res.Content().Slug)
	if err != nil {
		return nil, err
	}
	return model.WrapAll(ts), nil
}

// related loads the published resources a resource links to, in its order.
func (r *Resolver) related(ctx context.Context, res model.Resource) ([]model.Resource, error) {
	c := res.Content()
	if !c.Visible() || len(c.Related) == 0 {
		return []model.Resource{}, nil
	}
	rs, err := loadersFor(ctx, r.Store).bySlug.LoadAll(ctx, c.Related)
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

// listQuery turns the GraphQL arguments of `resources` into a store query.
func listQuery(filter *model.ResourceFilter, orderBy *model.ResourceOrder, first *int, after *string) (content.ListQuery, error) {
	var q content.ListQuery
	n, err := content.PageSize(first)
	if err != nil {
		return q, err
	}
	q.First = n
	q.Order = content.DefaultOrder
	if orderBy != nil {
		q.Order.Field = content.OrderField(orderBy.Field)
		q.Order.Direction = content.Desc
		if orderBy.Direction != nil {
			q.Order.Direction = content.Direction(*orderBy.Direction)
		}
	}
	if filter != nil {
		q.Filter = content.Filter{
			Topics: filter.Topics, Audiences: filter.Audiences, Nations: filter.Nations, Languages: filter.Languages,
			PublishedAfter: filter.PublishedAfter, PublishedBefore: filter.PublishedBefore,
		}
		for _, k := range filter.Kinds {
			q.Filter.Kinds = append(q.Filter.Kinds, content.Kind(k))
		}
		for _, s := range filter.Statuses {
			q.Filter.Statuses = append(q.Filter.Statuses, content.Status(s))
		}
		q.Filter.ReviewOverdue = filter.ReviewOverdue != nil && *filter.ReviewOverdue
		for _, t := range filter.Topics {
			if _, ok := content.TopicBySlug(t); !ok {
				return q, content.FieldErrorf("filter.topics", "unknown topic %q", t)
			}
		}
		for _, l := range filter.Languages {
			if !content.ValidLanguage(l) {
				return q, content.FieldErrorf("filter.languages", "%q is not a language tag", l)
			}
		}
		if a, b := filter.PublishedAfter, filter.PublishedBefore; a != nil && b != nil && a.After(*b) {
			return q, content.FieldErrorf("filter.publishedAfter", "is after publishedBefore")
		}
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

// connection turns a store page into a Relay connection.
func connection(p *content.ListPage) *model.ResourceConnection {
	conn := &model.ResourceConnection{
		TotalCount: p.TotalCount,
		Edges:      make([]model.ResourceEdge, len(p.Resources)),
		PageInfo:   &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrevious},
	}
	for i, res := range p.Resources {
		conn.Edges[i] = model.ResourceEdge{Cursor: content.EncodeCursor(p.Cursors[i]), Node: model.Wrap(res)}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}
