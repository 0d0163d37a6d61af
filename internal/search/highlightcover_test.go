package search

import (
	"context"
	"encoding/json"

	"math/rand"
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestCoveredPhrasesKeepLocations checks withoutCoveredPhrases against
// the query it trims (the oracle: Bleve's own search with term
// locations): over every document of an index with several segments,
// obsolete documents and five language groups, the plan's strict and
// relaxed queries (phrase pairs, the whole-query phrase, synonyms with
// marked phrases, tiers, exclusions) of generated queries of two to five
// words, as the highlight search runs them (withoutRepeats first), must
// match the same documents with the same locations. It fails when no
// phrase was left out (the generator would miss the case).
func TestCoveredPhrasesKeepLocations(t *testing.T) {
	ix, _, _ := relaxIndex(t)
	idx, done := ix.current()
	defer done()
	ctx, err := withBM25Stats(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	locations := func(q query.Query) map[string]string {
		req := bleve.NewSearchRequestOptions(q, 10000, 0, false)
		req.IncludeLocations = true
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, h := range res.Hits {
			b, _ := json.Marshal(h.Locations)
			out[h.ID] = string(b)
		}
		return out
	}
	gs := ix.presentGroups()
	rng := rand.New(rand.NewSource(21))
	queries, trimmed, matched := 0, 0, 0
	texts := append(relaxQueries(t, ix, 40, rng), "proof of address", "register without proof of address", "gp registration",
		"general practice registration", "asylum seekers maternity charges", "family doctor", "gp -charging", `"proof of address" gp`)
	for _, text := range texts {
		cs, err := parseQuery(text)
		if err != nil {
			t.Fatal(err)
		}
		p := buildPlan(expandSynonyms(cs), gs, ix.rank, nil, nil, nil)
		if p == nil || p.browse {
			continue
		}
		for k := 0; k < max(1, len(p.required)); k++ {
			q := withoutRepeats(p.query(nil, k))
			cut := withoutCoveredPhrases(q, idx.Mapping())
			if phrases(cut) < phrases(q) {
				trimmed++
			}
			want := locations(q)
			if got := locations(cut); !reflect.DeepEqual(got, want) {
				t.Errorf("%q at least %d: %d documents, %d with every phrase", text, k, len(got), len(want))
				for id, w := range want {
					if got[id] != w {
						t.Fatalf("%s:\n got %s\nwant %s", id, got[id], w)
					}
				}
			}
			queries++
			if len(want) > 0 {
				matched++
			}
		}
	}
	t.Logf("%d queries (%d matched documents), %d with phrases left out", queries, matched, trimmed)
	if trimmed < queries/4 || matched < queries/3 {
		t.Errorf("%d queries, %d matched, %d trimmed: the generator misses the cases", queries, matched, trimmed)
	}
}

// phrases counts the phrase queries (marked or not) in q.
func phrases(q query.Query) int {
	switch q := q.(type) {
	case *query.MatchPhraseQuery, *markedPhraseQuery:
		return 1
	case *query.DisjunctionQuery:
		n := 0
		for _, s := range q.Disjuncts {
			n += phrases(s)
		}
		return n
	case *query.ConjunctionQuery:
		n := 0
		for _, s := range q.Conjuncts {
			n += phrases(s)
		}
		return n
	case *query.BooleanQuery:
		n := 0
		for _, s := range []query.Query{q.Must, q.Should, q.MustNot} {
			if s != nil {
				n += phrases(s)
			}
		}
		return n
	case *constantQuery:
		return phrases(q.q)
	}
	return 0
}
