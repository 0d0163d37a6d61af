package content

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of search parameters in URLs.
const (
	// MaxSearchRunes is the longest search text, in characters (the
	// search engine's limit, search.MaxQueryRunes).
	MaxSearchRunes = 256
	// MaxParamValues caps the values of one repeated URL parameter.
	MaxParamValues = 30
)

// SearchParams are a search as URL parameters give it: the search page
// (/search), topic pages and Atom feeds (/feeds/resources.atom) all read
// theirs with ParseSearchParams, so one place decides what a value means
// and what a bad one answers.
type SearchParams struct {
	// Text is q, trimmed ("" browses).
	Text   string
	Filter Filter
	// Order is sort: SearchRelevance ("relevance") or SearchNewest
	// ("newest"); "" when not given.
	Order SearchOrder
}

// ParseQueryString parses a raw URL query strictly: a malformed escape or
// a ';' is an EINVALID error on "query string"; a parameter name that is
// not UTF-8 likewise; a value that is not UTF-8 or holds a control
// character (NUL, DEL, C0 other than tab and line breaks), or a parameter
// given more than MaxParamValues times, is an EINVALID error naming the
// parameter; a parameter name that holds a control character is refused
// like a name that is not UTF-8. Such values never reach PostgreSQL (which refuses NUL and
// invalid UTF-8) or a page.
func ParseQueryString(raw string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		// url.ParseQuery skips the pair it cannot read and goes on, so
		// ignoring its error would answer without that parameter (a GET
		// /graphql without its variables: an unfiltered answer). Name
		// the parameter at fault.
		return nil, badPair(raw)
	}
	// Check parameters in a fixed order, so the same query string always
	// names the same parameter.
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !utf8.ValidString(k) {
			return nil, FieldErrorf("query string", "has a parameter name that is not valid UTF-8 text")
		}
		if strings.ContainsFunc(k, controlChar) {
			return nil, FieldErrorf("query string", "has a parameter name that contains a control character (such as NUL)")
		}
	}
	for _, k := range keys {
		vs := v[k]
		if len(vs) > MaxParamValues {
			return nil, FieldErrorf(k, "is given more than %d times", MaxParamValues)
		}
		for _, s := range vs {
			if !utf8.ValidString(s) {
				return nil, FieldErrorf(k, "is not valid UTF-8 text")
			}
			if strings.ContainsFunc(s, controlChar) {
				return nil, FieldErrorf(k, "contains a control character (such as NUL)")
			}
		}
	}
	return v, nil
}

// controlChar is a C0 control other than tab and line breaks, or DEL.
func controlChar(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }

// GivenOnce checks that each named parameter is given at most once: a
// scalar parameter (a search's q, a page number, a GraphQL document, an
// oEmbed url) given twice is an EINVALID error naming it, never read as
// its first (or last) value, on every door (RFC 3986 leaves repeats to the
// application; HTML forms repeat only what they mean to). Filters, which
// may repeat, are not named here.
func GivenOnce(v url.Values, names ...string) error {
	for _, name := range names {
		if n := len(v[name]); n > 1 {
			return FieldErrorf(name, "is given %d times; give it once", n)
		}
	}
	return nil
}

// kindSpellings are the kinds as resource files (and URLs) may spell
// them, including the importer's aliases (ingest), after lower-casing and
// turning '_' and ' ' into '-'.
var kindSpellings = map[string]Kind{
	"guidance": KindGuidance, "guidance-document": KindGuidance,
	"research-brief": KindResearchBrief, "research": KindResearchBrief,
	"policy-position": KindPolicyPosition, "policy": KindPolicyPosition,
}

