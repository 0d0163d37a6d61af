package search

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// floors are each judged set's quality floors (nDCG@10, MRR): raise them as
// ranking improves, never lower them. The first two sets carry issue 10's
// floors (nDCG@10 0.85, MRR 0.90). The held-out set was written on
// 2026-11-30 by someone who saw only README and the library, and was kept
// out of the repository, untuned on, until that day's ranking work was done;
// it stood at nDCG@10 0.864, MRR 0.851 then, and its floors are those less
// 0.01 until ranking reaches issue 10's floors on it too.
var floors = map[string][2]float64{
	"testdata/judgments.tsv":             {0.85, 0.90},
	"testdata/judgments-independent.tsv": {0.85, 0.90},
	"testdata/judgments-heldout.tsv":     {0.85, 0.84},
}

type judgedQuery struct {
	query  string
	grades map[string]int
}

// judgedSets are the judged query files: the first was written by the
// people who tuned the ranking; the independent one by someone who saw only
// the library and README, before tuning for issue 10; the held-out one
// likewise, and kept out of tuning (see floors).
var judgedSets = []string{"testdata/judgments.tsv", "testdata/judgments-independent.tsv", "testdata/judgments-heldout.tsv"}

func loadJudgments(tb testing.TB, file string) []judgedQuery {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []judgedQuery
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		q, judged, ok := strings.Cut(line, "\t")
		if !ok {
			tb.Fatalf("judgments: no tab in %q", line)
		}
		jq := judgedQuery{query: q, grades: map[string]int{}}
		for _, j := range strings.Fields(judged) {
			slug, g, _ := strings.Cut(j, "=")
			n, err := strconv.Atoi(g)
			if err != nil || n < 0 || n > 2 {
				tb.Fatalf("judgments: bad grade %q", j)
			}
			jq.grades[slug] = n
		}
		out = append(out, jq)
	}
	return out
}

