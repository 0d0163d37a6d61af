package search

import (
	"math/rand"
	"testing"
)

// TestRelaxLevelIsTheLoop (breaker5 F37): relaxLevel's binary search
// finds the k, and the count, that relax's loop over every k finds, on
// 5,000 generated count sequences (never growing with k, as counts of
// resources with at least k of the words are), with fewer counts for
// long queries.
func TestRelaxLevelIsTheLoop(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	for i := 0; i < 5000; i++ {
		left := 2 + rng.Intn(23)
		counts := make([]uint64, left+1) // counts[k], k = 1..left; counts[left] = all words
		counts[left] = uint64(rng.Intn(12))
		for k := left - 1; k >= 1; k-- {
			counts[k] = counts[k+1] + uint64(rng.Intn(3)*rng.Intn(6))
		}
		enough := uint64(1 + rng.Intn(12))
		all := counts[left]
		if all >= enough {
			continue // relax stops before
		}
		// The loop (relax, as written for few words).
		wantK, wantN := 0, all
		for k := left - 1; k >= 1 && wantN < enough; k-- {
			if counts[k] > wantN {
				wantK, wantN = k, counts[k]
			}
		}
		asked := 0
		gotK, gotN, err := relaxLevel(func(k int) (uint64, error) { asked++; return counts[k], nil }, left, all, enough)
		if err != nil {
			t.Fatal(err)
		}
		if gotK != wantK || gotN != wantN {
			t.Fatalf("counts %v, enough %d: relaxLevel %d (%d), the loop %d (%d)", counts[1:], enough, gotK, gotN, wantK, wantN)
		}
		if limit := 2 + bitsLen(left); asked > limit {
			t.Fatalf("counts %v: %d counts asked, want at most %d", counts[1:], asked, limit)
		}
	}
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}
