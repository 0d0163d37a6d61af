package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"guidancehub/internal/content"
)

// Page sizes and limits of the pages' query parameters.
const (
	// resultsPerPage is the number of results on a search or topic page.
	resultsPerPage = 10
	// maxPage is the last page a reader may ask for: page N costs a walk
	// over the N-1 pages before it, so deep pages are refused with a hint
	// to narrow the search (1,000 results are more than anyone reads).
	maxPage = 100
	// maxQueryRunes matches the search engine's limit (search.MaxQueryRunes).
	maxQueryRunes = 256
	// maxValues caps the values of one repeated filter parameter.
	maxValues = 30
)

// kindSlugs are the kinds as resource files and URLs spell them.
var kindSlugs = map[string]content.Kind{
	"guidance":        content.KindGuidance,
	"research-brief":  content.KindResearchBrief,
	"policy-position": content.KindPolicyPosition,
}

// kindSlug returns the URL spelling of a kind ("research-brief").
func kindSlug(k content.Kind) string {
	return strings.ReplaceAll(strings.ToLower(string(k)), "_", "-")
}

// termSlug returns the URL spelling of an audience or nation
// ("GP_PRACTICES" → "gp-practices").
func termSlug(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// paramError is a query parameter the pages cannot use; it becomes a 400
// page that names the parameter and says what it accepts.
type paramError struct {
	Param, Message string
}

func (e *paramError) Error() string { return e.Param + ": " + e.Message }

func badParam(param, format string, args ...any) *paramError {
	return &paramError{Param: param, Message: fmt.Sprintf(format, args...)}
}

// searchParams are the validated parameters of /search and /topics/{slug}.
type searchParams struct {
	Text      string
	Kinds     []content.Kind
	Topics    []string
	Audiences []string
	Nations   []string
	Languages []string
	Sort      string // "relevance" or "newest"
	Page      int    // from 1
}

// parseQuery parses a raw query string strictly: a malformed escape, a
// value that is not UTF-8 or holds a control character is an error, never
// passed on (PostgreSQL refuses NUL and invalid UTF-8, and the driver's
// error would otherwise become a 500).
func parseQuery(raw string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badParam("query string", "is not a valid URL query (a %% escape is malformed or a ; is used)")
	}
	for k, vs := range v {
		if !utf8.ValidString(k) {
			return nil, badParam("query string", "a parameter name is not valid UTF-8 text")
		}
		if len(vs) > maxValues {
			return nil, badParam(k, "is given more than %d times", maxValues)
		}
		for _, s := range vs {
			if !utf8.ValidString(s) {
				return nil, badParam(k, "is not valid UTF-8 text")
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }) {
				return nil, badParam(k, "contains a control character (such as NUL)")
			}
		}
	}
	return v, nil
}

// parseSearchParams validates the search page's parameters. Filter values
// are spelled as in resource files (kind=research-brief,
// audience=gp-practices, nation=northern-ireland, language=ar); a value
// may repeat (OR within a filter, AND across filters).
func parseSearchParams(v url.Values) (searchParams, error) {
	var p searchParams
	p.Text = strings.TrimSpace(v.Get("q"))
	if n := utf8.RuneCountInString(p.Text); n > maxQueryRunes {
		return p, badParam("q", "is %d characters long; a search may be at most %d", n, maxQueryRunes)
	}
	for _, s := range nonEmpty(v["kind"]) {
		k, ok := kindSlugs[strings.ToLower(s)]
		if !ok {
			return p, badParam("kind", "%q is not a kind: use guidance, research-brief or policy-position", s)
		}
		p.Kinds = appendNew(p.Kinds, k)
	}
	for _, s := range nonEmpty(v["topic"]) {
		if _, ok := content.TopicBySlug(strings.ToLower(s)); !ok {
			return p, badParam("topic", "%q is not one of the hub's topics", s)
		}
		p.Topics = appendNew(p.Topics, strings.ToLower(s))
	}
	for _, s := range nonEmpty(v["audience"]) {
		a, ok := content.NormalizeTerm(s, content.Audiences)
		if !ok {
			return p, badParam("audience", "%q is not an audience: use one of %s", s, slugList(content.Audiences))
		}
		p.Audiences = appendNew(p.Audiences, a)
	}
	for _, s := range nonEmpty(v["nation"]) {
		n, ok := content.NormalizeTerm(s, content.Nations)
		if !ok {
			return p, badParam("nation", "%q is not a nation: use one of %s", s, slugList(content.Nations))
		}
		p.Nations = appendNew(p.Nations, n)
	}
	for _, s := range nonEmpty(v["language"]) {
		if !content.ValidLanguage(s) {
			return p, badParam("language", "%q is not a language tag such as en or ar", s)
		}
		p.Languages = appendNew(p.Languages, strings.ToLower(s))
	}
	switch s := v.Get("sort"); s {
	case "", "relevance":
		p.Sort = "relevance"
	case "newest":
		p.Sort = "newest"
	default:
		return p, badParam("sort", "%q is not an order: use relevance or newest", s)
	}
	page, err := parsePage(v.Get("page"))
	if err != nil {
		return p, err
	}
	p.Page = page
	return p, nil
}

// parsePage parses page=N (1 ≤ N ≤ maxPage; empty means 1).
func parsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, badParam("page", "%q is not a page number (1, 2, 3…)", s)
	}
	if n > maxPage {
		return 0, badParam("page", "goes up to %d: narrow the search with words or filters to see further results", maxPage)
	}
	return n, nil
}

// filter is the domain filter the parameters ask for.
func (p searchParams) filter() content.Filter {
	return content.Filter{Kinds: p.Kinds, Topics: p.Topics, Audiences: p.Audiences, Nations: p.Nations, Languages: p.Languages}
}

// values returns the parameters as a URL query with page set to page
// (page 1 is left out), in a stable order.
func (p searchParams) values(page int) url.Values {
	v := url.Values{}
	if p.Text != "" {
		v.Set("q", p.Text)
	}
	for _, k := range p.Kinds {
		v.Add("kind", kindSlug(k))
	}
	for _, t := range p.Topics {
		v.Add("topic", t)
	}
	for _, a := range p.Audiences {
		v.Add("audience", termSlug(a))
	}
	for _, n := range p.Nations {
		v.Add("nation", termSlug(n))
	}
	for _, l := range p.Languages {
		v.Add("language", l)
	}
	if p.Sort == "newest" {
		v.Set("sort", "newest")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func nonEmpty(vs []string) []string {
	out := vs[:0:0]
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

func slugList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = termSlug(s)
	}
	return strings.Join(out, ", ")
}
