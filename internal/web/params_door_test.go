package web_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// genSearchQuery returns a raw query string over the search parameters:
// good and bad filter values in several spellings, repeated and blank
// values, long and bidi-laden text, bad escapes, invalid UTF-8, NULs and
// parameters the hub does not know.
func genSearchQuery(rng *rand.Rand) string {
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	var topics []string
	for _, tp := range content.Topics {
		topics = append(topics, tp.Slug, strings.ToUpper(tp.Slug))
	}
	var parts []string
	for range rng.IntN(6) {
		var k, v string
		switch rng.IntN(11) {
		case 0:
			k, v = "kind", pick("guidance", "research-brief", "policy-position", "Research-Brief", "RESEARCH_BRIEF", "research", "policy", "guidance-document", "blog", "", " ", "research brief")
		case 1:
			k, v = "topic", pick(append(topics, "no-such-topic", "")...)
		case 2:
			k, v = "audience", pick("gp-practices", "GP_PRACTICES", "gp practices", "public-health", "everyone", "")
		case 3:
			k, v = "nation", pick("england", "northern-ireland", "Northern Ireland", "WALES", "france", "")
		case 4:
			k, v = "language", pick("en", "fa", "AR", "en-GB", "x_y", "e", "")
		case 5:
			k, v = "q", pick("gp registration", "charging", "", "  ", strings.Repeat("ab", 129), "\u202egp", "registraton\u2069")
		case 6:
			k, v = "sort", pick("relevance", "newest", "Newest", "oldest", "")
		case 7:
			k, v = pick("utm_source", "fbclid", "x"), "anything"
		case 8:
			// Raw bytes: bad escapes, invalid UTF-8, control characters.
			parts = append(parts, pick("kind=%ff", "q=%00", "q=%zz", "topic=a%7fb", "a;b", "%ff=1", "nation=%e2%80"))
			continue
		case 9:
			k, v = "q", pick("gp", "nhs")
			parts = append(parts, "q="+url.QueryEscape(v)) // q twice once in a while
		case 10:
			for range 31 {
				parts = append(parts, "kind=guidance")
			}
			continue
		}
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

var namedParam = regexp.MustCompile(`The (.+?) in the address`)

// TestSearchParametersAreOneDomainRule: the search page, a topic page and
// the Atom feed read the search parameters with one function
// (content.ParseSearchParams). Over generated query strings the three
// doors accept and refuse exactly the same ones, and a refusal names the
// same parameter on each; an accepted one gives the feed the filter the
// search page uses, and a topic page with any search parameter sends the
// reader to the search page within that topic.
func TestSearchParametersAreOneDomainRule(t *testing.T) {
	h := startHub(t).Handler
	rng := rand.New(rand.NewPCG(18, 16))
	for i := range 400 {
		raw := genSearchQuery(rng)
		page := get(t, h, "/search?"+raw)
		feed := get(t, h, "/feeds/resources.atom?"+raw)
		topic := get(t, h, "/topics/charging?"+raw)
		switch {
		case page.status == http.StatusBadRequest:
			m := namedParam.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatalf("case %d %q: the 400 page names no parameter", i, raw)
			}
			if feed.status != http.StatusBadRequest || !strings.Contains(feed.body, `"message":"`+m[1]+":") {
				t.Fatalf("case %d %q: search page refuses %s, feed answers %d %q", i, raw, m[1], feed.status, feed.body)
			}
			if topic.status != http.StatusBadRequest || !strings.Contains(topic.body, "The "+m[1]+" in the address") {
				t.Fatalf("case %d %q: search page refuses %s, topic page answers %d", i, raw, m[1], topic.status)
			}
		case page.status == http.StatusOK:
			if feed.status != http.StatusOK {
				t.Fatalf("case %d %q: search page 200, feed %d %q", i, raw, feed.status, feed.body)
			}
			v, err := content.ParseQueryString(raw)
			if err != nil {
				t.Fatalf("case %d %q: accepted by the doors, refused by ParseQueryString: %v", i, raw, err)
			}
			p, err := content.ParseSearchParams(v)
			if err != nil {
				t.Fatalf("case %d %q: accepted by the doors, refused by ParseSearchParams: %v", i, raw, err)
			}
			// The feed's self link is the search it answers.
			self := p
			self.Order = ""
			if c := self.Values().Encode(); c != "" && !strings.Contains(feed.body, `/feeds/resources.atom?`+strings.ReplaceAll(c, "&", "&amp;")+`"`) {
				t.Fatalf("case %d %q: the feed's self link is not %s", i, raw, c)
			}
			if p.Empty() {
				if topic.status != http.StatusOK {
					t.Fatalf("case %d %q: topic page %d", i, raw, topic.status)
				}
			} else if loc := topic.header.Get("Location"); topic.status != http.StatusFound || !strings.HasPrefix(loc, "/search?") {
				t.Fatalf("case %d %q: topic page %d Location %q, want 302 to the search page", i, raw, topic.status, loc)
			} else {
				lv, _ := url.ParseQuery(strings.TrimPrefix(loc, "/search?"))
				lp, err := content.ParseSearchParams(lv)
				wantTopics := append([]string{"charging"}, p.Filter.Topics...)
				if err != nil || strings.Join(lp.Filter.Topics, ",") != strings.Join(dedupe(wantTopics), ",") || lp.Text != p.Text || len(lp.Filter.Kinds) != len(p.Filter.Kinds) {
					t.Fatalf("case %d %q: topic page sends the reader to %s", i, raw, loc)
				}
			}
		default:
			t.Fatalf("case %d %q: search page %d", i, raw, page.status)
		}
	}
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !strings.Contains(","+strings.Join(out, ",")+",", ","+x+",") {
			out = append(out, x)
		}
	}
	return out
}

