package partner

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/feeds"

	"guidancehub/internal/content"
)

// Atom feed settings.
const (
	// AtomEntries is how many resources a feed lists, newest first.
	AtomEntries = 50
	// TombstoneAge is how long a withdrawal stays in a feed as a deleted
	// entry (RFC 6721), and TombstoneMax how many a feed carries at most.
	TombstoneAge = 30 * 24 * time.Hour
	TombstoneMax = 50
	// TombstoneNS is the namespace of RFC 6721 deleted entries.
	TombstoneNS = "http://purl.org/atompub/tombstones/1.0"
)

// AtomSource is what the Atom feed reads.
type AtomSource interface {
	// Search answers a search (only Text, Filter, Order and First are used).
	Search(ctx context.Context, q content.SearchQuery) (*content.SearchResult, error)
}

// Withdrawals lists resources matching a filter withdrawn since a time,
// newest first.
type Withdrawals func(ctx context.Context, f content.Filter, since time.Time, limit int) ([]*content.Resource, error)

// AtomQuery is a feed's parameters: those of the search page.
type AtomQuery struct {
	Text   string
	Filter content.Filter
}

// ParseAtomQuery reads q, kind, topic, audience, nation and language from
// URL parameters as the search page does (internal/web; every URL valid
// there is valid here), each repeatable (OR within a parameter, AND across), with
// values as resource files spell them: kind=research-brief,
// audience=gp-practices, nation=northern-ireland, topic=charging,
// language=fa. Other parameters are ignored. An unknown value is an
// EINVALID error naming the parameter.
//
// As on the search page, a parameter name or value that is not UTF-8 or
// holds a control character (NUL, DEL, C0 other than tab and line breaks)
// is an EINVALID error naming it, and blank filter values are ignored.
func ParseAtomQuery(v url.Values) (AtomQuery, error) {
	for k, vs := range v {
		if !utf8.ValidString(k) {
			return AtomQuery{}, content.FieldErrorf("query string", "a parameter name is not valid UTF-8 text")
		}
		for _, s := range vs {
			if !utf8.ValidString(s) {
				return AtomQuery{}, content.FieldErrorf(k, "is not valid UTF-8 text")
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }) {
				return AtomQuery{}, content.FieldErrorf(k, "contains a control character (such as NUL)")
			}
		}
	}
	q := AtomQuery{Text: strings.TrimSpace(v.Get("q"))}
	if len(v["q"]) > 1 {
		return q, content.FieldErrorf("q", "give it once")
	}
	if len(q.Text) > 500 {
		return q, content.FieldErrorf("q", "is longer than 500 bytes")
	}
	enum := func(s string) string { return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_")) }
	for _, s := range nonBlank(v["kind"]) {
		k := content.Kind(enum(s))
		switch s {
		case "guidance-document":
			k = content.KindGuidance
		case "research":
			k = content.KindResearchBrief
		case "policy":
			k = content.KindPolicyPosition
		}
		if !k.Valid() {
			return q, content.FieldErrorf("kind", "unknown kind %q (want guidance, research-brief or policy-position)", s)
		}
		q.Filter.Kinds = append(q.Filter.Kinds, k)
	}
	for _, s := range nonBlank(v["audience"]) {
		a, ok := content.NormalizeTerm(s, content.Audiences)
		if !ok {
			return q, content.FieldErrorf("audience", "unknown audience %q", s)
		}
		q.Filter.Audiences = append(q.Filter.Audiences, a)
	}
	for _, s := range nonBlank(v["nation"]) {
		n, ok := content.NormalizeTerm(s, content.Nations)
		if !ok {
			return q, content.FieldErrorf("nation", "unknown nation %q (want england, scotland, wales or northern-ireland)", s)
		}
		q.Filter.Nations = append(q.Filter.Nations, n)
	}
	for _, s := range nonBlank(v["topic"]) {
		t := strings.ToLower(strings.TrimSpace(s))
		if _, ok := content.TopicBySlug(t); !ok {
			return q, content.FieldErrorf("topic", "unknown topic %q", s)
		}
		q.Filter.Topics = append(q.Filter.Topics, t)
	}
	for _, s := range nonBlank(v["language"]) {
		if !content.ValidLanguage(s) {
			return q, content.FieldErrorf("language", "%q is not a language tag", s)
		}
		q.Filter.Languages = append(q.Filter.Languages, strings.ToLower(s))
	}
	return q, nil
}

// nonBlank is vs without values that are empty or only white space (the
// search page ignores them too).
func nonBlank(vs []string) []string {
	var out []string
	for _, s := range vs {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// Canonical is the query as URL parameters in a fixed order: the feed's id.
func (q AtomQuery) Canonical() string {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	low := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "-")) }
	for _, k := range q.Filter.Kinds {
		v.Add("kind", low(string(k)))
	}
	for _, t := range q.Filter.Topics {
		v.Add("topic", t)
	}
	for _, a := range q.Filter.Audiences {
		v.Add("audience", low(a))
	}
	for _, n := range q.Filter.Nations {
		v.Add("nation", low(n))
	}
	for _, l := range q.Filter.Languages {
		v.Add("language", l)
	}
	return v.Encode() // sorted by key
}

