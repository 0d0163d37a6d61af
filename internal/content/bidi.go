package content

import "strings"

// Explicit bidirectional formatting characters (Unicode UAX #9, 2.1-2.4).
const (
	lre, rle, pdf, lro, rlo = '\u202A', '\u202B', '\u202C', '\u202D', '\u202E'
	lri, rli, fsi, pdi      = '\u2066', '\u2067', '\u2068', '\u2069'
)

// IsBidiControl reports whether r is an explicit bidirectional formatting
// character (an embedding, override, isolate or their terminators) or a
// directional mark (LRM, RLM, ALM): characters that change how the text
// around them is ordered.
func IsBidiControl(r rune) bool {
	switch r {
	case lre, rle, pdf, lro, rlo, lri, rli, fsi, pdi, '\u200E', '\u200F', '\u061C':
		return true
	}
	return false
}

// BalanceBidi returns s with its explicit bidirectional formatting
// characters balanced as UAX #9 (BD9, X6a) pairs them: a PDF that closes
// no embedding or override, and a PDI that closes no isolate, are
// dropped; every embedding, override or isolate left open at the end is
// closed (PDF, PDI). Text without such characters comes back unchanged.
// Balanced text put inside an isolate (Isolate, or HTML's <bdi>) cannot
// reorder what surrounds it: an unmatched PDI inside would end the
// surrounding isolate early.
func BalanceBidi(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	var b strings.Builder
	var open []rune // 'E' for an embedding or override, 'I' for an isolate
	for _, r := range s {
		switch r {
		case lre, rle, lro, rlo:
			open = append(open, 'E')
		case lri, rli, fsi:
			open = append(open, 'I')
		case pdf:
			// Closes the last embedding unless an isolate was opened
			// after it (X7): otherwise it matches nothing.
			if n := len(open); n == 0 || open[n-1] != 'E' {
				continue
			}
			open = open[:len(open)-1]
		case pdi:
			// Closes the last open isolate and every embedding opened
			// inside it (X6a); with no isolate open it matches nothing.
			i := strings.LastIndexByte(string(open), 'I')
			if i < 0 {
				continue
			}
			// Close the embeddings inside explicitly, so the text reads
			// the same to a renderer that ignores X6a's implicit closing.
			for range len(open) - i - 1 {
				b.WriteRune(pdf)
			}
			open = open[:i]
		}
		b.WriteRune(r)
	}
	for i := len(open) - 1; i >= 0; i-- {
		if open[i] == 'E' {
			b.WriteRune(pdf)
		} else {
			b.WriteRune(pdi)
		}
	}
	return b.String()
}

// Isolate returns s balanced (BalanceBidi) between FIRST STRONG ISOLATE
// and POP DIRECTIONAL ISOLATE: the way to put text of unknown direction
// (a reader's search words, which may be Arabic or hold a U+202E
// RIGHT-TO-LEFT OVERRIDE) into plain text such as a page's <title> or a
// feed's title without it reordering the text around it (W3C,
// "Inline markup and bidirectional text in HTML"; HTML's <bdi> does the
// same in markup).
func Isolate(s string) string {
	return string(fsi) + BalanceBidi(s) + string(pdi)
}
