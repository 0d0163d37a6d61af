package graph

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCheckJSONTextAgainstDecoder generates JSON strings from pieces that
// encoding/json decodes faithfully (plain text, escapes, surrogate pairs)
// and pieces it silently replaces with U+FFFD (lone surrogate escapes,
// bytes that are not UTF-8). The oracle: checkJSONText refuses a text
// exactly when it holds a piece of the second kind, and every text it
// accepts decodes to the characters that were written.
func TestCheckJSONTextAgainstDecoder(t *testing.T) {
	type piece struct {
		raw, want string
		bad       bool
	}
	pieces := []piece{
		{"abc", "abc", false},
		{"é", "é", false},
		{`\u00e9`, "é", false},
		{`\\u00e9`, `\u00e9`, false}, // an escaped backslash, then text
		{`\\`, `\`, false},
		{`\"`, `"`, false},
		{`\n`, "\n", false},
		{`\ud83d\ude00`, "😀", false},
		{`\uD83D\uDE00`, "😀", false},
		{"😀", "😀", false},
		{"آدرس", "آدرس", false},
		{`\ud800x`, "", true},
		{`\udc00x`, "", true},
		{`\uDBFFx`, "", true},
		{`\ud83d\u0041`, "", true},
		{`\ude00\ud83dx`, "", true},
		{"\xff", "", true},
		{"\xc0\x80", "", true},
		{"\xed\xa0\x80", "", true}, // a surrogate written as UTF-8 bytes
		// (each lone escape ends in x, so that two pieces never pair up)
	}
	rng := rand.New(rand.NewSource(11))
	for n := 0; n < 5000; n++ {
		var raw, want strings.Builder
		bad := false
		for k := rng.Intn(5) + 1; k > 0; k-- {
			p := pieces[rng.Intn(len(pieces))]
			raw.WriteString(p.raw)
			want.WriteString(p.want)
			bad = bad || p.bad
		}
		doc := fmt.Sprintf(`{"query":"{ __typename }","variables":{"s":"%s"}}`, raw.String())
		err := checkJSONText([]byte(doc))
		if bad != (err != nil) {
			t.Fatalf("%q: error %v, want refused=%v", doc, err, bad)
		}
		if bad {
			continue
		}
		var v struct{ Variables struct{ S string } }
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if v.Variables.S != want.String() || !utf8.ValidString(v.Variables.S) {
			t.Fatalf("%q decoded to %q, want %q", doc, v.Variables.S, want.String())
		}
	}
}
