package citation

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// nodeTools is the committed Node project holding Citation.js.
const nodeTools = "../../testdata/node"

func date(s string) *time.Time {
	t, err := content.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// tricky are the pieces generated titles are made of: TeX's special
// characters, quotes, dashes, non-Latin scripts (Arabic and Persian with a
// zero-width non-joiner, Chinese, Devanagari with combining marks), an emoji
// and line breaks.
var tricky = []string{
	"Registering", " ", "patients", "&", "%", "$", "#", "_", "{", "}", "~", "^", `\`, `"`, "'", "<b>", "--", "-", "–", "“quoted”",
	"Ça", "naïve", "تسجيل المرضى", "ثبت‌نام", "登记病人", "रोगी का पंजीकरण", "🩺", "\n", "\t", "A&E", "100%", "C:\\path", "x^2", "{{", "}}",
}

func genTitle(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(8); n > 0; n-- {
		b.WriteString(tricky[r.IntN(len(tricky))])
		if r.IntN(2) == 0 {
			b.WriteString(" ")
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return "Title"
	}
	return b.String()
}

// dois are real shapes of DOI, among them SICIs full of punctuation.
var dois = []string{"10.3399/bjgp19X705557", "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O", "10.1016/S0140-6736(18)32774-5", "10.1000/a_b%c{d}"}

func genResource(r *rand.Rand, i int) *content.Resource {
	kinds := content.Kinds
	res := &content.Resource{ID: int64(i + 1), Status: content.StatusPublished, Draft: content.Draft{
		Kind: kinds[r.IntN(len(kinds))], Slug: fmt.Sprintf("resource-%d", i), Title: genTitle(r), Summary: genTitle(r),
		Language: []string{"en", "ar", "fa", "zh", "hi", "fr"}[r.IntN(6)], PublishedAt: date("2024-02-29"), LastReviewedAt: date("2026-11-27"),
	}}
	if r.IntN(5) == 0 {
		res.Status = content.StatusWithdrawn
		res.Withdrawal = &content.Withdrawal{Reason: genTitle(r), WithdrawnAt: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	}
	if res.Kind == content.KindResearchBrief {
		s := content.Source{Title: genTitle(r), Publisher: genTitle(r), URL: "https://example.org/report_" + fmt.Sprint(i) + "?a=1&b=%20", Date: date("2019-10-01")}
		if r.IntN(2) == 0 {
			s.DOI = dois[r.IntN(len(dois))]
		}
		res.Sources = []content.Source{s}
	}
	return res
}

var site = Site{Publisher: "Doctors of the World UK & Partners", PublicURL: "https://hub.example.org"}

// TestRoundTrip writes generated resources in RIS and BibTeX, parses them
// back with Citation.js (the oracle: a widely used parser, not ours) and
// checks that title, author, URL, DOI, date and language survive; CSL-JSON
// is read back with encoding/json and checked against the CSL schema's
// required fields and type list.
func TestRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: the citation round trip needs Node 20 (apt-get install nodejs)")
	}
	rng := rand.New(rand.NewPCG(18, 2026))
	var rs []*content.Resource
	// A real brief's shape first, then generated ones.
	rs = append(rs, &content.Resource{ID: 1, Status: content.StatusPublished, Draft: content.Draft{
		Kind: content.KindResearchBrief, Slug: "gp-websites-demand-documents-2019", Language: "en",
		Title:       "Three quarters of London GP websites asked for documents to register (Hodson, Ford and Cooper, 2019)",
		Summary:     "A study of 100 London GP practice websites.",
		PublishedAt: date("2026-11-27"), LastReviewedAt: date("2026-11-28"),
		Sources: []content.Source{{Title: "Adherence to guidelines on documentation required for registration to London GP practice websites: a mixed-methods cross-sectional study (Hodson N, Ford E, Cooper M; BJGP 2019; 69(687): e731–e739)",
			Publisher: "British Journal of General Practice", URL: "https://bjgp.org/content/69/687/e731", DOI: "10.3399/bjgp19X705557", Date: date("2019-10-01")}},
	}})
	for i := 1; i < 60; i++ {
		rs = append(rs, genResource(rng, i))
	}
	dir := t.TempDir()
	var files []string
	for i, r := range rs {
		for _, f := range []Format{RIS, BibTeX} {
			out, err := Write(r, f, site)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, fmt.Sprintf("%d.%s", i, f.Extension()))
			if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, name)
		}
	}
	cmd := exec.Command("node", append([]string{filepath.Join(nodeTools, "cite-parse.js")}, files...)...)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("cite-parse.js: %v", err)
	}
	var parsed map[string][]map[string]any
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		want := records(r, site)
		for _, f := range []Format{RIS, BibTeX} {
			name := filepath.Join(dir, fmt.Sprintf("%d.%s", i, f.Extension()))
			got := parsed[name]
			if len(got) != len(want) {
				t.Errorf("%s %s: %d records parsed, want %d", r.Slug, f, len(got), len(want))
				continue
			}
			for j, w := range want {
				g := got[j]
				check := func(field, got, want string) {
					t.Helper()
					if got != want {
						src, _ := os.ReadFile(name)
						t.Errorf("%s %s record %d %s:\n got %q\nwant %q\nfile:\n%s", r.Slug, f, j, field, got, want, src)
					}
				}
				check("title", str(g["title"]), oneLine(w.Title))
				check("URL", str(g["URL"]), w.URL)
				check("DOI", str(g["DOI"]), w.DOI)
				check("author", authorName(g["author"]), strings.TrimSpace(authorWant(f, w.Author)))
				check("issued", issued(g["issued"]), dateParts(w.Issued))
				// The publisher is read back as the publisher; a source is
				// never made a journal named after its publisher.
				check("publisher", str(g["publisher"]), oneLine(w.Publisher))
				if j > 0 {
					check("type", str(g["type"]), "report")
					check("container-title", str(g["container-title"]), "")
				}
				if f == BibTeX && j == 0 {
					check("language", str(g["language"]), w.Language)
				}
			}
		}
		// CSL-JSON: valid JSON, an array of items with the schema's
		// required id and type, a known type, the same title and DOI.
		out, err := Write(r, CSLJSON, site)
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]any
		if err := json.Unmarshal([]byte(out), &items); err != nil {
			t.Fatalf("%s CSL-JSON: %v\n%s", r.Slug, err, out)
		}
		if len(items) != len(want) {
			t.Fatalf("%s CSL-JSON: %d items, want %d", r.Slug, len(items), len(want))
		}
		for j, it := range items {
			if str(it["id"]) == "" || !cslTypes[str(it["type"])] {
				t.Errorf("%s CSL-JSON item %d: id %q, type %q", r.Slug, j, it["id"], it["type"])
			}
			if str(it["title"]) != oneLine(want[j].Title) || str(it["DOI"]) != want[j].DOI || issued(it["issued"]) != dateParts(want[j].Issued) ||
				str(it["publisher"]) != oneLine(want[j].Publisher) || (j > 0 && (it["container-title"] != nil || it["author"] != nil || str(it["type"]) != "report")) {
				t.Errorf("%s CSL-JSON item %d: %v", r.Slug, j, it)
			}
		}
	}
}

