package partner

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/feeds"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
	"guidancehub/internal/render"
)

// Atom feed settings.
const (
	// AtomEntries is how many resources a feed lists, newest first.
	AtomEntries = 50
	// TombstoneAge is how long a withdrawal stays in a feed as a deleted
	// entry (RFC 6721), and TombstoneMax how many a feed carries at most
	// (the newest; past it the change feed says what was withdrawn). Of
	// the withdrawals matching a feed's filters, the newest TombstoneScan
	// are matched against its words (breaker5 F10: 50 unrelated
	// withdrawals pushed a q=gp feed's own tombstone out).
	TombstoneAge  = 30 * 24 * time.Hour
	TombstoneMax  = 1000
	TombstoneScan = 5000
	// TombstoneNS is the namespace of RFC 6721 deleted entries.
	TombstoneNS = "http://purl.org/atompub/tombstones/1.0"
)

// AtomSource is what the Atom feed reads.
type AtomSource interface {
	// Search answers a search (only Text, Filter, Order and First are used).
	Search(ctx context.Context, q content.SearchQuery) (*content.SearchResult, error)
}

// WithdrawnMatcher is implemented by an AtomSource that can tell which
// withdrawn resources (with the text they had when public) a search's
// words would have found; a source without it gives a search feed every
// withdrawal matching its filters.
type WithdrawnMatcher interface {
	MatchWithdrawn(ctx context.Context, text string, rs []*content.Resource) ([]*content.Resource, error)
}

// Withdrawals lists resources matching a filter withdrawn since a time,
// newest first.
type Withdrawals func(ctx context.Context, f content.Filter, since time.Time, limit int) ([]*content.Resource, error)

// AtomQuery is a feed's parameters: those of the search page.
type AtomQuery struct {
	Text   string
	Filter content.Filter
}

// ParseAtomQuery reads a feed's search from URL parameters exactly as the
// search page does: content.ParseSearchParams, the one rule for every
// door (q, kind, topic, audience, nation, language, repeatable, values as
// resource files spell them; sort is read and checked, though a feed is
// always newest first). Errors are EINVALID naming the parameter.
func ParseAtomQuery(v url.Values) (AtomQuery, error) {
	p, err := content.ParseSearchParams(v)
	if err != nil {
		return AtomQuery{}, err
	}
	return AtomQuery{Text: p.Text, Filter: p.Filter}, nil
}

// Canonical is the query as URL parameters in a fixed order: the feed's id.
func (q AtomQuery) Canonical() string {
	return content.SearchParams{Text: q.Text, Filter: q.Filter}.Values().Encode()
}

