package search

import (
	"sort"
	"strings"
	"sync"
	"unicode"
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

// shortWord is the longest word candidates treats as a possible acronym.
const shortWord = 5

// candidates returns the library words (the unstemmed vocabulary) within
// the edit distance allowed for the word's length (1 up to 5 letters, else
// 2; a swap of two neighbouring letters counts 1), nearest first, then the
// most frequent, then alphabetically. A word of up to shortWord letters is
// most often an acronym typed in lower case ("ukhsa", "ehic", "nhse"): its
// candidates are dictionary words only, so that it is never taken for
// another organisation the library names ("ehrc", "nhs") or a fragment
// ("uk's") (breaker5 F3).
func candidates(word string, terms map[string]uint64, byLen map[int][]string) []string {
	n := utf8.RuneCountInString(word)
	maxDist := 2
	if n <= shortWord {
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
			if n <= shortWord && !inDictionary(t) {
				continue
			}
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
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.term
	}
	return out
}

// distance is the optimal-string-alignment distance between a and b
// (Levenshtein plus swaps of neighbouring letters), or limit+1 when it is
// larger than limit.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	rows := make([][]int, len(ra)+1)
	for i := range rows {
		rows[i] = make([]int, len(rb)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		rowMin := rows[i][0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
	}
	return rows[len(ra)][len(rb)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// speller decides what a query word may be corrected to.
type speller struct {
	terms map[string]uint64 // the library's unstemmed words
	byLen map[int][]string
	// stem is the English stem of a word, to tell a stem variant
	// ("posters" for "poster") from a correction.
	stem func(string) string
	// matches, when set, reports whether a word alone finds a resource
	// (its text fields, as searching analyses it). A word in a script
	// other than Latin that does is spelled as the library spells it,
	// also when the vocabulary holds it only inside longer forms (Persian
	// "ثبت" in "ثبت‌نام", Arabic "تسجيل" in "التسجيل"; breaker4 F8). A
	// Latin word is not asked: English stemming finds "chargeing" through
	// "charging", and that typo is still corrected.
	matches func(string) bool
}

// correct reports whether a clause is spelled correctly, or may not be
// changed: a phrase, a synonym, a stop word, a word with a digit or
// inner punctuation, an acronym or name (typed with a capital), a word of
// the British English dictionary or of the library, or a word that finds a
// resource alone (speller.matches).
func (sp speller) correct(c clause) bool {
	if c.phrase || c.exclude || c.stop || len(c.alternatives) > 0 || c.join != "" || c.capital || stopWords[c.text] {
		return true
	}
	if strings.IndexFunc(c.text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) }) >= 0 {
		return true
	}
	// One letter (with its marks: "é", "e\u0301", "日", "ё") says too
	// little to be corrected into anything (breaker7 F4: "é" got "did you
	// mean b?").
	if letters := strings.Count(c.text, "") - 1 - countMarks(c.text); letters <= 1 {
		return true
	}
	if _, ok := sp.terms[c.text]; ok {
		return true
	}
	if inDictionary(c.text) {
		return true
	}
	return sp.matches != nil && !latin(c.text) && sp.matches(c.text)
}

// latin reports whether every letter of w is in the Latin script.
func latin(w string) bool {
	return !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) })
}

// variant reports whether a and b are forms of one word ("poster" and
// "posters", "register" and "registered"): the same English stem, one
// starting with the other. A misspelling shares the stem but not the start
// ("chargeing" for "charging") and is corrected.
func (sp speller) variant(a, b string) bool {
	if !strings.HasPrefix(a, b) && !strings.HasPrefix(b, a) {
		return false
	}
	return sp.stem == nil || sp.stem(a) == sp.stem(b)
}

// countMarks counts the combining marks (Unicode Mn) of w.
func countMarks(w string) int {
	n := 0
	for _, r := range w {
		if unicode.Is(unicode.Mn, r) {
			n++
		}
	}
	return n
}

// corrections are the library words a misspelt word may be, best first:
// not a form of the word itself, without digits, not a stop word (a
// suggestion replacing a word by "a" is only the other words: breaker7
// F4).
func (sp speller) corrections(w string) []string {
	var alts []string
	for _, t := range candidates(w, sp.terms, sp.byLen) {
		if sp.variant(w, t) || strings.IndexFunc(t, unicode.IsDigit) >= 0 || stopWords[t] {
			continue
		}
		alts = append(alts, t)
	}
	return alts
}

