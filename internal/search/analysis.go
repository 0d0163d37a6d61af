package search

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var folder = cases.Fold()

// foldKey is a search key: NFKC-normalised and case-folded (and NFKC again,
// as folding can undo normalisation), so that full-width "ＧＰ" is "gp" and
// composed and decomposed "é" are one letter.
//
// ASCII text takes a shortcut with the same result: NFKC leaves ASCII
// unchanged and full case folding maps only A–Z within ASCII (Unicode
// CaseFolding.txt). Most of an English library's tokens are ASCII, and
// the full path was 15% of the CPU of an index build.
func foldKey(s string) string {
	if folded, ok := foldASCII(s); ok {
		return folded
	}
	return norm.NFKC.String(folder.String(norm.NFKC.String(s)))
}

// foldASCII lower-cases s if it is all ASCII, and reports whether it was.
// It returns s itself when nothing changes.
func foldASCII(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return "", false
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), true
}

// foldFilter folds each token's term with foldKey. It is a token filter,
// not a char filter, so the tokens' byte offsets into the original text
// stay right for highlighting.
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = foldTerm(t.Term)
	}
	return in
}

// foldTerm is foldKey for a token's term. The term may share its bytes
// with the field's text (the tokenizer slices it), which is stored: it is
// never changed in place.
func foldTerm(term []byte) []byte {
	upper := false
	for _, c := range term {
		if c >= 0x80 {
			return []byte(foldKey(string(term)))
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return term
	}
	out := make([]byte, len(term))
	for i, c := range term {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// zwnjFilter replaces each zero-width non-joiner (U+200C, three bytes in
// UTF-8) with three spaces, splitting the word there as Bleve's Persian
// char filter does, but without changing the text's length: Bleve's filter
// puts one space for three bytes, which shifts every later token's offsets
// (highlights two bytes early per ZWNJ, and cut inside a character).
type zwnjFilter struct{}

var zwnj = []byte("\u200c")

func (zwnjFilter) Filter(in []byte) []byte {
	if !bytes.Contains(in, zwnj) {
		return in
	}
	return bytes.ReplaceAll(in, zwnj, []byte("   "))
}

// ampersandFilter joins the two sides of an "&" between letters or digits
// into one token by putting "_" (a word-joining character in Unicode word
// segmentation) in its place: "A&E" is one word in every analyzer, where
// it would otherwise be "a" and "e", which English removes as a stop word
// and Spanish, Italian and Portuguese remove entirely, so that "A&E" would
// find every "e" ("e-mail", "Ford E") or nothing. One byte for one, so
// offsets stay right.
type ampersandFilter struct{}

func (ampersandFilter) Filter(in []byte) []byte {
	if !bytes.Contains(in, []byte("&")) {
		return in
	}
	out := append([]byte(nil), in...)
	for i, b := range in {
		if b != '&' || i == 0 || i == len(in)-1 {
			continue
		}
		before, _ := utf8.DecodeLastRune(in[:i])
		after, _ := utf8.DecodeRune(in[i+1:])
		if wordRune(before) && wordRune(after) {
			out[i] = '_'
		}
	}
	return out
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// hubAnalyzer is the name of the hub's version of a Bleve analyzer.
func hubAnalyzer(base string) string { return "hub_" + base }

// registerAnalyzers registers, for each Bleve language analyzer the index
// uses, a copy with ampersandFilter first among its char filters, foldFilter
// first among its token filters and the Persian ZWNJ char filter replaced
// by zwnjFilter; and the plain analyzer (Unicode words, "&" joined, folded).
func init() {
	for _, base := range languageAnalyzers {
		base := base
		err := registry.RegisterAnalyzer(hubAnalyzer(base), func(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
			a, err := cache.AnalyzerNamed(base)
			if err != nil {
				return nil, err
			}
			da, ok := a.(*analysis.DefaultAnalyzer)
			if !ok {
				return nil, fmt.Errorf("analyzer %s is a %T, not a DefaultAnalyzer", base, a)
			}
			out := &analysis.DefaultAnalyzer{Tokenizer: da.Tokenizer, CharFilters: []analysis.CharFilter{ampersandFilter{}}}
			for _, cf := range da.CharFilters {
				if base == "fa" {
					cf = zwnjFilter{}
				}
				out.CharFilters = append(out.CharFilters, cf)
			}
			out.TokenFilters = append([]analysis.TokenFilter{foldFilter{}}, da.TokenFilters...)
			return out, nil
		})
		if err != nil {
			panic(err)
		}
	}
	err := registry.RegisterAnalyzer(plainAnalyzer, func(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(unicodetok.Name)
		if err != nil {
			return nil, err
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok, CharFilters: []analysis.CharFilter{ampersandFilter{}}, TokenFilters: []analysis.TokenFilter{foldFilter{}}}, nil
	})
	if err != nil {
		panic(err)
	}
}
