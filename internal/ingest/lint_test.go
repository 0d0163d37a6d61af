package ingest

import (
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lintSource is one generated source for a generated resource file.
type lintSource struct {
	url  string
	date string // YYYY-MM-DD or ""
}

// lintFile writes a valid guidance file whose sources and review dates are
// the given ones, parses it with the real parser and returns it.
func lintFileText(slug, lastReviewed, nextReview string, sources []lintSource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nkind: guidance\nslug: %s\ntitle: Generated %s\nsummary: A generated resource.\n", slug, slug)
	fmt.Fprintf(&b, "topics: [charging]\naudiences: [commissioners]\nnations: [england]\n")
	fmt.Fprintf(&b, "published: 2000-01-01\nlast_reviewed: %s\nnext_review: %s\nsources:\n", lastReviewed, nextReview)
	for i, s := range sources {
		fmt.Fprintf(&b, "  - title: Source %d\n    publisher: Publisher %d\n    url: %q\n", i, i, s.url)
		if s.date != "" {
			fmt.Fprintf(&b, "    date: %s\n", s.date)
		}
	}
	b.WriteString("applies_to: Everyone.\nactions:\n  - Act.\n---\n")
	b.WriteString(strings.Repeat("Words of generated guidance. ", 90))
	return b.String()
}

func parseLintFile(t *testing.T, text string) []Warning {
	t.Helper()
	f, errs := Parse("gen.md", []byte(text))
	if len(errs) > 0 {
		t.Fatalf("generated file does not parse: %v\n%s", errs, text)
	}
	lists, err := ShippedSourceLists()
	if err != nil {
		t.Fatal(err)
	}
	return LintFile(f, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), lists)
}

func codes(ws []Warning, code string) []Warning {
	var out []Warning
	for _, w := range ws {
		if w.Code == code {
			out = append(out, w)
		}
	}
	return out
}

func randDate(r *rand.Rand) string {
	return time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(8000)).Format("2006-01-02")
}

// TestLintUndatedSources: every source without a date gets exactly one
// warning naming its index, and no dated source gets one.
func TestLintUndatedSources(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	for n := 0; n < 200; n++ {
		var srcs []lintSource
		want := map[string]bool{}
		for i := 0; i < 1+r.Intn(6); i++ {
			s := lintSource{url: fmt.Sprintf("https://example.org/page/%d", i)}
			if r.Intn(2) == 0 {
				s.date = randDate(r)
			} else {
				want[fmt.Sprintf("sources[%d].date", i)] = true
			}
			srcs = append(srcs, s)
		}
		ws := codes(parseLintFile(t, lintFileText("gen", "2026-11-30", "2030-06-01", srcs)), WarnSourceUndated)
		got := map[string]bool{}
		for _, w := range ws {
			got[w.Field] = true
		}
		if len(ws) != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("case %d: undated warnings on %v, want %v", n, got, want)
		}
	}
}

// TestLintReviewBeforeSource: a warning exactly when the newest source date
// is after last_reviewed. The oracle compares the dates as YYYY-MM-DD
// strings, independently of the lint's time arithmetic.
func TestLintReviewBeforeSource(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	for n := 0; n < 300; n++ {
		reviewed := randDate(r)
		next, _ := time.Parse("2006-01-02", reviewed)
		var srcs []lintSource
		newest := ""
		for i := 0; i < 1+r.Intn(5); i++ {
			s := lintSource{url: fmt.Sprintf("https://example.org/%d", i)}
			switch r.Intn(4) {
			case 0: // undated
			case 1:
				s.date = reviewed // same day counts as reviewed against it
			default:
				s.date = randDate(r)
			}
			if s.date > newest {
				newest = s.date
			}
			srcs = append(srcs, s)
		}
		ws := codes(parseLintFile(t, lintFileText("gen", reviewed, next.AddDate(1, 0, 0).Format("2006-01-02"), srcs)), WarnReviewBeforeSource)
		want := newest > reviewed
		if (len(ws) == 1) != want || len(ws) > 1 {
			t.Fatalf("case %d: reviewed %s, newest source %q: %d warnings, want warning=%v", n, reviewed, newest, len(ws), want)
		}
		if want && !strings.Contains(ws[0].Message, newest) {
			t.Errorf("case %d: warning %q does not name the newest source's date %s", n, ws[0].Message, newest)
		}
	}
}

