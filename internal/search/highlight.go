package search

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

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
// It runs the text query again restricted to the page's ids (onlyDocs),
// with term locations (a search with locations makes Bleve read them for
// every match, v2.6.3 index_impl.go, so only the page's few documents pay
// for it), reads the hits' text from ix.texts and highlights the best
// fragment of each field asked for (snippet: Bleve's fragment choice, cut
// at words, bodies without Markdown syntax). A hit
// whose text in PostgreSQL is not the text indexed (the index has not
// caught up with an edit yet: texthash differs) gets no highlights rather
// than marks at another text's offsets. It also returns the resources it
// read (SearchPage.Resources). typed are the query's words written with a
// zero-width non-joiner (typedJoined), marked whole.
func (ix *Index) highlightPage(ctx context.Context, idx bleve.Index, textQ query.Query, typed []string, hits []*search.DocumentMatch, gs []string) (map[string]search.FieldFragmentMap, []*content.Resource, error) {
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
	if pq, none := inGroups(withoutCoveredPhrases(withoutRepeats(textQ), memoMapping(ctx, idx.Mapping())), pageGroups); !none {
		textQ = pq
	}
	req := bleve.NewSearchRequestOptions(&onlyDocs{ids: ids, q: textQ}, len(ids), 0, false)
	req.IncludeLocations = true
	req.Fields = []string{textHashField}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("search highlights: %w", err)
	}
	// Each hit is highlighted in the fields of highlightRequest(gs) that
	// it has: its own group's (a field the document lacks gets no
	// fragment).
	asked := map[string]bool{}
	for _, g := range gs {
		asked[g] = true
	}
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
		if asked[g] {
			for _, tf := range []struct{ name, text string }{{"title", r.Title}, {"summary", r.Summary}, {"body", r.Body}} {
				f := field(tf.name, g)
				if frag := snippet(tf.text, h.Locations[f], tf.name == "body", typed); frag != "" {
					h.AddFragments(f, []string{frag})
				}
			}
		}
		out[h.ID] = h.Fragments
	}
	return out, rs, nil
}

// onlyDocs is q searched in the documents ids only: its searchers read
// postings through a candidateReader (rerank.go) of those documents, in
// the snapshot searched. A document of ids matches exactly when q matches
// it, with the same term locations (every searcher decides a document
// from that document's postings, which the reader passes through), and
// no searcher looks at another document: the conjunction of the ids and q
// it replaces advanced q's clauses that do not match a hit to their next
// match in the whole index, a phrase pair checking term positions in
// every document on the way (a third of a search's CPU with highlights on
// 100,000 resources).
type onlyDocs struct {
	ids []string
	q   query.Query
}

func (o *onlyDocs) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	var nums []index.IndexInternalID
	for _, id := range o.ids {
		n, err := r.InternalID(id)
		if err != nil {
			return nil, err
		}
		if n != nil {
			nums = append(nums, n)
		}
	}
	slices.SortFunc(nums, func(a, b index.IndexInternalID) int { return bytes.Compare(a, b) })
	nums = slices.CompactFunc(nums, func(a, b index.IndexInternalID) bool { return bytes.Equal(a, b) })
	return o.q.Searcher(ctx, &candidateReader{IndexReader: r, ids: nums}, memoMapping(ctx, m), opts)
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

// withoutRepeats is q without the optional clauses that can only report
// term locations q reports anyway: a should clause of a boolean query
// whose clauses are all (the same query values) clauses that its must
// clause reports whenever it matches, such as the tiers that rank
// resources with more of the words higher (plan.matching: each tier
// repeats the required clauses). It matches the same documents, and a
// document's locations are the same set (Bleve keeps each location once:
// DocumentMatch.Complete). For the highlight search only.
func withoutRepeats(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.ConjunctionQuery:
		c := *q
		c.Conjuncts = make([]query.Query, len(q.Conjuncts))
		for i, sub := range q.Conjuncts {
			c.Conjuncts[i] = withoutRepeats(sub)
		}
		return &c
	case *query.DisjunctionQuery:
		d := *q
		d.Disjuncts = make([]query.Query, len(q.Disjuncts))
		for i, sub := range q.Disjuncts {
			d.Disjuncts[i] = withoutRepeats(sub)
		}
		return &d
	case *query.BooleanQuery:
		b := *q
		should, ok := q.Should.(*query.DisjunctionQuery)
		if q.Must != nil && ok && should.Min == 0 {
			reported := map[query.Query]bool{}
			reports(q.Must, reported)
			kept := &query.DisjunctionQuery{}
			*kept = *should
			kept.Disjuncts = nil
			for _, s := range should.Disjuncts {
				if !repeats(s, reported) {
					kept.Disjuncts = append(kept.Disjuncts, s)
				}
			}
			b.Should = kept
			if len(kept.Disjuncts) == 0 {
				b.Should = nil
			}
		}
		if b.Must != nil {
			b.Must = withoutRepeats(b.Must)
		}
		if b.Should != nil {
			b.Should = withoutRepeats(b.Should)
		}
		return &b
	}
	return q
}

// reports adds to out the clauses under q whose locations a document
// that q matches gets whenever the clause matches it too. q is required
// (the document matches it): a required conjunction's clauses are
// required; a required disjunction's clauses, and the clauses of such a
// clause that is a disjunction of at most one required match, are
// reported when they match; a required boolean query's must clause is
// required, or its should clause when it has no must. (A clause of a
// conjunction that is not required may match where the conjunction does
// not, and an optional should clause may be passed over: neither counts.)
func reports(q query.Query, out map[query.Query]bool) {
	out[q] = true
	switch q := q.(type) {
	case *query.ConjunctionQuery:
		for _, sub := range q.Conjuncts {
			reports(sub, out)
		}
	case *query.DisjunctionQuery:
		for _, sub := range q.Disjuncts {
			reportedWhenMatching(sub, out)
		}
	case *query.BooleanQuery:
		if q.Must != nil {
			reports(q.Must, out)
		} else if q.Should != nil {
			reports(q.Should, out)
		}
	}
}

// reportedWhenMatching adds q, a clause whose locations are reported
// whenever it matches, and the clauses under it that are too: those of a
// disjunction that matches with any one of them.
func reportedWhenMatching(q query.Query, out map[query.Query]bool) {
	out[q] = true
	if d, ok := q.(*query.DisjunctionQuery); ok && d.Min <= 1 {
		for _, sub := range d.Disjuncts {
			reportedWhenMatching(sub, out)
		}
	}
}

// repeats reports whether clause s can only report locations of clauses
// in reported: it is one of them, or a disjunction, or a boolean query of
// only should clauses, of them.
func repeats(s query.Query, reported map[query.Query]bool) bool {
	if reported[s] {
		return true
	}
	var subs []query.Query
	switch s := s.(type) {
	case *query.DisjunctionQuery:
		subs = s.Disjuncts
	case *query.BooleanQuery:
		if s.Must != nil || s.MustNot != nil || s.Filter != nil || s.Should == nil {
			return false
		}
		return repeats(s.Should, reported)
	default:
		return false
	}
	for _, sub := range subs {
		if !reported[sub] {
			return false
		}
	}
	return len(subs) > 0
}
