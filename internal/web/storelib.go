package web

import (
	"context"

	"guidancehub/internal/content"
)

// StoreLibrary is a Library over the store and the search index, until
// the service layer provides the use cases. TODO(service): replace.
type StoreLibrary struct {
	Store content.Store
	Index content.Searcher
}

func (l StoreLibrary) Search(ctx context.Context, q content.SearchQuery) (*Results, error) {
	page, err := l.Index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.ID
	}
	rs, err := l.Store.ResourcesByIDPartly(ctx, ids, content.Skip{Body: true, Sources: true, Details: true})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*content.Resource{}
	for _, r := range rs {
		if r.Visible() {
			byID[r.ID] = r
		}
	}
	out := &Results{Total: page.Total, HasNext: page.HasNext, Facets: page.Facets, Suggestion: page.Suggestion}
	for _, h := range page.Hits {
		out.Last = h.Cursor
		if r, ok := byID[h.ID]; ok {
			out.Hits = append(out.Hits, Hit{Resource: r, Highlights: h.Highlights})
		}
	}
	return out, nil
}

func (l StoreLibrary) List(ctx context.Context, q content.ListQuery) (*content.ListPage, error) {
	return l.Store.ListResources(ctx, q)
}

func (l StoreLibrary) Resource(ctx context.Context, slug string) (*content.Resource, error) {
	return l.Store.ResourceBySlug(ctx, slug)
}

func (l StoreLibrary) Resources(ctx context.Context, slugs []string) ([]*content.Resource, error) {
	rs, err := l.Store.ResourcesBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	by := map[string]*content.Resource{}
	for _, r := range rs {
		if r.Visible() {
			by[r.Slug] = r
		}
	}
	var out []*content.Resource
	for _, s := range slugs {
		if r, ok := by[s]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (l StoreLibrary) Translations(ctx context.Context, slug string) ([]*content.Resource, error) {
	m, err := l.Store.TranslationsOf(ctx, []string{slug})
	if err != nil {
		return nil, err
	}
	return m[slug], nil
}

func (l StoreLibrary) Topics(ctx context.Context) ([]TopicCount, error) {
	counts, err := l.Store.TopicCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TopicCount, len(content.Topics))
	for i, t := range content.Topics {
		out[i] = TopicCount{Topic: t, Count: counts[t.Slug]}
	}
	return out, nil
}

func (l StoreLibrary) Complete(ctx context.Context, prefix string, n int) ([]Completion, error) {
	cs, err := l.Index.Complete(ctx, prefix, n)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rs, err := l.Store.ResourcesByIDPartly(ctx, ids, content.Skip{Body: true, Sources: true, Details: true})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*content.Resource{}
	for _, r := range rs {
		if r.Visible() {
			byID[r.ID] = r
		}
	}
	out := []Completion{}
	for _, c := range cs {
		if r, ok := byID[c.ID]; ok {
			out = append(out, Completion{Title: r.Title, Slug: r.Slug, Kind: r.Kind, Language: r.Language})
		}
	}
	return out, nil
}