// TestLintReviewOverdue: overdue exactly when next_review is before the day.
func TestLintReviewOverdue(t *testing.T) {
	for _, c := range []struct {
		next string
		want int
	}{{"2026-11-29", 1}, {"2026-11-30", 0}, {"2027-05-30", 0}, {"2021-01-01", 1}} {
		ws := codes(parseLintFile(t, lintFileText("gen", "2020-06-01", c.next, []lintSource{{url: "https://example.org/", date: "2020-01-01"}})), WarnReviewOverdue)
		if len(ws) != c.want {
			t.Errorf("next_review %s on 2026-11-30: %d overdue warnings, want %d", c.next, len(ws), c.want)
		}
	}
}

// variants returns spellings of raw that name the same page: scheme,
// "www.", host case, trailing slash and fragment changed at random.
func variants(r *rand.Rand, raw string, n int) []string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	var out []string
	for i := 0; i < n; i++ {
		v := *u
		v.Scheme = []string{"http", "https"}[r.Intn(2)]
		host := strings.TrimPrefix(u.Host, "www.")
		if r.Intn(2) == 0 {
			host = "www." + host
		}
		if r.Intn(3) == 0 {
			host = strings.ToUpper(host)
		}
		v.Host = host
		if r.Intn(2) == 0 && !strings.HasSuffix(v.Path, "/") {
			v.Path += "/"
		}
		if r.Intn(3) == 0 {
			v.Fragment = "para-12"
		}
		out = append(out, v.String())
	}
	return out
}

// TestLintSuperseded: every recorded superseded page is caught in any
// spelling and the warning names its replacement; a neighbouring page and
// the replacement itself are not flagged.
func TestLintSuperseded(t *testing.T) {
	lists, err := ShippedSourceLists()
	if err != nil {
		t.Fatal(err)
	}
	if len(lists.Superseded) == 0 {
		t.Fatal("no superseded pages recorded")
	}
	r := rand.New(rand.NewSource(15))
	for _, e := range lists.Superseded {
		hits := variants(r, e.URL, 20)
		if !strings.Contains(e.URL, "?") {
			hits = append(hits, e.URL+"?view=plain")
		}
		for _, u := range hits {
			ws := codes(parseLintFile(t, lintFileText("gen", "2026-11-30", "2030-06-01", []lintSource{{url: u, date: "2020-01-01"}})), WarnSourceSuperseded)
			if len(ws) != 1 || !strings.Contains(ws[0].Message, e.ReplacedBy) || ws[0].Field != "sources[0].url" {
				t.Errorf("%s (spelling of %s): warnings %v, want one naming %s", u, e.URL, ws, e.ReplacedBy)
			}
		}
		p, _ := url.Parse(e.URL)
		near := *p
		near.Path += "-2"
		for _, u := range []string{near.String(), e.ReplacedBy} {
			if ws := codes(parseLintFile(t, lintFileText("gen", "2026-11-30", "2030-06-01", []lintSource{{url: u, date: "2020-01-01"}})), WarnSourceSuperseded); len(ws) != 0 {
				t.Errorf("%s is not superseded, got %v", u, ws)
			}
		}
	}
}

