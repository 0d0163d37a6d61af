package search

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// fullWidth writes ASCII letters and digits as their full-width forms.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '！'
		}
		return r
	}, s)
}

// Full-width, upper-case, composed and decomposed forms of a query find
// exactly what the plain form finds.
func TestFoldedQueriesFindTheSame(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	gp, _ := searchSlugs(t, ix, slugs, "GP")
	if wide, _ := searchSlugs(t, ix, slugs, "ＧＰ"); len(gp) == 0 || !slices.Equal(gp, wide) {
		t.Errorf("GP finds %v, ＧＰ finds %v", gp, wide)
	}
	words := libraryWords(t, ix)
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 40; i++ {
		w := words[rng.Intn(len(words))]
		want, _ := searchSlugs(t, ix, slugs, w)
		for _, v := range []string{strings.ToUpper(w), fullWidth(w), norm.NFD.String(w)} {
			if got, _ := searchSlugs(t, ix, slugs, v); !slices.Equal(got, want) {
				t.Errorf("%q finds %v, %q finds %v", w, want, v, got)
			}
		}
	}
}

// languageSamples are words of each language the hub analyses, with the
// characters that trouble analysis: ZWNJ inside Persian words, combining
// marks, emoji (with ZWJ and skin tones), right-to-left marks, full-width
// letters and NFD text.
var languageSamples = map[string][]string{
	"en": {"registration", "patient", "café", "naïve", "GP", "A&E", "e-mail", "health", "asylum", "Ｒｅｇｉｓｔｅｒ", "co\u0301operate", "seekers'", "doctor’s"},
	"fa": {"ثبت\u200cنام", "آدرس", "پزشک", "بیمار", "می\u200cتوانید", "خدمات", "مدارک", "کشور", "\u200fسلامت", "ها\u200cی"},
	"ar": {"التسجيل", "طبيب", "المريض", "عنوان", "الخدمات", "مجاناً", "\u200fالصحة", "وثائق", "اللّغة"},
	"fr": {"médecin", "enregistrement", "hôpital", "l'accès", "soins", "gratuit", "me\u0301decin", "élève"},
	"es": {"médico", "registro", "atención", "niños", "años", "salud", "gratuita"},
	"de": {"Ärztin", "Krankenhaus", "Straße", "STRASSE", "Gesundheit", "Müller", "Mu\u0308ller"},
	"it": {"medico", "l'ospedale", "cittadinanza", "perché", "salute", "città"},
	"pt": {"médico", "saúde", "atenção", "não", "registro", "hospitalização"},
	"ro": {"medic", "sănătate", "înregistrare", "spitalul", "țară", "ţară"},
	"ur": {"رجسٹریشن", "ڈاکٹر", "مریض", "پتہ", "صحت", "\u200cخدمات"},
	"so": {"dhakhtar", "caafimaad", "isdiiwaangelin", "bukaan"},
}

var extraChars = []string{"😀", "👩🏽\u200d⚕️", "\u200f", "\u200e", "—", "«", "»", "٫", "1\u20e3", "\u0301", "ﷺ", "Ａ", "🇬🇧"}

