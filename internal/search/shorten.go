package search

import (
	"strings"
	"unicode/utf8"
)

// Shorten fits a search typed or pasted into the search page within the
// search limits (MaxQueryRunes characters, MaxQueryClauses words), for
// people (breaker5 F4: a pasted 45-word question was a 400 page and its
// words were lost). Text within the limits is returned as it is, with
// false. Longer text loses its stop words first ("a", "who", "has", "the":
// they never decide a search), then the words past the limits, cut at a
// word; shortened reports that the search was not the text as typed. The
// API keeps the limits as errors: a program can shorten its own query.
func Shorten(text string) (short string, shortened bool) {
	if fits(text) {
		return text, false
	}
	var kept []string
	for _, w := range strings.Fields(text) {
		if t := trimWord(w); t != "" && stopWords[t] {
			continue
		}
		kept = append(kept, w)
	}
	// Keep the longest start of the words that fits: words can count as
	// more than one clause ("A&E", a hyphenated word), so ask parseQuery.
	lo, hi := 0, min(len(kept), MaxQueryClauses)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(strings.Join(kept[:mid], " ")) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.Join(kept[:lo], " "), true
}

// fits reports whether the search engine takes text as a search.
func fits(text string) bool {
	if utf8.RuneCountInString(text) > MaxQueryRunes {
		return false
	}
	_, err := parseQuery(text)
	return err == nil
}
