package search

import (
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// withoutCoveredPhrases is q without the optional phrase clauses (the
// neighbouring-word pairs and the whole-query phrase, plan.pairs and
// plan.phrase) whose term locations q reports anyway: each word of such
// a phrase, in its field, is a word of a clause reported whenever it
// matches (see reports) that reports every location of that word in that
// field (an analysed match query or a term query on the same field with
// the field's analyser). A phrase reports some locations of its words; the
// word's own clause reports all of them, and Bleve keeps each location
// once (DocumentMatch.Complete). So a document matches the same (the
// clauses are optional beside a required one) with the same locations,
// and the highlight search does not check positions for the phrases: at
// 100,000 resources they were about half of its CPU. For the highlight
// search only (scores change).
func withoutCoveredPhrases(q query.Query, m mapping.IndexMapping) query.Query {
	b, ok := q.(*query.BooleanQuery)
	if !ok || b.Must == nil {
		return q
	}
	out := *b
	out.Must = withoutCoveredPhrases(b.Must, m)
	should, ok := b.Should.(*query.DisjunctionQuery)
	if !ok || should.Min > 0 {
		return &out
	}
	reported := map[query.Query]bool{}
	reports(out.Must, reported)
	terms := reportedTerms(reported, m)
	kept := &query.DisjunctionQuery{}
	*kept = *should
	kept.Disjuncts = nil
	for _, s := range should.Disjuncts {
		if !coveredBy(s, terms, m) {
			kept.Disjuncts = append(kept.Disjuncts, s)
		}
	}
	out.Should = kept
	if len(kept.Disjuncts) == 0 {
		out.Should = nil
	}
	return &out
}

// reportedTerms returns, by field, the terms each of whose locations in
// that field a matching document gets from one of the clauses reported:
// analysed match queries (not fuzzy, not prefix, the field's analyser,
// any of their words enough) and term queries.
func reportedTerms(reported map[query.Query]bool, m mapping.IndexMapping) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(f, t string) {
		if out[f] == nil {
			out[f] = map[string]bool{}
		}
		out[f][t] = true
	}
	for c := range reported {
		switch c := c.(type) {
		case *query.TermQuery:
			if c.FieldVal != "" {
				add(c.FieldVal, c.Term)
			}
		case *query.MatchQuery:
			if c.FieldVal == "" || c.Analyzer != "" || c.Fuzziness != 0 || c.Prefix != 0 {
				continue
			}
			ts, ok := fieldTerms(c.Match, c.FieldVal, m)
			if !ok || (c.Operator != query.MatchQueryOperatorOr && len(ts) > 1) {
				continue
			}
			for _, t := range ts {
				add(c.FieldVal, t)
			}
		}
	}
	return out
}

// coveredBy reports whether every location clause s can report is of a
// term in terms: phrases (marked or not) of such terms, and disjunctions
// and conjunctions of them and of match-all (which reports none).
func coveredBy(s query.Query, terms map[string]map[string]bool, m mapping.IndexMapping) bool {
	switch s := s.(type) {
	case *query.MatchAllQuery, *query.MatchNoneQuery:
		return true
	case *query.DisjunctionQuery:
		return allCovered(s.Disjuncts, terms, m)
	case *query.ConjunctionQuery:
		return allCovered(s.Conjuncts, terms, m)
	case *markedPhraseQuery:
		return coveredBy(s.phrase, terms, m)
	case *query.MatchPhraseQuery:
		if s.FieldVal == "" || s.Analyzer != "" || s.Fuzziness != 0 {
			return false
		}
		ts, ok := fieldTerms(s.MatchPhrase, s.FieldVal, m)
		if !ok {
			return false
		}
		for _, t := range ts {
			if !terms[s.FieldVal][t] {
				return false
			}
		}
		return true
	}
	return false
}

func allCovered(qs []query.Query, terms map[string]map[string]bool, m mapping.IndexMapping) bool {
	for _, q := range qs {
		if !coveredBy(q, terms, m) {
			return false
		}
	}
	return true
}

// fieldTerms analyses text with field's analyser (as a match or phrase
// query without an analyser of its own does).
func fieldTerms(text, field string, m mapping.IndexMapping) ([]string, bool) {
	a := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	if a == nil {
		return nil, false
	}
	tokens := a.Analyze([]byte(text))
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = string(t.Term)
	}
	return out, true
}
