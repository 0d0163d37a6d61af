package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestOnlyDocsKeepsMatchesAndLocations checks the highlight search's
// restriction to the page's documents (onlyDocs) against the conjunction
// of a document-id query and the query (Bleve's own restriction, the
// oracle): the same documents with the same term locations, for the
// plan's strict and relaxed queries (with their phrase pairs, tiers and
// exclusions) of generated queries, over random sets of documents of an
// index with several segments and obsolete documents (withdrawn ids and an
// unknown one among them).
func TestOnlyDocsKeepsMatchesAndLocations(t *testing.T) {
	ix, live, gone := relaxIndex(t)
	idx, done := ix.current()
	defer done()
	ctx, err := withBM25Stats(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for id := range live {
		docs = append(docs, id)
	}
	slices.Sort(docs)
	docs = append(append(docs, gone...), docID(999999))
	locations := func(q query.Query) map[string]string {
		req := bleve.NewSearchRequestOptions(q, 100, 0, false)
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
	rng := rand.New(rand.NewSource(20))
	queries, matched := 0, 0
	for _, text := range append(relaxQueries(t, ix, 30, rng), "proof of address", "register without proof of address", "charging exemptions pregnant", "gp -charging") {
		cs, err := parseQuery(text)
		if err != nil {
			t.Fatal(err)
		}
		p := buildPlan(expandSynonyms(cs), gs, ix.rank, nil, nil, nil)
		if p == nil || p.browse {
			continue
		}
		for k := 0; k < max(1, len(p.required)); k++ {
			q := p.query(nil, k)
			var ids []string
			for _, i := range rng.Perm(len(docs))[:1+rng.Intn(12)] {
				ids = append(ids, docs[i])
			}
			name := fmt.Sprintf("%q at least %d, documents %s", text, k, strings.Join(ids, " "))
			want := locations(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q))
			if got := locations(&onlyDocs{ids: ids, q: q}); !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\nonlyDocs %v\nthe conjunction %v", name, got, want)
			}
			queries++
			if len(want) > 0 {
				matched++
			}
		}
	}
	if matched < queries/3 {
		t.Errorf("%d queries, %d matched: the generator misses the cases", queries, matched)
	}
	t.Logf("%d queries, %d matched documents", queries, matched)
}
