package search

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
)

// TestZeroResultTermKeepsNoPersonalData (breaker5 F11): the searches the
// breaker typed were stored verbatim in zero_result_queries.
func TestZeroResultTermKeepsNoPersonalData(t *testing.T) {
	library := func(w string) bool {
		return w == "nhs" || w == "registration" || w == "wales" || w == "icb" || w == "mark" || w == "hope" || w == "grace" ||
			w == "hodson" || w == "nellums" || w == "laura" || w == "dentist"
	}
	for _, tc := range []struct{ in, want string }{
		{"Amina Yusuf NHS number 943 476 5919 refused registration", ""},
		{"patient amina.yusuf@example.com 07700900123", ""},
		{"Amina Yusuf refused registration", "* * refused registration"},
		{"john smith refused registration", "* * refused registration"},
		{"born 12/03/1990 registration", ""},
		{"registration 3 March", ""},
		{"postcode SW1A 1AA registration", ""},
		// review6 R6: street addresses were kept as "flat 3 * road".
		{"flat 3 Mill Road", ""},
		{"12a Elm Street", ""},
		{"registration 14 Upper Park Lane", ""},
		// breaker7 F12: kept as "* 7 orchard view", "* elm street 12".
		{"zorblat 7 Orchard View", ""},
		{"zorblat 7 Orchard Cl", ""},
		{"zorblat Elm Street 12", ""},
		{"zorblat 7 Orchard Wharf", ""},
		{"QQ 12 34 56 C registration", ""},
		{"can a refused asylum seeker whose name is not known register with a gp practice", ""},
		// What stays: everyday words and the library's own words.
		{"kumquat registration", "kumquat registration"},
		{"ICB Wales dentist", "icb wales dentist"},
		{"guidance changed March 2024", "guidance changed march *"},
		{"Amina", ""},
		// breaker7 F12: names that are also words of the library, kept as
		// "* mark *" and "* * hope".
		{"zorblat Mark Bell", ""},
		{"zorblat Grace Hope registration", "* * * registration"},
		{"Mark Hope registration", "* * registration"},
		{"mark scheme registration", "mark scheme registration"},
		// breaker8: names the library prints (sources' authors) that the
		// word list does not have, kept in full.
		{"Mark Hodson dentist", "* * dentist"},
		{"Laura Nellums dentist", "* * dentist"},
		{"Nellums Hope dentist", "* * dentist"},
		{"dentist -Laura -Nellums", "dentist -* -*"},
		{"Jean-Paul Hodson", ""},
		{"nhs icb registration", "nhs icb registration"},
		// breaker8: numbers and days in words.
		{"zorblat twelve elm street", ""},
		{"flat three Mill road", ""},
		{"zorblat forty two Orchard View", ""},
		{"registration twelfth of march", ""},
		{"registration ninth may", ""},
		{"registration march the ninth", ""},
		// Number words are words: "flatten" is not "flat ten".
		{"flatten kumquat", "flatten kumquat"},
		{"flat3 registration", ""},
	} {
		if got := zeroResultTerm(tc.in, library); got != tc.want {
			t.Errorf("zeroResultTerm(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestZeroResultTermClass generates searches that carry personal data of
// each shape the rule names, each in its usual spellings, between
// everyday words, and checks the record against oracles that do not use
// the rule's regular expressions: an NHS number (valid by its mod-11
// check digit), a phone number, an e-mail address, a postcode, a National
// Insurance number, a date or a street address (a house number, a street
// name from the word list's names, a street word; sometimes a flat) is
// never recorded at all (the record is "");
// a name from the word list's names is never in the record. And the rule
// does not mask what it need not: a search of everyday words only is
// recorded as it is.
func TestZeroResultTermClass(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	var common, nameList []string
	for w := range dictionary() {
		switch {
		case strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLower(r) }) >= 0 || len(w) < 3 || stopWords[w]:
		case everyday(w):
			common = append(common, w)
		default:
			nameList = append(nameList, w)
		}
	}
	sort.Strings(common)
	sort.Strings(nameList)
	// The common words must really be everyday: none may look like a
	// month (a date of "12 may" is refused on purpose), a day or a number
	// in words ("ninth may", "twelve elm street" are refused too).
	numberNames := []string{"one", "two", "three", "seven", "twelve", "nineteen", "twenty", "forty two", "forty-two", "ninety nine", "one hundred and six"}
	dayNames := []string{"first", "second", "third", "ninth", "twelfth", "twentieth", "twenty first", "twenty-third", "thirtieth", "thirty-first"}
	numeric := map[string]bool{}
	for _, w := range append(append([]string{}, numberNames...), dayNames...) {
		for _, f := range strings.FieldsFunc(w, func(r rune) bool { return r == ' ' || r == '-' }) {
			numeric[f] = true
		}
	}
	for _, w := range []string{"four", "five", "six", "eight", "nine", "ten", "eleven", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"thirty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "fourth", "fifth", "sixth", "seventh", "eighth", "tenth", "eleventh",
		"thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"} {
		numeric[w] = true
	}
	common = filter(common, func(w string) bool { return !monthWords[w] && !numeric[w] })
	pick := func(ws []string) string { return ws[rng.IntN(len(ws))] }
	sep := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	nhsNumber := func() string {
		for {
			d := make([]int, 9)
			sum := 0
			for i := range d {
				d[i] = rng.IntN(10)
				sum += d[i] * (10 - i)
			}
			check := 11 - sum%11
			if check == 11 {
				check = 0
			}
			if check == 10 {
				continue // no valid number with these digits
			}
			digits := ""
			for _, x := range d {
				digits += fmt.Sprint(x)
			}
			digits += fmt.Sprint(check)
			s := sep(" ", "-", "", ".")
			return digits[:3] + s + digits[3:6] + s + digits[6:]
		}
	}
	phone := func() string {
		n := fmt.Sprintf("%04d", rng.IntN(10000))
		m := fmt.Sprintf("%06d", rng.IntN(1000000))
		switch rng.IntN(4) {
		case 0:
			return "07" + n[:3] + sep(" ", "", "-") + m
		case 1:
			return "+44 7" + n[:3] + " " + m
		case 2:
			return "(020) " + n + " " + n
		default:
			return "0161 " + m[:3] + " " + n
		}
	}
	email := func() string {
		return pick(nameList) + sep(".", "_", "") + pick(common) + "@" + pick(common) + sep(".com", ".org.uk", ".nhs.net")
	}
	postcode := func() string {
		l := "ABCDEFGHKLMNOPRSTUWYZ"
		in := "ABDEFGHJLNPQRSTUWXYZ"
		out := string(l[rng.IntN(len(l))]) + sep("", string(l[rng.IntN(len(l))])) + fmt.Sprint(1+rng.IntN(20))
		pc := out + sep(" ", "") + fmt.Sprint(rng.IntN(10)) + string(in[rng.IntN(len(in))]) + string(in[rng.IntN(len(in))])
		if rng.IntN(2) == 0 {
			pc = strings.ToLower(pc)
		}
		return pc
	}
	niNumber := func() string {
		return fmt.Sprintf("QQ%s%02d%s%02d%s%02d%sC", sep(" ", ""), rng.IntN(100), sep(" ", ""), rng.IntN(100), sep(" ", ""), rng.IntN(100), sep(" ", ""))
	}
	monthNames := []string{"January", "Feb", "march", "April", "June", "July", "August", "Sept", "October", "nov", "December"}
	date := func() string {
		d, m, y := 1+rng.IntN(28), 1+rng.IntN(12), 1930+rng.IntN(95)
		switch rng.IntN(6) {
		case 0:
			return fmt.Sprintf("%d/%d/%d", d, m, y)
		case 1:
			return fmt.Sprintf("%02d.%02d.%02d", d, m, y%100)
		case 2:
			return fmt.Sprintf("%d-%02d-%02d", y, m, d)
		case 3:
			return fmt.Sprintf("%d %s %d", d, pick(monthNames), y)
		case 4:
			return fmt.Sprintf("%s %dth", pick(monthNames), d)
		case 5:
			if rng.IntN(2) == 0 {
				// breaker8: a day in words ("twelfth of march", "ninth may").
				return pick(dayNames) + sep(" of ", " ") + pick(monthNames)
			}
			return fmt.Sprintf("%dst of %s", d, pick(monthNames))
		}
		return ""
	}
	streets := []string{"Road", "road", "Rd", "Street", "St", "Lane", "Avenue", "Close", "Drive", "Way", "Court", "Place", "Crescent", "Terrace", "Gardens", "Grove", "Square", "Hill", "Park", "Row", "Walk", "Mews",
		// breaker7 F12: kept before.
		"View", "House", "Estate", "Vale", "Wharf", "Cl", "Gdns", "Cres", "Tce", "Sq", "Pde", "Quay", "Yard", "Heights", "Cottages", "Mansions"}
	address := func() string {
		n := fmt.Sprint(1 + rng.IntN(300))
		if rng.IntN(3) == 0 {
			n += sep("a", "b", "A")
		}
		if rng.IntN(4) == 0 {
			n = pick(numberNames) // breaker8: "twelve elm street"
		}
		street := pick(nameList)
		if rng.IntN(2) == 0 {
			street = pick(common) + " " + street
		}
		a := n + sep(" ", ", ") + street + " " + pick(streets)
		if rng.IntN(4) == 0 { // the number after the street ("Elm Street 12")
			a = street + " " + pick(streets) + sep(" ", ", ") + n
		}
		if rng.IntN(3) == 0 {
			a = sep("flat", "Flat", "apartment") + " " + fmt.Sprint(1+rng.IntN(40)) + sep(" ", ", ") + a
		}
		return a
	}
	shapes := map[string]func() string{"nhs": nhsNumber, "phone": phone, "email": email, "postcode": postcode, "ni": niNumber, "date": date, "address": address}
	var kinds []string
	for k := range shapes {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	words := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = pick(common)
		}
		return out
	}
	for i := 0; i < 3000; i++ {
		k := kinds[i%len(kinds)]
		item := shapes[k]()
		ws := words(rng.IntN(4))
		at := rng.IntN(len(ws) + 1)
		q := strings.Join(append(append(append([]string{}, ws[:at]...), item), ws[at:]...), " ")
		if got := zeroResultTerm(q, nil); got != "" {
			t.Fatalf("%s %q: search %q recorded as %q, want not recorded", k, item, q, got)
		}
		// A name is masked wherever it stands, however it is written.
		name := pick(nameList)
		if rng.IntN(2) == 0 {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		ws = words(1 + rng.IntN(4))
		q = strings.Join(append([]string{name}, ws...), " ")
		got := zeroResultTerm(q, nil)
		for _, w := range strings.Fields(got) {
			if w == strings.ToLower(name) {
				t.Fatalf("search %q recorded as %q: the name %q is kept", q, got, name)
			}
		}
		// Everyday words only: recorded as typed.
		ws = words(1 + rng.IntN(MaxRecordedWords))
		q = strings.Join(ws, " ")
		if got, want := zeroResultTerm(q, nil), strings.Join(ws, " "); got != want {
			t.Fatalf("everyday search %q recorded as %q, want %q", q, got, want)
		}
	}
}

var monthWords = map[string]bool{"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "june": true, "jul": true, "july": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true}

func filter(ws []string, keep func(string) bool) []string {
	var out []string
	for _, w := range ws {
		if keep(w) {
			out = append(out, w)
		}
	}
	return out
}

// TestZeroResultTermNamesInTheLibrary checks the names rule when every
// name of the word list, and 300 made-up words no English word list has
// (the authors and places public text names), are words of the library
// (the worst case: public text names people too; breaker7 F12, breaker8):
// a person's two names (typed with capitals or not) between everyday
// words, or a name beside a word the record masks, are never in the
// record; a lone name between everyday words is kept (the rule does not
// mask what it need not: "ICB Wales dentist").
func TestZeroResultTermNamesInTheLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 5))
	var common, nameList []string
	for w := range dictionary() {
		switch {
		case strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLower(r) }) >= 0 || len(w) < 3 || stopWords[w] || monthWords[w]:
		case everyday(w):
			common = append(common, w)
		case !calendarWords[w] && synonyms[w] == nil: // "HIV" is a term, not a name
			nameList = append(nameList, w)
		}
	}
	sort.Strings(common)
	sort.Strings(nameList)
	isName := map[string]bool{}
	for _, n := range nameList {
		isName[n] = true
	}
	// Names the library prints that the word list does not have (the
	// authors of sources: "Hodson", "Nellums"): made-up words.
	madeUp := make([]string, 300)
	for i := range madeUp {
		b := []byte{}
		for range 4 + rng.IntN(5) {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		madeUp[i] = string(b)
		if !inDictionary(madeUp[i]) {
			isName[madeUp[i]] = true
			nameList = append(nameList, madeUp[i])
		}
	}
	library := func(w string) bool { return isName[w] || everyday(w) }
	pick := func(ws []string) string { return ws[rng.IntN(len(ws))] }
	typed := func(w string) string {
		if rng.IntN(2) == 0 {
			return strings.ToUpper(w[:1]) + w[1:]
		}
		return w
	}
	unknown := func() string {
		b := []byte("zq")
		for range 5 {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		return string(b)
	}
	for i := 0; i < 2000; i++ {
		ws := make([]string, rng.IntN(4))
		for j := range ws {
			ws[j] = pick(common)
		}
		var item []string
		if i%2 == 0 {
			item = []string{typed(pick(nameList)), typed(pick(nameList))}
		} else {
			item = []string{typed(pick(nameList)), unknown()}
			if rng.IntN(2) == 0 {
				item[0], item[1] = item[1], item[0]
			}
		}
		at := rng.IntN(len(ws) + 1)
		q := strings.Join(append(append(append([]string{}, ws[:at]...), item...), ws[at:]...), " ")
		got := zeroResultTerm(q, library)
		for _, w := range strings.Fields(got) {
			for _, n := range item {
				if w == strings.ToLower(n) && isName[w] {
					t.Fatalf("search %q recorded as %q: the name %q is kept", q, got, n)
				}
			}
		}
		// A lone name between everyday words: kept.
		name := typed(pick(nameList))
		ws = []string{pick(common), name, pick(common)}
		q = strings.Join(ws, " ")
		if got, want := zeroResultTerm(q, library), strings.ToLower(q); got != want {
			t.Fatalf("search %q recorded as %q, want %q", q, got, want)
		}
	}
}

// TestZeroResultTermEverydayNames (breaker8 MEDIUM 5): names made of
// everyday words, typed as names are ("Precious Gift", "Lucky Star
// dentist", "Blessing Moyo"), are not recorded: the breaker's examples,
// and 2,000 generated searches of two or three everyday words the
// library does not use, typed with capitals, among lower-case everyday
// and library words: none of the capitalised words is kept. The same
// words typed in small letters are everyday words and kept (a name typed
// so cannot be told from them: README says so), and capitalised words of
// the library stay ("Safe Surgeries").
func TestZeroResultTermEverydayNames(t *testing.T) {
	library := func(w string) bool {
		return w == "safe" || w == "surgeries" || w == "dentist" || w == "refused" || w == "registration"
	}
	for q, want := range map[string]string{
		"Precious Gift":                 "",
		"Storm Field":                   "",
		"Lucky Star dentist":            "* * dentist",
		"Promise Hope dentist":          "* * dentist",
		"Happy Sunday dentist":          "* sunday dentist",
		"Summer Rain refused":           "* * refused",
		"Blessing Moyo":                 "",
		"Sky Walker":                    "",
		"Ruby Gold registration":        "* * registration",
		"Safe Surgeries":                "safe surgeries",
		"precious gift":                 "precious gift",
		"Dentist in March":              "dentist in march",
		"refused registration Precious": "refused registration precious",
	} {
		if got := zeroResultTerm(q, library); got != want {
			t.Errorf("zeroResultTerm(%q) = %q, want %q", q, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(23, 9))
	var common []string
	for w := range dictionary() {
		if everyday(w) && len(w) >= 3 && !stopWords[w] && !calendarWords[w] && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLower(r) }) < 0 && !library(w) {
			common = append(common, w)
		}
	}
	sort.Strings(common)
	pick := func() string { return common[rng.IntN(len(common))] }
	capped, kept := 0, 0
	for i := 0; i < 2000; i++ {
		name := make([]string, 2+rng.IntN(2))
		for j := range name {
			name[j] = pick()
		}
		typed := make([]string, len(name))
		for j, w := range name {
			typed[j] = strings.ToUpper(w[:1]) + w[1:]
		}
		var before, after []string
		for range rng.IntN(3) {
			before = append(before, []string{pick(), "dentist", "refused", "registration"}[rng.IntN(4)])
		}
		for range rng.IntN(2) {
			after = append(after, []string{pick(), "dentist"}[rng.IntN(2)])
		}
		q := strings.Join(append(append(append([]string{}, before...), typed...), after...), " ")
		got := strings.Fields(zeroResultTerm(q, library))
		// The record's words line up with the query's (stop words are
		// left out of common, so none is dropped).
		if len(got) > 0 && len(got) != len(before)+len(typed)+len(after) {
			t.Fatalf("search %q recorded as %q: words do not line up", q, got)
		}
		for j := range typed {
			capped++
			if len(got) > 0 && got[len(before)+j] != maskedWord {
				t.Fatalf("search %q recorded as %q: the name word %q is kept", q, strings.Join(got, " "), typed[j])
			}
		}
		low := strings.Join(append(append(append([]string{}, before...), name...), after...), " ")
		if g := zeroResultTerm(low, library); g != "" && strings.Contains(g, maskedWord) {
			t.Fatalf("search %q in small letters recorded as %q: an everyday word masked", low, g)
		} else if g != "" {
			kept++
		}
	}
	if capped < 4000 || kept < 1500 {
		t.Fatalf("%d capitalised name words checked, %d searches in small letters kept: too few to tell", capped, kept)
	}
}
