package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// ZeroResults records a search that found nothing (terms only).
type ZeroResults func(ctx context.Context, term string) error

// search runs a search and loads its resources from the store: the index
// only suggests ids; PostgreSQL decides what the public may see, so a
// lagging index never shows a draft or a withdrawn resource.
func (r *Resolver) search(ctx context.Context, text string, filter *model.ResourceFilter, orderBy *string, first *int, after *string) (*model.SearchResults, error) {
	if r.Search == nil {
		return nil, content.Errorf(content.EUNAVAILABLE, "search is not available")
	}
	lq, err := listQuery(filter, nil, first, nil)
	if err != nil {
		return nil, err
	}
	q := content.SearchQuery{Text: text, Filter: lq.Filter, Order: content.SearchRelevance, First: lq.First}
	if orderBy != nil {
		q.Order = content.SearchOrder(*orderBy)
	}
	if after != nil {
		q.After = *after
	}
	sel := graphql.GetFieldContext(ctx).Field.Selections
	q.NoFacets, q.NoHighlights, q.NoSuggestion = !selects(sel, "facets"), !selects(sel, "highlights"), !selects(sel, "suggestion")
	page, err := r.Search.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.ID
	}
	skip := content.Skip{Body: !selects(sel, "body") && !selects(sel, "bodyHTML"), Sources: !selects(sel, "sources"), Details: true}
	for _, f := range []string{"appliesTo", "actions", "methods", "sample", "sampleSize", "period", "keyFindings", "recommendations", "rationale", "campaign", "editorial"} {
		skip.Details = skip.Details && !selects(sel, f)
	}
	rs, err := r.Store.ResourcesByIDPartly(ctx, ids, skip)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*content.Resource, len(rs))
	for _, res := range rs {
		if res.Visible() {
			byID[res.ID] = res
		}
	}
	out := &model.SearchResults{
		TotalCount: page.Total,
		PageInfo:   &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: page.HasPrevious},
		Facets:     page.Facets,
		Suggestion: page.Suggestion,
		Edges:      make([]model.SearchEdge, 0, len(page.Hits)),
	}
	for _, h := range page.Hits {
		res, ok := byID[h.ID]
		if !ok {
			continue // withdrawn or unpublished since the index saw it
		}
		hl := h.Highlights
		if hl == nil {
			hl = []content.Highlight{}
		}
		out.Edges = append(out.Edges, model.SearchEdge{Cursor: h.Cursor, Node: model.Wrap(res), Score: h.Score, Highlights: hl})
	}
	if n := len(out.Edges); n > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[n-1].Cursor
	}
	if page.Total == 0 && r.ZeroResults != nil && r.ZeroResultTerm != nil {
		if term := r.ZeroResultTerm(text); term != "" {
			// Recorded without the request's context: a cancelled
			// request still counts, and never with who asked.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if err := r.ZeroResults(ctx, term); err != nil && r.Log != nil {
					r.Log.Warn("record zero-result search", "err", err)
				}
			}()
		}
	}
	return out, nil
}

// completions loads the titles of the index's matches from the store.
func (r *Resolver) completions(ctx context.Context, prefix string, first *int) ([]model.Completion, error) {
	if r.Search == nil {
		return nil, content.Errorf(content.EUNAVAILABLE, "search is not available")
	}
	n := 8
	if first != nil {
		n = *first
	}
	if n < 0 || n > 20 {
		return nil, content.FieldErrorf("first", "must be between 0 and 20")
	}
	cs, err := r.Search.Complete(ctx, prefix, n)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rs, err := r.Store.ResourcesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*content.Resource{}
	for _, res := range rs {
		if res.Visible() {
			byID[res.ID] = res
		}
	}
	out := make([]model.Completion, 0, len(cs))
	for _, c := range cs {
		if res, ok := byID[c.ID]; ok {
			out = append(out, model.Completion{Title: res.Title, Slug: res.Slug, Kind: string(res.Kind)})
		}
	}
	return out, nil
}