// evaluate returns mean nDCG@10 and MRR (reciprocal rank of the first
// result graded 2) over the judged queries, the number of dead ends
// (answerable queries, with a resource graded above 0, that find nothing),
// and the per-query scores.
func evaluate(tb testing.TB, ix *Index, slugs map[int64]string, qs []judgedQuery) (ndcg, mrr float64, deadEnds []string, per map[string][2]float64) {
	tb.Helper()
	per = map[string][2]float64{}
	for _, jq := range qs {
		page, err := ix.Search(context.Background(), content.SearchQuery{Text: jq.query, Order: content.SearchRelevance, First: 10})
		if err != nil {
			tb.Fatal(err)
		}
		if len(page.Hits) == 0 {
			for _, g := range jq.grades {
				if g > 0 {
					deadEnds = append(deadEnds, jq.query)
					break
				}
			}
		}
		var dcg, rr float64
		for i, h := range page.Hits {
			g := jq.grades[slugs[h.ID]]
			dcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
			if g == 2 && rr == 0 {
				rr = 1 / float64(i+1)
			}
		}
		var ideal []int
		for _, g := range jq.grades {
			ideal = append(ideal, g)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
		var idcg float64
		for i, g := range ideal {
			if i == 10 {
				break
			}
			idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
		}
		n := 0.0
		if idcg > 0 {
			n = dcg / idcg
		}
		per[jq.query] = [2]float64{n, rr}
		ndcg += n
		mrr += rr
	}
	return ndcg / float64(len(qs)), mrr / float64(len(qs)), deadEnds, per
}

// TestSearchQuality fails when ranking on either judged set falls below
// the floors or an answerable query finds nothing.
func TestSearchQuality(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, file := range judgedSets {
		qs := loadJudgments(t, file)
		if len(qs) < 40 {
			t.Fatalf("%s: %d judged queries, want at least 40", file, len(qs))
		}
		shipped := map[string]bool{}
		for _, s := range slugs {
			shipped[s] = true
		}
		for _, jq := range qs {
			for s := range jq.grades {
				if !shipped[s] {
					t.Errorf("%s: %q judges %s, which is not a published resource: re-judge it from the library", file, jq.query, s)
				}
			}
		}
		ndcg, mrr, dead, per := evaluate(t, ix, slugs, qs)
		t.Logf("%s: nDCG@10 %.3f, MRR %.3f, dead ends %d over %d queries", file, ndcg, mrr, len(dead), len(qs))
		if len(dead) > 0 {
			t.Errorf("%s: answerable queries that find nothing: %q", file, dead)
		}
		minNDCG, minMRR := floors[file][0], floors[file][1]
		if ndcg < minNDCG || mrr < minMRR || testing.Verbose() {
			var weak []string
			for q, s := range per {
				if s[0] < 0.7 || s[1] < 1 {
					weak = append(weak, q+" (nDCG "+strconv.FormatFloat(s[0], 'f', 2, 64)+", RR "+strconv.FormatFloat(s[1], 'f', 2, 64)+")")
				}
			}
			sort.Strings(weak)
			msg := fmt.Sprintf("%s: nDCG@10 %.3f (floor %.2f), MRR %.3f (floor %.2f); weakest:\n  %s", file, ndcg, minNDCG, mrr, minMRR, strings.Join(weak, "\n  "))
			if ndcg < minNDCG || mrr < minMRR {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		}
	}
}

// TestRankingExperiments measures each ranking choice on the judged
// queries by turning it off (or changing it) alone. It reports; it does not
// assert (the floors above do).
//
// It builds an index per variant and runs every judged query on each, which
// takes minutes under the race detector: run it with
// SEARCH_EXPERIMENTS=1 go test ./internal/search -run TestRankingExperiments -v
// (or SEARCH_EXPERIMENTS=<part of a variant's name> for the default and
// the variants so named).
func TestRankingExperiments(t *testing.T) {
	if os.Getenv("SEARCH_EXPERIMENTS") == "" {
		t.Skip("a measurement, not a check: set SEARCH_EXPERIMENTS=1 to run it")
	}
	base := DefaultRanking
	variants := []struct {
		name string
		r    Ranking
	}{
		{"tuned (default)", base},

		{"tf-idf instead of BM25", func() Ranking { r := base; r.Scoring = "tf-idf"; return r }()},
		{"no field boosts", func() Ranking { r := base; r.FieldBoosts = false; return r }()},
		{"whole query as a phrase boost 1", func() Ranking { r := base; r.PhraseBoost = 1; return r }()},
		{"whole query as a phrase boost 3", func() Ranking { r := base; r.PhraseBoost = 3; return r }()},
		{"no synonyms", func() Ranking { r := base; r.Synonyms = false; return r }()},
		{"no recency tie-break", func() Ranking { r := base; r.Recency = false; return r }()},
		{"no typo tolerance", func() Ranking { r := base; r.Typos = false; return r }()},
		{"relax below 3 results", func() Ranking { r := base; r.RelaxBelow = 3; return r }()},
		{"relax below 5 results", func() Ranking { r := base; r.RelaxBelow = 5; return r }()},
		{"words in over 70% of resources optional", func() Ranking { r := base; r.CommonOptional = true; return r }()},
		{"no tiers", func() Ranking { r := base; r.Tiers = false; return r }()},
		{"neighbouring words together weighted 1", func() Ranking { r := base; r.PairBoost = 1; return r }()},
		{"relax only when nothing has every word", func() Ranking { r := base; r.RelaxBelow = 1; return r }()},
		{"no bonus for neighbouring words found as a phrase", func() Ranking { r := base; r.PairBonus = 0; r.PhraseFirst = 0; return r }()},
		{"phrase bonus 2 per idf", func() Ranking { r := base; r.PairBonus = 2; return r }()},
		{"no phrase-first for two-word queries", func() Ranking { r := base; r.PhraseFirst = 0; return r }()},
	}
	only := os.Getenv("SEARCH_EXPERIMENTS")
	for i, v := range variants {
		if i > 0 && only != "1" && !strings.Contains(v.name, only) {
			continue // SEARCH_EXPERIMENTS=<part of a name>: the default and those variants
		}
		ix, slugs := shippedIndexSlugs(t, v.r)
		for _, file := range judgedSets {
			ndcg, mrr, dead, _ := evaluate(t, ix, slugs, loadJudgments(t, file))
			t.Logf("%-58s %-36s nDCG@10 %.3f  MRR %.3f  dead ends %d", v.name, file, ndcg, mrr, len(dead))
		}
	}
}
