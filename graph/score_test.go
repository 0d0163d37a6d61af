package graph

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"guidancehub/internal/search"
)

// TestRoundScore: a rounded score has at most ScoreDigits significant
// digits (its shortest decimal form says so); scores that differ only in
// their last bits, as two replicas' do, round to the same value unless a
// rounding boundary lies between them (checked exactly with the decimal
// forms); order is kept (rounding is monotonic).
func TestRoundScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 2026))
	same, boundary := 0, 0
	for i := 0; i < 100000; i++ {
		x := math.Exp(rng.Float64()*12 - 8) // 3e-4 … 55: the range BM25 scores take
		r := RoundScore(x)
		if digits := len(strconv.FormatFloat(r, 'e', -1, 64)); digits > ScoreDigits+1+len("e-05") {
			t.Fatalf("%v → %v has more than %d digits", x, r, ScoreDigits)
		}
		if math.Abs(r-x) > x*5e-6 {
			t.Fatalf("%v → %v: more than half a unit in the 6th digit away", x, r)
		}
		y := x
		for k := rng.IntN(8); k >= 0; k-- {
			y = math.Nextafter(y, math.Inf(1))
		}
		if RoundScore(y) < r {
			t.Fatalf("not monotonic: %v → %v, %v → %v", x, r, y, RoundScore(y))
		}
		if RoundScore(y) == r {
			same++
		} else if strconv.FormatFloat(x, 'g', ScoreDigits, 64) != strconv.FormatFloat(y, 'g', ScoreDigits, 64) {
			boundary++
		} else {
			t.Fatalf("%v and %v round differently without a boundary between", x, y)
		}
	}
	if boundary > 10 || same < 99990 {
		t.Errorf("%d of 100000 perturbed scores rounded differently", boundary)
	}
	for _, v := range []float64{0, math.Inf(1), math.NaN()} {
		if r := RoundScore(v); !(r == v || (math.IsNaN(v) && math.IsNaN(r))) {
			t.Errorf("%v → %v", v, r)
		}
	}
}

// TestRoundScoreBelowTheEveryWordTier (review6 R2): a score in the tier
// of a relaxed two-word search's resources with both words keeps its
// ScoreDigits below the tier: two such scores that differ in their first
// six digits there stay apart and in order, and the tier itself is kept.
func TestRoundScoreBelowTheEveryWordTier(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2026))
	for i := 0; i < 2000; i++ {
		a := math.Pow(10, -4+4*rng.Float64())
		b := a * (1 + 1e-4 + rng.Float64())
		ra, rb := RoundScore(search.EveryWordBonus+a), RoundScore(search.EveryWordBonus+b)
		if !(ra < rb) || ra < search.EveryWordBonus || math.Abs(ra-search.EveryWordBonus-RoundScore(search.EveryWordBonus+a-search.EveryWordBonus)) > 1e-9 {
			t.Fatalf("%g and %g in the tier: rounded %v and %v (below it %v)", a, b, ra, rb, RoundScore(a))
		}
	}
}
