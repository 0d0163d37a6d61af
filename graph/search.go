package graph

import (
	"context"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
	"guidancehub/internal/search"
)

// detailFields are the GraphQL fields read from content.Details.
var detailFields = []string{"appliesTo", "actions", "methods", "sample", "sampleSize", "period", "keyFindings", "recommendations", "rationale", "campaign", "editorial"}

// omitted returns the costly parts of a resource that no field under sel
// reads (a field named anywhere below counts as read, whatever its type: the
// check errs towards loading). The editor-only `editorial` view compares
// revisions, so it keeps everything.
func omitted(sel ast.SelectionSet) content.Part {
	if selects(sel, "editorial") {
		return 0
	}
	var omit content.Part
	if !selects(sel, "body") && !selects(sel, "bodyHTML") {
		omit |= content.PartBody
	}
	// A citation of a research brief cites its first source too.
	if !selects(sel, "sources") && !selects(sel, "citation") {
		omit |= content.PartSources
	}
	omit |= content.PartDetails
	for _, f := range detailFields {
		if selects(sel, f) {
			omit &^= content.PartDetails
		}
	}
	if onlyNames(sel, cardFields) {
		omit |= content.PartMeta
	}
	return omit
}

// cardFields are the names of fields, at any depth under a list or search,
// that need nothing of content.PartMeta: a resource's card (title,
// summary, topics and dates of publication) and the connection around it.
// Any other name anywhere below (audiences, updatedAt, withdrawal,
// related, a facet's audiences...) loads the part: the check errs towards
// loading.
var cardFields = map[string]bool{
	"__typename": true, "id": true, "slug": true, "kind": true, "status": true, "title": true, "summary": true,
	"body": true, "bodyHTML": true, "topics": true, "name": true, "description": true, "count": true,
	"language": true, "publishedAt": true, "url": true, "revision": true,
	"totalCount": true, "countedAt": true, "edges": true, "node": true, "cursor": true, "pageInfo": true,
	"hasNextPage": true, "hasPreviousPage": true, "startCursor": true, "endCursor": true,
	"score": true, "highlights": true, "field": true, "fragments": true, "suggestion": true, "omittedWords": true,
}

// onlyNames reports whether every field selected anywhere in set (through
// fragments) has one of the names.
func onlyNames(set ast.SelectionSet, names map[string]bool) bool {
	for _, s := range set {
		switch x := s.(type) {
		case *ast.Field:
			if !names[x.Name] || !onlyNames(x.SelectionSet, names) {
				return false
			}
		case *ast.InlineFragment:
			if !onlyNames(x.SelectionSet, names) {
				return false
			}
		case *ast.FragmentSpread:
			if x.Definition == nil || !onlyNames(x.Definition.SelectionSet, names) {
				return false
			}
		}
	}
	return true
}

// selectsHere reports whether sel asks for the field name directly on an
// object of type typeName (through fragments, honouring @skip and
// @include), as gqlgen's executor will collect it.
func selectsHere(ctx context.Context, sel ast.SelectionSet, typeName, name string) bool {
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), sel, []string{typeName}) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// search translates the `search` field: GraphQL arguments to a
// content.SearchQuery, the result to a Relay-shaped SearchResults.
func (r *Resolver) search(ctx context.Context, text string, filter *model.ResourceFilter, orderBy *content.SearchOrder, first *int, after *string) (*model.SearchResults, error) {
	f, err := domainFilter(filter)
	if err != nil {
		return nil, err
	}
	n, err := content.PageSize(first)
	if err != nil {
		return nil, err
	}
	q := content.SearchQuery{Text: text, Filter: f, Order: content.SearchRelevance, First: n}
	if orderBy != nil {
		q.Order = *orderBy
	}
	if err := content.CheckAfter(after); err != nil {
		return nil, err
	}
	if after != nil {
		q.After = *after
	}
	sel := graphql.GetFieldContext(ctx).Field.Selections
	q.NoFacets, q.NoHighlights, q.NoSuggestion = !selects(sel, "facets"), !selects(sel, "highlights"), !selects(sel, "suggestion")
	q.Omit = omitted(sel)
	res, err := r.Reading.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &model.SearchResults{
		TotalCount:   res.Total,
		PageInfo:     &model.PageInfo{HasNextPage: res.HasNext, HasPreviousPage: res.HasPrevious},
		Facets:       res.Facets,
		Suggestion:   res.Suggestion,
		OmittedWords: res.OmittedWords,
		Edges:        make([]model.SearchEdge, len(res.Hits)),
	}
	page := make([]*content.Resource, len(res.Hits))
	for i, h := range res.Hits {
		out.Edges[i] = model.SearchEdge{Cursor: h.Cursor, Node: model.Wrap(h.Resource), Score: RoundScore(h.Score), Highlights: h.Highlights}
		page[i] = h.Resource
	}
	if n := len(out.Edges); n > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[n-1].Cursor
	}
	if err := loadersFor(ctx, r.Reading).prefetch(ctx, page, sel); err != nil {
		return nil, err
	}
	return out, nil
}

// completions translates the `completions` field.
func (r *Resolver) completions(ctx context.Context, prefix string, first *int) ([]model.Completion, error) {
	n := 8
	if first != nil {
		n = *first
	}
	cs, err := r.Reading.Completions(ctx, prefix, n)
	if err != nil {
		return nil, err
	}
	out := make([]model.Completion, len(cs))
	for i, c := range cs {
		out[i] = model.Completion{Title: c.Title, Slug: c.Slug, Kind: c.Kind}
	}
	return out, nil
}

// ScoreDigits is the number of significant digits a search score is given
// to in the API.
const ScoreDigits = 6

// RoundScore rounds a relevance score to ScoreDigits significant digits
// (the nearest float64 to that decimal). Two replicas score the same
// search with indexes whose segments differ, and floating-point sums in
// another order differ in the last digits (0.06236711845043762 against
// …761): rounded, the answers (and so their ETags) are the same, except
// in the rare case of a score that lies on a rounding boundary. Six digits
// still order any two results a client could tell apart.
//
// A resource with both words of a relaxed two-word search scores
// search.EveryWordBonus more: the digits are counted below it (review6
// R2: rounded whole, every such score was 1e+06).
func RoundScore(s float64) float64 {
	if math.IsNaN(s) || math.IsInf(s, 0) || s == 0 {
		return s
	}
	if s >= search.EveryWordBonus {
		return search.EveryWordBonus + RoundScore(s-search.EveryWordBonus)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(s, 'g', ScoreDigits, 64), 64)
	if err != nil {
		return s
	}
	return r
}
