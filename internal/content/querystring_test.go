package content

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// TestParseQueryStringNamesTheBrokenParameter (breaker3 F3): generated
// query strings, each with one malformed %-escape (RFC 3986 §2.1: "%"
// then two hex digits) in one parameter's value, are refused naming that
// parameter; a malformed name or a ';' separator is refused as the
// "query string". Go's url.ParseQuery is the oracle for what is malformed:
// ParseQueryString fails exactly when it does, and otherwise returns the
// same values.
func TestParseQueryStringNamesTheBrokenParameter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 25))
	bad := []string{"%", "%Z", "%ZZ", "%G0", "%0", "%0G", "%%", "%u0041", "%-1", "% 1"}
	good := []string{"%25", "%7B", "%22", "+", "a", "%C3%A9", "%E2%9C%93", "%3B", "%26", "%3D"}
	names := []string{"query", "variables", "operationName", "extensions", "q", "kind", "page"}
	for i := 0; i < 2000; i++ {
		n := 1 + rng.IntN(4)
		var pairs []string
		broken := -1
		for j := 0; j < n; j++ {
			var v strings.Builder
			for k := rng.IntN(4); k >= 0; k-- {
				v.WriteString(good[rng.IntN(len(good))])
			}
			pairs = append(pairs, names[j%len(names)]+"="+v.String())
		}
		switch rng.IntN(4) {
		case 0, 1: // a bad escape somewhere in one value
			broken = rng.IntN(n)
			name, v, _ := strings.Cut(pairs[broken], "=")
			at := rng.IntN(len(v) + 1)
			pairs[broken] = name + "=" + v[:at] + bad[rng.IntN(len(bad))] + v[at:]
		case 2: // ';' between two pairs
			pairs = append(pairs[:1], append([]string{"x=1;y=2"}, pairs[1:]...)...)
		}
		raw := strings.Join(pairs, "&")
		want, oracleErr := url.ParseQuery(raw)
		got, err := ParseQueryString(raw)
		if (err != nil) != (oracleErr != nil) {
			t.Fatalf("%q: error %v, url.ParseQuery says %v", raw, err, oracleErr)
		}
		if err == nil {
			if len(got) != len(want) {
				t.Fatalf("%q: %v, want %v", raw, got, want)
			}
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Code != EINVALID {
			t.Fatalf("%q: %v is not EINVALID", raw, err)
		}
		// The first pair at fault is named (the ';' pair comes second).
		first := -1
		for j, p := range pairs {
			if _, e := url.ParseQuery(p); e != nil {
				first = j
				break
			}
		}
		wantField := "query string"
		if first >= 0 && !strings.Contains(pairs[first], ";") {
			wantField, _, _ = strings.Cut(pairs[first], "=")
		}
		if ce.Field != wantField {
			t.Fatalf("%q: field %q, want %q (%v)", raw, ce.Field, wantField, err)
		}
	}
	// A broken name.
	if _, err := ParseQueryString("a%ZZ=1"); err == nil || err.(*Error).Field != "query string" {
		t.Errorf("broken name: %v", err)
	}
}
