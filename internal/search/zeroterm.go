package search

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// What a search that found nothing is recorded as (breaker5 F11). The
// zero_result_queries table shows editors what the library lacks; people
// paste a patient's details into a search box, and the hub serves people
// who fear their data being shared, so the record keeps no personal data:
//
//   - a search holding something shaped like personal data is not recorded
//     at all: an e-mail address; six or more digits in a row, counted
//     across spaces, hyphens, dots, brackets, slashes and a leading +
//     (an NHS number, a phone number, a National Insurance or Home Office
//     reference, a date written in digits); a date (12/03/1990, 1990-03-12,
//     12 March, March 12); a full UK postcode (SW1A 1AA); a street
//     address (a house number before a street word within three words:
//     12a Elm Street, 3 Mill Road; a flat number: flat 3);
//   - nor is long free text: more than MaxRecordedWords words, stop words
//     aside (a pasted case description, not a search term);
//   - in the rest, a word is kept only when it is a word of the library
//     (the index's own vocabulary: public text) or an everyday English word
//     that is not also a name (Debian's wbritish word list, whose names are
//     written with a capital: "John", "Khan", "Leeds"; months and days are
//     everyday words); any other word (a
//     person's name, a number the library does not print) is recorded as
//     "*". A search whose every word is "*" is not recorded;
//   - a word of the library that is not an everyday English word (a name
//     of the word list, "Mark", "Wales", or no English word at all: the
//     authors and places public text names, "Hodson", "Nellums") is kept
//     only with no such word and no masked word beside it ("mark scheme",
//     "ICB Wales dentist"): beside one ("Mark Bell", "Mark Hodson", "Grace
//     Hope", "zorblat mark") it is "*" too, a person's names coming in
//     twos (breaker7 F12, breaker8). A word typed in capitals (an acronym:
//     "ICB", "NHS"), a term of the synonym list ("icb") or a word holding
//     a digit is not taken for a name;
//   - an everyday word the library does not use, typed as a name is
//     (capital, then small letters: "Precious"), beside another word typed
//     so or a word masked or name-like, is "*" too: "Precious Gift", "Lucky
//     Star dentist" (breaker8 MEDIUM 5). Months and days are not masked
//     so, but count as such a neighbour ("Happy Sunday"). Typed in small
//     letters such names cannot be told from other words.
//
// The rule errs towards recording less: "2023 2024" is not recorded (eight
// digits in a row), nor is a search of names only.

// MaxRecordedWords is the most words (stop words aside) a search may have
// to be recorded as a zero-result search.
const MaxRecordedWords = 8

// maskedWord stands for a word the record does not keep.
const maskedWord = "*"

var (
	emailShape = regexp.MustCompile(`[\p{L}\p{N}._%+\-]@[\p{L}\p{N}\-]+\.`)
	// digits: runs of digits joined by at most one separator each.
	digitRun = regexp.MustCompile(`\+?\d+(?:[\s\-./()]{1,2}\d+)*`)
	months   = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	// dayWords are a day of the month in words ("twelfth", "twenty-first",
	// "12th"), numberWords a house or flat number in words ("twelve",
	// "forty two"): breaker8 found "twelfth of march" and "twelve elm
	// street" recorded.
	dayWords    = `(?:(?:twenty|thirty)[\s\-]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)`
	numberWords = `(?:(?:one|two|three|four|five|six|seven|eight|nine)\s+hundred(?:\s+and)?\s+)?(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s\-]?(?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)`
	dateShape   = regexp.MustCompile(`(?i)` +
		`\b\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,4}\b` + // 12/03/1990, 1990-03-12, 1.3.90
		`|\b(?:\d{1,2}(?:st|nd|rd|th)?\s*|` + dayWords + `\s+)(?:of\s+)?` + months + `\b` + // 12 March, 1st of may, twelfth of march
		`|\b` + months + `(?:\.?\s*\d{1,2}(?:st|nd|rd|th)?|\.?\s+(?:the\s+)?` + dayWords + `)\b` + // March 12 (not March 2024), may ninth
		`|\b\d{1,2}\s*[/.\-]\s*\d{2,4}\b`) // 03/90, 3-1990: a month and year of birth
	postcodeShape = regexp.MustCompile(`(?i)\b[a-z]{1,2}\d[a-z\d]?\s*\d[abd-hjlnp-uw-z]{2}\b`)
	// addressShape: a flat or house number and a street, the number before
	// the street or after it (review6 R6: "flat 3 Mill Road" was recorded
	// as "flat 3 * road"; breaker7 F12: "7 Orchard View", "7 Orchard Cl",
	// "Elm Street 12" were kept). A number within three words of a street
	// word is taken for an address even when it is not one ("2 year old
	// house"): such a search is not recorded, which costs the editors a
	// gap at most.
	addressShape = regexp.MustCompile(`(?i)\b(?:flat|apartment|apt|unit|room)(?:\s*(?:no\.?\s*)?\d+[a-z]?|\s+(?:no\.?\s*)?` + numberWords + `)\b` +
		`|\b(?:\d{1,4}[a-z]?|` + numberWords + `),?\s+(?:[\p{L}'’\-]+\s+){0,3}` + streetWords + `\b` +
		`|\b` + streetWords + `\.?,?\s+(?:\d{1,4}[a-z]?|` + numberWords + `)\b`)
)

