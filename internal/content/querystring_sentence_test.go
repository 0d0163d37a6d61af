package content_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"guidancehub/internal/content"
)

// TestQueryStringRefusalsReadAsSentences (breaker5 F13): the pages say
// "The <field> in the address <message>." (web.go), so every refusal of
// ParseQueryString must be a predicate of its field: it starts with a
// verb. "%ff=1" read "The query string in the address a parameter name is
// not valid UTF-8 text." Generated query strings with every kind of fault
// (names and values that are not UTF-8 or hold a control character, ';',
// malformed escapes in names and values, a parameter given too often)
// among good pairs; each refusal's message must start with one of the
// verbs below and name a field.
func TestQueryStringRefusalsReadAsSentences(t *testing.T) {
	verbs := []string{"is ", "has ", "uses ", "contains "}
	faults := []string{"%ff=1", "%00=1", "a%01b=1", "q=%ff", "q=%00", "q=a%7Fb", "a=1;b=2", "%zz=1", "q=%zz", "q=%", "%=1",
		strings.Repeat("q=1&", content.MaxParamValues) + "q=1"}
	good := []string{"q=gp", "page=2", "kind=GUIDANCE", "q=caf%C3%A9", "x="}
	rng := rand.New(rand.NewPCG(13, 1))
	seen := map[string]bool{}
	for i := range 400 {
		var parts []string
		for range rng.IntN(3) {
			parts = append(parts, good[rng.IntN(len(good))])
		}
		f := faults[i%len(faults)]
		parts = append(parts, f)
		rng.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
		raw := strings.Join(parts, "&")
		_, err := content.ParseQueryString(raw)
		var e *content.Error
		if !errors.As(err, &e) || e.Code != content.EINVALID || e.Field == "" {
			t.Fatalf("%q: %v, want an EINVALID error naming a field", raw, err)
		}
		if !slicesHasPrefix(e.Message, verbs) {
			t.Errorf("%q: %q does not read after \"The %s in the address\"", raw, e.Message, e.Field)
		}
		seen[e.Message] = true
	}
	if len(seen) < 6 {
		t.Errorf("only %d different refusals: the generator no longer covers the faults", len(seen))
	}
}

func slicesHasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
