package main

import (
	"testing"
)

// TestAPIPublishesWhatFilesMayBe is breaker7 F5's reproduce list: through
// the API an editor could publish a research brief without key findings,
// a policy position without recommendations, a resource without topics, a
// review dated before publication and a publication date years ahead,
// none of which a resource file may be ("one set", README). Each is now
// INVALID_ARGUMENT naming the field at publishResource, and nothing is
// published (the slug stays unknown to the public).
func TestAPIPublishesWhatFilesMayBe(t *testing.T) {
	e := startEditorialHub(t)
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { id status } } }`
	cases := []struct {
		name  string
		edit  func(in, content map[string]any)
		field string
	}{
		{"brief without key findings", func(in, c map[string]any) { in["kind"] = "RESEARCH_BRIEF"; c["methods"] = "a survey" }, "input.keyFindings"},
		{"brief with an empty list", func(in, c map[string]any) {
			in["kind"] = "RESEARCH_BRIEF"
			c["methods"], c["keyFindings"] = "a survey", []string{}
		}, "input.keyFindings"},
		{"position without recommendations", func(in, c map[string]any) { in["kind"] = "POLICY_POSITION"; c["rationale"] = "because" }, "input.recommendations"},
		{"no topics", func(in, c map[string]any) { c["topics"] = []string{} }, "input.topics"},
		{"reviewed before published", func(in, c map[string]any) { c["publishedAt"], c["lastReviewedAt"] = "2026-06-01", "2026-01-01" }, "input.lastReviewedAt"},
		{"published years ahead", func(in, c map[string]any) { c["publishedAt"] = "2030-01-01" }, "input.publishedAt"},
	}
	for i, c := range cases {
		slug := "f5-case-" + string(rune('a'+i))
		d := newDraft(slug, "F5 case "+c.name)
		in := d["in"].(map[string]any)
		c.edit(in, in["content"].(map[string]any))
		r := authed(t, e.url, e.editor, createQ, d)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: create: %+v", c.name, r.Errors)
		}
		id := path(r.Data, "createResource", "resource", "id").(string)
		p := authed(t, e.url, e.editor, publishQ, map[string]any{"id": id})
		if len(p.Errors) == 0 {
			t.Errorf("%s: published", c.name)
			continue
		}
		if code, field := p.Errors[0].Extensions["code"], p.Errors[0].Extensions["field"]; code != "INVALID_ARGUMENT" || field != c.field {
			t.Errorf("%s: %v on %v (%s), want INVALID_ARGUMENT on %s", c.name, code, field, p.Errors[0].Message, c.field)
		}
		if r := post(t, e.url, `query($s: String!) { resource(slug: $s) { slug } }`, map[string]any{"s": slug}); path(r.Data, "resource") != nil {
			t.Errorf("%s: the public sees it", c.name)
		}
	}
}
