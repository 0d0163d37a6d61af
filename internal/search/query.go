package search

import (
	"bufio"
	"context"
	_ "embed"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

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
	// variants are other spellings of a word: its parts as a phrase
	// ("stop sharing" for "stopsharing"), found with the vocabulary.
	variants []string
	// typo is the library word a misspelt word is also searched as (see
	// corrected), or "".
	typo string
	// join is set for two adjacent words that the library also writes
	// as one ("health care" / "healthcare"): parts holds the two words
	// and the clause matches both of them, or join.
	join  string
	parts []string
	// capital: the word was typed with a capital letter (an acronym or
	// a name); did-you-mean never changes it.
	capital bool
	// stop: a stop word of another language the library is written in
	// (see Index.foreignStopWords): dropped like an English stop word.
	stop bool
	// typed holds the words a person typed unquoted that expandSynonyms
	// joined into one multi-word synonym clause ("clinical commissioning
	// group"), so that a group the library never uses can be searched as
	// those words instead (see splitUnusedGroups).
	typed []string
	// raw is the word or phrase as typed (case and inner punctuation kept,
	// surrounding punctuation trimmed), shown back in a suggestion for
	// what the suggestion does not change; "" for clauses made otherwise.
	raw string
	// word: a nation's adjective the library has as a word ("welsh"),
	// searched as that word, not as a language's name (see nationWords).
	word bool
	// weight multiplies the field weights of the clause's matches (0: 1).
	// Bleve ignores a boost set on a disjunction, so it goes on each
	// match query.
	weight float64
	// alone, for an excluded clause with aloneSet, is what the clause's
	// text alone finds (Index.aloneQuery; nil: nothing), which the
	// exclusion leaves out.
	alone    query.Query
	aloneSet bool
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
		if isMinus(rs[i]) && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			exclude = true
			i++
		}
		closing := quoteClose(rs[i])
		if closing != nil && !isDoubleQuote(rs[i]) && !closes(rs[i+1:], closing) {
			// A single opening quote never closed ("‘til"): punctuation
			// of the word it starts, not a phrase to the end (review5 R1).
			i++
			closing = nil
			if i >= len(rs) {
				break
			}
		}
		if closing != nil {
			double := isDoubleQuote(rs[i])
			j := i + 1
			// A single closing quote followed by a letter is an
			// apostrophe ("doctor’s"); a double one always closes
			// ("\"gp\"registration" is the phrase, then a word).
			for j < len(rs) && !(closing(rs[j]) && (double || j+1 == len(rs) || !isWordRune(rs[j+1]))) {
				j++
			}
			text := normalise(string(rs[i+1 : min(j, len(rs))]))
			if allStopWords(text) {
				// "to be or not to be" behaves as the words unquoted: an
				// analysed phrase of stop words would match nothing.
				for _, w := range strings.Fields(text) {
					out = append(out, clause{text: w, exclude: exclude})
				}
			} else if text != "" {
				c := clause{text: text, phrase: strings.Contains(text, " "), exclude: exclude, raw: strings.TrimSpace(string(rs[i+1 : min(j, len(rs))]))}
				out = append(out, c)
			}
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && !isDoubleQuote(rs[j]) && !isSeparator(rs, j) {
			j++
		}
		if j == i {
			i++ // a lone separator
			continue
		}
		if w := trimWord(string(rs[i:j])); w != "" {
			raw := strings.TrimFunc(string(rs[i:j]), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' })
			out = append(out, clause{text: w, exclude: exclude, capital: strings.IndexFunc(string(rs[i:j]), unicode.IsUpper) >= 0, raw: raw})
		}
		i = j
	}
	if len(out) > MaxQueryClauses {
		return nil, content.FieldErrorf("query", "has more than %d words", MaxQueryClauses)
	}
	typedCase(out, s)
	return expandSynonyms(out), nil
}

// typedCase clears capital where a capital says nothing about the word
// (breaker5 F22): in a query typed in capitals (caps lock: "ASYLUM
// SEKER"), the words of more than four letters (a shorter one is most
// often an acronym: "SAR", "LSE"; review6 R4); and a first word
// capitalised only at its start ("Regisration", as a phone's keyboard
// types it), unless the word list writes it with a capital: a place or a
// person ("Harrow GP", "Ealing interpreter"; review6 R3), never corrected.
// Elsewhere a capital marks an acronym or a name ("NHS", "Windrush").
func typedCase(cs []clause, s string) {
	if !strings.ContainsFunc(s, unicode.IsLower) {
		for i := range cs {
			if utf8.RuneCountInString(cs[i].text) > 4 {
				cs[i].capital = false
			}
		}
		return
	}
	if len(cs) > 0 && cs[0].capital && !cs[0].phrase && !cs[0].exclude {
		rs := []rune(cs[0].raw)
		_, name := names()[foldKey(cs[0].raw)]
		if len(rs) > 1 && unicode.IsUpper(rs[0]) && !slices.ContainsFunc(rs[1:], unicode.IsUpper) && !name {
			cs[0].capital = false
		}
	}
}