// atomFeed is gorilla/feeds' AtomFeed, field for field in its order, with
// what that cannot express: more than one feed link (self and alternate)
// and RFC 6721 deleted entries. Every feed-level element comes before the
// entries, as gorilla/feeds writes its one link and RFC 4287 section 4.1.1
// lays a feed out (its schema: the metadata, then atomEntry*). Embedding
// feeds.AtomFeed and adding the links beside it put them after the
// entries (breaker3 F15), where feed validators call them misplaced.
// Deleted entries follow the entries (RFC 6721 places them among them).
// Each element carries xml:lang (RFC 4287 section 2, XML 1.0 section
// 2.12): the feed's own text is English, each entry is in its resource's
// language (breaker5 F26: Arabic entries were read as English, left to
// right).
type atomFeed struct {
	XMLName   xml.Name          `xml:"feed"`
	Xmlns     string            `xml:"xmlns,attr"`
	XmlnsAt   string            `xml:"xmlns:at,attr,omitempty"`
	Lang      string            `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title     string            `xml:"title"`
	Id        string            `xml:"id"`
	Updated   string            `xml:"updated"`
	Subtitle  string            `xml:"subtitle,omitempty"`
	Links     []feeds.AtomLink  `xml:"link"`
	Author    *feeds.AtomAuthor `xml:"author,omitempty"`
	Entries   []atomEntry       `xml:"entry"`
	Tombstone []deletedEntry    `xml:"at:deleted-entry"`
}

// atomEntry is gorilla/feeds' AtomEntry with the entry's xml:lang.
type atomEntry struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	*feeds.AtomEntry
}

// deletedEntry is an RFC 6721 at:deleted-entry: the id of the entry that
// was removed and when.
type deletedEntry struct {
	Ref     string          `xml:"ref,attr"`
	When    string          `xml:"when,attr"`
	Link    *feeds.AtomLink `xml:"link,omitempty"`
	Comment *atomComment    `xml:"at:comment,omitempty"`
}

// atomComment is a tombstone's reason, with xml:lang when its letters
// say it is not English (render.TextLanguage; breaker7 F10).
type atomComment struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Text string `xml:",chardata"`
}

// AtomFeed renders the feed for q: up to AtomEntries published resources,
// newest first, then the withdrawals of the last TombstoneAge matching the
// filter and, when src is a WithdrawnMatcher, the words (those the search
// would have found while they were public), at most TombstoneMax, newest
// first. now is the time tombstones age from.
func AtomFeed(ctx context.Context, src AtomSource, withdrawn Withdrawals, q AtomQuery, publicURL string, now time.Time) ([]byte, error) {
	res, err := src.Search(ctx, content.SearchQuery{Text: q.Text, Filter: q.Filter, Order: content.SearchNewest, First: AtomEntries,
		NoFacets: true, NoHighlights: true, NoSuggestion: true, NoRecord: true, Omit: content.PartBody | content.PartDetails})
	if err != nil {
		var e *content.Error
		if errors.As(err, &e) && e.Field == "query" {
			// The search names its argument; the feed's parameter is q
			// (breaker7 F18: a 30-word q answered field "query").
			c := *e
			c.Field = "q"
			return nil, &c
		}
		return nil, err
	}
	gone, err := withdrawn(ctx, q.Filter, now.Add(-TombstoneAge), TombstoneScan)
	if err != nil {
		return nil, err
	}
	if m, ok := src.(WithdrawnMatcher); ok && q.Text != "" {
		if gone, err = m.MatchWithdrawn(ctx, q.Text, gone); err != nil {
			return nil, err
		}
	}
	if len(gone) > TombstoneMax {
		gone = gone[:TombstoneMax]
	}
	self := publicURL + "/feeds/resources.atom"
	if c := q.Canonical(); c != "" {
		self += "?" + c
	}
	title := "Guidance Hub"
	if q.Text != "" {
		// The reader's words, isolated from the title around them.
		title += ": " + content.Isolate(q.Text)
	}
	var updated time.Time
	f := atomFeed{
		Xmlns: "http://www.w3.org/2005/Atom", Lang: "en", Title: title, Id: self,
		Subtitle: "Guidance, research briefs and policy positions on healthcare access for excluded people, newest first.",
		Links: []feeds.AtomLink{
			{Href: self, Rel: "self", Type: "application/atom+xml"},
			{Href: publicURL + "/", Rel: "alternate", Type: "text/html"},
		},
		Author: &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: "Guidance Hub", Uri: publicURL + "/"}},
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
		f.Entries = append(f.Entries, atomEntry{Lang: r.Language, AtomEntry: e})
		updated = later(updated, r.UpdatedAt)
	}
	for _, r := range gone {
		if r.Withdrawal == nil {
			continue
		}
		link := publicURL + "/resources/" + r.Slug
		f.Tombstone = append(f.Tombstone, deletedEntry{Ref: link, When: r.Withdrawal.WithdrawnAt.UTC().Format(time.RFC3339),
			Link: &feeds.AtomLink{Href: link, Rel: "alternate", Type: "text/html"}, Comment: reasonComment(r.Withdrawal.Reason)})
		updated = later(updated, r.Withdrawal.WithdrawnAt)
	}
	if len(f.Tombstone) > 0 {
		f.XmlnsAt = TombstoneNS
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0) // an empty feed: stable, so its ETag is too
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
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

// AtomHandler serves GET /feeds/resources.atom: a bad parameter is 400
// in the API's error shape (apierror.Write, naming it), else the feed. Caching (a strong ETag, Cache-Control, 304 for
// a matching If-None-Match) is the HTTP layer's, as for every GET door:
// httpapi wraps this handler in internal/httpcache. Tombstones age by the
// day (UTC), so the feed depends only on the library and the date, as the
// cache's tags do.
func AtomHandler(src AtomSource, withdrawn Withdrawals, publicURL string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := content.ParseQueryString(r.URL.RawQuery)
		if err != nil {
			apierror.Write(w, apierror.FromDomain(apierror.BadRequest, err))
			return
		}
		q, err := ParseAtomQuery(v)
		if err != nil {
			apierror.Write(w, apierror.FromDomain("", err))
			return
		}
		body, err := AtomFeed(r.Context(), src, withdrawn, q, publicURL, time.Now().UTC().Truncate(24*time.Hour))
		if err != nil {
			if content.ErrorCode(err) == content.EINTERNAL && r.Context().Err() == nil {
				log.Error("atom feed", "err", err)
			}
			apierror.Write(w, apierror.FromDomain("", err))
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(body)
	})
}

// reasonComment is a withdrawal reason as a tombstone's comment: nil for
// none, xml:lang for a reason in another language than the feed's.
func reasonComment(reason string) *atomComment {
	if reason == "" {
		return nil
	}
	c := &atomComment{Text: reason}
	if l := render.TextLanguage(reason); l != "" && l != "en" {
		c.Lang = l
	}
	return c
}
