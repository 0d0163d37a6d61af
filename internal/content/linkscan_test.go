package content

import (
	"math/rand"
	"strings"
	"testing"
)

// linkScanNaive is LinkScanCost's rule read again from every "](" (the
// oracle: quadratic, as the parser it models).
func linkScanNaive(body string) int {
	cost := 0
	for i := 0; i+1 < len(body); i++ {
		if body[i] != ']' || body[i+1] != '(' {
			continue
		}
		from := i + 2
		end := len(body)
		stop := " \t\n\r"
		if from < len(body) && body[from] == '<' {
			stop = ">\n"
		}
		if k := strings.IndexAny(body[from:], stop); k >= 0 {
			end = from + k
		}
		cost += end - from
	}
	return cost
}

// TestLinkScanCostIsTheRule checks LinkScanCost's one pass against the
// rule read naively from every "](", on generated bodies dense in link
// openers, angle brackets, spaces and line breaks.
func TestLinkScanCostIsTheRule(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	parts := []string{"[a](", "](", "](<", "<", ">", " ", "\n", "x", "yy", ")", "[t](u)", "](<a b>)", "\t"}
	for round := 0; round < 5000; round++ {
		var b strings.Builder
		for n := rng.Intn(80); n > 0; n-- {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		body := b.String()
		if got, want := LinkScanCost(body), linkScanNaive(body); got != want {
			t.Fatalf("%q: cost %d, the rule says %d", body, got, want)
		}
	}
}

// TestBodiesThatRenderSlowlyAreRefused: the shapes that held the renderer
// for seconds (measured with goldmark v1.8.7: "[a](" 20,000 times 2.2 s,
// "[a](x" 20,000 times 2.7 s, "![a](" 20,000 times 2.4 s, 200 openers before
// 1 MB without a space 0.56 s, "[a](<" 20,000 times 0.65 s) are refused by
// Draft.Check naming the body, and the same with spaces between the
// openers (which the parser reads quickly) is accepted.
func TestBodiesThatRenderSlowlyAreRefused(t *testing.T) {
	base := Draft{Slug: "s", Title: "T", Summary: "S", Kind: KindGuidance, Language: "en"}
	for _, body := range []string{
		strings.Repeat("[a](", 20000),
		strings.Repeat("[a](x", 20000) + ")",
		strings.Repeat("![a](", 20000),
		strings.Repeat("[a](", 200) + strings.Repeat("x", 1<<19),
		strings.Repeat("[a](<", 20000),
	} {
		d := base
		d.Body = body
		errs := d.Check(Rules{})
		found := false
		for _, e := range errs {
			if e.Field == "body" && e.Code == EINVALID {
				found = true
			}
		}
		if !found {
			t.Errorf("body %q… (cost %d): not refused: %v", body[:12], LinkScanCost(body), errs)
		}
	}
	d := base
	d.Body = strings.Repeat("[a]( ", 20000)
	for _, e := range d.Check(Rules{}) {
		if e.Field == "body" {
			t.Errorf("body of spaced openers refused: %v", e)
		}
	}
}