// A property of highlights in every language the hub analyses: for
// generated text and queries, every fragment is valid UTF-8 and every
// marked span analyses (with its field's analyzer) to a term of the query.
func TestHighlightsMarkTheMatchedWord(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	var rs []*content.Resource
	type doc struct {
		lang  string
		words []string
	}
	docs := map[int64]doc{}
	id := int64(0)
	for lang, sample := range languageSamples {
		for range 12 {
			id++
			var ws []string
			for range 8 + rng.Intn(40) {
				w := sample[rng.Intn(len(sample))]
				if rng.Intn(5) == 0 {
					w += extraChars[rng.Intn(len(extraChars))]
				}
				if rng.Intn(6) == 0 {
					ws = append(ws, extraChars[rng.Intn(len(extraChars))])
				}
				ws = append(ws, w)
			}
			docs[id] = doc{lang, ws}
			rs = append(rs, &content.Resource{ID: id, Status: content.StatusPublished, Draft: content.Draft{
				Kind: content.KindGuidance, Slug: fmt.Sprint("doc-", id), Language: lang,
				Title: strings.Join(ws[:3], " "), Summary: strings.Join(ws[:len(ws)/2], " "), Body: strings.Join(ws, " ") + "\n\n" + strings.Join(ws, "\u200c"),
			}})
		}
	}
	ix, _, err := openIndex(t.TempDir()+"/index", slog.New(slog.DiscardHandler), NewMetrics(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ix.rank.Typos, ix.texts = false, memTexts(rs)
	if err := ix.rebuild(context.Background(), func(ctx context.Context, fn func([]*content.Resource) error) (uint64, error) { return 1, fn(rs) }, ""); err != nil {
		t.Fatal(err)
	}
	ix.ready.Store(true)
	idx, done := ix.current()
	mapping := idx.Mapping()
	done()

	marks, queries := 0, 0
	for i := int64(1); i <= id; i++ {
		d := docs[i]
		for range 3 {
			q := d.words[rng.Intn(len(d.words))]
			if rng.Intn(3) == 0 {
				q += " " + d.words[rng.Intn(len(d.words))]
			}
			queries++
			// The terms of the query in a language group: its words as
			// parsed, with every spelling the search tries, analysed like
			// that group's fields.
			termsIn := func(group string) map[string]bool {
				an := mapping.AnalyzerNamed(analyzerFor(group))
				terms := map[string]bool{}
				cs, _ := parseQuery(q)
				for _, c := range cs {
					for _, s := range append(append(append([]string{c.text, c.join}, c.variants...), c.alternatives...), c.parts...) {
						for _, sp := range spellings(s) {
							for _, tok := range an.Analyze([]byte(sp)) {
								terms[string(tok.Term)] = true
							}
						}
					}
				}
				return terms
			}
			page, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 20, NoFacets: true, NoSuggestion: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Hits {
				for _, hl := range h.Highlights {
					for _, f := range hl.Fragments {
						if !utf8.ValidString(f) {
							t.Errorf("%s query %q: fragment not valid UTF-8: %q", d.lang, q, f)
							continue
						}
						rest := f
						for {
							_, after, ok := strings.Cut(rest, "<mark>")
							if !ok {
								break
							}
							span, next, _ := strings.Cut(after, "</mark>")
							rest = next
							marks++
							hgroup := languageGroup(docs[h.ID].lang)
							toks := mapping.AnalyzerNamed(analyzerFor(hgroup)).Analyze([]byte(html.UnescapeString(span)))
							terms := termsIn(hgroup)
							if len(toks) == 0 {
								t.Errorf("%s query %q: marked %q is no word (fragment %q)", d.lang, q, span, f)
							}
							for _, tok := range toks {
								if !terms[string(tok.Term)] {
									t.Errorf("%s query %q (terms %v): marked %q analyses to %q (fragment %q)", d.lang, q, keys(terms), span, tok.Term, f)
								}
							}
						}
					}
				}
			}
		}
	}
	if marks < 100 {
		t.Errorf("only %d marked spans checked", marks)
	}
	t.Logf("%d queries over %d documents in %d languages: %d marked spans checked", queries, id, len(languageSamples), marks)
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The Persian cases on the shipped translation: every fragment is
// valid UTF-8 and the mark sits exactly on the word.
func TestPersianHighlights(t *testing.T) {
	ix := shippedIndex(t)
	for _, q := range []string{"آدرس", "ثبت"} {
		page, err := ix.Search(context.Background(), content.SearchQuery{Text: q, Order: content.SearchRelevance, First: 10})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range page.Hits {
			for _, hl := range h.Highlights {
				for _, f := range hl.Fragments {
					if !utf8.ValidString(f) {
						t.Errorf("%s: fragment not valid UTF-8: %q", q, f)
					}
					for _, part := range strings.Split(f, "<mark>")[1:] {
						span, _, _ := strings.Cut(part, "</mark>")
						n++
						if span != q {
							t.Errorf("%s: marked %q, want %q (fragment %q)", q, span, q, f)
						}
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: nothing marked in %d hits", q, len(page.Hits))
		}
	}
}

// A quoted phrase of stop words only behaves as the words unquoted.
func TestStopWordPhraseIsUnquoted(t *testing.T) {
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	for _, q := range []string{"to be or not to be", "the of", "no recourse to public funds"} {
		plain, pp := searchSlugs(t, ix, slugs, q)
		quoted, qp := searchSlugs(t, ix, slugs, `"`+q+`"`)
		allStop := allStopWords(normalise(q))
		if allStop && (!slices.Equal(plain, quoted) || pp.Total != qp.Total) {
			t.Errorf("%q finds %d, quoted %d", q, pp.Total, qp.Total)
		}
		if !allStop && qp.Total == 0 {
			t.Errorf("quoted %q finds nothing", q)
		}
	}
}

// Every field a reader sees is searchable: for each shipped resource and
// each of its visible text fields (the kind's own fields and its sources
// included), the field's rarest word finds the resource.
func TestEveryVisibleFieldIsSearchable(t *testing.T) {
	lib, err := ingest.Load("../../resources")
	if err != nil {
		t.Fatal(err)
	}
	ix, slugs := shippedIndexSlugs(t, DefaultRanking)
	idx, done := ix.current()
	terms, err := vocabFrom(idx)
	plain := idx.Mapping().AnalyzerNamed(plainAnalyzer)
	done()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range lib.Files {
		if f.Status != content.StatusPublished {
			continue
		}
		d := f.Draft
		lang := plain
		if idx, done := ix.current(); true {
			lang = idx.Mapping().AnalyzerNamed(analyzerFor(languageGroup(d.Language)))
			done()
		}
		fields := map[string][]string{"title": {d.Title}, "summary": {d.Summary}, "body": {d.Body},
			"appliesTo": {d.Details.AppliesTo}, "actions": d.Details.Actions, "methods": {d.Details.Methods}, "sample": {d.Details.Sample},
			"period": {d.Details.Period}, "keyFindings": d.Details.KeyFindings, "recommendations": d.Details.Recommendations,
			"rationale": {d.Details.Rationale}, "campaign": {d.Details.Campaign}}
		for _, s := range d.Sources {
			fields["sources.title"] = append(fields["sources.title"], s.Title)
			fields["sources.publisher"] = append(fields["sources.publisher"], s.Publisher)
		}
		for name, texts := range fields {
			best, bestN := "", uint64(1<<62)
			for _, text := range texts {
				// The words as the index sees them (the vocabulary's analyzer).
				for _, tok := range plain.Analyze([]byte(text)) {
					w := string(tok.Term)
					// A stop word of the resource's language is not searchable.
					if len(lang.Analyze([]byte(w))) == 0 {
						continue
					}
					if n, ok := terms[w]; ok && n < bestN && utf8.RuneCountInString(w) > 3 && !stopWords[w] && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
						best, bestN = w, n
					}
				}
			}
			if best == "" {
				continue
			}
			checked++
			if got, _ := searchSlugs(t, ix, slugs, best); !slices.Contains(got, d.Slug) {
				t.Errorf("%s: %s word %q does not find it (finds %v)", d.Slug, name, best, got)
			}
		}
	}
	t.Logf("%d fields checked", checked)
}

// TestFoldShortcutMatchesFullFolding: the ASCII shortcut of foldKey and
// foldTerm gives what NFKC + full case folding gives (the oracle is
// x/text's own), for every ASCII byte and generated ASCII words, and
// leaves a term's original bytes alone.
func TestFoldShortcutMatchesFullFolding(t *testing.T) {
	full := func(s string) string { return norm.NFKC.String(folder.String(norm.NFKC.String(s))) }
	var words []string
	for c := 0; c < 0x80; c++ {
		words = append(words, string(rune(c)), "A"+string(rune(c))+"z")
	}
	r := rand.New(rand.NewSource(15))
	for i := 0; i < 5000; i++ {
		b := make([]byte, 1+r.Intn(12))
		for j := range b {
			b[j] = byte(r.Intn(0x80))
		}
		words = append(words, string(b))
	}
	words = append(words, "GP", "NHS", "A&E", "ＧＰ", "Straße", "İstanbul", "ǅ", "")
	for _, w := range words {
		if got, want := foldKey(w), full(w); got != want {
			t.Errorf("foldKey(%q) = %q, want %q", w, got, want)
		}
		orig := []byte(w)
		term := append([]byte(nil), orig...)
		if got, want := string(foldTerm(term)), full(w); got != want {
			t.Errorf("foldTerm(%q) = %q, want %q", w, got, want)
		}
		if string(term) != w {
			t.Errorf("foldTerm changed its input %q to %q", w, term)
		}
	}
}

// An "&" between letters or digits joins them into one token in every
// analyzer, at the same bytes: "A&E" is neither "e" (English drops "a") nor
// nothing (Spanish, Italian and Portuguese drop both), and not "a" or "e"
// matched apart. An "&" between spaces still separates words.
func TestAmpersandJoinsInEveryAnalyzer(t *testing.T) {
	m, err := newMapping(DefaultRanking)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		a := m.AnalyzerNamed(analyzerFor(g))
		for _, tc := range []struct {
			text  string
			start int
		}{{"go to A&E now", 6}, {"R&D", 0}, {"Q&A session", 0}, {"الطوارئ A&E", 15}, {"salt & pepper", 0}} {
			var joined []string
			toks := a.Analyze([]byte(tc.text))
			for _, tk := range toks {
				if strings.Contains(string(tk.Term), "_") {
					joined = append(joined, string(tk.Term))
					if tk.Start != tc.start || tk.End != tc.start+3 {
						t.Errorf("%s %q: token %q at %d-%d, want %d-%d", g, tc.text, tk.Term, tk.Start, tk.End, tc.start, tc.start+3)
					}
				}
			}
			want := 1
			if strings.Contains(tc.text, " & ") {
				want = 0
			}
			if len(joined) != want {
				t.Errorf("%s %q: joined tokens %q, want %d", g, tc.text, joined, want)
			}
		}
	}
}
