package partner

import (
	"net/url"
	"testing"

	"guidancehub/internal/content"
)

// Every value a resource file may hold is accepted as a feed parameter and
// survives Canonical; everything else is EINVALID naming its parameter.
func TestParseAtomQueryTakesFileSpellings(t *testing.T) {
	v := url.Values{"q": {" gp registration "}, "kind": {"guidance", "research-brief", "policy-position"}}
	for _, a := range content.Audiences {
		v.Add("audience", lower(a))
	}
	for _, n := range content.Nations {
		v.Add("nation", lower(n))
	}
	for _, tp := range content.Topics {
		v.Add("topic", tp.Slug)
	}
	v.Add("language", "fa")
	q, err := ParseAtomQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "gp registration" || len(q.Filter.Kinds) != 3 || len(q.Filter.Audiences) != len(content.Audiences) ||
		len(q.Filter.Nations) != 4 || len(q.Filter.Topics) != len(content.Topics) {
		t.Fatalf("parsed %+v", q)
	}
	back, _ := url.ParseQuery(q.Canonical())
	q2, err := ParseAtomQuery(back)
	if err != nil || q2.Canonical() != q.Canonical() {
		t.Errorf("canonical %q parses to %q, %v", q.Canonical(), q2.Canonical(), err)
	}
	for param, bad := range map[string]string{"kind": "RESEARCHBRIEF", "audience": "everyone", "nation": "france", "topic": "nope", "language": "x_y"} {
		_, err := ParseAtomQuery(url.Values{param: {bad}})
		if e, ok := err.(*content.Error); !ok || e.Code != content.EINVALID || e.Field != param {
			t.Errorf("%s=%s: error %v, want EINVALID on %s", param, bad, err, param)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '_':
			b[i] = '-'
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
