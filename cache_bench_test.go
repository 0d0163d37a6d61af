package main

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkCachedGraphQLGET compares a revalidated anonymous GET /graphql
// (If-None-Match with the current tag: 304, the query not run) with the
// full answer, over real HTTP on 127.0.0.1 against the fixture hub, four
// clients at once. It reports requests/s and the median latency; figures
// are printed, never asserted.
//
//	go run ./internal/pgcluster/withpg -- go test -run '^$' -bench CachedGraphQLGET -benchtime 3000x .
func BenchmarkCachedGraphQLGET(b *testing.B) {
	t := &testing.T{}
	h, _ := startFixtureHub(t)
	defer h.stop()
	q := `{ resources(first: 20) { totalCount edges { cursor node { id slug kind title summary lastReviewedAt url topics { slug name } } } pageInfo { hasNextPage endCursor } } }`
	u := h.url + "/graphql?query=" + url.QueryEscape(q)
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	tag := resp.Header.Get("ETag")
	if tag == "" {
		b.Fatal("no ETag")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for _, c := range []struct {
		name string
		inm  string
		want int
	}{{"304", tag, http.StatusNotModified}, {"200", "", http.StatusOK}} {
		b.Run(c.name, func(b *testing.B) {
			var mu sync.Mutex
			lat := make([]time.Duration, 0, b.N)
			b.SetParallelism(2) // 2 × GOMAXPROCS clients
			t0 := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				mine := []time.Duration{}
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, u, nil)
					if c.inm != "" {
						req.Header.Set("If-None-Match", c.inm)
					}
					s := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(s))
					if resp.StatusCode != c.want {
						b.Errorf("status %d, want %d", resp.StatusCode, c.want)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			el := time.Since(t0)
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(len(lat))/el.Seconds(), "req/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			}
		})
	}
}
