package content

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// balancedIn reports whether s, read as UAX #9 pairs explicit formatting
// characters (X1-X8, BD9), opens nothing it does not close and closes
// nothing it did not open.
func balancedIn(s string) bool {
	var open []rune
	for _, r := range s {
		switch r {
		case lre, rle, lro, rlo:
			open = append(open, 'E')
		case lri, rli, fsi:
			open = append(open, 'I')
		case pdf:
			if len(open) == 0 || open[len(open)-1] != 'E' {
				return false
			}
			open = open[:len(open)-1]
		case pdi:
			i := strings.LastIndexByte(string(open), 'I')
			if i < 0 {
				return false
			}
			open = open[:i]
		}
	}
	return len(open) == 0
}

// Generated strings of formatting characters and letters: the balanced
// text is balanced, keeps every character that is not a formatting
// character in order, is unchanged when it was balanced already (so
// balancing twice is balancing once), and Isolate wraps it in FSI … PDI.
func TestBalanceBidi(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 0x202E))
	alphabet := []rune{lre, rle, pdf, lro, rlo, lri, rli, fsi, pdi, '\u200E', '\u200F', 'a', 'ب', ' '}
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case lre, rle, pdf, lro, rlo, lri, rli, fsi, pdi:
				return -1
			}
			return r
		}, s)
	}
	for i := range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		got := BalanceBidi(s)
		if !balancedIn(got) || !utf8.ValidString(got) {
			t.Fatalf("case %d %+q: %+q is not balanced", i, s, got)
		}
		if strip(got) != strip(s) {
			t.Fatalf("case %d %+q: %+q lost text", i, s, got)
		}
		if balancedIn(s) && got != s && !strings.Contains(s, string(pdi)) {
			t.Fatalf("case %d %+q: balanced text changed to %+q", i, s, got)
		}
		if BalanceBidi(got) != got {
			t.Fatalf("case %d %+q: balancing %+q again changes it", i, s, got)
		}
		if iso := Isolate(s); !balancedIn(iso) || !strings.HasPrefix(iso, string(fsi)) || !strings.HasSuffix(iso, string(pdi)) {
			t.Fatalf("case %d %+q: Isolate gives %+q", i, s, iso)
		}
	}
	if got := BalanceBidi("\u202egp"); got != "\u202egp\u202c" {
		t.Errorf("U+202E gp: %+q", got)
	}
	if got := BalanceBidi("plain text"); got != "plain text" {
		t.Errorf("plain: %+q", got)
	}
}