// authorWant is the name a parser should read back: RIS authors lose
// commas (an institutional name is written without them).
func authorWant(f Format, name string) string {
	if f == RIS {
		return oneLine(strings.ReplaceAll(name, ",", ""))
	}
	return oneLine(name)
}

// cslTypes are the item types of the CSL 1.0.2 schema this package uses.
var cslTypes = map[string]bool{"webpage": true, "report": true}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func authorName(v any) string {
	names, _ := v.([]any)
	if len(names) == 0 {
		return ""
	}
	n, _ := names[0].(map[string]any)
	if s := str(n["literal"]); s != "" {
		return s
	}
	return strings.TrimSpace(str(n["given"]) + " " + str(n["family"]))
}

func issued(v any) string {
	m, _ := v.(map[string]any)
	parts, _ := m["date-parts"].([]any)
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprint(parts[0])
}

func dateParts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmt.Sprint([]any{float64(t.Year()), float64(t.Month()), float64(t.Day())})
}

// TestBrief pins the three formats for one research brief (golden output a
// reviewer can read; the round trip above is what proves them).
func TestBrief(t *testing.T) {
	r := &content.Resource{ID: 1, Status: content.StatusPublished, Draft: content.Draft{
		Kind: content.KindResearchBrief, Slug: "gp-websites-demand-documents-2019", Language: "en",
		Title: "Three quarters of London GP websites asked for documents", Summary: "A study of 100 websites.",
		PublishedAt: date("2026-11-27"), LastReviewedAt: date("2026-11-27"),
		Sources: []content.Source{{Title: "Adherence to guidelines on documentation", Publisher: "British Journal of General Practice",
			URL: "https://bjgp.org/content/69/687/e731", DOI: "10.3399/bjgp19X705557", Date: date("2019-10-01")}},
	}}
	for _, f := range Formats {
		got, err := Write(r, f, Site{PublicURL: "https://hub.example.org"})
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "brief."+f.Extension())
		if os.Getenv("UPDATE_GOLDEN") != "" {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(golden, []byte(got), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s:\n%s\nwant:\n%s", f, got, want)
		}
	}
	if _, err := Write(r, "MLA", Site{}); content.ErrorCode(err) != content.EINVALID {
		t.Errorf("unknown format: %v", err)
	}
}
