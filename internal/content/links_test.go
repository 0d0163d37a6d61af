package content_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/testdb"
)

// TestBodyLinksAreThePagesLinks checks content.BodyLinks against the page
// a reader sees, the oracle (testdb.RenderedResourceLinks: the hrefs and
// srcs of the HTML the hub renders): breaker7 F1's forms — a reference
// definition, a title, <...>, #fragment, ?query, a trailing slash, an
// image, spaces — and generated bodies mixing them with text, other
// links and near misses, each found exactly when the page links to it.
func TestBodyLinksAreThePagesLinks(t *testing.T) {
	forms := []func(slug string) (string, string){
		func(s string) (string, string) { return fmt.Sprintf("[a](/resources/%s)", s), "" },
		func(s string) (string, string) {
			return fmt.Sprintf("[a][r%s]", s), fmt.Sprintf("[r%s]: /resources/%s", s, s)
		},
		func(s string) (string, string) {
			return fmt.Sprintf("[a][r%s]", s), fmt.Sprintf("[r%s]: </resources/%s> \"T\"", s, s)
		},
		func(s string) (string, string) { return fmt.Sprintf("[a](/resources/%s \"Guide\")", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](</resources/%s>)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](/resources/%s#top)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](/resources/%s?x=1)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](/resources/%s/)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("![pic](/resources/%s)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a]( /resources/%s )", s), "" },
		// Not links to a resource: the page has no such href.
		func(s string) (string, string) { return fmt.Sprintf("see /resources/%s in the text", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](/resourcesx/%s)", s), "" },
		func(s string) (string, string) { return fmt.Sprintf("[a](https://example.org/guide/%s)", s), "" },
	}
	for i, form := range forms {
		text, def := form("b7-target")
		body := "Read " + text + " first.\n"
		if def != "" {
			body += "\n" + def + "\n"
		}
		if got, want := content.BodyLinks(body), testdb.RenderedResourceLinks(body); !slices.Equal(got, want) {
			t.Errorf("form %d %q: BodyLinks %v, the page links %v", i, body, got, want)
		}
	}
	rng := rand.New(rand.NewSource(7))
	for round := 0; round < 300; round++ {
		var paras, defs []string
		for p := 0; p < 1+rng.Intn(4); p++ {
			var words []string
			for w := 0; w < 3+rng.Intn(8); w++ {
				if rng.Intn(4) == 0 {
					text, def := forms[rng.Intn(len(forms))](fmt.Sprintf("s-%d", rng.Intn(6)))
					words = append(words, text)
					if def != "" {
						defs = append(defs, def)
					}
				} else {
					words = append(words, []string{"GP", "registration", "and", "care", "(see", "below)", "[note]", "1,000"}[rng.Intn(8)])
				}
			}
			paras = append(paras, strings.Join(words, " "))
		}
		body := strings.Join(paras, "\n\n")
		if len(defs) > 0 {
			body += "\n\n" + strings.Join(defs, "\n")
		}
		got, want := content.BodyLinks(body), testdb.RenderedResourceLinks(body)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: BodyLinks %v, the page links %v\nbody:\n%s", round, got, want, body)
		}
	}
}
