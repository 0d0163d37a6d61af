package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	blevedoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/content"
)

// TextSource returns the resources with the given ids that answer
// publicly, with their title, summary and body (PostgreSQL's
// ResourcesByID); highlights read the text they mark from it, since the
// index does not store it (mapping version 5).
type TextSource func(ctx context.Context, ids []int64) ([]*content.Resource, error)

// highlightPage returns the highlighted fragments of a page's hits by id.
// It runs the text query again restricted to the page's ids, with term
// locations (a search with locations makes Bleve read them for every
// match, v2.6.3 index_impl.go, so only the page's few documents pay for
// it), reads the hits' text from ix.texts and highlights it as Bleve's
// own highlighting does with stored text (LoadAndHighlightFields: the
// html highlighter, the best fragment of each field asked for). A hit
// whose text in PostgreSQL is not the text indexed (the index has not
// caught up with an edit yet: texthash differs) gets no highlights rather
// than marks at another text's offsets.
func (ix *Index) highlightPage(ctx context.Context, idx bleve.Index, textQ query.Query, hits []*search.DocumentMatch, gs []string) (map[string]search.FieldFragmentMap, error) {
	if ix.texts == nil {
		return nil, nil
	}
	ids := make([]string, len(hits))
	nums := make([]int64, 0, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
		if n, err := parseDocID(h.ID); err == nil {
			nums = append(nums, n)
		}
	}
	rs, err := ix.texts(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("search highlights: %w", err)
	}
	text := make(map[string]*content.Resource, len(rs))
	for _, r := range rs {
		text[docID(r.ID)] = r
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), textQ), len(ids), 0, false)
	req.IncludeLocations = true
	req.Fields = []string{textHashField}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search highlights: %w", err)
	}
	hl, err := bleve.Config.Cache.HighlighterNamed(html.Name)
	if err != nil {
		return nil, fmt.Errorf("search highlights: %w", err)
	}
	fields := highlightRequest(gs).Fields
	out := make(map[string]search.FieldFragmentMap, len(res.Hits))
	for _, h := range res.Hits {
		r := text[h.ID]
		if r == nil {
			continue
		}
		if indexed, _ := h.Fields[textHashField].(string); indexed != textHash(r) {
			continue
		}
		g := languageGroup(r.Language)
		doc := blevedoc.NewDocument(h.ID)
		doc.AddField(blevedoc.NewTextField(field("title", g), nil, []byte(r.Title)))
		doc.AddField(blevedoc.NewTextField(field("summary", g), nil, []byte(r.Summary)))
		doc.AddField(blevedoc.NewTextField(field("body", g), nil, []byte(r.Body)))
		for _, f := range fields {
			hl.BestFragmentsInField(h, doc, f, 1)
		}
		out[h.ID] = h.Fragments
	}
	return out, nil
}