// streetWords are words that end a UK street or building address, written
// out and in their common abbreviations.
const streetWords = `(?:road|rd|street|st|str|lane|ln|avenue|ave|av|close|cl|drive|dr|drv|way|wy|court|ct|crt|place|pl|crescent|cres|cr|terrace|terr|tce|gardens|gdns|gdn|grove|gr|gro|square|sq|hill|park|pk|row|walk|wlk|mews|parade|pde|rise|green|grn|view|vw|vale|house|hse|estate|est|wharf|quay|yard|yd|chase|meadow|meadows|fields|heights|hts|bank|gate|mount|mt|hall|lodge|farm|cottage|cottages|mansions|boulevard|blvd|broadway|circus|approach|app|embankment|parkway|pkwy|crossing|croft|end|side|dale|wood)`

// personalShape names what in text looks like personal data ("" when
// nothing does): "e-mail", "number", "date", "postcode" or "address".
func personalShape(text string) string {
	if emailShape.MatchString(text) {
		return "e-mail"
	}
	for _, run := range digitRun.FindAllString(text, -1) {
		n := 0
		for _, r := range run {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n >= 6 {
			return "number"
		}
	}
	if dateShape.MatchString(text) {
		return "date"
	}
	if postcodeShape.MatchString(text) {
		return "postcode"
	}
	if addressShape.MatchString(text) {
		return "address"
	}
	return ""
}

// names holds the folded words that Debian's word list writes with a
// capital (names of people and places: "John", "Khan", "Leeds").
var names = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 25000)
	eachWord(func(w string) {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
			m[foldKey(w)] = struct{}{}
		}
	})
	return m
})

