package content

import (
	"net/url"
	"reflect"
	"testing"
)

// Every value a resource file may hold is accepted and survives Values;
// the examples of each refusal name their parameter.
func TestParseSearchParams(t *testing.T) {
	v := url.Values{"q": {" gp registration "}, "kind": {"guidance", "Research-Brief", "policy", "research_brief"}, "sort": {"newest"}, "language": {"fa"}}
	for _, a := range Audiences {
		v.Add("audience", Slug(a))
	}
	for _, n := range Nations {
		v.Add("nation", Slug(n))
	}
	for _, tp := range Topics {
		v.Add("topic", tp.Slug)
	}
	p, err := ParseSearchParams(v)
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "gp registration" || len(p.Filter.Kinds) != 3 || len(p.Filter.Audiences) != len(Audiences) ||
		len(p.Filter.Nations) != len(Nations) || len(p.Filter.Topics) != len(Topics) || p.Order != SearchNewest {
		t.Fatalf("parsed %+v", p)
	}
	back, err := ParseSearchParams(p.Values())
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("Values %s reads back as %+v, %v", p.Values().Encode(), back, err)
	}
	for raw, field := range map[string]string{
		"kind=RESEARCHBRIEF": "kind", "audience=everyone": "audience", "nation=france": "nation", "topic=nope": "topic",
		"language=x_y": "language", "sort=oldest": "sort", "q=a&q=b": "q", "sort=newest&sort=newest": "sort",
	} {
		v, _ := url.ParseQuery(raw)
		_, err := ParseSearchParams(v)
		if e, ok := err.(*Error); !ok || e.Code != EINVALID || e.Field != field {
			t.Errorf("%s: error %v, want EINVALID on %s", raw, err, field)
		}
	}
	for raw, field := range map[string]string{"q=%ff": "q", "q=a%00": "q", "%zz": "query string", "%ff=1": "query string", "x=%7f": "x"} {
		if _, err := ParseQueryString(raw); err == nil || err.(*Error).Field != field {
			t.Errorf("%s: error %v, want EINVALID on %s", raw, err, field)
		}
	}
}
