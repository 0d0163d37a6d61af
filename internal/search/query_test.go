package search

import (
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// TestParseQuery shows what each kind of input becomes. Nothing a person
// types is an error except an over-long query; nothing is passed to Bleve's
// query-string syntax.
func TestParseQuery(t *testing.T) {
	tests := []struct {
		in, want string // want: normalised clauses
	}{
		{"", ""},
		{"   \t\n ", ""},
		{"register patient", "register patient"},
		{"Register, PATIENT!", "register patient"},
		{`"proof of address" register`, `"proof of address" register`},
		{`-draft guidance`, "-draft guidance"},
		{`-"home office" data`, `-"home office" data`},
		{`"unbalanced quote`, `"unbalanced quote"`},
		{`""`, ""},
		{"!!! ??? ...", ""},
		{"a&e charges", "a&e charges"},
		{"A&E", "a&e"},
		{"general practice registration", `"general practice" registration`},
		{"nrpf", "nrpf"},
		{"reg* /regex.*/ title:x", "reg regex title:x"},
		{"the of and", "the of and"},
	}
	for _, tt := range tests {
		cs, err := parseQuery(tt.in)
		if err != nil {
			t.Errorf("parseQuery(%q): %v", tt.in, err)
			continue
		}
		if got := normalisedText(cs); got != tt.want {
			t.Errorf("parseQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseQueryLimits(t *testing.T) {
	for _, in := range []string{strings.Repeat("x", 10<<10), strings.Repeat("word ", MaxQueryClauses+1)} {
		_, err := parseQuery(in)
		if content.ErrorCode(err) != content.EINVALID {
			t.Errorf("parseQuery(%d bytes): err %v, want EINVALID", len(in), err)
		}
	}
}

func TestSynonymsExpandBothWays(t *testing.T) {
	for _, in := range []string{"gp", "general practice", "family doctor", `"general practitioner"`} {
		cs, _ := parseQuery(in)
		if len(cs) != 1 || len(cs[0].alternatives) < 3 {
			t.Errorf("%q: clauses %+v, want one clause with the GP alternatives", in, cs)
		}
	}
	cs, _ := parseQuery("a&e")
	found := false
	for _, a := range cs[0].alternatives {
		found = found || a == "emergency department"
	}
	if !found {
		t.Errorf("a&e alternatives = %v", cs[0].alternatives)
	}
}

func TestOnlyStopWordsBrowse(t *testing.T) {
	cs, _ := parseQuery("the of and")
	if buildQuery(cs, groups, DefaultRanking, nil) != nil {
		t.Error("a query of stop words only should browse (nil query)")
	}
	if zeroResultTerm("the of", nil) != "" || zeroResultTerm("   ", nil) != "" {
		t.Error("browsing searches are not recorded as zero-result queries")
	}
}

func TestSpellerCandidates(t *testing.T) {
	terms := map[string]uint64{"asylum": 10, "seeker": 8, "seekers": 5, "register": 9, "maternity": 4, "cardiff": 3, "prove": 2, "posters": 2}
	byLen := map[int][]string{}
	for k := range terms {
		byLen[len(k)] = append(byLen[len(k)], k)
	}
	sp := speller{terms: terms, byLen: byLen, stem: func(w string) string { return strings.TrimRight(w, "sz") }}
	tests := []struct{ in, want string }{
		{"asylum seker", "asylum seeker"},
		{"asylum seeker", ""},
		{"maternty", "maternity"},
		{"mtaernity", "maternity"}, // a swap counts one edit
		{"zzzzqqq", ""},
		{`"asylum seker"`, `"asylum seeker"`}, // a phrase keeps its quotes (breaker5 F23)
		{"tariff", ""},                        // a dictionary word
		{"improve", ""},                       // a dictionary word
		{"seekerss", ""},                      // "seekers" and "seeker" are forms of the same word
		{"seekr", "seeker"},
		{"NRPG", ""}, // typed as an acronym
		{"150", ""},
	}
	for _, tt := range tests {
		cs, _ := parseQuery(tt.in)
		got := ""
		if s := sp.suggestions(cs, 3); len(s) > 0 {
			got = normalisedText(s[0])
		}
		if got != tt.want {
			t.Errorf("suggestions(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`"proof of address" -draft`, "a&e", `"`, "-", "--x", `-"`, "\u200b\u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := parseQuery(s)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.text == "" {
				t.Fatalf("empty clause from %q", s)
			}
		}
		buildQuery(cs, groups, DefaultRanking, nil) // must not panic
	})
}

func FuzzSearchCursor(f *testing.F) {
	fp := fingerprint("q", content.Filter{}, content.SearchRelevance)
	f.Add(encodeCursor(fp, []string{"1.5", "2025-01-01", "000000000001"}, false))
	f.Add(encodeCursor(fp, []string{"1.5", "2025-01-01", "000000000001"}, true))
	f.Add("eyJmIjoiMDAwMCJ9")
	f.Fuzz(func(t *testing.T, s string) {
		after, past, err := decodeCursor(s, fp, []string{"-_score", "-published", "-_id"})
		if err != nil {
			if content.ErrorCode(err) != content.EINVALID {
				t.Fatalf("error %v is not INVALID_ARGUMENT", err)
			}
			return
		}
		// Only the hub's own spelling (breaker5 F2).
		if len(after) != 3 || encodeCursor(fp, after, past) != s {
			t.Fatalf("accepted %q as %v", s, after)
		}
	})
}
