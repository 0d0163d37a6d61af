package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// kindInfo explains a kind on the home page.
type kindInfo struct {
	Kind        content.Kind
	Description string
	Count       int
}

type homeData struct {
	Topics []content.TopicCount
	Newest []hitView
	Kinds  []kindInfo
	Total  int
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	topics, err := h.svc.Topics(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	newest, err := h.svc.Search(ctx, content.SearchQuery{Order: content.SearchNewest, First: 5, NoHighlights: true, NoSuggestion: true, Omit: listOmit})
	if content.ErrorCode(err) == content.EUNAVAILABLE {
		// The index is being rebuilt: the newest and the counts are
		// PostgreSQL's to answer (breaker3 F16).
		newest, err = h.newestFromLibrary(ctx, content.Filter{}, 0, 5, true)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := homeData{Topics: topics, Total: newest.Total, Kinds: []kindInfo{
		{content.KindGuidance, "Practical guidance: what to do, who it applies to and a checklist of actions, for example how a GP practice registers a patient with no ID or proof of address.", 0},
		{content.KindResearchBrief, "Summaries of evidence: the method, sample, period and key findings of a study, with its references.", 0},
		{content.KindPolicyPosition, "What we ask of government and the NHS, with recommendations, the rationale and the evidence behind them.", 0},
	}}
	d.Newest = hitViews(newest.Hits)
	for i := range d.Kinds {
		for _, f := range newest.Facets.Kinds {
			if f.Value == string(d.Kinds[i].Kind) {
				d.Kinds[i].Count = f.Count
			}
		}
	}
	h.render(w, r, http.StatusOK, "home", layout{Title: "Guidance on healthcare access for excluded people", Canonical: h.public + "/", HideHeaderSearch: true, Autocomplete: true, Data: d})
}

// option is one checkbox of a filter.
type option struct {
	Value, Label string
	// Native is the value's name in its own language (for languages),
	// marked with NativeLang.
	Native     string
	NativeLang template.HTMLAttr
	Count      int
	Checked    bool
}

// filterGroup is a fieldset of checkboxes.
type filterGroup struct {
	Name, Legend string
	Options      []option
}

type searchData struct {
	P          searchParams
	Results    *content.SearchResult
	Hits       []hitView
	Filters    []filterGroup
	Selected   int
	FirstShown int
	LastShown  int
	Pages      int
	PrevURL    string
	NextURL    string
	FirstURL   string
	// Beyond: the last page there is (maxPage) and more results after
	// it, which no page shows (breaker10 F2).
	Beyond  bool
	MaxPage int
	// Suggestion is the corrected query ("did you mean"), and
	// SuggestionURL searches for it with the same filters.
	Suggestion    string
	SuggestionURL string
	ClearURL      string
	// Topic is set on a topic's page.
	Topic *content.TopicCount
	// Action is where the form submits (the page itself).
	Action string
	// Shortened: the typed search was past the limits and P.Text is the
	// shortened search that ran (Handler.shorten).
	Shortened bool
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	v, _ := parseQuery(r.URL.RawQuery)
	// A search past the limits (a pasted question) is searched by its
	// first words, and the page says so (breaker5 F4).
	var shortened string
	if qs := v["q"]; h.shorten != nil && len(qs) == 1 {
		if short, cut := h.shorten(strings.TrimSpace(qs[0])); cut {
			v.Set("q", short)
			shortened = short
		}
	}
	p, err := parseSearchParams(v)
	if err != nil {
		h.badRequest(w, r, err)
		return
	}
	d, err := h.searchData(r.Context(), p, "/search", false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Shortened = shortened != ""
	title := "Search the library"
	if p.Text != "" {
		// The reader's words, isolated: they may be in another script or
		// hold bidirectional controls that must not reorder the title.
		title = "Search results for “" + content.Isolate(p.Text) + "”"
	}
	if p.Page > 1 {
		title += fmt.Sprintf(" (page %d)", p.Page)
	}
	h.render(w, r, http.StatusOK, "search", layout{Title: title, Canonical: h.public + "/search?" + p.values(p.Page).Encode(), Feed: "/feeds/resources.atom?" + p.values(1).Encode(), HideHeaderSearch: true, Autocomplete: true, Data: d})
}

// searchData runs the search for page p.Page and builds the page's view.
// With fromLibrary, a browse newest first that the index cannot answer
// (being rebuilt) is listed from PostgreSQL instead, without facets: for
// pages that show none.
func (h *Handler) searchData(ctx context.Context, p searchParams, action string, fromLibrary bool) (*searchData, error) {
	q := content.SearchQuery{Text: p.Text, Filter: p.filter(), Order: content.SearchRelevance, First: resultsPerPage, Omit: listOmit}
	if p.Sort == "newest" {
		q.Order = content.SearchNewest
	}
	// Page N is results 10(N-1)+1 to 10N of one search: the index passes
	// over the pages before it (SearchQuery.Skip), so a later page costs
	// one search, as the first does. Past the last result the page shows
	// the count and nothing else.
	q.Skip = (p.Page - 1) * resultsPerPage
	res, err := h.svc.Search(ctx, q)
	if fromLibrary && q.Text == "" && q.Order == content.SearchNewest && content.ErrorCode(err) == content.EUNAVAILABLE {
		res, err = h.newestFromLibrary(ctx, q.Filter, q.Skip, q.First, false)
	}
	if err != nil {
		return nil, err
	}
	d := &searchData{P: p, Results: res, Hits: hitViews(res.Hits), Action: action}
	d.Pages = min((res.Total+resultsPerPage-1)/resultsPerPage, maxPage)
	if len(res.Hits) > 0 {
		d.FirstShown = (p.Page-1)*resultsPerPage + 1
		d.LastShown = d.FirstShown + len(res.Hits) - 1
	}
	link := func(page int) string {
		if enc := p.values(page).Encode(); enc != "" {
			return action + "?" + enc
		}
		return action
	}
	d.FirstURL = link(1)
	if p.Page > 1 {
		d.PrevURL = link(p.Page - 1)
	}
	if res.HasNext && p.Page < maxPage {
		d.NextURL = link(p.Page + 1)
	}
	d.Beyond, d.MaxPage = beyondPages(p.Page, res.HasNext), maxPage
	if res.Suggestion != nil {
		d.Suggestion = *res.Suggestion
		s := p
		s.Text = *res.Suggestion
		d.SuggestionURL = action + "?" + s.values(1).Encode()
	}
	clear := searchParams{Text: p.Text, Sort: p.Sort}
	d.ClearURL = link(1)
	if enc := clear.values(1).Encode(); enc != "" {
		d.ClearURL = action + "?" + enc
	} else {
		d.ClearURL = action
	}
	d.Filters = filterGroups(p, res.Facets)
	d.Selected = len(p.Kinds) + len(p.Topics) + len(p.Audiences) + len(p.Nations) + len(p.Languages)
	return d, nil
}

// beyondPages reports whether page is the search page's last (maxPage)
// while the search has results after it, which no page shows.
func beyondPages(page int, hasNext bool) bool { return hasNext && page >= maxPage }

// filterGroups builds the checkboxes: each value of the controlled lists
// that has matches (or is chosen), with its count. Each facet ignores its
// own filter, so a count says how many results choosing it would add.
func filterGroups(p searchParams, f content.Facets) []filterGroup {
	counts := func(vs []content.FacetValue) map[string]int {
		m := map[string]int{}
		for _, v := range vs {
			m[v.Value] = v.Count
		}
		return m
	}
	var groups []filterGroup
	kc := counts(f.Kinds)
	g := filterGroup{Name: "kind", Legend: "Kind"}
	for _, k := range content.Kinds {
		checked := contains(p.Kinds, k)
		if kc[string(k)] > 0 || checked {
			g.Options = append(g.Options, option{Value: kindSlug(k), Label: kindNames[k], Count: kc[string(k)], Checked: checked})
		}
	}
	groups = append(groups, g)

	tc := counts(f.Topics)
	g = filterGroup{Name: "topic", Legend: "Topic"}
	for _, t := range content.Topics {
		checked := contains(p.Topics, t.Slug)
		if tc[t.Slug] > 0 || checked {
			g.Options = append(g.Options, option{Value: t.Slug, Label: t.Name, Count: tc[t.Slug], Checked: checked})
		}
	}
	groups = append(groups, g)

	ac := counts(f.Audiences)
	g = filterGroup{Name: "audience", Legend: "Written for"}
	for _, a := range content.Audiences {
		checked := contains(p.Audiences, a)
		if ac[a] > 0 || checked {
			g.Options = append(g.Options, option{Value: termSlug(a), Label: audienceNames[a], Count: ac[a], Checked: checked})
		}
	}
	groups = append(groups, g)

	nc := counts(f.Nations)
	g = filterGroup{Name: "nation", Legend: "Nation"}
	for _, n := range content.Nations {
		checked := contains(p.Nations, n)
		if nc[n] > 0 || checked {
			g.Options = append(g.Options, option{Value: termSlug(n), Label: nationNames[n], Count: nc[n], Checked: checked})
		}
	}
	groups = append(groups, g)

	// Languages: those with results (most first) and those chosen, each
	// with its count (tags are case-insensitive; the facet's are lower
	// case).
	lc := counts(f.Languages)
	chosen := func(l string) bool {
		return slices.ContainsFunc(p.Languages, func(c string) bool { return strings.EqualFold(c, l) })
	}
	g = filterGroup{Name: "language", Legend: "Language"}
	var langs []string
	for _, v := range f.Languages {
		langs = append(langs, v.Value)
	}
	for _, l := range p.Languages {
		if !slices.ContainsFunc(langs, func(v string) bool { return strings.EqualFold(v, l) }) {
			langs = append(langs, l)
		}
	}
	for _, l := range langs {
		g.Options = append(g.Options, option{Value: l, Label: englishName(l), Native: nativeName(l), NativeLang: langAttrs(l), Count: lc[strings.ToLower(l)], Checked: chosen(l)})
	}
	groups = append(groups, g)

	out := groups[:0]
	for _, g := range groups {
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// suggest answers the search box's completions as JSON:
// [{"title","slug","kind","kindName","lang","dir","url"}].
func (h *Handler) suggest(w http.ResponseWriter, r *http.Request) {
	v, _ := parseQuery(r.URL.RawQuery)
	if err := content.GivenOnce(v, "q"); err != nil {
		writeAPIError(w, "", err)
		return
	}
	prefix := strings.TrimSpace(v.Get("q"))
	if n := utf8.RuneCountInString(prefix); n > maxQueryRunes {
		writeAPIError(w, "", content.FieldErrorf("q", "is %d characters long; a search may be at most %d", n, maxQueryRunes))
		return
	}
	type suggestion struct {
		Title    string `json:"title"`
		Slug     string `json:"slug"`
		Kind     string `json:"kind"`
		KindName string `json:"kindName"`
		Lang     string `json:"lang"`
		Dir      string `json:"dir"`
		URL      string `json:"url"`
	}
	out := []suggestion{}
	if prefix != "" {
		cs, err := h.completions(r.Context(), prefix)
		if err != nil {
			switch content.ErrorCode(err) {
			case content.EINVALID, content.EUNAVAILABLE:
			default:
				if r.Context().Err() == nil {
					h.log.Error("suggest", "err", err)
				}
			}
			writeAPIError(w, "", err)
			return
		}
		for _, c := range cs {
			dir := "ltr"
			if content.IsRTL(c.Language) {
				dir = "rtl"
			}
			out = append(out, suggestion{Title: c.Title, Slug: c.Slug, Kind: kindSlug(c.Kind), KindName: kindNames[c.Kind], Lang: c.Language, Dir: dir, URL: "/resources/" + url.PathEscape(c.Slug)})
		}
	}
	writeJSON(w, http.StatusOK, pageMaxAge, out)
}

type resourceData struct {
	R            *content.Resource
	Body         template.HTML
	URL          string
	Original     *content.Resource
	Translations []*content.Resource
	Related      []*content.Resource
	Citation     citationText
	SearchURL    string
}

func (h *Handler) resource(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if !content.ValidSlug(slug) {
		h.NotFound(w, r)
		return
	}
	ctx := r.Context()
	res, err := h.svc.Resource(ctx, slug)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := resourceData{R: res, URL: h.public + "/resources/" + slug, SearchURL: "/search?kind=" + kindSlug(res.Kind)}
	if res.Status == content.StatusWithdrawn || res.Withdrawal != nil {
		h.render(w, r, http.StatusGone, "withdrawn", layout{Title: res.Title + " (withdrawn)", Canonical: d.URL, OEmbed: h.oembedURL(d.URL), Data: d})
		return
	}
	if !res.Visible() {
		h.NotFound(w, r)
		return
	}
	d.Body = template.HTML(render.Cached(res.Body, res.Language)) // sanitised by bluemonday
	// Translations both ways: an original lists its translations; a
	// translation links to its original and its sibling translations.
	origSlug := slug
	if res.TranslationOf != "" {
		if os, err := h.published(ctx, []string{res.TranslationOf}); err != nil {
			h.fail(w, r, err)
			return
		} else if len(os) == 1 {
			d.Original = os[0]
			origSlug = os[0].Slug
		}
	}
	ts, err := h.svc.TranslationsOf(ctx, []string{origSlug})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, t := range ts[origSlug] {
		if t.Slug != slug {
			d.Translations = append(d.Translations, t)
		}
	}
	if len(res.Related) > 0 {
		if d.Related, err = h.published(ctx, res.Related); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	d.Citation = citation(res, d.URL)
	h.render(w, r, http.StatusOK, "resource", layout{Title: res.Title, Canonical: d.URL, OEmbed: h.oembedURL(d.URL), Data: d})
}

// citation formats a reference to the resource (Harvard style: author,
// year, title, kind, URL; the reader adds the date they accessed it).
func citation(r *content.Resource, link string) citationText {
	year := ""
	if r.PublishedAt != nil {
		year = fmt.Sprintf(" (%d)", r.PublishedAt.Year())
	}
	s := ". " + kindNames[r.Kind] + "."
	if r.LastReviewedAt != nil {
		s += " Last reviewed " + formatDate(r.LastReviewedAt) + "."
	}
	return citationText{Before: "Guidance Hub" + year + " ", Title: r.Title, After: s + " Available at: " + link}
}

// citationText is a reference in three parts, so that only the title,
// in the resource's language, carries its lang and dir: the rest is
// English.
type citationText struct{ Before, Title, After string }

type topicsData struct {
	Topics []content.TopicCount
}

func (h *Handler) topics(w http.ResponseWriter, r *http.Request) {
	ts, err := h.svc.Topics(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "topics", layout{Title: "Topics", Canonical: h.public + "/topics", Data: topicsData{Topics: ts}})
}

func (h *Handler) topic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	t, ok := content.TopicBySlug(slug)
	if !ok {
		h.NotFound(w, r)
		return
	}
	v, _ := parseQuery(r.URL.RawQuery)
	// A topic's page lists the topic, newest first. The search parameters
	// mean what they mean on every door (content.ParseSearchParams): a bad
	// one is a 400 naming it; good ones ask for a search within the topic,
	// which the search page shows with its filters, so the reader is sent
	// there.
	sp, err := content.ParseSearchParams(v)
	if err != nil {
		h.badRequest(w, r, err)
		return
	}
	page, err := parsePage(v)
	if err != nil {
		h.badRequest(w, r, err)
		return
	}
	if !sp.Empty() {
		topics := []string{slug}
		for _, t := range sp.Filter.Topics {
			topics = appendNew(topics, t)
		}
		sp.Filter.Topics = topics
		// The page number goes along: a reader on page 2 lands on page 2.
		loc := sp.Values()
		if page > 1 {
			loc.Set("page", strconv.Itoa(page))
		}
		w.Header().Set("Location", "/search?"+loc.Encode())
		w.Header().Set("Cache-Control", pageMaxAge)
		w.WriteHeader(http.StatusFound)
		return
	}
	p := searchParams{Topics: []string{slug}, Sort: "newest", Page: page}
	action := "/topics/" + slug
	d, err := h.searchData(r.Context(), p, action, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// On a topic's page the topic is the page, not a filter to untick.
	d.P.Topics = nil
	if d.PrevURL != "" {
		d.PrevURL = pageURL(action, page-1)
	}
	if d.NextURL != "" {
		d.NextURL = pageURL(action, page+1)
	}
	d.FirstURL = action
	d.Topic = &content.TopicCount{Topic: t, Count: d.Results.Total}
	title := t.Name
	if page > 1 {
		title += fmt.Sprintf(" (page %d)", page)
	}
	h.render(w, r, http.StatusOK, "topic", layout{Title: title, Canonical: h.public + pageURL(action, page), Data: d})
}

func pageURL(path string, page int) string {
	if page <= 1 {
		return path
	}
	return fmt.Sprintf("%s?page=%d", path, page)
}

// listOmit is what a list of results does not show: bodies, sources and
// the kinds' own fields.
const listOmit = content.PartBody | content.PartSources | content.PartDetails

// published returns the published resources with the slugs, in the
// slugs' order (withdrawn ones are left out of related lists).
func (h *Handler) published(ctx context.Context, slugs []string) ([]*content.Resource, error) {
	rs, err := h.svc.ResourcesBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	by := make(map[string]*content.Resource, len(rs))
	for _, r := range rs {
		if r.Visible() {
			by[r.Slug] = r
		}
	}
	var out []*content.Resource
	for _, s := range slugs {
		if r, ok := by[s]; ok {
			out = append(out, r)
			delete(by, s)
		}
	}
	return out, nil
}

// completion is a title offered while a reader types, with its language.
type completion struct {
	content.Completion
	Language string
}

// completions returns up to 8 completions for the prefix with each
// title's language (one more query: completions carry no language, and a
// title in Arabic must be marked as Arabic).
func (h *Handler) completions(ctx context.Context, prefix string) ([]completion, error) {
	cs, err := h.svc.Completions(ctx, prefix, 8)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	slugs := make([]string, len(cs))
	for i, c := range cs {
		slugs[i] = c.Slug
	}
	rs, err := h.published(ctx, slugs)
	if err != nil {
		return nil, err
	}
	lang := make(map[string]string, len(rs))
	for _, r := range rs {
		lang[r.Slug] = r.Language
	}
	out := make([]completion, 0, len(cs))
	for _, c := range cs {
		if l, ok := lang[c.Slug]; ok {
			out = append(out, completion{Completion: c, Language: l})
		}
	}
	return out, nil
}

// oembedURL is the oEmbed discovery address of a resource page
// (internal/reuse answers it): absolute, on the public base, since
// consumers fetch the href as it is (oEmbed 4: "the full oEmbed endpoint
// plus URL").
func (h *Handler) oembedURL(page string) string {
	return h.public + "/oembed?url=" + url.QueryEscape(page) + "&format=json"
}

// newestFromLibrary answers a browse newest first from PostgreSQL (the
// service's List), as the index would: results skip+1 to skip+first of
// the published resources under f, newest first (the index sorts by
// published date then id, descending, as the list does), their total, and
// with kinds the count of each kind as the facet would give it. For the
// pages that do not need the index while it is being rebuilt.
func (h *Handler) newestFromLibrary(ctx context.Context, f content.Filter, skip, first int, kinds bool) (*content.SearchResult, error) {
	const noParts = content.PartBody | content.PartSources | content.PartDetails | content.PartMeta
	q := content.ListQuery{Filter: f, Order: content.DefaultOrder, NoCount: true, Omit: noParts}
	out := &content.SearchResult{Hits: []content.Hit{}, OmittedWords: []string{}, HasPrevious: skip > 0}
	// Walk to the page: at most ten steps for the last page (100).
	for left := skip; left > 0; {
		q.First = min(left, content.MaxPageSize)
		page, err := h.svc.List(ctx, q)
		if err != nil {
			return nil, err
		}
		if len(page.Resources) < q.First {
			first = 0 // past the last result
			break
		}
		q.After, left = &page.Cursors[len(page.Cursors)-1], left-q.First
	}
	q.First, q.NoCount, q.Omit = first, false, listOmit
	page, err := h.svc.List(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, r := range page.Resources[:min(first, len(page.Resources))] {
		out.Hits = append(out.Hits, content.Hit{Resource: r, Highlights: []content.Highlight{}})
	}
	out.Total, out.HasNext = page.TotalCount, first > 0 && page.HasNext
	if kinds {
		for _, k := range content.Kinds {
			kf := f
			kf.Kinds = []content.Kind{k}
			n, err := h.svc.List(ctx, content.ListQuery{Filter: kf, Order: content.DefaultOrder, Omit: noParts})
			if err != nil {
				return nil, err
			}
			if n.TotalCount > 0 {
				out.Facets.Kinds = append(out.Facets.Kinds, content.FacetValue{Value: string(k), Count: n.TotalCount})
			}
		}
	}
	return out, nil
}