// TestTopicRedirectKeepsThePage: /topics/charging?kind=guidance&page=2
// sent the reader to page 1 of the search. Over generated search
// parameters and page numbers, a topic page that redirects carries the
// page along (page 1 and no page both mean the first page, left out), and
// the search page it sends the reader to shows that page.
func TestTopicRedirectKeepsThePage(t *testing.T) {
	h := startHub(t).Handler
	rng := rand.New(rand.NewPCG(15, 5))
	redirects := 0
	for i := range 200 {
		raw := genSearchQuery(rng)
		if rng.IntN(2) == 0 {
			// Half the cases: valid search parameters only, so most redirect.
			valid := []string{"kind=guidance", "q=gp", "audience=gp-practices", "nation=wales", "sort=newest", "language=en", "topic=access-to-care"}
			raw = valid[rng.IntN(len(valid))]
			if rng.IntN(2) == 0 {
				raw += "&" + valid[rng.IntN(len(valid))]
			}
		}
		page := rng.IntN(4) // 0: no page parameter
		if page > 0 {
			raw += "&page=" + strconv.Itoa(page)
		}
		topic := get(t, h, "/topics/charging?"+raw)
		if topic.status != http.StatusFound {
			continue
		}
		redirects++
		loc := topic.header.Get("Location")
		lv, err := url.ParseQuery(strings.TrimPrefix(loc, "/search?"))
		if err != nil {
			t.Fatalf("case %d %q: Location %q", i, raw, loc)
		}
		want := ""
		if page > 1 {
			want = strconv.Itoa(page)
		}
		if got := lv.Get("page"); got != want || len(lv["page"]) > 1 {
			t.Fatalf("case %d %q: Location %q has page %q, want %q", i, raw, loc, got, want)
		}
		search := get(t, h, loc)
		if search.status != http.StatusOK {
			t.Fatalf("case %d %q: %s answers %d", i, raw, loc, search.status)
		}
		if page > 1 && !strings.Contains(search.body, "(page "+want+")") {
			t.Fatalf("case %d %q: %s does not show page %s", i, raw, loc, want)
		}
	}
	if redirects < 80 {
		t.Fatalf("only %d of 200 cases redirected", redirects)
	}
}
