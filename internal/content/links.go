package content

import (
	"fmt"
	"regexp"
	"strings"
)

// ResourceLinkPattern finds the links to other resources in a Markdown
// body, as a reader's page has them (breaker7 F1: only `](/resources/slug)`
// written exactly was seen, so a resource linked any other way could be
// withdrawn under a live page): the destination /resources/slug of an
// inline link or image (`[t](/resources/slug)`, with spaces, `<...>`, a
// title, `#fragment`, `?query` or a trailing slash) or of a reference
// definition (`[r]: /resources/slug`). Group 1 is the slug. Not found:
// absolute URLs to the hub's own host (the host is not known here) and
// link-like text inside code spans and blocks is counted as a link.
//
// The same pattern runs in PostgreSQL (the import's prune and the trigger
// of migration 017, which takes it as written here), so it keeps to what
// both RE2 and PostgreSQL's regular expressions read alike.
const ResourceLinkPattern = `(?:\]\(\s*<?|\]:[ \t]*<?)/resources/([a-z0-9-]+)(?:[)>#?/\s"']|$)`

// ResourceLinkRE is ResourceLinkPattern compiled. The import, the lint and
// the API's publish read body links with it.
var ResourceLinkRE = regexp.MustCompile(ResourceLinkPattern)

// BodyLinks returns the slugs a body links to, in order, each once.
func BodyLinks(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range ResourceLinkRE.FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// LinkTarget is what a slug a draft names finds: a resource the public
// sees (Public), its language and, when its live revision is itself a
// translation, the slug of its original (TranslationOf); or nothing (Found
// false).
type LinkTarget struct {
	Found, Public bool
	Language      string
	TranslationOf string
}

// Translation is a published translation of a resource: its slug and
// language.
type Translation struct {
	Slug, Language string
}

// CheckLinks applies the link rules a published resource keeps, as the
// import does for files (breaker5 F7): translationOf, related and body
// links name a resource the public sees (published: not missing, not a
// draft, not withdrawn). It also applies the translation rules, from both
// sides (breaker7 F6; README "Editors"):
//
//   - a translation's original is not itself a translation (no chains,
//     hence no cycles), nor the draft itself;
//   - a resource with published translations (own, the live translations
//     of the draft's resource) does not become a translation;
//   - a translation differs in language from its original, so an original
//     does not take the language of one of its published translations.
//
// find says what each slug finds. The errors are EINVALID naming the field
// in the API's spelling (translationOf, related[i], body, language), in
// field order.
func (d Draft) CheckLinks(find func(slug string) LinkTarget, own []Translation) []*Error {
	var out []*Error
	bad := func(field, format string, args ...any) {
		out = append(out, &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	why := func(t LinkTarget) string {
		if t.Found {
			return ", which the public cannot see (a draft or withdrawn): publish it first"
		}
		return ", which does not exist"
	}
	if d.TranslationOf != "" {
		switch t := find(d.TranslationOf); {
		case d.Slug != "" && d.TranslationOf == d.Slug:
			bad("translationOf", "names the resource itself: a translation names its original")
		case !t.Public:
			bad("translationOf", "names %q%s", d.TranslationOf, why(t))
		case t.TranslationOf != "":
			bad("translationOf", "names %q, which is itself a translation (of %q): name the original, %q", d.TranslationOf, t.TranslationOf, t.TranslationOf)
		case len(own) > 0:
			bad("translationOf", "this resource is the original of published translations (%s), so it cannot become a translation itself", translationList(own))
		case strings.EqualFold(t.Language, d.Language):
			bad("language", "a translation must differ in language from %q (%s)", d.TranslationOf, t.Language)
		}
	}
	for _, t := range own {
		if strings.EqualFold(t.Language, d.Language) {
			bad("language", "the published translation %q is in %s: an original must differ in language from its translations", t.Slug, t.Language)
			break
		}
	}
	for i, s := range d.Related {
		if t := find(s); !t.Public {
			bad(fmt.Sprintf("related[%d]", i), "names %q%s", s, why(t))
		}
	}
	for _, s := range BodyLinks(d.Body) {
		if t := find(s); !t.Public {
			bad("body", "links to /resources/%s%s", s, why(t))
		}
	}
	return out
}

// translationList is "slug (language), ..." for an error message.
func translationList(ts []Translation) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%q (%s)", t.Slug, t.Language)
	}
	return strings.Join(parts, ", ")
}

// Slugs lists the slugs d names: translationOf, related and body links.
func (d Draft) Slugs() []string {
	var out []string
	if d.TranslationOf != "" {
		out = append(out, d.TranslationOf)
	}
	out = append(out, d.Related...)
	return append(out, BodyLinks(d.Body)...)
}
