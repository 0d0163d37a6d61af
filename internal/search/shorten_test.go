package search

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestShortenFitsAndKeepsWords (breaker5 F4): a pasted question past the
// limits was refused. Generated texts of stop words, library words and
// long words, up to three times the limits: Shorten's result is always a
// search parseQuery takes (the oracle: the engine itself); text within the
// limits is unchanged; a shortened search keeps the typed words that are
// not stop words, in their order, as a prefix of them; and it keeps as
// many as fit (one more would not).
func TestShortenFitsAndKeepsWords(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 4))
	stops := []string{"a", "who", "has", "been", "the", "and", "of", "to", "is", "can"}
	words := []string{"patient", "refused", "asylum", "proof", "address", "practice", "manager", "register", "GP", "passport", "ICB", "A&E", "self-referral", "guidance", strings.Repeat("long", 20)}
	breaker := "A patient who has been refused asylum and has no proof of address has been told by the practice manager that she cannot register with the GP practice unless she shows a passport, what does the guidance say about this and can the ICB intervene?"
	texts := []string{breaker, strings.Repeat("x", 300), "gp registration"}
	for range 500 {
		n := 1 + rng.IntN(3*MaxQueryClauses)
		ws := make([]string, n)
		for i := range ws {
			if rng.IntN(2) == 0 {
				ws[i] = stops[rng.IntN(len(stops))]
			} else {
				ws[i] = words[rng.IntN(len(words))]
			}
		}
		texts = append(texts, strings.Join(ws, " "))
	}
	for _, text := range texts {
		short, cut := Shorten(text)
		if _, err := parseQuery(short); err != nil || utf8.RuneCountInString(short) > MaxQueryRunes {
			t.Fatalf("Shorten(%q) = %q, which the search refuses: %v", text, short, err)
		}
		_, err := parseQuery(text)
		if fitsAlready := err == nil && utf8.RuneCountInString(text) <= MaxQueryRunes; fitsAlready != !cut || fitsAlready && short != text {
			t.Fatalf("Shorten(%q) = %q, %v; the text fits: %v", text, short, cut, fitsAlready)
		}
		if !cut {
			continue
		}
		var kept []string
		for _, w := range strings.Fields(text) {
			if !stopWords[trimWord(w)] {
				kept = append(kept, w)
			}
		}
		got := strings.Fields(short)
		if len(got) > len(kept) || strings.Join(kept[:len(got)], " ") != short {
			t.Fatalf("Shorten(%q) = %q, want a start of its words without stop words %q", text, short, kept)
		}
		if len(got) < len(kept) {
			if _, err := parseQuery(strings.Join(kept[:len(got)+1], " ")); err == nil && utf8.RuneCountInString(strings.Join(kept[:len(got)+1], " ")) <= MaxQueryRunes {
				t.Fatalf("Shorten(%q) = %q, but one word more fits", text, short)
			}
		}
	}
	if short, _ := Shorten(breaker); !strings.Contains(short, "intervene") || !strings.Contains(short, "passport") {
		t.Errorf("the breaker's question shortened to %q: its words are lost", short)
	}
}
