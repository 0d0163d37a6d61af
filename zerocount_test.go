package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestZeroResultCountsOncePerSearch (breaker3 F23): every page fetch of
// one search counted as one more zero-result search (12 pages: 12). Here
// random visits to each door, for terms that find only resources lacking
// a word (so there are pages): a GraphQL first page and a web search page
// 1 count once each (a filter change is a new search and counts too);
// later GraphQL pages (after:), web pages 2+, a page past the end and the
// Atom feed (a reader's poll) do not. The table must hold exactly the
// number of searches a person ran.
func TestZeroResultCountsOncePerSearch(t *testing.T) {
	h, _ := startFixtureHub(t)
	db := testdb.OpenDSN(t, dsnFromLogs(t, h))
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 23))
	want := map[string]int{}
	for i := 0; i < 4; i++ {
		word := fmt.Sprintf("zzqy%c", 'a'+i)
		text := word + " registration"
		for v := 0; v < 6; v++ {
			switch rng.IntN(6) {
			case 0: // a GraphQL search and every page after it
				r := post(t, h.url, searchQ+` `, map[string]any{"q": text, "first": 2})
				want[word]++
				for p := 0; p < 3; p++ {
					end, _ := path(r.Data, "search", "pageInfo", "endCursor").(string)
					if end == "" {
						break
					}
					r = post(t, h.url, searchQ, map[string]any{"q": text, "first": 2, "after": end})
					if len(r.Errors) > 0 {
						t.Fatalf("page %d: %+v", p+2, r.Errors)
					}
				}
			case 1: // the same words under a filter: a new search
				post(t, h.url, searchQ, map[string]any{"q": text, "f": map[string]any{"kinds": []string{"GUIDANCE"}}})
				want[word]++
			case 2:
				getText(t, h.url+"/search?q="+url.QueryEscape(text))
				want[word]++
			case 3:
				getText(t, h.url+"/search?q="+url.QueryEscape(text)+fmt.Sprintf("&page=%d", 2+rng.IntN(2)))
			case 4:
				getText(t, h.url+"/search?q="+url.QueryEscape(text)+"&page=99")
			case 5:
				getText(t, h.url+"/feeds/resources.atom?q="+url.QueryEscape(text))
			}
		}
	}
	got := func() map[string]int {
		out := map[string]int{}
		for word := range want {
			var n int
			db.Pool().QueryRow(context.Background(), `SELECT coalesce(sum(count), 0) FROM zero_result_queries WHERE term LIKE '%' || $1 || '%'`, word).Scan(&n)
			if n > 0 {
				out[word] = n
			}
		}
		return out
	}
	// Recording runs after the answer: wait for it, then make sure no more come.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && fmt.Sprint(got()) != fmt.Sprint(want); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("zero-result counts %v, want %v (one per search a person ran)", g, want)
	}
}

// TestZeroResultTableIsBounded (breaker3 F23): anonymous searches write
// zero_result_queries; once it holds postgres.MaxZeroResultTerms terms, a
// new term is not added, while terms already there are still counted.
func TestZeroResultTableIsBounded(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO zero_result_queries (term) SELECT 'filler ' || i FROM generate_series(1, $1) i`, postgres.MaxZeroResultTerms-1); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		for _, term := range []string{"new one", "new two", "filler 7"} {
			if err := db.RecordZeroResult(ctx, term); err != nil {
				t.Fatal(err)
			}
		}
	}
	var n, one, two, filler int
	db.Pool().QueryRow(ctx, `SELECT count(*),
		coalesce((SELECT count FROM zero_result_queries WHERE term = 'new one'), 0),
		coalesce((SELECT count FROM zero_result_queries WHERE term = 'new two'), 0),
		coalesce((SELECT count FROM zero_result_queries WHERE term = 'filler 7'), 0) FROM zero_result_queries`).Scan(&n, &one, &two, &filler)
	if n != postgres.MaxZeroResultTerms || one != 5 || two != 0 || filler != 6 {
		t.Errorf("rows %d (want %d), 'new one' %d (want 5), 'new two' %d (want 0: the table was full), 'filler 7' %d (want 6)", n, postgres.MaxZeroResultTerms, one, two, filler)
	}
}
