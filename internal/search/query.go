package search

import (
	"bufio"
	_ "embed"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"

	"guidancehub/internal/content"
)

// Query limits: a search box, not a document.
const (
	MaxQueryRunes   = 256
	MaxQueryClauses = 24
)

// clause is one part of what a person typed: a word, a "quoted phrase", or
// either with a leading minus to exclude it. alternatives holds synonyms.
type clause struct {
	text         string
	phrase       bool
	exclude      bool
	alternatives []string
}

// parseQuery splits a search box's text into clauses. It accepts anything:
// unbalanced quotes close at the end, punctuation-only tokens are dropped,
// and no Bleve query-string syntax (regexes, wildcards, field names) is
// interpreted. Only an over-long query is an error.
func parseQuery(s string) ([]clause, error) {
	if utf8.RuneCountInString(s) > MaxQueryRunes {
		return nil, content.FieldErrorf("query", "is longer than %d characters", MaxQueryRunes)
	}
	var out []clause
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		exclude := false
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			exclude = true
			i++
		}
		if rs[i] == '"' {
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			text := normalise(string(rs[i+1 : min(j, len(rs))]))
			if text != "" {
				c := clause{text: text, phrase: strings.Contains(text, " "), exclude: exclude}
				out = append(out, c)
			}
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' {
			j++
		}
		if w := trimWord(string(rs[i:j])); w != "" {
			out = append(out, clause{text: w, exclude: exclude})
		}
		i = j
	}
	if len(out) > MaxQueryClauses {
		return nil, content.FieldErrorf("query", "has more than %d words", MaxQueryClauses)
	}
	return expandSynonyms(out), nil
}

// trimWord lower-cases a word and trims punctuation from its ends, keeping
// inner punctuation such as the & of "A&E". A token with no letter or digit
// is dropped.
func trimWord(w string) string {
	w = strings.TrimFunc(strings.ToLower(w), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' })
	w = strings.Trim(w, "&")
	if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	return w
}

func normalise(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if w = trimWord(w); w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

//go:embed synonyms.txt
var synonymFile string

// synonyms maps each alternative to its group.
var synonyms = func() map[string][]string {
	m := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(synonymFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var group []string
		for _, alt := range strings.Split(line, "|") {
			if alt = normalise(alt); alt != "" {
				group = append(group, alt)
			}
		}
		for _, alt := range group {
			m[alt] = append(m[alt], group...)
		}
	}
	for k, v := range m {
		m[k] = dedupe(v)
	}
	return m
}()

// maxSynonymWords is the longest alternative, in words.
var maxSynonymWords = func() int {
	n := 1
	for k := range synonyms {
		n = max(n, len(strings.Fields(k)))
	}
	return n
}()

// expandSynonyms replaces runs of words (and quoted phrases) that match a
// synonym with a clause carrying every alternative, longest match first.
func expandSynonyms(in []clause) []clause {
	var out []clause
	for i := 0; i < len(in); {
		c := in[i]
		if c.exclude || c.phrase {
			if alts, ok := synonyms[c.text]; ok && c.phrase {
				c.alternatives = alts
			}
			out = append(out, c)
			i++
			continue
		}
		matched := false
		for n := min(maxSynonymWords, len(in)-i); n >= 1 && !matched; n-- {
			words := make([]string, 0, n)
			ok := true
			for _, w := range in[i : i+n] {
				if w.exclude || w.phrase {
					ok = false
					break
				}
				words = append(words, w.text)
			}
			if !ok {
				continue
			}
			text := strings.Join(words, " ")
			if alts, found := synonyms[text]; found {
				out = append(out, clause{text: text, phrase: n > 1, alternatives: alts})
				i += n
				matched = true
			}
		}
		if !matched {
			out = append(out, c)
			i++
		}
	}
	return out
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(en.EnglishStopWords)))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "|")
		for _, w := range strings.Fields(line) {
			m[w] = true
		}
	}
	return m
}()

// positive returns the clauses that can match: not excluded, and not a lone
// English stop word ("of", "the", "no") that analysis would drop anyway.
func positive(cs []clause) []clause {
	var out []clause
	for _, c := range cs {
		if !c.exclude && (c.phrase || len(c.alternatives) > 0 || !stopWords[c.text]) {
			out = append(out, c)
		}
	}
	return out
}

// textQuery builds the query for one clause: its text (and synonyms) in
// every language group's text fields, each field weighted.
func textQuery(c clause, gs []string, r Ranking, known func(string) bool) query.Query {
	alts := []string{c.text}
	if len(c.alternatives) > 0 && r.Synonyms {
		alts = c.alternatives
	}
	var qs []query.Query
	for _, alt := range alts {
		phrase := c.phrase || strings.Contains(alt, " ")
		for _, g := range gs {
			for _, tf := range textFields {
				var q query.Query
				if phrase {
					mp := bleve.NewMatchPhraseQuery(alt)
					mp.SetField(field(tf.name, g))
					mp.SetBoost(boost(tf.boost, r))
					q = mp
				} else {
					m := bleve.NewMatchQuery(alt)
					m.SetField(field(tf.name, g))
					m.SetBoost(boost(tf.boost, r))
					q = m
				}
				qs = append(qs, q)
			}
		}
	}
	// A word the library does not contain may be a typo: also match
	// words one or two edits away in the unstemmed vocabulary.
	if r.Typos && !c.phrase && len(alts) == 1 && known != nil && !known(c.text) && utf8.RuneCountInString(c.text) > 3 {
		fz := bleve.NewFuzzyQuery(c.text)
		fz.SetField("vocab")
		fz.SetFuzziness(1)
		if utf8.RuneCountInString(c.text) > 6 {
			fz.SetFuzziness(2)
		}
		qs = append(qs, fz)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func boost(b float64, r Ranking) float64 {
	if !r.FieldBoosts {
		return 1
	}
	return b
}

// buildQuery turns parsed clauses into a Bleve query: every positive
// clause should match (all of one or two, at least two thirds of more),
// excluded clauses must not, and the words together as a phrase score
// higher (proximity). It returns nil when nothing can match (browse).
func buildQuery(cs []clause, gs []string, r Ranking, known func(string) bool) query.Query {
	pos := positive(cs)
	if len(pos) == 0 {
		return nil
	}
	core := bleve.NewBooleanQuery()
	for _, c := range pos {
		core.AddShould(textQuery(c, gs, r, known))
	}
	need := len(pos)
	if need > 2 {
		need = max(2, int(math.Ceil(float64(need)*r.MinShould)))
	}
	core.SetMinShould(float64(need))
	top := bleve.NewBooleanQuery()
	top.AddMust(core)
	for _, c := range cs {
		if c.exclude {
			top.AddMustNot(textQuery(c, gs, r, nil))
		}
	}
	if len(pos) > 1 && r.PhraseBoost > 0 {
		var words []string
		for _, c := range pos {
			if c.phrase {
				words = nil
				break
			}
			words = append(words, c.text)
		}
		if len(words) > 1 {
			pq := textQuery(clause{text: strings.Join(words, " "), phrase: true}, gs, r, nil)
			if b, ok := pq.(query.BoostableQuery); ok {
				b.SetBoost(r.PhraseBoost)
			}
			top.AddShould(pq)
		}
	}
	return top
}

// normalisedText is the query as clauses, for fingerprints and the record
// of zero-result searches.
func normalisedText(cs []clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		t := c.text
		if c.phrase {
			t = `"` + t + `"`
		}
		if c.exclude {
			t = "-" + t
		}
		parts[i] = t
	}
	return strings.Join(parts, " ")
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