// ParseSearchParams reads q, kind, topic, audience, nation, language and
// sort from URL parameters already checked by ParseQueryString. Filter
// values are spelled as in resource files, in any case: kind=research-brief,
// audience=gp-practices, nation=northern-ireland, topic=charging,
// language=fa; each filter may repeat (OR within a filter, AND across
// filters); blank values are ignored and repeats dropped. q and sort may be
// given once. Other parameters are not read (pages keep their own, such as
// page; links from other sites carry tracking parameters).
//
// Errors are EINVALID naming the parameter: q longer than MaxSearchRunes,
// an unknown kind, topic, audience, nation or order, a malformed language
// tag. The message quotes the value with Go's %q, which escapes control
// and bidirectional formatting characters.
func ParseSearchParams(v url.Values) (SearchParams, error) {
	var p SearchParams
	if err := GivenOnce(v, "q", "sort"); err != nil {
		return p, err
	}
	p.Text = strings.TrimSpace(v.Get("q"))
	if n := utf8.RuneCountInString(p.Text); n > MaxSearchRunes {
		return p, FieldErrorf("q", "is %d characters long; a search may be at most %d", n, MaxSearchRunes)
	}
	for _, s := range nonBlank(v["kind"]) {
		k, ok := kindSpellings[strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(s))]
		if !ok {
			return p, FieldErrorf("kind", "%q is not a kind: use guidance, research-brief or policy-position", s)
		}
		p.Filter.Kinds = appendNew(p.Filter.Kinds, k)
	}
	for _, s := range nonBlank(v["topic"]) {
		t := strings.ToLower(s)
		if _, ok := TopicBySlug(t); !ok {
			return p, FieldErrorf("topic", "%q is not one of the hub's topics", s)
		}
		p.Filter.Topics = appendNew(p.Filter.Topics, t)
	}
	for _, s := range nonBlank(v["audience"]) {
		a, ok := NormalizeTerm(s, Audiences)
		if !ok {
			return p, FieldErrorf("audience", "%q is not an audience: use one of %s", s, slugs(Audiences))
		}
		p.Filter.Audiences = appendNew(p.Filter.Audiences, a)
	}
	for _, s := range nonBlank(v["nation"]) {
		n, ok := NormalizeTerm(s, Nations)
		if !ok {
			return p, FieldErrorf("nation", "%q is not a nation: use one of %s", s, slugs(Nations))
		}
		p.Filter.Nations = appendNew(p.Filter.Nations, n)
	}
	for _, s := range nonBlank(v["language"]) {
		if !ValidLanguage(s) {
			return p, FieldErrorf("language", "%q is not a language tag such as en or ar", s)
		}
		p.Filter.Languages = appendNew(p.Filter.Languages, strings.ToLower(s))
	}
	switch s := strings.ToLower(strings.TrimSpace(v.Get("sort"))); s {
	case "":
	case "relevance":
		p.Order = SearchRelevance
	case "newest":
		p.Order = SearchNewest
	default:
		return p, FieldErrorf("sort", "%q is not an order: use relevance or newest", v.Get("sort"))
	}
	return p, nil
}

// Empty reports whether p asks for nothing: no text, filter or order.
func (p SearchParams) Empty() bool {
	f := p.Filter
	return p.Text == "" && p.Order == "" && len(f.Kinds)+len(f.Topics)+len(f.Audiences)+len(f.Nations)+len(f.Languages) == 0
}

// Values returns p as URL parameters spelled as resource files spell
// them (kind=research-brief, nation=northern-ireland), in a fixed order;
// ParseSearchParams reads them back to p (with SearchRelevance, the
// default order, read back as "").
func (p SearchParams) Values() url.Values {
	v := url.Values{}
	if p.Text != "" {
		v.Set("q", p.Text)
	}
	for _, k := range p.Filter.Kinds {
		v.Add("kind", Slug(string(k)))
	}
	for _, t := range p.Filter.Topics {
		v.Add("topic", t)
	}
	for _, a := range p.Filter.Audiences {
		v.Add("audience", Slug(a))
	}
	for _, n := range p.Filter.Nations {
		v.Add("nation", Slug(n))
	}
	for _, l := range p.Filter.Languages {
		v.Add("language", l)
	}
	if p.Order == SearchNewest {
		v.Set("sort", "newest") // relevance, the default, is left out
	}
	return v
}

// Slug is a kind, audience or nation as resource files and URLs spell it
// ("RESEARCH_BRIEF" → "research-brief").
func Slug(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

func slugs(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Slug(s)
	}
	return strings.Join(out, ", ")
}

func nonBlank(vs []string) []string {
	var out []string
	for _, s := range vs {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func appendNew[T comparable](list []T, v T) []T {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// badPair finds the first pair of raw that url.ParseQuery cannot read and
// returns an EINVALID error naming its parameter (RFC 3986 §2.1: "%"
// followed by two hex digits), or "query string" when the name itself is
// unreadable or a ';' separates pairs.
func badPair(raw string) error {
	for pair := range strings.SplitSeq(raw, "&") {
		if strings.Contains(pair, ";") {
			return FieldErrorf("query string", "uses ';' between parameters: write '&' (or %%3B for a ';' in a value)")
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return FieldErrorf("query string", "has a malformed %% escape in a parameter name (write %% as %%25)")
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return FieldErrorf(name, "has a malformed %% escape: %% must be followed by two hex digits (write %% as %%25)")
		}
	}
	return FieldErrorf("query string", "is not a valid URL query")
}
