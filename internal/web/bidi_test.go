package web_test

import (
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"guidancehub/internal/content"
)

// isolatedOK reports whether the bidirectional formatting characters of s
// are all inside an isolate that s opens and closes itself, properly
// nested (UAX #9: a PDF closes the innermost embedding, a PDI the
// innermost isolate), so s cannot reorder the text around it.
func isolatedOK(s string) bool {
	var open []rune
	for _, r := range s {
		switch r {
		case '\u202A', '\u202B', '\u202D', '\u202E':
			if len(open) == 0 {
				return false
			}
			open = append(open, 'E')
		case '\u2066', '\u2067', '\u2068':
			open = append(open, 'I')
		case '\u202C':
			if len(open) == 0 || open[len(open)-1] != 'E' {
				return false
			}
			open = open[:len(open)-1]
		case '\u2069':
			i := len(open) - 1
			for i >= 0 && open[i] != 'I' {
				i--
			}
			if i < 0 {
				return false
			}
			open = open[:i]
		case '\u200E', '\u200F', '\u061C':
			if len(open) == 0 {
				return false
			}
		}
	}
	return len(open) == 0
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// echoCheck finds, in a page, every text holding a bidirectional control
// and says what is wrong with it: a <title> must isolate it (FSI … PDI,
// balanced), any other text must sit in a <bdi> whose text is balanced.
// It returns the problems, how many titles held a control and how many
// <bdi> echoes it checked.
func echoCheck(body string) (problems []string, titles, bdis int) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return []string{err.Error()}, 0, 0
	}
	var walk func(n *html.Node, inBdi bool)
	walk = func(n *html.Node, inBdi bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "title":
				t := nodeText(n)
				if strings.ContainsFunc(t, content.IsBidiControl) {
					titles++
					if !isolatedOK(t) {
						problems = append(problems, "title "+strconvQuote(t))
					}
				}
				return
			case "bdi":
				t := nodeText(n)
				bdis++
				if strings.ContainsFunc(t, content.IsBidiControl) {
					if !isolatedOK("\u2068" + t + "\u2069") {
						problems = append(problems, "<bdi> "+strconvQuote(t))
					}
				}
				inBdi = true
			}
		}
		if n.Type == html.TextNode && !inBdi && strings.ContainsFunc(n.Data, content.IsBidiControl) {
			problems = append(problems, "text outside <bdi> "+strconvQuote(n.Data))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBdi)
		}
	}
	walk(doc, false)
	return problems, titles, bdis
}

func strconvQuote(s string) string { return strconv.QuoteToASCII(s) }

// TestReadersTextIsIsolated: wherever a page echoes what a reader typed
// (the title and heading text of a search, "did you mean", the words left
// out, the messages of a 400), text with bidirectional controls (U+202E
// RIGHT-TO-LEFT OVERRIDE, stray isolates and pops, marks) is isolated and
// balanced, so it cannot reorder the page around it. Generated strings
// over every page that takes a reader's text.
func TestReadersTextIsIsolated(t *testing.T) {
	h := startHub(t).Handler
	rng := rand.New(rand.NewPCG(2068, 2069))
	controls := []string{"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"}
	words := []string{"register", "registraton", "zzqxv", "gp", "يمكن", "charging", "exemptons", "proof"}
	gen := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			if rng.IntN(2) == 0 {
				b.WriteString(controls[rng.IntN(len(controls))])
			} else {
				b.WriteString(words[rng.IntN(len(words))])
			}
			if rng.IntN(3) == 0 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	var titles, bdis int
	for i := range 30 {
		s := gen()
		e := url.QueryEscape(s)
		for _, target := range []string{
			"/search?q=" + e,
			"/search?q=register+" + e,
			"/search?q=" + e + "+zzqxv&kind=guidance",
			"/search?kind=" + e,
			"/search?sort=" + e,
			"/search?language=" + e,
			"/topics/charging?nation=" + e,
			"/search?q=" + e + "&page=" + e,
		} {
			r := get(t, h, target)
			if r.status != 200 && r.status != 400 {
				t.Fatalf("case %d %s: status %d", i, target, r.status)
			}
			p, nt, nb := echoCheck(r.body)
			if len(p) > 0 {
				t.Fatalf("case %d %s: %v", i, target, p)
			}
			titles, bdis = titles+nt, bdis+nb
		}
	}
	// The echo points were reached: not a test that cannot fail. (Since
	// the search box splits words at punctuation, 6f2723a, the words a
	// search echoes in "did you mean" and "we left out" hold no control
	// any more; the <bdi> around them stays, and is checked when they do.)
	t.Logf("%d titles held a bidirectional control; %d <bdi> echoes checked", titles, bdis)
	if titles < 25 || bdis < 3 {
		t.Errorf("only %d titles held a bidirectional control and %d <bdi> echoes were checked", titles, bdis)
	}
	// The example from the fresh-eyes run.
	r := get(t, h, "/search?q=%e2%80%aegp")
	if !strings.Contains(r.body, "<title>Search results for “\u2068\u202Egp\u202C\u2069”") {
		t.Errorf("U+202E gp is not isolated in the title:\n%.400s", r.body)
	}
}