// phrase returns a quoted phrase with each misspelt word replaced by its
// best correction, and whether any was.
func (sp speller) phrase(text string) (string, bool) {
	words := strings.Fields(text)
	changed := false
	for i, w := range words {
		c := clause{text: w}
		if sp.correct(c) || utf8.RuneCountInString(w) <= 3 {
			continue
		}
		// In a phrase a stop word keeps its place: "beffore antenatal"
		// is "before antenatal".
		if s, ok := nearestStopWord(w); ok {
			words[i], changed = s, true
			continue
		}
		if alts := sp.corrections(w); len(alts) > 0 {
			words[i], changed = alts[0], true
		}
	}
	return strings.Join(words, " "), changed
}

// suggestions returns the query with each misspelt word replaced by each
// of its closest library words that is not a stem variant of it, best
// first (at most max queries), or nil when every word is correct.
func (sp speller) suggestions(cs []clause, max int) [][]clause {
	var out [][]clause
	base := append([]clause(nil), cs...)
	changed := false
	for i, c := range cs {
		if c.phrase && !c.exclude && len(c.alternatives) == 0 {
			// A quoted phrase keeps its quotes; its misspelt words are
			// corrected (breaker5 F23: "asylum seker" in quotes was a
			// dead end with no suggestion).
			if fixed, ok := sp.phrase(c.text); ok {
				changed = true
				base[i] = clause{text: fixed, phrase: true}
			}
			continue
		}
		if sp.correct(c) || nearStopWord(c.text) {
			continue
		}
		alts := sp.corrections(c.text)
		if len(alts) == 0 {
			continue
		}
		changed = true
		base[i] = clause{text: alts[0]}
		if len(out) == 0 {
			// Alternatives for the first misspelt word only.
			for _, a := range alts[1:min(len(alts), max)] {
				q := append([]clause(nil), cs...)
				q[i] = clause{text: a}
				out = append(out, q)
			}
		}
	}
	if !changed {
		return nil
	}
	// Later words take their best candidate in the alternatives too.
	for _, q := range out {
		for i := range q {
			if q[i].text == cs[i].text && base[i].text != cs[i].text {
				q[i] = base[i]
			}
		}
	}
	return append([][]clause{base}, out...)
}

// nearestStopWord is the English stop word one edit from w (the first in
// alphabetical order), if any (see nearStopWord).
func nearestStopWord(w string) (string, bool) {
	if !nearStopWord(w) {
		return "", false
	}
	n := utf8.RuneCountInString(w)
	var best string
	for s := range stopWords {
		if m := utf8.RuneCountInString(s); m >= 3 && abs(m-n) <= 1 && distance(w, s, 1) <= 1 && (best == "" || s < best) {
			best = s
		}
	}
	return best, best != ""
}

// nearStopWord reports whether a word is one edit (a transposition counts
// as one) from an English stop word: "teh" is "the" mistyped, and a
// suggestion of the nearest library word ("ten") would be a false "did you
// mean" (breaker3 F8); the query drops stop words anyway.
func nearStopWord(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < 3 {
		return false
	}
	for s := range stopWords {
		if m := utf8.RuneCountInString(s); m >= 3 && abs(m-n) <= 1 && distance(w, s, 1) <= 1 {
			return true
		}
	}
	return false
}

// corrected returns the clauses with each misspelt word (see
// speller.correct) also searched as its closest library word, as a
// variant: "interpeter" matches "interpreter" in every field, weighted as
// the field is.
func corrected(cs []clause, sp speller) []clause {
	out := append([]clause(nil), cs...)
	for i, c := range cs {
		if sp.correct(c) || utf8.RuneCountInString(c.text) <= 3 {
			continue
		}
		for _, t := range candidates(c.text, sp.terms, sp.byLen) {
			if !sp.variant(c.text, t) && strings.IndexFunc(t, unicode.IsDigit) < 0 {
				out[i].typo = t
				break
			}
		}
	}
	return out
}
