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
	// Everyday English words the library lacks: a made-up word would be
	// recorded as "*" (breaker5 F11: no personal data in the record).
	for _, word := range []string{"kumquat", "aardvark", "xylophone", "walrus"} {
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

// TestZeroResultRecordsNoPersonalData (breaker5 F11): the breaker's
// searches with a patient's name, NHS number, e-mail address and phone
// number were stored verbatim. Through the search page and the API: the
// searches with a number or an address are not recorded, a name is
// recorded as "*", and the everyday words of a search stay.
func TestZeroResultRecordsNoPersonalData(t *testing.T) {
	h, _ := startFixtureHub(t)
	db := testdb.OpenDSN(t, dsnFromLogs(t, h))
	getText(t, h.url+"/search?q="+url.QueryEscape("Amina Yusuf NHS number 943 476 5919 refused registration"))
	getText(t, h.url+"/search?q="+url.QueryEscape("patient amina.yusuf@example.com 07700900123"))
	post(t, h.url, searchQ, map[string]any{"q": "Amina Yusuf kumquat"})
	post(t, h.url, searchQ, map[string]any{"q": "walrus registration"})
	want := "* * kumquat|walrus registration"
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		db.Pool().QueryRow(context.Background(), `SELECT coalesce(string_agg(term, '|' ORDER BY term), '') FROM zero_result_queries`).Scan(&got)
		if got == want {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	db.Pool().QueryRow(context.Background(), `SELECT coalesce(string_agg(term, '|' ORDER BY term), '') FROM zero_result_queries`).Scan(&got)
	if got != want {
		t.Errorf("zero_result_queries holds %q, want %q", got, want)
	}
}

// TestZeroResultTableIsBounded (breaker3 F23, review4 R12): anonymous
// searches write zero_result_queries; it never holds more than
// postgres.MaxZeroResultTerms terms, yet it never freezes: once full, a new
// term replaces the least searched one (fewest searches, then seen longest
// ago), terms already there are still counted, and a term searched more
// than once outlives a flood of single junk terms.
func TestZeroResultTableIsBounded(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	// Full: old single searches, one of them ('filler 7') searched thrice.
	if _, err := db.Pool().Exec(ctx, `INSERT INTO zero_result_queries (term, count, first_seen, last_seen)
		SELECT 'filler ' || i, CASE WHEN i = 7 THEN 3 ELSE 1 END, current_date - 30, current_date - 30 - (i % 5) FROM generate_series(1, $1) i`, postgres.MaxZeroResultTerms); err != nil {
		t.Fatal(err)
	}
	counts := func(terms ...string) (n int, got []int) {
		t.Helper()
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM zero_result_queries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		for _, term := range terms {
			var c int
			db.Pool().QueryRow(ctx, `SELECT coalesce((SELECT count FROM zero_result_queries WHERE term = $1), 0)`, term).Scan(&c)
			got = append(got, c)
		}
		return n, got
	}
	// The oldest single searches go first: those seen 34 days ago.
	var oldest []string
	rows, _ := db.Pool().Query(ctx, `SELECT term FROM zero_result_queries WHERE count = 1 ORDER BY last_seen, term LIMIT 2`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		oldest = append(oldest, s)
	}
	rows.Close()
	for i := 0; i < 5; i++ {
		for _, term := range []string{"new one", "new two", "filler 7"} {
			if err := db.RecordZeroResult(ctx, term); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, got := counts("new one", "new two", "filler 7", oldest[0], oldest[1])
	if n != postgres.MaxZeroResultTerms || got[0] != 5 || got[1] != 5 || got[2] != 8 || got[3] != 0 || got[4] != 0 {
		t.Errorf("rows %d (want %d); 'new one', 'new two', 'filler 7', the two oldest single terms: %v, want [5 5 8 0 0]", n, postgres.MaxZeroResultTerms, got)
	}
	// A flood of 300 new single terms: the bound holds, the repeated
	// terms stay, the newest junk is there (nothing freezes).
	for i := 0; i < 300; i++ {
		if err := db.RecordZeroResult(ctx, fmt.Sprintf("junk %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	n, got = counts("new one", "new two", "filler 7", "junk 299")
	if n != postgres.MaxZeroResultTerms || got[0] != 5 || got[1] != 5 || got[2] != 8 || got[3] != 1 {
		t.Errorf("after a flood: rows %d (want %d); 'new one', 'new two', 'filler 7', 'junk 299': %v, want [5 5 8 1]", n, postgres.MaxZeroResultTerms, got)
	}
}

// TestZeroResultTermsExpire (breaker5 F11): the table had no expiry. Terms
// last searched more than postgres.ZeroResultRetentionDays ago go when a
// search is recorded; younger ones, and an old term searched again, stay.
func TestZeroResultTermsExpire(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	days := postgres.ZeroResultRetentionDays
	if _, err := db.Pool().Exec(ctx, `INSERT INTO zero_result_queries (term, first_seen, last_seen) VALUES
		('expired', current_date - $1::int - 10, current_date - $1::int - 1),
		('edge', current_date - $1::int - 10, current_date - $1::int),
		('searched again', current_date - $1::int - 10, current_date - $1::int - 5),
		('young', current_date - 3, current_date - 1)`, days); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordZeroResult(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordZeroResult(ctx, "searched again"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.Pool().QueryRow(ctx, `SELECT string_agg(term || ':' || count, ',' ORDER BY term) FROM zero_result_queries`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	// 'searched again' expired before its second search: counted anew.
	if want := "edge:1,new:1,searched again:1,young:1"; got != want {
		t.Errorf("terms %s, want %s", got, want)
	}
}
