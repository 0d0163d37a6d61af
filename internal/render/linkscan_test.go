package render

import (
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// TestShippedBodiesAreFarWithinLinkScan: every shipped body reads less
// than a hundredth of content.MaxLinkScan looking for link destinations,
// so the limit refuses only bodies built to be slow.
func TestShippedBodiesAreFarWithinLinkScan(t *testing.T) {
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for _, f := range lib.Files {
		c := content.LinkScanCost(f.Draft.Body)
		most = max(most, c)
		if c > content.MaxLinkScan/100 {
			t.Errorf("%s: link scan cost %d, over a hundredth of %d", f.Draft.Slug, c, content.MaxLinkScan)
		}
	}
	t.Logf("%d bodies, the most %d bytes", len(lib.Files), most)
}

// TestBodyOverLinkScanIsText: a body stored before the limit whose links
// would hold the parser for minutes is shown as its text, escaped, with no
// link; a body just within the limit is rendered as Markdown.
func TestBodyOverLinkScanIsText(t *testing.T) {
	over := strings.Repeat("[a](", 200000) + "<script>x</script>"
	got := HTML(over, "en")
	if strings.Contains(got, "<a ") || strings.Contains(got, "<script") || !strings.Contains(got, "[a](") {
		t.Fatalf("over the limit: %.200q", got)
	}
	within := strings.Repeat("[a](b) ", 1000)
	if got := HTML(within, "en"); strings.Count(got, "<a href=") != 1000 {
		t.Fatalf("within the limit: %d links rendered", strings.Count(got, "<a href="))
	}
}

// BenchmarkRenderAtLinkScanLimit renders the slowest shape of body the
// rules accept: "[a](" openers before text without a space, their cost
// just within content.MaxLinkScan (at 2.8 ns a byte read, about 12 ms).
func BenchmarkRenderAtLinkScanLimit(b *testing.B) {
	tail := strings.Repeat("x", 1<<16)
	n := content.MaxLinkScan / (len(tail) + 4)
	body := strings.Repeat("[a](", n) + tail
	for content.LinkScanCost(body) > content.MaxLinkScan {
		n--
		body = strings.Repeat("[a](", n) + tail
	}
	b.Logf("%d openers, cost %d", n, content.LinkScanCost(body))
	for b.Loop() {
		HTML(body, "en")
	}
}
