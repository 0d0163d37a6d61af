package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestZeroResultRetentionRunsWithoutSearches is review6 R6's class: 200
// terms last searched 0 to 400 days ago (the boundary days among them),
// aged further in three rounds while RunZeroResultRetention runs every
// 20 ms and nothing is recorded. After each round, a term is there exactly
// when its age in days is at most ZeroResultRetentionDays (README: "Terms
// not searched for 180 days are deleted"), ages counted in Go.
func TestZeroResultRetentionRunsWithoutSearches(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	r := rand.New(rand.NewSource(6))
	age := map[string]int{}
	for i := 0; i < 200; i++ {
		a := r.Intn(401)
		if i < 6 {
			a = postgres.ZeroResultRetentionDays - 3 + i // 177..182
		}
		term := fmt.Sprintf("term %d", i)
		age[term] = a
		if _, err := db.Pool().Exec(ctx, `INSERT INTO zero_result_queries (term, last_seen) VALUES ($1, current_date - $2::int)`, term, a); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.RunZeroResultRetention(ctx, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-done }()
	for round := 0; round < 3; round++ {
		if round > 0 {
			shift := 1 + r.Intn(60)
			if _, err := db.Pool().Exec(ctx, `UPDATE zero_result_queries SET last_seen = last_seen - $1::int`, shift); err != nil {
				t.Fatal(err)
			}
			for term := range age {
				age[term] += shift
			}
		}
		var want []string
		for term, a := range age {
			if a <= postgres.ZeroResultRetentionDays {
				want = append(want, term)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			rows, _ := db.Pool().Query(ctx, `SELECT term FROM zero_result_queries`)
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == len(want) {
				kept := map[string]bool{}
				for _, g := range got {
					kept[g] = true
				}
				for _, w := range want {
					if !kept[w] {
						t.Fatalf("round %d: %q (age %d) was deleted", round, w, age[w])
					}
				}
				break
			}
			if len(got) < len(want) || time.Now().After(deadline) {
				t.Fatalf("round %d: %d terms left, want %d (ages ≤ %d days)", round, len(got), len(want), postgres.ZeroResultRetentionDays)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
