package content

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// TestWithdrawalReasonNeedsAVisibleCharacter (breaker11 F6: a reason of
// a zero-width space or a right-to-left mark alone was accepted, and the
// page showed "Reason:" and nothing): generated reasons made only of white
// space and format characters (every code point of Unicode's Cf and
// White_Space tables, one to five of them) are refused on "reason"; the
// same with one visible letter among them are accepted, unless a
// character is forbidden in any text (ForbiddenRune).
func TestWithdrawalReasonNeedsAVisibleCharacter(t *testing.T) {
	var invisible []rune
	for _, tab := range []*unicode.RangeTable{unicode.Cf, unicode.White_Space} {
		for _, r16 := range tab.R16 {
			for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
				invisible = append(invisible, r)
			}
		}
		for _, r32 := range tab.R32 {
			for r := rune(r32.Lo); r <= rune(r32.Hi); r += rune(r32.Stride) {
				invisible = append(invisible, r)
			}
		}
	}
	rng := rand.New(rand.NewPCG(101, 103))
	accepted := 0
	for n := 0; n < 2000; n++ {
		var b strings.Builder
		forbidden := false
		for range 1 + rng.IntN(5) {
			r := invisible[rng.IntN(len(invisible))]
			forbidden = forbidden || ForbiddenRune(r)
			b.WriteRune(r)
		}
		s := b.String()
		if err := CheckWithdrawalReason(s); ErrorCode(err) != EINVALID {
			t.Fatalf("%+q: %v, want INVALID_ARGUMENT on reason", s, err)
		}
		with := s + "x"
		if forbidden || BadText(with) != "" {
			continue // refused for another reason: every text is
		}
		if err := CheckWithdrawalReason(with); err != nil {
			t.Fatalf("%+q with a letter: %v, want accepted", with, err)
		}
		accepted++
	}
	if accepted < 100 {
		t.Fatalf("%d reasons with a letter accepted: too few to tell", accepted)
	}
}
