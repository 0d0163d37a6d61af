package web

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
)

// The Atom feed takes the search page's parameters: for generated search
// URLs, the feed accepts exactly what the page accepts and reads the same
// filter from it (the page's discovery link relies on it).
func TestAtomFeedTakesTheSearchPagesParameters(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	var topics []string
	for _, tp := range content.Topics {
		topics = append(topics, tp.Slug)
	}
	slug := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "-")) }
	for i := range 500 {
		v := url.Values{}
		for range rng.IntN(5) {
			switch rng.IntN(6) {
			case 0:
				v.Add("kind", pick("guidance", "research-brief", "policy-position", "Research-Brief", "blog"))
			case 1:
				v.Add("topic", pick(append(topics, "no-such-topic")...))
			case 2:
				v.Add("audience", slug(pick(append(content.Audiences, "everyone")...)))
			case 3:
				v.Add("nation", pick("england", "northern-ireland", "Northern Ireland", "france"))
			case 4:
				v.Add("language", pick("en", "fa", "AR", "x_y"))
			case 5:
				v.Set("q", pick("gp registration", "charging", ""))
			}
		}
		page, perr := parseSearchParams(v)
		feed, ferr := partner.ParseAtomQuery(v)
		if (perr == nil) != (ferr == nil) {
			t.Fatalf("case %d %s: search page error %v, feed error %v", i, v.Encode(), perr, ferr)
		}
		if perr != nil {
			continue
		}
		got := fmt.Sprint(feed.Text, "|", dedupeK(feed.Filter.Kinds), dedupe(feed.Filter.Topics), dedupe(feed.Filter.Audiences), dedupe(feed.Filter.Nations), dedupe(feed.Filter.Languages))
		want := fmt.Sprint(page.Text, "|", page.Kinds, page.Topics, page.Audiences, page.Nations, page.Languages)
		if got != want {
			t.Fatalf("case %d %s: feed reads %s, search page %s", i, v.Encode(), got, want)
		}
	}
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func dedupeK(s []content.Kind) []content.Kind {
	var out []content.Kind
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