// isMinus reports whether r, leading a word, excludes it: '-', its
// full-width form (NFKC maps U+FF0D to '-'), and the minus sign, hyphens
// and dashes phones and word processors type for it (U+2212, U+2010–2015,
// U+FE63; breaker4 F11: "charging −wales" found more than "charging").
func isMinus(r rune) bool {
	switch r {
	case '-', '\uff0d', '\u2212', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\ufe63':
		return true
	}
	return false
}

// isDoubleQuote reports whether r is a double quotation mark of any
// script: '"', “ ” „ ‟ « » 〝 〞 ＂ (what phones and word processors type;
// breaker4 F11).
func isDoubleQuote(r rune) bool {
	switch r {
	case '"', '\u201c', '\u201d', '\u201e', '\u201f', '\u00ab', '\u00bb', '\u301d', '\u301e', '\uff02':
		return true
	}
	return false
}

// quoteClose returns, for a rune that opens a phrase, what closes it (a
// closing mark at the end of a word): any double quotation mark for a
// double one, and ’ or ‘ for a single curly one (‘…’; a straight
// apostrophe or ’ inside a word, "doctor’s", is never a quote). nil: r
// opens no phrase.
func quoteClose(r rune) func(rune) bool {
	switch {
	case isDoubleQuote(r):
		return isDoubleQuote
	case r == '\u2018' || r == '\u201a':
		return func(c rune) bool { return c == '\u2019' || c == '\u2018' }
	}
	return nil
}

// closes reports whether rs holds a single quotation mark closing a
// phrase: one that closing accepts and that no letter or digit follows.
func closes(rs []rune, closing func(rune) bool) bool {
	for j, r := range rs {
		if closing(r) && (j+1 == len(rs) || !isWordRune(rs[j+1])) {
			return true
		}
	}
	return false
}

// isWordRune reports whether r continues a word (a closing quote followed
// by one is an apostrophe).
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isSeparator reports whether rs[j] separates two words like a space:
// a comma, semicolon, plus or vertical bar, except a comma between digits
// ("1,000"). (breaker4 F10: "gp,charging" found every resource with either
// word, "gp, charging" those with both.)
func isSeparator(rs []rune, j int) bool {
	switch rs[j] {
	case ';', '+', '|':
		return true
	case ',':
		return !(j > 0 && j+1 < len(rs) && unicode.IsDigit(rs[j-1]) && unicode.IsDigit(rs[j+1]))
	}
	return false
}

