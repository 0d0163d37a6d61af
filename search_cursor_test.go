package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// TestSearchCursorsAreCheckedInFull (breaker5 F2): search accepted
// cursors the hub could not have produced (NaN, infinite or negative
// scores, 2026-02-30, year 0, negative or 20-digit ids, an extra member,
// another spelling of the score) and answered an empty or shifted page,
// while resources(after:) refuses the same manipulations. Real cursors of
// a search in both orders are re-encoded with one part changed, from the
// breaker's values and generated ones; the oracle for a value is
// PostgreSQL (float8 for a score: finite and not negative; date for a
// date, with its years; bigint for an id, positive) and the hub's own
// spelling (the score as Go's shortest round-trip form, the date as
// YYYY-MM-DD, the id as 12 digits), and a cursor whose JSON is not
// exactly what the hub writes is refused. A cursor the oracle accepts must
// be answered (a page), every other one INVALID_ARGUMENT on "after".
func TestSearchCursorsAreCheckedInFull(t *testing.T) {
	h, _ := startFixtureHub(t)
	db := testdb.OpenDSN(t, dsnFromLogs(t, h))
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	const q = `query($q: String!, $o: SearchOrder, $after: String) { search(query: $q, orderBy: $o, first: 2, after: $after) { edges { node { slug } } pageInfo { endCursor } } }`
	validScore := func(v string) bool {
		var finite bool
		if err := db.Pool().QueryRow(ctx, `SELECT $1::float8 >= 0 AND $1::float8 < 'Infinity'::float8 AND $1::float8 <> 'NaN'::float8`, v).Scan(&finite); err != nil {
			return false
		}
		f, err := strconv.ParseFloat(v, 64)
		return finite && err == nil && strconv.FormatFloat(f, 'g', -1, 64) == v && !strings.HasPrefix(v, "-")
	}
	validDate := func(v string) bool {
		var back string
		err := db.Pool().QueryRow(ctx, `SELECT to_char($1::date, 'YYYY-MM-DD') WHERE $1::date >= '0001-01-01' AND $1::date <= '9999-12-31'`, v).Scan(&back)
		return err == nil && back == v
	}
	validID := func(v string) bool {
		var n int64
		err := db.Pool().QueryRow(ctx, `SELECT $1::bigint WHERE $1::bigint > 0`, v).Scan(&n)
		return err == nil && fmt.Sprintf("%012d", n) == v
	}
	scores := []string{"NaN", "Infinity", "-Infinity", "-1", "-0", "0", "1e309", "0.0110387983106896860", "1.5", "1.50", "+1.5", "1E2", "100", " 1", "0x1p-2"}
	dates := []string{"2026-02-30", "0000-11-27", "2026-11-27", "2026-1-27", "10000-01-01", "2024-02-29", "2023-02-29", "2026-13-01", "20261127", "2026-11-27T00:00:00Z"}
	ids := []string{"-00000000032", "99999999999999999999", "000000000032", "32", "000000000000", "00000000003a", "9223372036854775807", "009223372036854775807"}
	for _, order := range []string{"RELEVANCE", "NEWEST"} {
		r := post(t, h.url, q, map[string]any{"q": "registration", "o": order})
		end, _ := path(r.Data, "search", "pageInfo", "endCursor").(string)
		if end == "" {
			t.Fatalf("%s: no cursor: %+v", order, r)
		}
		raw, err := base64.RawURLEncoding.DecodeString(end)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			F string   `json:"f"`
			A []string `json:"a"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		kinds := []string{"_score", "published", "_id"}
		if order == "NEWEST" {
			kinds = []string{"published", "_id"}
		}
		if len(c.A) != len(kinds) {
			t.Fatalf("%s cursor %s has %d values", order, raw, len(c.A))
		}
		try := func(name string, body []byte, want bool) {
			t.Helper()
			cur := base64.RawURLEncoding.EncodeToString(body)
			r := post(t, h.url, q, map[string]any{"q": "registration", "o": order, "after": cur})
			got := len(r.Errors) == 0
			if got != want {
				t.Errorf("%s %s %s: accepted %v, want %v (%+v)", order, name, body, got, want, r.Errors)
			}
			if !got && (r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != "after") {
				t.Errorf("%s %s: %+v, want INVALID_ARGUMENT on after", order, name, r.Errors)
			}
		}
		enc := func(a []string) []byte {
			b, _ := json.Marshal(struct {
				F string   `json:"f"`
				A []string `json:"a"`
			}{c.F, a})
			return b
		}
		try("as made", raw, true)
		for i, k := range kinds {
			var pool []string
			var valid func(string) bool
			switch k {
			case "_score":
				pool, valid = scores, validScore
				for range 20 {
					pool = append(pool, strconv.FormatFloat(rng.Float64()*20, 'g', -1, 64), strconv.FormatFloat(rng.Float64(), 'f', 1+rng.IntN(20), 64))
				}
			case "published":
				pool, valid = dates, validDate
				for range 20 {
					pool = append(pool, fmt.Sprintf("%04d-%02d-%02d", rng.IntN(10001), rng.IntN(14), rng.IntN(33)))
				}
			case "_id":
				pool, valid = ids, validID
				for range 20 {
					pool = append(pool, fmt.Sprintf("%0*d", 1+rng.IntN(14), rng.Int64N(1e12)-rng.Int64N(1e6)))
				}
			}
			for _, v := range pool {
				a := append([]string{}, c.A...)
				a[i] = v
				try(k+"="+v, enc(a), valid(v))
			}
		}
		// The hub's own JSON only.
		try("extra member", []byte(strings.Replace(string(raw), `{"f"`, `{"x":1,"f"`, 1)), false)
		try("keys reordered", []byte(fmt.Sprintf(`{"a":%s,"f":%q}`, mustJSON(c.A), c.F)), false)
		try("upper-case key", []byte(strings.Replace(string(raw), `"a":`, `"A":`, 1)), false)
		try("spaces", []byte(strings.Replace(string(raw), `,"a":`, `, "a": `, 1)), false)
		try("value as number", []byte(strings.Replace(string(raw), `"`+c.A[len(c.A)-1]+`"`, strings.TrimLeft(c.A[len(c.A)-1], "0"), 1)), false)
		try("a value more", enc(append(append([]string{}, c.A...), c.A[len(c.A)-1])), false)
	}
}
