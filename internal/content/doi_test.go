package content

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// TestDOIURL: the DOI URL of generated DOIs (every printable ASCII
// character, spaces, non-ASCII, dot segments, and the SICI the breaker
// used) is parsed by net/url (RFC 3986) as https://doi.org/ with no query
// and no fragment; its path unescapes to the DOI exactly; none of the DOI
// Handbook's mandatory or recommended characters is left raw; no path
// segment is "." or ".." (browsers would resolve it away).
func TestDOIURL(t *testing.T) {
	if (Source{}).DOIURL() != nil {
		t.Error("no DOI: want nil")
	}
	rng := rand.New(rand.NewPCG(24, 2026))
	alphabet := []string{"a", "Z", "0", "9", ".", "/", "-", "_", ";", "(", ")", ":", "<", ">", "#", "%", `"`, "?", " ", "{", "}", "^", "[", "]", "`", "|", `\`, "+", ",", "&", "=", "'", "*", "@", "!", "$", "~", "é", "ü", "漢", "\t", "/./", "/../", "/.", "/.."}
	dois := []string{"10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O", "10.1000/456#789", "10.3399/bjgp19X705557", "10.1000/a/.", "10.1000/a/..", "10.1000/./x", "10.1000/../x"}
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		b.WriteString("10.")
		for n := rng.IntN(12); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		dois = append(dois, b.String())
	}
	for _, doi := range dois {
		raw := *Source{DOI: doi}.DOIURL()
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("%q → %q: %v", doi, raw, err)
			continue
		}
		if u.Scheme != "https" || u.Host != "doi.org" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			t.Errorf("%q → %q: scheme %q host %q query %q fragment %q", doi, raw, u.Scheme, u.Host, u.RawQuery, u.Fragment)
		}
		p := strings.TrimPrefix(raw, "https://doi.org/")
		if back, err := url.PathUnescape(p); err != nil || back != doi {
			t.Errorf("%q → %q unescapes to %q (%v)", doi, raw, back, err)
		}
		if i := strings.IndexAny(p, "\"# ?<>{}^[]`|\\+"); i >= 0 {
			t.Errorf("%q → %q: %q left raw", doi, raw, p[i])
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == "." || seg == ".." {
				t.Errorf("%q → %q: dot segment", doi, raw)
			}
		}
	}
	if got := *(Source{DOI: "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O"}).DOIURL(); got != "https://doi.org/10.1002/(SICI)1097-4571(199806)49:8%3C693::AID-ASI4%3E3.0.CO;2-O" {
		t.Errorf("SICI: %s", got)
	}
}
