package search

import (
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/lang/pt"
	"github.com/blevesearch/bleve/v2/analysis/lang/ro"
)

// stopLists are the stop word lists of Bleve's analyzers that the index
// uses (languageAnalyzers), by language.
var stopLists = map[string][]byte{
	"en": en.EnglishStopWords, "fa": fa.PersianStopWords, "ar": ar.ArabicStopWords, "fr": fr.FrenchStopWords,
	"es": es.SpanishStopWords, "de": de.GermanStopWords, "it": it.ItalianStopWords, "pt": pt.PortugueseStopWords,
	"ro": ro.RomanianStopWords,
}

// The example: a Persian title word made only of stop words
// browses, like an English stop word, instead of finding nothing; beside
// another word it is dropped, not reported as omitted.
func TestPersianStopWordQuery(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	all, _ := searchSlugs(t, ix, slugs, "")
	for _, q := range []string{"می\u200cتوانند", `"می` + "\u200c" + `توانند"`, "می توانند", "the می\u200cتوانند"} {
		if got, _ := searchSlugs(t, ix, slugs, q); !slices.Equal(got, all) {
			t.Errorf("%q finds %d resources, want every one (%d), newest first", q, len(got), len(all))
		}
	}
	reg, _ := searchSlugs(t, ix, slugs, "ثبت")
	got, page := searchSlugs(t, ix, slugs, "می\u200cتوانند ثبت")
	if len(reg) == 0 || !slices.Equal(got, reg) || len(page.OmittedWords) > 0 {
		t.Errorf("می‌توانند ثبت finds %v (omitted %q), ثبت %v", got, page.OmittedWords, reg)
	}
}

// A query of only stop words of a language the library is written in is
// never a dead end, and stop words that match nothing added to a query
// change nothing: generated from each present language's stop list (joined
// with a zero-width non-joiner too, as Persian writes).
func TestStopWordsOfEveryLanguage(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	words := libraryWords(t, ix)
	all, _ := searchSlugs(t, ix, slugs, "")
	rng := rand.New(rand.NewSource(4))
	tried := 0
	for _, g := range ix.presentGroups() {
		list, ok := stopLists[g]
		if !ok {
			continue
		}
		tm := analysis.NewTokenMap()
		if err := tm.LoadBytes(list); err != nil {
			t.Fatal(err)
		}
		var stops []string
		for w := range tm {
			stops = append(stops, w)
		}
		sort.Strings(stops)
		for i := 0; i < 30; i++ {
			var q []string
			for range 1 + rng.Intn(3) {
				q = append(q, stops[rng.Intn(len(stops))])
			}
			sep := " "
			if i%3 == 0 {
				sep = "\u200c"
			}
			text := strings.Join(q, sep)
			tried++
			got, page := searchSlugs(t, ix, slugs, text)
			if page.Total == 0 {
				t.Errorf("%s stop words %q find nothing", g, text)
				continue
			}
			if !slices.Equal(got, all) {
				continue // a stop word of one language that another's text has: searched
			}
			w := words[rng.Intn(len(words))]
			alone, _ := searchSlugs(t, ix, slugs, w)
			with, wp := searchSlugs(t, ix, slugs, w+" "+text)
			if !slices.Equal(alone, with) || len(wp.OmittedWords) > 0 {
				t.Errorf("%q finds %v (omitted %q), %q alone %v", w+" "+text, with, wp.OmittedWords, w, alone)
			}
		}
	}
	if tried < 60 {
		t.Errorf("only %d stop word queries tried: the library lacks the languages", tried)
	}
}