// calendarWords are names the word list writes with a capital that name
// no one: months and days.
var calendarWords = map[string]bool{"january": true, "february": true, "march": true, "april": true, "may": true, "june": true,
	"july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true}

// everyday reports whether a folded word is an English word that is never
// a name (months and days aside).
func everyday(w string) bool {
	if !inDictionary(w) {
		return false
	}
	_, name := names()[w]
	return !name || calendarWords[w]
}

// ZeroResultTerm is what a search that found nothing is recorded as: its
// normalised clauses with every word that could identify a person masked
// (see MaxRecordedWords above for the rule), or "" when it should not be
// recorded (browsing, a search holding personal data, long free text, or
// nothing left but masks). The words of the library are the index's
// vocabulary as of now; before the index is ready only everyday words are
// kept.
func (ix *Index) ZeroResultTerm(text string) string {
	var inLibrary func(string) bool
	if ix.ready.Load() {
		idx, done := ix.current()
		terms, _, err := ix.vocab.load(func() (map[string]uint64, error) { return vocabFrom(idx) })
		done()
		if err == nil {
			inLibrary = func(w string) bool { _, ok := terms[w]; return ok }
		}
	}
	return zeroResultTerm(text, inLibrary)
}

// zeroResultTerm applies the rule with inLibrary (nil: no library words).
func zeroResultTerm(text string, inLibrary func(string) bool) string {
	if personalShape(text) != "" {
		return ""
	}
	cs, err := parseQuery(text)
	if err != nil || buildPlan(cs, groups, DefaultRanking, nil, nil, nil) == nil {
		return ""
	}
	// The words in order (stop words aside), each with whether it could
	// be a name (see above) and whether it is kept.
	type word struct {
		clause, at int
		text       string
		name, keep bool
		// typedCapped: typed as a name is ("Precious", not "precious" or
		// "ICB"); capped: so typed and not a month or day (a day can be a
		// name's neighbour, "Happy Sunday", but is kept itself: "March
		// 2024"); library: a word of the library.
		typedCapped, capped, library bool
	}
	var ws []word
	texts := make([][]string, len(cs))
	for i := range cs {
		texts[i] = strings.Fields(cs[i].text)
		raws := strings.Fields(cs[i].raw)
		if len(raws) != len(texts[i]) {
			raws = texts[i]
		}
		for j, w := range texts[i] {
			if stopWords[w] {
				continue
			}
			library := inLibrary != nil && inLibrary(w)
			ws = append(ws, word{clause: i, at: j, text: w, name: nameLike(w, raws[j]), keep: everyday(w) || library, typedCapped: titleCased(raws[j]), capped: titleCased(raws[j]) && !calendarWords[w], library: library})
		}
	}
	// A word that could be a name, kept as a library word: masked beside
	// another such word or a masked word, decided on the words as they
	// were.
	beside := func(k int) bool { return k >= 0 && k < len(ws) && (ws[k].name || !ws[k].keep) }
	// An everyday word the library does not use, typed as a name is,
	// beside another word typed so or a word that could be a name:
	// masked too, a person's names being everyday words as often as not
	// ("Precious Gift", "Blessing Moyo", "Lucky Star dentist": breaker8).
	besideCapped := func(k int) bool { return k >= 0 && k < len(ws) && (ws[k].typedCapped || ws[k].name || !ws[k].keep) }
	var drop []int
	for i := range ws {
		if ws[i].name && ws[i].keep && (beside(i-1) || beside(i+1)) {
			drop = append(drop, i)
		}
		if ws[i].capped && ws[i].keep && !ws[i].library && (besideCapped(i-1) || besideCapped(i+1)) {
			drop = append(drop, i)
		}
	}
	for _, i := range drop {
		ws[i].keep = false
	}
	kept := 0
	for _, w := range ws {
		if w.keep {
			kept++
		} else {
			texts[w.clause][w.at] = maskedWord
		}
	}
	if len(ws) > MaxRecordedWords || kept == 0 {
		return ""
	}
	for i := range cs {
		cs[i].text = strings.Join(texts[i], " ")
	}
	return normalisedText(cs)
}

// titleCased reports whether raw is typed as a name is: a capital, then
// a small letter (not an acronym in capitals).
func titleCased(raw string) bool {
	r, n := utf8.DecodeRuneInString(raw)
	return unicode.IsUpper(r) && strings.ContainsFunc(raw[n:], unicode.IsLower)
}

// nameLike reports whether a folded word, typed as raw, could be a
// person's or a place's name: not an everyday English word (a name of the
// word list or no English word), not a month or a day, not a term of the
// synonym list, not an acronym typed in capitals ("ICB"), and without a
// digit.
func nameLike(w, raw string) bool {
	if everyday(w) || calendarWords[w] || strings.ContainsFunc(w, unicode.IsDigit) {
		return false
	}
	if _, term := synonyms[w]; term {
		return false // a term of the synonym list ("icb", "nrpf"): the domain's, not a name
	}
	if utf8.RuneCountInString(raw) >= 2 && !strings.ContainsFunc(raw, unicode.IsLower) && strings.ContainsFunc(raw, unicode.IsUpper) {
		return false
	}
	return true
}