// TestLintMirrors: a source on a listed mirror host or any subdomain of it
// is caught; a host that merely ends in the same letters is not.
func TestLintMirrors(t *testing.T) {
	lists, err := ShippedSourceLists()
	if err != nil {
		t.Fatal(err)
	}
	if len(lists.Mirrors) == 0 {
		t.Fatal("no mirrors recorded")
	}
	r := rand.New(rand.NewSource(16))
	for _, m := range lists.Mirrors {
		path := fmt.Sprintf("/doc/%d", r.Intn(1e6))
		for _, host := range []string{m.Host, "www." + m.Host, "cdn." + m.Host, strings.ToUpper(m.Host), m.Host + ":8443"} {
			u := []string{"http", "https"}[r.Intn(2)] + "://" + host + path
			ws := codes(parseLintFile(t, lintFileText("gen", "2026-11-30", "2030-06-01", []lintSource{{url: u, date: "2020-01-01"}})), WarnSourceMirror)
			if len(ws) != 1 || !strings.Contains(ws[0].Message, m.Why) {
				t.Errorf("%s: warnings %v, want one giving why %s is a mirror", u, ws, m.Host)
			}
		}
		for _, host := range []string{"not" + m.Host, m.Host + ".example.org", "example.org"} {
			u := "https://" + host + path
			if ws := codes(parseLintFile(t, lintFileText("gen", "2026-11-30", "2030-06-01", []lintSource{{url: u, date: "2020-01-01"}})), WarnSourceMirror); len(ws) != 0 {
				t.Errorf("%s is not a mirror, got %v", u, ws)
			}
		}
	}
}

// TestSourceListsRefuseBadLines: the list parsers name the line at fault.
func TestSourceListsRefuseBadLines(t *testing.T) {
	for _, c := range []struct{ name, mirrors, superseded, want string }{
		{"mirror without why", "readkong.com\n", "", "line 1"},
		{"mirror with a path", "# c\nreadkong.com/page\tcopies\n", "", "line 2"},
		{"mirror twice", "a.org\tx\nwww.a.org\ty\n", "", "listed twice"},
		{"superseded without why", "", "https://a.org/x\thttps://a.org/y\n", "line 1"},
		{"superseded not a URL", "", "a.org/x\thttps://a.org/y\twhy\n", "not an http(s) URL"},
		{"superseded by itself", "", "http://www.a.org/x/\thttps://a.org/x\twhy\n", "replacing itself"},
		{"superseded twice", "", "https://a.org/x\thttps://a.org/y\twhy\nhttp://a.org/x/\thttps://a.org/z\twhy\n", "listed twice"},
		{"replacement superseded", "", "https://a.org/x\thttps://a.org/y\twhy\nhttps://a.org/y\thttps://a.org/z\twhy\n", "itself superseded"},
	} {
		var err error
		if c.mirrors != "" {
			_, err = ParseMirrors(strings.NewReader(c.mirrors))
		} else {
			_, err = ParseSuperseded(strings.NewReader(c.superseded))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestLintLibraryCounts runs the whole-library lint on a generated
// directory and checks the totals against the files written.
func TestLintLibraryCounts(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewSource(17))
	lists, err := ShippedSourceLists()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for n := 0; n < 12; n++ {
		var srcs []lintSource
		for i := 0; i < 1+r.Intn(4); i++ {
			s := lintSource{url: fmt.Sprintf("https://example.org/%d/%d", n, i), date: "2019-01-01"}
			switch r.Intn(4) {
			case 0:
				s.date = ""
				want[WarnSourceUndated]++
			case 1:
				s.url = "https://" + lists.Mirrors[r.Intn(len(lists.Mirrors))].Host + "/x"
				want[WarnSourceMirror]++
			case 2:
				s.url = lists.Superseded[r.Intn(len(lists.Superseded))].URL
				want[WarnSourceSuperseded]++
			}
			srcs = append(srcs, s)
		}
		slug := fmt.Sprintf("gen-%d", n)
		if err := os.WriteFile(filepath.Join(dir, slug+".md"), []byte(lintFileText(slug, "2020-01-01", "2030-01-01", srcs)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib, err := Load(dir)
	if err != nil || len(lib.Errors) > 0 {
		t.Fatalf("load: %v %v", err, lib.Errors)
	}
	got := CountWarnings(lib.Lint(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), lists))
	for _, c := range WarningCodes {
		if got[c] != want[c] {
			t.Errorf("%s: %d warnings, want %d", c, got[c], want[c])
		}
	}
}
