package search

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// vocabulary is the index's unstemmed words with their document counts, for
// did-you-mean. It is read from the index when first needed after a change.
type vocabulary struct {
	mu     sync.Mutex
	valid  bool
	terms  map[string]uint64
	byLen  map[int][]string
	loadFn func() (map[string]uint64, error)
}

func (v *vocabulary) invalidate() {
	v.mu.Lock()
	v.valid = false
	v.mu.Unlock()
}

func (v *vocabulary) load(fn func() (map[string]uint64, error)) (map[string]uint64, map[int][]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.valid {
		return v.terms, v.byLen, nil
	}
	terms, err := fn()
	if err != nil {
		return nil, nil, err
	}
	byLen := map[int][]string{}
	for t := range terms {
		n := utf8.RuneCountInString(t)
		byLen[n] = append(byLen[n], t)
	}
	for _, ts := range byLen {
		sort.Strings(ts)
	}
	v.terms, v.byLen, v.valid = terms, byLen, true
	return terms, byLen, nil
}

// closest returns the nearest known word within the edit distance allowed
// for the word's length (1 up to 4 letters, else 2), the most frequent
// first among equals, that live confirms is still in a live document (the
// dictionary keeps words of deleted documents until segments merge), or "".
func closest(word string, terms map[string]uint64, byLen map[int][]string, live func(string) bool) string {
	n := utf8.RuneCountInString(word)
	maxDist := 2
	if n <= 4 {
		maxDist = 1
	}
	type cand struct {
		term string
		dist int
		freq uint64
	}
	var cands []cand
	for l := n - maxDist; l <= n+maxDist; l++ {
		for _, t := range byLen[l] {
			if d := distance(word, t, maxDist); d <= maxDist {
				cands = append(cands, cand{t, d, terms[t]})
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].dist != cands[j].dist {
			return cands[i].dist < cands[j].dist
		}
		if cands[i].freq != cands[j].freq {
			return cands[i].freq > cands[j].freq
		}
		return cands[i].term < cands[j].term
	})
	for i, c := range cands {
		if i == 5 {
			break
		}
		if live == nil || live(c.term) {
			return c.term
		}
	}
	return ""
}

// distance is the Levenshtein distance between a and b, or limit+1 when it
// is larger than limit (stops early).
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// suggest returns the query with each unknown word replaced by its closest
// known word, or "" when every word is known or nothing close exists.
func suggest(cs []clause, terms map[string]uint64, byLen map[int][]string, live func(string) bool) string {
	changed := false
	out := make([]clause, len(cs))
	copy(out, cs)
	for i, c := range cs {
		if c.phrase || len(c.alternatives) > 0 || stopWords[c.text] || strings.ContainsAny(c.text, "&'") {
			continue
		}
		if _, ok := terms[c.text]; ok {
			continue
		}
		if alt := closest(c.text, terms, byLen, live); alt != "" {
			out[i].text = alt
			changed = true
		}
	}
	if !changed {
		return ""
	}
	return normalisedText(out)
}