// trimWord lower-cases a word and trims punctuation from its ends, keeping
// inner punctuation such as the & of "A&E". A token with no letter or digit
// is dropped.
func trimWord(w string) string {
	w = strings.TrimFunc(foldKey(w), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' })
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

// synonyms maps each alternative to its group, every alternative of the
// group in file order. Lines that share an alternative are one group (the
// transitive closure): a line says its alternatives find the same
// resources, so an alternative on two lines finds what both lines find, and
// so must every other alternative of either line.
var synonyms = func() map[string][]string {
	parent := map[string]string{}
	var find func(string) string
	find = func(a string) string {
		if parent[a] == a {
			return a
		}
		parent[a] = find(parent[a])
		return parent[a]
	}
	var order []string
	sc := bufio.NewScanner(strings.NewReader(synonymFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		first := ""
		for _, alt := range strings.Split(line, "|") {
			if alt = normalise(alt); alt == "" {
				continue
			}
			if _, seen := parent[alt]; !seen {
				parent[alt] = alt
				order = append(order, alt)
			}
			if first == "" {
				first = alt
			} else if a, b := find(first), find(alt); a != b {
				parent[b] = a
			}
		}
	}
	members := map[string][]string{}
	for _, alt := range order {
		members[find(alt)] = append(members[find(alt)], alt)
	}
	m := map[string][]string{}
	for _, alt := range order {
		m[alt] = members[find(alt)]
	}
	return m
}()

// synonymKey is the form a typed word or phrase is looked up in synonyms
// as: a typographic apostrophe ("doctor’s surgery", as phones type it) is
// the file's straight one.
func synonymKey(text string) string { return strings.ReplaceAll(text, "’", "'") }

// synonymSingular is the plural or possessive of a synonym alternative as
// that alternative ("icbs", "icb's" → "icb"; "gps" → "gp"; "integrated care
// boards" → "integrated care board"), so that it carries the alternative's
// synonyms (breaker5 F21: "ICBs" found 7 of the 15 resources "ICB"
// finds); anything else as it is. A one-word alternative is taken so only
// when it has at most four letters (an acronym): "aids" stays "aids".
func synonymSingular(text string) string {
	for _, suffix := range []string{"'s", "s"} {
		one, ok := strings.CutSuffix(text, suffix)
		if !ok || len(one) < 2 || !strings.Contains(one, " ") && utf8.RuneCountInString(one) > 4 {
			continue
		}
		if _, isSyn := synonyms[one]; isSyn {
			return one
		}
	}
	return text
}

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
			// An excluded word leaves out what the word alone finds, so
			// it carries its synonyms too; a quoted plural or possessive
			// of a synonym is the synonym, as it is unquoted (breaker8:
			// "\"family doctors\"" found nothing).
			if alts, ok := synonyms[synonymKey(c.text)]; ok {
				c.alternatives = alts
			} else if alts, ok := synonyms[synonymSingular(synonymKey(c.text))]; ok {
				c.alternatives = alts
			}
			out = append(out, c)
			i++
			continue
		}
		matched := false
		for n := min(maxSynonymWords, len(in)-i); n >= 1 && !matched; n-- {
			words := make([]string, 0, n)
			raws := make([]string, 0, n)
			ok := true
			for _, w := range in[i : i+n] {
				if w.exclude || w.phrase {
					ok = false
					break
				}
				words = append(words, w.text)
				raws = append(raws, w.raw)
			}
			if !ok {
				continue
			}
			text := strings.Join(words, " ")
			alts, found := synonyms[synonymKey(text)]
			if !found {
				alts, found = synonyms[synonymSingular(synonymKey(text))]
			}
			if found {
				c := clause{text: text, phrase: n > 1, alternatives: alts, capital: in[i].capital}
				if !slices.Contains(raws, "") {
					c.raw = strings.Join(raws, " ")
				}
				if n > 1 {
					c.typed = words
				}
				out = append(out, c)
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

// splitWords returns a typed synonym clause as the clauses of its words,
// each with its own one-word synonyms ("gp" in "gp surgery").
func (c clause) splitWords() []clause {
	out := make([]clause, 0, len(c.typed))
	for _, w := range c.typed {
		out = append(out, expandSynonyms([]clause{{text: w}})...)
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

// allStopWords reports whether a phrase has words and all are stop words.
func allStopWords(text string) bool {
	ws := strings.Fields(text)
	for _, w := range ws {
		if !stopWords[w] {
			return false
		}
	}
	return len(ws) > 0
}

// positive returns the clauses that can match: not excluded, and not a lone
// English stop word ("of", "the", "no") that analysis would drop anyway.
func positive(cs []clause) []clause {
	var out []clause
	for _, c := range cs {
		if !c.exclude && !c.stop && (c.phrase || len(c.alternatives) > 0 || !stopWords[c.text]) {
			out = append(out, c)
		}
	}
	return out
}

// splitWord splits a word at inner punctuation ("e-mail", "covid-19")
// into its letter-and-digit parts; a word without any gives one part.
func splitWord(w string) []string {
	return strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) })
}

// spellings returns the forms a clause's alternative is searched as: a
// word with inner punctuation ("e-mail") as its parts in a phrase
// ("e mail") and joined ("email"), so that it matches as one word and not
// as any of its parts (the "e" of "A&E"). "&" is kept: A&E has synonyms.
func spellings(alt string) []string {
	if strings.Contains(alt, " ") || strings.Contains(alt, "&") {
		return []string{alt}
	}
	parts := splitWord(alt)
	if len(parts) < 2 {
		return []string{alt}
	}
	out := []string{strings.Join(parts, " "), strings.Join(parts, "")}
	// A number with thousands separators or a decimal point ("1,400",
	// "1.5") is one token to every analyzer (Unicode word boundaries keep
	// digits joined by "," or "."): search it as typed, not as "1" and
	// "400" (breaker5 F32).
	if number.MatchString(alt) {
		return append([]string{alt}, out...)
	}
	// Analysis keeps a word with inner dots, colons or apostrophes
	// ("legislation.gov.uk", "doctor's") as one token: search it as typed
	// too. Other punctuation (hyphens, slashes, commas, pluses) splits it,
	// so it would match any part.
	if !strings.ContainsFunc(alt, func(r rune) bool {
		return !isWordRune(r) && !unicode.Is(unicode.Mn, r) && r != '.' && r != ':' && r != '\'' && r != '\u2019'
	}) {
		out = append([]string{alt}, out...)
	}
	return out
}

// number is a number written with thousands separators or a decimal
// point.
var number = regexp.MustCompile(`^[0-9]+([,.][0-9]+)+$`)

// droppedWord reports whether the English analyzer drops w: a stop word
// of Bleve's English list (the analyzer's stop_en filter) or of the hub's.
func droppedWord(w string) bool {
	w = foldKey(w)
	_, bleveStop := englishStops()[w]
	return stopWords[w] || bleveStop
}

// englishStops is Bleve's English stop list (v2.6.3 analysis/lang/en).
var englishStops = sync.OnceValue(func() analysis.TokenMap {
	m := analysis.NewTokenMap()
	if err := m.LoadBytes(en.EnglishStopWords); err != nil {
		panic("search: English stop words: " + err.Error())
	}
	return m
})

// textQuery builds the query for one clause: its text (and synonyms and
// spelling variants) in every language group's text fields, each field
// weighted.
func textQuery(c clause, gs []string, r Ranking, known func(string) bool) query.Query {
	if c.join != "" {
		both := bleve.NewConjunctionQuery()
		for _, part := range c.parts {
			both.AddQuery(textQuery(clause{text: part}, gs, r, known))
		}
		return bleve.NewDisjunctionQuery(both, textQuery(clause{text: c.join}, gs, r, nil))
	}
	alts := append([]string{c.text}, c.variants...)
	if c.typo != "" {
		alts = append(alts, c.typo)
	}
	quoted := c.phrase
	if len(c.alternatives) > 0 && r.Synonyms {
		// A synonym group is searched the same whichever alternative was
		// typed, alone or in a phrase: each alternative is a phrase only
		// when it has several words.
		alts, quoted = c.alternatives, false
	}
	var qs []query.Query
	for _, a := range alts {
		for _, alt := range spellings(a) {
			phrase := quoted || strings.Contains(alt, " ")
			for _, g := range gs {
				for _, tf := range textFields {
					var q query.Query
					w := boost(tf.boost, r)
					if c.weight > 0 {
						w *= c.weight
					}
					if phrase {
						mp := bleve.NewMatchPhraseQuery(alt)
						mp.SetField(field(tf.name, g))
						mp.SetBoost(w)
						q = markedPhraseOr(mp, r)
					} else {
						m := bleve.NewMatchQuery(alt)
						m.SetField(field(tf.name, g))
						m.SetBoost(w)
						q = m
					}
					qs = append(qs, q)
				}
			}
		}
	}
	// A word the library does not contain may be a typo: also match
	// words one or two edits away in the unstemmed vocabulary. Not a short
	// word, most often an acronym typed in lower case ("nhse" is not
	// "nhs", breaker5 F3): corrected gives it its nearest dictionary word
	// (see candidates).
	if r.Typos && !c.phrase && !c.capital && len(alts) == 1 && known != nil && !known(c.text) && utf8.RuneCountInString(c.text) > shortWord && len(splitWord(c.text)) == 1 {
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

// minCompoundPart is the shortest part of a word split into two.
const minCompoundPart = 3

// compounds finds words written apart and together: a word the library
// also has as two words ("stopsharing" → "stop sharing") gets that phrase
// as a variant; two adjacent words the library also has as one ("health
// care" → "healthcare") become one clause matching both words or the
// joined word. known reports whether the library has a word (unstemmed);
// idf, when given, is a word's inverse document frequency there: a word
// the library has is split only into two words that are each more common
// than it (a word-break speller's rule: "stopsharing" → "stop sharing",
// but not "charging" → "charg ing" because a cut-off text somewhere has
// "charg"), so a common word never turns into a costly phrase variant.
func compounds(cs []clause, known func(string) bool, idf func(string) float64) []clause {
	if known == nil {
		return cs
	}
	plain := func(c clause) bool {
		return !c.phrase && !c.exclude && !c.stop && len(c.alternatives) == 0 && c.join == "" && !stopWords[c.text] && len(splitWord(c.text)) == 1
	}
	var out []clause
	for i := 0; i < len(cs); i++ {
		c := cs[i]
		if plain(c) && i+1 < len(cs) && plain(cs[i+1]) {
			if j := c.text + cs[i+1].text; known(j) {
				out = append(out, clause{text: c.text + " " + cs[i+1].text, join: j, parts: []string{c.text, cs[i+1].text}})
				i++
				continue
			}
		}
		if plain(c) || c.exclude && !c.stop && !c.phrase && len(c.alternatives) == 0 && !stopWords[c.text] && len(splitWord(c.text)) == 1 {
			rs := []rune(c.text)
			for k := minCompoundPart; k <= len(rs)-minCompoundPart; k++ {
				a, b := string(rs[:k]), string(rs[k:])
				if known(a) && known(b) && !stopWords[a] && !stopWords[b] && (idf == nil || !known(c.text) || idf(a) < idf(c.text) && idf(b) < idf(c.text)) {
					c.variants = append(c.variants, a+" "+b)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func boost(b float64, r Ranking) float64 {
	if !r.FieldBoosts {
		return 1
	}
	return b
}

// kindWords are words that name a kind of resource or one of a kind's
// fields. A query word among them is optional: it raises resources of that
// kind (and resources containing the word) but never narrows the results,
// so "StopSharing campaign" finds the position even where the word
// "campaign" is absent.
var kindWords = map[string]content.Kind{
	"guidance": content.KindGuidance, "guide": content.KindGuidance, "guides": content.KindGuidance,
	"action": content.KindGuidance, "actions": content.KindGuidance,
	"research": content.KindResearchBrief, "brief": content.KindResearchBrief, "briefs": content.KindResearchBrief,
	"briefing": content.KindResearchBrief, "briefings": content.KindResearchBrief,
	"finding": content.KindResearchBrief, "findings": content.KindResearchBrief,
	"method": content.KindResearchBrief, "methods": content.KindResearchBrief,
	"policy": content.KindPolicyPosition, "policies": content.KindPolicyPosition,
	"position": content.KindPolicyPosition, "positions": content.KindPolicyPosition,
	"campaign": content.KindPolicyPosition, "campaigns": content.KindPolicyPosition,
	"recommendation": content.KindPolicyPosition, "recommendations": content.KindPolicyPosition,
}

// maxTiers is how many levels of "more words matched" a relaxed query
// weights (see plan.query).
const maxTiers = 2

// nationWords are the adjectives of the four nations the library is
// organised by that are also language names: "Welsh Government",
// "Scottish rules" ask about a nation, not for text in Welsh (breaker5
// F15: "Welsh Government" searched "government"). When the library has
// the word, it is searched as a word (see Index.Search).
var nationWords = map[string]bool{"welsh": true, "scottish": true, "irish": true, "english": true}

// languageWords are language names; a query word among them is optional
// and raises resources written in that language (BCP 47 primary subtag),
// so "Urdu note for patients" finds the Urdu translation, whose text does
// not name its language in English.
var languageWords = map[string]string{
	"english": "en", "arabic": "ar", "persian": "fa", "farsi": "fa", "urdu": "ur", "french": "fr",
	"spanish": "es", "german": "de", "italian": "it", "portuguese": "pt", "romanian": "ro",
	"polish": "pl", "bengali": "bn", "punjabi": "pa", "somali": "so", "tigrinya": "ti", "kurdish": "ku",
	"pashto": "ps", "dari": "prs", "turkish": "tr", "chinese": "zh", "mandarin": "zh", "vietnamese": "vi",
	"albanian": "sq", "amharic": "am", "welsh": "cy", "russian": "ru", "ukrainian": "uk", "lithuanian": "lt",
}

// kindBoost is the weight of the kind a kind word names.
const kindBoost = 0.5

// plan is a parsed query ready to run: clauses every match should contain
// (required), words that only raise a match (optional), neighbouring words
// as phrases that raise a match (pairs), exclusions, and the whole query as
// a phrase (proximity).
type plan struct {
	// browse: the query has only exclusions; it finds every resource
	// but those, newest first.
	browse bool
	// tiers: a relaxed query ranks resources with more words higher
	// (see Ranking.Tiers).
	tiers    bool
	required []planClause
	optional []query.Query
	// pairs are optional too, and the costly part of a query: a phrase
	// reads term positions (see rerankTop).
	pairs   []query.Query
	exclude []query.Query
	phrase  query.Query
	// languages are the languages the query names (BCP 47 primary
	// subtags, see languageWords); onlyNamed: every word names a kind, a
	// field or a language (see Index.languageFirst).
	languages []string
	onlyNamed bool
}

// planClause is one required word (or phrase) and the query matching it.
type planClause struct {
	word string
	q    query.Query
	// exact is q without typo tolerance: the word as typed, its
	// synonyms, forms and compounds, not a corrected or fuzzy spelling
	// ("harrow" is not "narrow"; review6 R3). Resources with every word
	// are those with every exact clause.
	exact query.Query
}

// buildPlan turns parsed clauses into a plan, or nil when nothing can
// match (browse).
//
// common reports whether a word is in most of the library's resources
// ("can", "need", "patient"): such a word is optional unless every word
// is, as it narrows little and says little (Lucene's cutoff frequency).
// idf is a word's inverse document frequency in the library (BM25's
// formula over the unstemmed vocabulary), or nil.
func buildPlan(cs []clause, gs []string, r Ranking, known, common func(string) bool, idf func(string) float64) *plan {
	cs = compounds(cs, known, idf)
	pos := positive(cs)
	p := &plan{tiers: r.Tiers}
	for _, c := range cs {
		switch {
		case c.exclude && c.aloneSet:
			if c.alone != nil {
				p.exclude = append(p.exclude, c.alone)
			}
		case c.exclude && !c.stop && (c.phrase || len(c.alternatives) > 0 || !stopWords[c.text]):
			p.exclude = append(p.exclude, textQuery(c, gs, r, nil))
		}
	}
	if len(pos) == 0 {
		if len(p.exclude) == 0 {
			return nil
		}
		// Only exclusions: every resource but those.
		p.browse = true
		return p
	}
	var req []clause
	for _, c := range pos {
		if k, ok := kindWords[c.text]; ok && !c.phrase && len(c.alternatives) == 0 && c.join == "" {
			kq := bleve.NewTermQuery(string(k))
			kq.SetField("kind")
			kq.SetBoost(kindBoost)
			p.optional = append(p.optional, textQuery(c, gs, r, nil), kq)
			continue
		}
		if l, ok := languageWords[c.text]; ok && !c.word && !c.phrase && len(c.alternatives) == 0 && c.join == "" {
			p.optional = append(p.optional, textQuery(c, gs, r, nil), languageQuery(l, kindBoost))
			p.languages = append(p.languages, l)
			continue
		}
		req = append(req, c)
	}
	if common != nil && r.CommonOptional {
		var rare []clause
		var frequent []clause
		for _, c := range req {
			if !c.phrase && len(c.alternatives) == 0 && c.join == "" && common(c.text) {
				frequent = append(frequent, c)
			} else {
				rare = append(rare, c)
			}
		}
		if len(rare) > 0 {
			for _, c := range frequent {
				p.optional = append(p.optional, textQuery(c, gs, r, nil))
			}
			req = rare
		}
	}
	if len(req) == 0 {
		// Only kind, field or language words: resources with any of them,
		// those of the kinds and languages named first.
		p.onlyNamed = true
		var any []query.Query
		var words []string
		for _, c := range pos {
			any = append(any, textQuery(c, gs, r, known))
			words = append(words, c.text)
		}
		anyQ := bleve.NewDisjunctionQuery(any...)
		p.required = []planClause{{word: strings.Join(words, " "), q: anyQ, exact: anyQ}}
	}
	for _, c := range req {
		exact := c
		exact.typo = ""
		p.required = append(p.required, planClause{word: c.text, q: textQuery(c, gs, r, known), exact: textQuery(exact, gs, r, nil)})
	}
	for _, n := range neighbourPairs(cs) {
		words := make([]string, 0, n[1]-n[0]+1)
		for _, w := range cs[n[0] : n[1]+1] {
			words = append(words, w.text)
		}
		text := strings.Join(words, " ")
		if r.PairBoost > 0 {
			// The phrase's own score, weighted.
			p.pairs = append(p.pairs, textQuery(clause{text: text, phrase: true, weight: r.PairBoost}, gs, r, nil))
		}
		if r.PairBonus > 0 || r.PhraseFirst > 0 {
			// A bonus independent of how often the phrase occurs,
			// PairBonus times the rarer word's idf, so "asylum seekers",
			// which most resources have, adds little. When the query is
			// just those two words, resources with the phrase come first
			// (PhraseFirst): "care home" should not rank "home" in "Home
			// Office" above a care home.
			bonus := r.PairBonus
			if idf != nil {
				bonus *= min(idf(cs[n[0]].text), idf(cs[n[1]].text))
			}
			if len(pos) == 2 && r.PhraseFirst > 0 {
				bonus = r.PhraseFirst
			}
			// A match-all query's boost is a constant score (Bleve
			// scales it with the query's other weights).
			m := bleve.NewMatchAllQuery()
			m.SetBoost(bonus)
			p.pairs = append(p.pairs, bleve.NewConjunctionQuery(m, textQuery(clause{text: text, phrase: true}, gs, r, nil)))
		}
	}
	if len(pos) > 1 && r.PhraseBoost > 0 {
		var words []string
		for _, c := range pos {
			if c.phrase || c.join != "" {
				words = nil
				break
			}
			words = append(words, c.text)
		}
		if len(words) > 1 {
			p.phrase = textQuery(clause{text: strings.Join(words, " "), phrase: true, weight: r.PhraseBoost}, gs, r, nil)
		}
	}
	return p
}

// superset is a query that finds every resource match(omit, minShould)
// finds, and maybe more, without reading term positions: each phrase in a
// required clause is the conjunction of its words (see lean). It is nil
// when no required clause has a phrase (it would be match itself).
// Exclusions and optional clauses take no part: they never add a match.
func (p *plan) superset(omit map[int]bool, minShould int) query.Query {
	if p == nil || p.browse {
		return nil
	}
	var req []query.Query
	changed := false
	for i, c := range p.required {
		if omit[i] {
			continue
		}
		l, ch := lean(c.q)
		changed = changed || ch
		req = append(req, l)
	}
	if !changed || len(req) == 0 {
		return nil
	}
	if minShould > 0 {
		d := bleve.NewDisjunctionQuery(req...)
		d.SetMin(float64(minShould))
		return d
	}
	return bleve.NewConjunctionQuery(req...)
}

// lean returns q with every phrase replaced by the conjunction of its
// words in the same field (the same analysis, so a superset of what the
// phrase matches), and whether it replaced any. Disjunctions and
// conjunctions are rebuilt; other queries are kept.
func lean(q query.Query) (query.Query, bool) {
	switch q := q.(type) {
	case *query.MatchPhraseQuery:
		m := bleve.NewMatchQuery(q.MatchPhrase)
		m.SetField(q.FieldVal)
		m.Analyzer = q.Analyzer
		m.SetOperator(query.MatchQueryOperatorAnd)
		return m, true
	case *query.DisjunctionQuery:
		out, changed := leanAll(q.Disjuncts)
		if !changed {
			return q, false
		}
		d := bleve.NewDisjunctionQuery(out...)
		d.SetMin(q.Min)
		return d, true
	case *query.ConjunctionQuery:
		out, changed := leanAll(q.Conjuncts)
		if !changed {
			return q, false
		}
		return bleve.NewConjunctionQuery(out...), true
	}
	return q, false
}

func leanAll(qs []query.Query) ([]query.Query, bool) {
	out := make([]query.Query, len(qs))
	changed := false
	for i, q := range qs {
		var ch bool
		out[i], ch = lean(q)
		changed = changed || ch
	}
	return out, changed
}

// neighbourPairs returns the neighbouring words of a query that a phrase
// bonus rewards (see Ranking.PairBonus), as the indexes of the first and
// the last clause: plain words or synonym groups, with at most two stop
// words between them ("proof of address"); an exclusion, a quoted phrase,
// a joined compound or a word with inner punctuation breaks the run.
func neighbourPairs(cs []clause) [][2]int {
	var out [][2]int
	last := -1
	for i, c := range cs {
		if c.exclude || c.stop || c.join != "" || c.phrase && len(c.alternatives) == 0 || len(splitWord(c.text)) != 1 && len(c.alternatives) == 0 {
			last = -1
			continue
		}
		if stopWords[c.text] {
			continue
		}
		if last >= 0 && i-last <= 3 {
			out = append(out, [2]int{last, i})
		}
		last = i
	}
	return out
}

// query builds the Bleve query: every required clause not in omit must
// match (or, with minShould > 0, at least that many of them), excluded
// clauses must not, and optional words, pairs and the phrase raise the
// score.
func (p *plan) query(omit map[int]bool, minShould int) query.Query {
	return p.build(omit, minShould, true)
}

// unpaired is query without the pairs: it finds the same resources (pairs
// are optional) without reading term positions for them. It is nil when
// the plan has no pairs.
func (p *plan) unpaired(omit map[int]bool, minShould int) query.Query {
	if p == nil || p.browse || len(p.pairs) == 0 {
		return nil
	}
	return p.build(omit, minShould, false)
}

func (p *plan) build(omit map[int]bool, minShould int, pairs bool) query.Query {
	q := p.matching(omit, minShould, pairs)
	if len(p.exclude) == 0 {
		return q
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(q)
	b.AddMustNot(p.exclude...)
	return b
}

// match is query without the exclusions: what relaxing decides on, so
// that "X -Y" finds exactly what X finds less what Y finds.
func (p *plan) match(omit map[int]bool, minShould int) query.Query {
	return p.matching(omit, minShould, true)
}

func (p *plan) matching(omit map[int]bool, minShould int, pairs bool) query.Query {
	if p.browse {
		return bleve.NewMatchAllQuery()
	}
	var req []query.Query
	for i, c := range p.required {
		if !omit[i] {
			req = append(req, c.q)
		}
	}
	top := bleve.NewBooleanQuery()
	var every query.Query
	switch {
	case len(req) == 0:
		return bleve.NewMatchNoneQuery()
	case minShould > 0:
		core := bleve.NewBooleanQuery()
		core.AddShould(req...)
		core.SetMinShould(float64(minShould))
		top.AddMust(core)
		// Resources with more of the words rank higher: each level of
		// matching above the minimum adds the words' score again.
		for level := minShould + 1; level <= min(len(req), minShould+maxTiers) && p.tiers; level++ {
			tier := bleve.NewBooleanQuery()
			tier.AddShould(req...)
			tier.SetMinShould(float64(level))
			top.AddShould(tier)
		}
		if p.tiers && len(req) > minShould && len(req) <= strictWords {
			every = &constantQuery{q: p.everyWord(omit), score: everyWordBonus}
		}
	default:
		top.AddMust(req...)
	}
	top.AddShould(p.optional...)
	if pairs {
		top.AddShould(p.pairs...)
	}
	if p.phrase != nil {
		top.AddShould(p.phrase)
	}
	if every == nil {
		return top
	}
	// Resources with every word first when the query has at most
	// strictWords words (README: "Every word must match first"; breaker5
	// F1: "female urgency" ranked the one resource with both words fourth
	// and said no resource had them all). A clause of
	// its own beside top, so that top's scores are what they were, to the
	// bit: a constant score adds no weight to Bleve's query norm, and
	// inside top's optional clauses it would change their coordination
	// factor (matched over all, v2.6.3 DisjunctionQueryScorer).
	outer := bleve.NewBooleanQuery()
	outer.AddMust(top)
	outer.AddShould(every)
	return outer
}

// everyWord finds the resources with every required word not in omit, as
// typed (planClause.exact), exclusions aside.
func (p *plan) everyWord(omit map[int]bool) query.Query {
	all := bleve.NewConjunctionQuery()
	for i, c := range p.required {
		if !omit[i] {
			all.AddQuery(c.exact)
		}
	}
	return all
}

// strictWords is the longest query whose relaxed results put every
// resource with all its words first. A longer query is usually a question
// ("fear of being reported stops people seeking care") whose words a
// resource has together by chance: putting those first lowered the judged
// sets' MRR from 0.905 to 0.831 (judgments.tsv) and 0.919 to 0.887
// (independent), so there more words only raise a resource (the tiers).
// With two words: 0.905 and 0.912 (TestSearchQuality).
const strictWords = 2

// everyWordBonus is the score a relaxed query adds to a resource with
// every word: more than the rest of any score (BM25 scores of words are
// units; PhraseFirst is 100), so those resources come first.
const everyWordBonus = EveryWordBonus

// EveryWordBonus is what a relaxed two-word search adds to the score of a
// resource with both words (a tier above the rest; the API rounds the
// score below it, graph.RoundScore).
const EveryWordBonus = 1e6

// constantQuery finds q's documents and scores each score: q's searcher
// runs without scores, and its weight is 0, so it changes no other
// clause's query norm.
type constantQuery struct {
	q     query.Query
	score float64
}

func (q *constantQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	inner := options
	inner.Score = "none"
	s, err := q.q.Searcher(ctx, r, m, inner)
	if err != nil {
		return nil, err
	}
	return &constantSearcher{Searcher: s, score: q.score, scored: options.Score != "none"}, nil
}

// constantSearcher is a searcher whose matches score a constant.
type constantSearcher struct {
	search.Searcher
	score  float64
	scored bool
}

func (s *constantSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.set(s.Searcher.Next(ctx))
}

func (s *constantSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	return s.set(s.Searcher.Advance(ctx, id))
}

func (s *constantSearcher) set(d *search.DocumentMatch, err error) (*search.DocumentMatch, error) {
	if d != nil && s.scored {
		d.Score = s.score
	}
	return d, err
}

func (s *constantSearcher) Weight() float64      { return 0 }
func (s *constantSearcher) SetQueryNorm(float64) {}

// buildQuery is the plan's strict query (every required clause), or nil
// when nothing can match (browse).
func buildQuery(cs []clause, gs []string, r Ranking, known func(string) bool) query.Query {
	p := buildPlan(cs, gs, r, known, nil, nil)
	if p == nil {
		return nil
	}
	return p.query(nil, 0)
}

// normalisedText is the query as clauses, for fingerprints and the record
// of zero-result searches.
func normalisedText(cs []clause) string { return clauseText(cs, false) }

// suggestionText is the query as clauses as a person would type it back:
// each clause as typed where it has its typed form (a suggestion changes
// only the misspelt words: "GP regstration" → "GP registration", breaker4
// F9), else normalised.
func suggestionText(cs []clause) string { return clauseText(cs, true) }

func clauseText(cs []clause, typed bool) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		t := c.text
		if typed && c.raw != "" {
			t = c.raw
		}
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
