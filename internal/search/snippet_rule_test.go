package search

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMarkdownSyntaxIsTheOnePassRule checks markdownSyntax, which reads
// link brackets in one pass (breaker7 F9), against the rule it replaced
// (markdownSyntaxNaive below: one scan per bracket), the oracle: the same
// characters dropped on generated texts dense in brackets, parentheses,
// newlines, images and emphasis.
func TestMarkdownSyntaxIsTheOnePassRule(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	parts := []string{"[", "]", "(", ")", "!", "\n", "x", " ", "_", "*", "a b", "](", ")\n", "[t](u)", "![i](/p)", "\n\n", "1. ", "- "}
	for round := 0; round < 3000; round++ {
		var b strings.Builder
		for n := rng.Intn(60); n > 0; n-- {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		text := b.String()
		blank, item := rng.Intn(2) == 0, rng.Intn(2) == 0
		if got, want := markdownSyntax(text, blank, item), markdownSyntaxNaive(text, blank, item); !slices.Equal(got, want) {
			t.Fatalf("%q: dropped %v, the rule drops %v", text, got, want)
		}
	}
}

// BenchmarkMarkdownSyntaxBrackets is breaker7 F9's body: 100,000 '['
// before one ']' (and the same with a link target after it), in one line.
func BenchmarkMarkdownSyntaxBrackets(b *testing.B) {
	for _, text := range []string{
		"qq " + strings.Repeat("[", 100000) + "x" + strings.Repeat("]", 100000),
		strings.Repeat("[", 100000) + "x](" + strings.Repeat("y", 1000) + ")",
	} {
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				markdownSyntax(text, true, false)
			}
		})
	}
}

// markdownSyntaxNaive is markdownSyntax as it was before breaker7 F9: the
// oracle of TestMarkdownSyntaxIsTheOnePassRule.
func markdownSyntaxNaive(text string, blankBefore, itemBefore bool) []bool {
	drop := make([]bool, len(text))
	set := func(s, e int) {
		for i := s; i < e; i++ {
			drop[i] = true
		}
	}
	// Line by line: block prefixes; a number and a dot start a list item
	// only where CommonMark lets one (after a blank line or another item,
	// or "1." anywhere): "June\n2023. In" is text.
	prevBlank, prevItem := blankBefore, itemBefore
	for at := 0; at < len(text); {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += at
		}
		line := text[at:end]
		blank := strings.TrimSpace(line) == ""
		item := false
		switch {
		case blank:
		case mdRule.MatchString(line) || mdTableRule.MatchString(line):
			set(at, end)
		default:
			if m := mdBlockPrefix.FindStringIndex(line); m != nil {
				set(at, at+m[1])
				item = true
			} else if m := mdOrdered.FindStringSubmatchIndex(line); m != nil && (prevBlank || prevItem || line[m[2]:m[3]] == "1") {
				set(at, at+m[1])
				item = true
			}
			if strings.HasPrefix(strings.TrimSpace(line), "|") {
				for i := at; i < end; i++ {
					if text[i] == '|' {
						drop[i] = true
					}
				}
			}
		}
		prevBlank, prevItem = blank, item || (prevItem && strings.HasPrefix(line, " "))
		at = end + 1
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '*', '`', '\\':
			drop[i] = true
		case '_':
			j := i
			for j < len(text) && text[j] == '_' {
				j++
			}
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			after, _ := utf8.DecodeRuneInString(text[j:])
			if i == 0 || j == len(text) || !snippetWordRune(before) || !snippetWordRune(after) {
				set(i, j)
			}
			i = j - 1
		case '[':
			// [text](target) and ![alt](target), on one line.
			close := strings.IndexAny(text[i+1:], "]\n")
			if close < 0 || text[i+1+close] != ']' {
				continue
			}
			c := i + 1 + close
			if c+1 >= len(text) || text[c+1] != '(' {
				continue
			}
			paren := strings.IndexAny(text[c+2:], ")\n")
			if paren < 0 || text[c+2+paren] != ')' {
				continue
			}
			drop[i] = true
			if i > 0 && text[i-1] == '!' {
				drop[i-1] = true
			}
			set(c, c+2+paren+1)
		}
	}
	return drop
}

// BenchmarkHiddenText is hiddenText (hidden.go) on bodies built to make a
// scan for a closing character start again at every opening one: it must
// stay linear (breaker7 F9's lesson).
func BenchmarkHiddenText(b *testing.B) {
	for _, text := range []string{
		strings.Repeat("<", 100000) + ">",
		strings.Repeat("<a b=", 50000) + ">",
		strings.Repeat("[a][", 50000) + "]",
		strings.Repeat("[^", 50000) + "]",
		strings.Repeat("&amp", 50000) + ";",
		strings.Repeat("<!--", 50000),
		strings.Repeat("[x]: y\n", 20000) + strings.Repeat("[x] ", 20000),
	} {
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				hiddenText(text)
			}
		})
	}
}
