package search

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// rerankVocabulary is the generated library's words: domain words,
// synonyms with phrase alternatives (gp / general practice), stop words
// and words of the phrase pairs the queries ask for.
var rerankVocabulary = strings.Fields(`gp general practice practitioner family doctor surgery registration register
	patient patients proof of address the a to and for with charging charges overseas visitors maternity care
	asylum seekers refused hospital interpreter data sharing home office health immigration surcharge mental
	training safe surgeries number nhs tuberculosis screening destitution windrush ihs exemptions pregnant`)

// generatedLibrary is n resources of random text over rerankVocabulary,
// with the query pairs written as phrases in some, published on random
// days: a library where many resources match every query.
func generatedLibrary(seed int64, n int) []*content.Resource {
	rng := rand.New(rand.NewSource(seed))
	words := func(lo, hi int) string {
		k := lo + rng.Intn(hi-lo+1)
		ws := make([]string, k)
		for i := range ws {
			// Earlier words are more frequent.
			ws[i] = rerankVocabulary[int(float64(len(rerankVocabulary))*rng.Float64()*rng.Float64())]
		}
		return strings.Join(ws, " ")
	}
	var rs []*content.Resource
	for i := 0; i < n; i++ {
		pub := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.Intn(3650))
		d := content.Draft{Kind: content.KindGuidance, Slug: fmt.Sprintf("generated-%d", i), Title: words(3, 7),
			Summary: words(8, 16), Body: words(30, 90), Language: "en", PublishedAt: &pub,
			Topics: []string{"charging"}, Audiences: []string{"commissioners"}, Nations: []string{"england"}}
		rs = append(rs, &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: d})
	}
	return rs
}

// generatedQueries are n queries of two to four words of
// rerankVocabulary, neighbouring words of the library's text among them.
func generatedQueries(seed int64, n int) []string {
	rng := rand.New(rand.NewSource(seed))
	var out []string
	for len(out) < n {
		k := 2 + rng.Intn(3)
		ws := make([]string, k)
		for i := range ws {
			ws[i] = rerankVocabulary[rng.Intn(len(rerankVocabulary))]
		}
		out = append(out, strings.Join(ws, " "))
	}
	return out
}

// TestRerankMatchesFullQuery checks rerankTop (the phrase pairs scored for
// the best candidates of the query without them) against the oracle,
// Bleve's own sort of the full query (Index.plain), on a generated library
// of 300 resources and 70 generated queries with 20 candidates:
//   - a query with at most 20 matches gets exactly the oracle's pages
//     (ids, scores, cursors, totals), page by page;
//   - above 20, the total is the oracle's, each hit's score is its score
//     in the oracle, and every resource the oracle ranks above the page's
//     last hit but the page lacks was not a candidate: its score without
//     the pairs is at most the 20th best. That is the only way the first
//     page may differ; the test reports how often it does.
func TestRerankMatchesFullQuery(t *testing.T) {
	rs := generatedLibrary(1, 300)
	ix, _, err := openIndex(t.TempDir()+"/index", slog.New(slog.DiscardHandler), NewMetrics(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	err = ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) {
		for start := 0; start < len(rs); start += 100 {
			if err := fn(rs[start:min(start+100, len(rs))]); err != nil {
				return 0, err
			}
		}
		return 1, nil
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	ix.ready.Store(true)
	const k = 20
	ctx := context.Background()
	unpaired := DefaultRanking
	unpaired.PairBonus, unpaired.PhraseFirst, unpaired.PairBoost = 0, 0, 0
	// all returns every match of text in relevance order, with Bleve's sort
	// of the full query, or with rank's query.
	all := func(text string, rank Ranking) *content.SearchPage {
		ix.plain, ix.rank = true, rank
		defer func() { ix.plain, ix.rank = false, DefaultRanking }()
		p, err := ix.Search(ctx, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: len(rs), NoFacets: true, NoHighlights: true, NoSuggestion: true})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ix.candidates = k
	small, large, differ := 0, 0, 0
	for _, text := range generatedQueries(2, 70) {
		full := all(text, DefaultRanking)
		if full.Total <= k {
			small++
			q := content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 4}
			for page := 0; page < 10; page++ {
				got, want, err := compareOnOneSnapshot(ix, q)
				if err != nil {
					t.Fatalf("%q page %d: %v", text, page, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%q (%d matches) page %d:\n got %+v\nwant %+v", text, full.Total, page, summary(got), summary(want))
				}
				if !got.HasNext {
					break
				}
				q.After = got.Hits[len(got.Hits)-1].Cursor
			}
			continue
		}
		large++
		got, err := ix.Search(ctx, content.SearchQuery{Text: text, Order: content.SearchRelevance, First: 10, NoFacets: true, NoHighlights: true, NoSuggestion: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != full.Total {
			t.Fatalf("%q: total %d, oracle %d", text, got.Total, full.Total)
		}
		exact := map[int64]float64{}
		for _, h := range full.Hits {
			exact[h.ID] = h.Score
		}
		base := all(text, unpaired)
		if len(base.Hits) != full.Total {
			t.Fatalf("%q: %d matches without the pairs, %d with them", text, len(base.Hits), full.Total)
		}
		kth := base.Hits[k-1].Score
		before := map[int64]float64{}
		for _, h := range base.Hits {
			before[h.ID] = h.Score
		}
		onPage := map[int64]bool{}
		for _, h := range got.Hits {
			onPage[h.ID] = true
			if s, ok := exact[h.ID]; !ok || s != h.Score {
				t.Fatalf("%q: hit %d scores %v, the oracle %v", text, h.ID, h.Score, s)
			}
		}
		missed := false
		for _, h := range full.Hits {
			if h.ID == got.Hits[len(got.Hits)-1].ID {
				break
			}
			if !onPage[h.ID] {
				missed = true
				if before[h.ID] > kth {
					t.Fatalf("%q: %d (%.4f without the pairs, the %dth best %.4f) is missing from the page", text, h.ID, before[h.ID], k, kth)
				}
			}
		}
		if missed || len(got.Hits) != min(10, full.Total) {
			differ++
		}
	}
	t.Logf("%d queries with at most %d matches: pages identical to the oracle's; %d with more: first 10 differs for %d (a resource outside the %d best without the phrase pairs lifted by them)", small, k, large, differ, k)
	if small < 5 || large < 30 {
		t.Errorf("generated %d small and %d large queries; want at least 5 and 30", small, large)
	}
}
