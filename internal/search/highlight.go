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

// textParts are the parts the Syncer's TextSource leaves out of the
// resources it reads.
const textParts = content.PartSources | content.PartDetails

// highlightPage returns the highlighted fragments of a page's hits by id.
// It runs the text query again restricted to the page's ids, with term
// locations (a search with locations makes Bleve read them for every
// match, v2.6.3 index_impl.go, so only the page's few documents pay for
// it), reads the hits' text from ix.texts and highlights it as Bleve's
// own highlighting does with stored text (LoadAndHighlightFields: the
// html highlighter, the best fragment of each field asked for). A hit
// whose text in PostgreSQL is not the text indexed (the index has not
// caught up with an edit yet: texthash differs) gets no highlights rather
// than marks at another text's offsets. It also returns the resources it
// read (SearchPage.Resources).
func (ix *Index) highlightPage(ctx context.Context, idx bleve.Index, textQ query.Query, hits []*search.DocumentMatch, gs []string) (map[string]search.FieldFragmentMap, []*content.Resource, error) {
	if ix.texts == nil {
		return nil, nil, nil
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
		return nil, nil, fmt.Errorf("search highlights: %w", err)
	}
	text := make(map[string]*content.Resource, len(rs))
	for _, r := range rs {
		text[docID(r.ID)] = r
	}
	// Only the page's language groups can hold its term locations.
	pageGroups := map[string]bool{}
	for _, r := range rs {
		pageGroups[languageGroup(r.Language)] = true
	}
	if pq, none := inGroups(textQ, pageGroups); !none {
		textQ = pq
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), textQ), len(ids), 0, false)
	req.IncludeLocations = true
	req.Fields = []string{textHashField}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("search highlights: %w", err)
	}
	hl, err := bleve.Config.Cache.HighlighterNamed(html.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("search highlights: %w", err)
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
	return out, rs, nil
}

// groupOfField maps each language group's text fields to the group.
var groupOfField = func() map[string]string {
	m := map[string]string{}
	for _, g := range groups {
		for _, tf := range textFields {
			m[field(tf.name, g)] = g
		}
	}
	return m
}()

// inGroups is q for documents of the language groups keep only: each
// clause on a text field of another group is left out, with the clauses
// it decides (a conjunction or must that needs it, a disjunction left
// with fewer than its minimum), since a document has the text fields of
// its own group only. For such a document the query matches exactly
// where q matches and through the same clauses, so a search with term
// locations finds the same locations, with far fewer searchers to build
// (a query names every group of the library: four on the shipped one).
// none reports a query that can match no document of those groups.
// Queries of other types are kept whole.
func inGroups(q query.Query, keep map[string]bool) (out query.Query, none bool) {
	onField := func(f string) (query.Query, bool) {
		if g, ok := groupOfField[f]; ok && !keep[g] {
			return nil, true
		}
		return q, false
	}
	switch q := q.(type) {
	case *query.MatchQuery:
		return onField(q.FieldVal)
	case *query.MatchPhraseQuery:
		return onField(q.FieldVal)
	case *query.TermQuery:
		return onField(q.FieldVal)
	case *query.PhraseQuery:
		return onField(q.FieldVal)
	case *query.MultiPhraseQuery:
		return onField(q.FieldVal)
	case *query.PrefixQuery:
		return onField(q.FieldVal)
	case *query.FuzzyQuery:
		return onField(q.FieldVal)
	case *query.ConjunctionQuery:
		c := *q
		c.Conjuncts = make([]query.Query, len(q.Conjuncts))
		for i, sub := range q.Conjuncts {
			var none bool
			if c.Conjuncts[i], none = inGroups(sub, keep); none {
				return nil, true
			}
		}
		return &c, false
	case *query.DisjunctionQuery:
		d := *q
		d.Disjuncts = make([]query.Query, 0, len(q.Disjuncts))
		for _, sub := range q.Disjuncts {
			if p, none := inGroups(sub, keep); !none {
				d.Disjuncts = append(d.Disjuncts, p)
			}
		}
		if len(d.Disjuncts) == 0 || float64(len(d.Disjuncts)) < q.Min {
			return nil, true
		}
		return &d, false
	case *query.BooleanQuery:
		b := *q
		var none bool
		if q.Must != nil {
			if b.Must, none = inGroups(q.Must, keep); none {
				return nil, true
			}
		}
		if q.Should != nil {
			if b.Should, none = inGroups(q.Should, keep); none {
				if q.Must == nil || shouldRequired(q.Should) {
					return nil, true
				}
				b.Should = nil
			}
		}
		if q.MustNot != nil {
			if b.MustNot, none = inGroups(q.MustNot, keep); none {
				b.MustNot = nil // it excludes none of these documents
			}
		}
		if b.Must == nil && b.Should == nil && b.MustNot == nil && b.Filter == nil {
			return nil, true
		}
		return &b, false
	}
	return q, false
}

// shouldRequired reports whether a BooleanQuery's should clause must match
// even beside a must clause: a minimum above zero (Bleve v2.6.3
// BooleanSearcher counts should matches against the minimum).
func shouldRequired(q query.Query) bool {
	d, ok := q.(*query.DisjunctionQuery)
	return ok && d.Min > 0
}