// atomFeed is gorilla/feeds' Atom feed with what it cannot express: more
// than one feed link (self and alternate) and RFC 6721 deleted entries.
type atomFeed struct {
	*feeds.AtomFeed
	XmlnsAt   string           `xml:"xmlns:at,attr,omitempty"`
	Links     []feeds.AtomLink `xml:"link"`
	Tombstone []deletedEntry   `xml:"at:deleted-entry"`
}

// deletedEntry is an RFC 6721 at:deleted-entry: the id of the entry that
// was removed and when.
type deletedEntry struct {
	Ref     string          `xml:"ref,attr"`
	When    string          `xml:"when,attr"`
	Link    *feeds.AtomLink `xml:"link,omitempty"`
	Comment string          `xml:"at:comment,omitempty"`
}

// AtomFeed renders the feed for q: up to AtomEntries published resources,
// newest first, then the withdrawals of the last TombstoneAge matching the
// filter (the text query does not apply to them: a reader that never had
// the entry ignores its tombstone). now is the time tombstones age from.
func AtomFeed(ctx context.Context, src AtomSource, withdrawn Withdrawals, q AtomQuery, publicURL string, now time.Time) ([]byte, error) {
	res, err := src.Search(ctx, content.SearchQuery{Text: q.Text, Filter: q.Filter, Order: content.SearchNewest, First: AtomEntries,
		NoFacets: true, NoHighlights: true, NoSuggestion: true, Omit: content.PartBody | content.PartDetails})
	if err != nil {
		return nil, err
	}
	gone, err := withdrawn(ctx, q.Filter, now.Add(-TombstoneAge), TombstoneMax)
	if err != nil {
		return nil, err
	}
	self := publicURL + "/feeds/resources.atom"
	if c := q.Canonical(); c != "" {
		self += "?" + c
	}
	title := "Guidance Hub"
	if q.Text != "" {
		title += ": " + q.Text
	}
	var updated time.Time
	af := &feeds.AtomFeed{
		Xmlns: "http://www.w3.org/2005/Atom", Title: title, Id: self,
		Subtitle: "Guidance, research briefs and policy positions on healthcare access for excluded people, newest first.",
		Author:   &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: "Guidance Hub", Uri: publicURL + "/"}},
	}
	for _, h := range res.Hits {
		r := h.Resource
		link := publicURL + "/resources/" + r.Slug
		e := &feeds.AtomEntry{
			Title: r.Title, Id: link, Updated: r.UpdatedAt.UTC().Format(time.RFC3339),
			Links:   []feeds.AtomLink{{Href: link, Rel: "alternate", Type: "text/html"}},
			Summary: &feeds.AtomSummary{Content: r.Summary, Type: "text"},
		}
		if r.PublishedAt != nil {
			e.Published = r.PublishedAt.UTC().Format(time.RFC3339)
		}
		af.Entries = append(af.Entries, e)
		updated = later(updated, r.UpdatedAt)
	}
	// AtomFeed.Link holds one link; a feed has two, so they live beside it.
	f := atomFeed{AtomFeed: af, Links: []feeds.AtomLink{
		{Href: self, Rel: "self", Type: "application/atom+xml"},
		{Href: publicURL + "/", Rel: "alternate", Type: "text/html"},
	}}
	for _, r := range gone {
		if r.Withdrawal == nil {
			continue
		}
		link := publicURL + "/resources/" + r.Slug
		f.Tombstone = append(f.Tombstone, deletedEntry{Ref: link, When: r.Withdrawal.WithdrawnAt.UTC().Format(time.RFC3339),
			Link: &feeds.AtomLink{Href: link, Rel: "alternate", Type: "text/html"}, Comment: r.Withdrawal.Reason})
		updated = later(updated, r.Withdrawal.WithdrawnAt)
	}
	if len(f.Tombstone) > 0 {
		f.XmlnsAt = TombstoneNS
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0) // an empty feed: stable, so its ETag is too
	}
	af.Updated = updated.UTC().Format(time.RFC3339)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// AtomHandler serves GET /feeds/resources.atom: 400 (text) for a bad
// parameter, else the feed. Caching (a strong ETag, Cache-Control, 304 for
// a matching If-None-Match) is the HTTP layer's, as for every GET door:
// httpapi wraps this handler in internal/httpcache. Tombstones age by the
// day (UTC), so the feed depends only on the library and the date, as the
// cache's tags do.
func AtomHandler(src AtomSource, withdrawn Withdrawals, publicURL string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			http.Error(w, "query string: is not a valid URL query (a % escape is malformed or a ; is used)", http.StatusBadRequest)
			return
		}
		q, err := ParseAtomQuery(v)
		if err != nil {
			http.Error(w, content.ErrorMessage(err), http.StatusBadRequest)
			return
		}
		body, err := AtomFeed(r.Context(), src, withdrawn, q, publicURL, time.Now().UTC().Truncate(24*time.Hour))
		if err != nil {
			switch content.ErrorCode(err) {
			case content.EINVALID:
				http.Error(w, content.ErrorMessage(err), http.StatusBadRequest)
			case content.EUNAVAILABLE:
				w.Header().Set("Retry-After", "5")
				http.Error(w, content.ErrorMessage(err), http.StatusServiceUnavailable)
			default:
				if r.Context().Err() == nil {
					log.Error("atom feed", "err", err)
				}
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(body)
	})
}
