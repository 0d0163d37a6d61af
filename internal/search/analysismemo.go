package search

import (
	"context"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// A search analyses the same words many times: each word's clause names
// every text field of every language group (title, summary, body and
// extra share one analyzer per group), and a search page builds the
// clauses' searchers in several searches (the strict and the relaxed
// query, relaxing's counts, the omitted words, the highlights). Bleve's
// match and phrase queries analyse their text each time their searcher is
// built (v2.6.3 search/query/match.go, match_phrase.go), about a tenth of
// a search page's CPU. An analysis memo, carried by the context of one
// Index.Search, analyses each text once per analyzer: the queries that
// build their searchers through memoMapping (facetQuery, clauseSets,
// docClauses, the highlight search) get the memo's tokens.
//
// The memo is exact: an analyzer's tokens are a function of the text (the
// analyzers are Bleve's and ours, without state), and the searchers only
// read them (the query types copy each token's term into a new query).

type analysisMemoKey struct{}

// analysisMemo holds the tokens of the texts analysed in one search, by
// analyzer name and text.
type analysisMemo struct {
	mu     sync.Mutex
	tokens map[[2]string]analysis.TokenStream
}

// withAnalysisMemo returns ctx carrying a new, empty analysis memo.
func withAnalysisMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, analysisMemoKey{}, &analysisMemo{tokens: map[[2]string]analysis.TokenStream{}})
}

// memoMapping returns m with its analyzers answering from the memo in
// ctx, or m itself when ctx carries none.
func memoMapping(ctx context.Context, m mapping.IndexMapping) mapping.IndexMapping {
	memo, _ := ctx.Value(analysisMemoKey{}).(*analysisMemo)
	if memo == nil {
		return m
	}
	if mm, ok := m.(*memoizedMapping); ok && mm.memo == memo {
		return m
	}
	return &memoizedMapping{IndexMapping: m, memo: memo}
}

type memoizedMapping struct {
	mapping.IndexMapping
	memo *analysisMemo
}

func (m *memoizedMapping) AnalyzerNamed(name string) analysis.Analyzer {
	a := m.IndexMapping.AnalyzerNamed(name)
	if a == nil {
		return nil
	}
	return &memoizedAnalyzer{a: a, name: name, memo: m.memo}
}

type memoizedAnalyzer struct {
	a    analysis.Analyzer
	name string
	memo *analysisMemo
}

func (a *memoizedAnalyzer) Analyze(text []byte) analysis.TokenStream {
	key := [2]string{a.name, string(text)}
	a.memo.mu.Lock()
	ts, ok := a.memo.tokens[key]
	a.memo.mu.Unlock()
	if ok {
		return ts
	}
	ts = a.a.Analyze(text)
	a.memo.mu.Lock()
	a.memo.tokens[key] = ts
	a.memo.mu.Unlock()
	return ts
}

// memoQuery is q with its searcher built through memoMapping.
type memoQuery struct{ q query.Query }

func (q memoQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o search.SearcherOptions) (search.Searcher, error) {
	return q.q.Searcher(ctx, r, memoMapping(ctx, m), o)
}
