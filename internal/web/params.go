package web

import (
	"net/url"
	"strconv"

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
	maxQueryRunes = content.MaxSearchRunes
)

// kindSlug returns the URL spelling of a kind ("research-brief").
func kindSlug(k content.Kind) string { return content.Slug(string(k)) }

// termSlug returns the URL spelling of an audience or nation
// ("GP_PRACTICES" → "gp-practices").
func termSlug(s string) string { return content.Slug(s) }

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

// parseQuery parses a raw query string strictly (content.ParseQueryString:
// a malformed escape, a value that is not UTF-8 or holds a control
// character is an EINVALID error naming the parameter, never passed on).
func parseQuery(raw string) (url.Values, error) { return content.ParseQueryString(raw) }

// parseSearchParams validates the search page's parameters: the search
// itself as content.ParseSearchParams reads it for every door (the Atom
// feed too), and the page number.
func parseSearchParams(v url.Values) (searchParams, error) {
	var p searchParams
	sp, err := content.ParseSearchParams(v)
	if err != nil {
		return p, err
	}
	f := sp.Filter
	p = searchParams{Text: sp.Text, Kinds: f.Kinds, Topics: f.Topics, Audiences: f.Audiences, Nations: f.Nations, Languages: f.Languages, Sort: "relevance"}
	if sp.Order == content.SearchNewest {
		p.Sort = "newest"
	}
	if p.Page, err = parsePage(v); err != nil {
		return p, err
	}
	return p, nil
}

// parsePage parses page=N (1 ≤ N ≤ maxPage; absent or empty means 1).
// Errors are EINVALID naming page.
func parsePage(v url.Values) (int, error) {
	if err := content.GivenOnce(v, "page"); err != nil {
		return 0, err
	}
	s := v.Get("page")
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, content.FieldErrorf("page", "%q is not a page number (1, 2, 3…)", s)
	}
	if n > maxPage {
		return 0, content.FieldErrorf("page", "goes up to %d: narrow the search with words or filters to see further results", maxPage)
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

func appendNew[T comparable](list []T, v T) []T {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
