package search

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestTypographicQuotesAndMinus (breaker4 F11): phones and word
// processors type curly quotes and dashes; a phrase in any quotation
// marks is the phrase in straight quotes, and a word after a minus sign,
// hyphen or dash is excluded as after '-'. Generated over library words.
func TestTypographicQuotesAndMinus(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	same := func(a, b string) {
		t.Helper()
		ga, pa := searchSlugs(t, ix, slugs, a)
		gb, pb := searchSlugs(t, ix, slugs, b)
		if fmt.Sprint(ga) != fmt.Sprint(gb) || pa.Total != pb.Total {
			t.Errorf("%q finds %d %v, %q finds %d %v", a, pa.Total, ga, b, pb.Total, gb)
		}
	}
	quotes := [][2]string{{"“", "”"}, {"‘", "’"}, {"„", "“"}, {"«", "»"}, {"»", "«"}, {"〝", "〞"}, {"＂", "＂"}, {"\"", "”"}}
	minuses := []string{"−", "–", "—", "‐", "‑", "﹣", "－"}
	phrases := []string{"proof of address", "safe surgeries", "overseas visitors", "data sharing"}
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 6; i++ {
		phrases = append(phrases, words[rng.Intn(len(words))]+" "+words[rng.Intn(len(words))])
	}
	for _, p := range phrases {
		for _, q := range quotes {
			same(`"`+p+`"`, q[0]+p+q[1])
		}
	}
	for i := 0; i < 8; i++ {
		a, b := words[rng.Intn(len(words))], words[rng.Intn(len(words))]
		for _, m := range minuses {
			same(a+" -"+b, a+" "+m+b)
		}
	}
	same("charging -wales", "charging −wales")
	// An apostrophe stays part of a word.
	same("doctor's", "doctor’s")
}

// TestWordsJoinedByPunctuation (breaker4 F10): "asylum/refugee",
// "ICB/CCG", "gp–charging" found nothing although each word is in the
// library, and "gp,charging" found every resource with either word. A
// word joined by punctuation finds something whenever its words apart do
// (README: a query finds nothing only when none of its words is in a
// resource), and words joined by a comma, semicolon or plus are the words
// apart. Generated over pairs of library words and every separator.
func TestWordsJoinedByPunctuation(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	total := func(q string) int {
		t.Helper()
		_, p := searchSlugs(t, ix, slugs, q)
		return p.Total
	}
	for _, q := range []string{"asylum/refugee", "ICB/CCG", "interpreter/translator", "pregnant/maternity", "gp–charging", "gp—charging", "gp.charging", "gp:charging", "title:gp", "NHS England/Improvement"} {
		if total(q) == 0 {
			t.Errorf("%q finds nothing", q)
		}
	}
	for _, q := range []string{"gp,charging", "gp+charging", "gp;charging", "gp ,charging"} {
		if a, b := total(q), total("gp charging"); a != b {
			t.Errorf("%q finds %d, %q %d", q, a, "gp charging", b)
		}
	}
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(10))
	for i := 0; i < 40; i++ {
		a, b := words[rng.Intn(len(words))], words[rng.Intn(len(words))]
		if !letters.MatchString(a) || !letters.MatchString(b) {
			continue
		}
		apart := total(a + " " + b)
		for _, sep := range []string{"/", "–", "—", "-", ".", ":", "_", "\\"} {
			if got := total(a + sep + b); apart > 0 && got == 0 {
				t.Errorf("%q finds nothing, %q finds %d", a+sep+b, a+" "+b, apart)
			}
		}
		for _, sep := range []string{",", ";", "+", "|"} {
			if got := total(a + sep + b); got != apart {
				t.Errorf("%q finds %d, %q %d", a+sep+b, got, a+" "+b, apart)
			}
		}
	}
	// Numbers keep their commas.
	if strings.Contains(fmt.Sprint(isSeparator([]rune("1,000"), 1)), "true") {
		t.Error("the comma of 1,000 separates")
	}
}

// TestQuotesCloseWhereTheyShould (review5 R1): a double quotation mark
// always closes a phrase ("gp"registration is the phrase gp, then a word),
// while a single closing quote followed by a letter is an apostrophe; a
// single opening quote never closed is punctuation, not a phrase to the
// end of the query. Oracles: the same queries written with spaces.
func TestQuotesCloseWhereTheyShould(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, tc := range [][2]string{
		{`"gp"registration`, `"gp" registration`},
		{`“gp”registration`, `"gp" registration`},
		{`«proof of address»charging`, `"proof of address" charging`},
		{`‘til charging`, `til charging`},
		{`charging ‘wales`, `charging wales`},
		{`-‘wales charging`, `-wales charging`},
		{`‘proof of address’ charging`, `"proof of address" charging`},
		{`doctor’s surgery`, `doctor's surgery`},
	} {
		ga, pa := searchSlugs(t, ix, slugs, tc[0])
		gb, pb := searchSlugs(t, ix, slugs, tc[1])
		if fmt.Sprint(ga) != fmt.Sprint(gb) || pa.Total != pb.Total {
			t.Errorf("%q finds %d %v, %q finds %d %v", tc[0], pa.Total, ga, tc[1], pb.Total, gb)
		}
	}
}
