// Package citation writes a resource as a reference in the formats
// reference managers import: RIS, BibTeX (biblatex field names) and
// CSL-JSON. A resource is cited as a web document published by the hub's
// organisation (title, dates, URL, language); a research brief adds a
// second record for the publication it summarises, taken to be its first
// source (the library's convention: a brief lists the work it summarises
// first).
//
// Output depends only on the resource and the Site, never on the clock, so
// the same revision always gives the same bytes (HTTP caching relies on it).
// Formats were checked by parsing them back with Citation.js (RIS, BibTeX)
// and against the CSL-JSON schema's required fields (citation_test.go).
package citation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"guidancehub/internal/content"
)

// Format is a citation format.
type Format string

// The formats, named as the GraphQL enum CitationFormat names them.
const (
	RIS     Format = "RIS"
	BibTeX  Format = "BIBTEX"
	CSLJSON Format = "CSL_JSON"
)

// Formats lists every format in a stable order.
var Formats = []Format{RIS, BibTeX, CSLJSON}

// Extension is the file extension of a format's download
// (/resources/<slug>.<ext>), without the dot.
func (f Format) Extension() string {
	switch f {
	case RIS:
		return "ris"
	case BibTeX:
		return "bib"
	case CSLJSON:
		return "json"
	}
	return ""
}

// MediaType is the Content-Type of a format's download.
func (f Format) MediaType() string {
	switch f {
	case RIS:
		return "application/x-research-info-systems; charset=utf-8"
	case BibTeX:
		return "application/x-bibtex; charset=utf-8"
	case CSLJSON:
		return "application/vnd.citationstyles.csl+json; charset=utf-8"
	}
	return ""
}

// ByExtension returns the format whose download has extension ext
// ("ris", "bib", "json").
func ByExtension(ext string) (Format, bool) {
	for _, f := range Formats {
		if f.Extension() == ext {
			return f, true
		}
	}
	return "", false
}

// Site is who publishes the hub and where.
type Site struct {
	// Publisher is the organisation named as author and publisher of every
	// resource (default "Guidance Hub").
	Publisher string
	// PublicURL is the base of resources' URLs (HUB_PUBLIC_URL).
	PublicURL string
}

// URL is the resource's page.
func (s Site) URL(slug string) string {
	return strings.TrimSuffix(s.PublicURL, "/") + "/resources/" + slug
}

func (s Site) publisher() string {
	if strings.TrimSpace(s.Publisher) == "" {
		return "Guidance Hub"
	}
	return s.Publisher
}

// Write returns r cited in format f. A withdrawn resource is still cited
// (title, dates, URL) with a note saying it was withdrawn, and without its
// summary. Errors: an unknown format (EINVALID).
func Write(r *content.Resource, f Format, site Site) (string, error) {
	recs := records(r, site)
	switch f {
	case RIS:
		return writeRIS(recs), nil
	case BibTeX:
		return writeBibTeX(recs), nil
	case CSLJSON:
		return writeCSL(recs)
	}
	return "", content.FieldErrorf("format", "must be one of RIS, BIBTEX or CSL_JSON")
}

// kind of record: the resource as a web page, or a work it summarises.
type recordKind int

const (
	webPage recordKind = iota
	report
)

// record is one cited work, the common ground of the three formats.
type record struct {
	Key       string
	Kind      recordKind
	Title     string
	Author    string // an organisation (institutional author)
	Publisher string
	Container string // the website or journal
	Issued    *time.Time
	Revised   *time.Time
	URL       string
	DOI       string
	Language  string
	Abstract  string
	Note      string
}

func records(r *content.Resource, site Site) []record {
	pub := site.publisher()
	web := record{
		Key: r.Slug, Kind: webPage, Title: r.Title, Author: pub, Publisher: pub, Container: pub,
		Issued: r.PublishedAt, URL: site.URL(r.Slug), Language: r.Language,
	}
	if r.LastReviewedAt != nil && (r.PublishedAt == nil || r.LastReviewedAt.After(*r.PublishedAt)) {
		web.Revised = r.LastReviewedAt
	}
	if r.Visible() {
		web.Abstract = r.Summary
		if r.Kind == content.KindResearchBrief {
			web.Note = "Research brief"
		}
	} else if r.Withdrawal != nil {
		web.Note = "Withdrawn on " + r.Withdrawal.WithdrawnAt.UTC().Format(content.DateLayout) + ": " + r.Withdrawal.Reason
	}
	recs := []record{web}
	if r.Kind == content.KindResearchBrief && r.Visible() && len(r.Sources) > 0 {
		// A source records its title, publisher, date, URL and DOI, but
		// neither its kind nor its authors nor a journal. It is cited as a
		// report (RIS RPRT, biblatex @report, CSL report: the commonest
		// kind of source here, and one that has a publisher and a DOI),
		// its publisher in the publisher field (RIS PB, biblatex
		// institution, CSL publisher), never as a journal or an author: a
		// DOI does not make a work a journal article (publishers such as
		// Wiley, the King's Fund or the Nuffield Trust register DOIs for
		// reports and books).
		s := r.Sources[0]
		recs = append(recs, record{Key: r.Slug + "-source", Kind: report, Title: s.Title, Publisher: s.Publisher,
			Issued: s.Date, URL: s.URL, DOI: s.DOI})
	}
	return recs
}

// oneLine folds line breaks and other control characters into spaces:
// RIS is line-based and none of the formats wants them in a title.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// writeRIS writes RIS records: "XX  - value" lines, each record from TY to
// ER, lines ended by CR LF as the RIS specification asks.
func writeRIS(recs []record) string {
	var b strings.Builder
	line := func(tag, v string) {
		v = oneLine(v)
		if v == "" {
			return
		}
		b.WriteString(tag + "  - " + v + "\r\n")
	}
	for _, r := range recs {
		switch r.Kind {
		case webPage:
			line("TY", "ELEC")
		default:
			line("TY", "RPRT")
		}
		line("TI", r.Title)
		// An institutional author is written without a comma, so readers
		// do not split it into family and given names.
		line("AU", strings.ReplaceAll(r.Author, ",", ""))
		line("T2", r.Container)
		line("PB", r.Publisher)
		if r.Issued != nil {
			line("PY", r.Issued.Format("2006"))
			line("DA", r.Issued.Format("2006/01/02"))
		}
		line("UR", r.URL)
		line("DO", r.DOI)
		line("LA", r.Language)
		line("AB", r.Abstract)
		if r.Revised != nil {
			line("N1", "Last reviewed "+r.Revised.Format(content.DateLayout))
		}
		line("N1", r.Note)
		b.WriteString("ER  - \r\n")
	}
	return b.String()
}

// bibEscape escapes the characters TeX treats specially. Non-ASCII text
// stays UTF-8 (biber, and BibTeX with inputenc, read it).
//
// TeX also joins some pairs into one glyph (-- and --- into dashes, ” and
// “ into quotes, ?` and !` into inverted marks): an empty group between
// them keeps the characters as written.
func bibEscape(s string) string {
	var b strings.Builder
	rs := []rune(oneLine(s))
	for i, r := range rs {
		if i > 0 && (r == '-' && rs[i-1] == '-' || r == '\'' && rs[i-1] == '\'' || r == '`' && strings.ContainsRune("`?!", rs[i-1])) {
			b.WriteString("{}")
		}
		switch r {
		case '\\':
			b.WriteString(`\textbackslash{}`)
		case '{', '}', '&', '%', '$', '#', '_':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '~':
			b.WriteString(`\textasciitilde{}`)
		case '^':
			b.WriteString(`\textasciicircum{}`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bibVerbatim prepares a URL, which biblatex reads verbatim: only braces
// must stay balanced, so they (and backslashes) are percent-encoded, which
// leaves the URL's meaning unchanged.
func bibVerbatim(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", "\\", "%5C").Replace(oneLine(s))
}

// bibDOI writes a DOI as it is (a DOI may contain balanced braces, as some
// SICIs do); unbalanced braces or a backslash, which would break the
// entry, are percent-encoded as in a DOI URL.
func bibDOI(s string) string {
	s = oneLine(s)
	depth := 0
	for _, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case '\\':
			depth = -1
		}
		if depth < 0 {
			return bibVerbatim(s)
		}
	}
	if depth != 0 {
		return bibVerbatim(s)
	}
	return s
}

// writeBibTeX writes @online / @report entries with biblatex
// field names (url, urldate-free: the reader adds when they read it).
func writeBibTeX(recs []record) string {
	var b strings.Builder
	for i, r := range recs {
		if i > 0 {
			b.WriteString("\n")
		}
		typ := "online"
		if r.Kind == report {
			typ = "report"
		}
		fmt.Fprintf(&b, "@%s{%s,\n", typ, r.Key)
		field := func(name, v string) {
			if v != "" {
				fmt.Fprintf(&b, "  %s = {%s},\n", name, v)
			}
		}
		// Double braces keep the title's capitals and mark an
		// institutional author as one name.
		field("title", "{"+bibEscape(r.Title)+"}")
		if r.Author != "" {
			field("author", "{"+bibEscape(r.Author)+"}")
		}
		if r.Kind == report {
			field("institution", bibEscape(r.Publisher))
			field("type", "Report")
		} else {
			field("organization", bibEscape(r.Publisher))
		}
		if r.Issued != nil {
			field("date", r.Issued.Format(content.DateLayout))
			field("year", r.Issued.Format("2006"))
		}
		field("url", bibVerbatim(r.URL))
		field("doi", bibDOI(r.DOI))
		field("langid", bibEscape(r.Language))
		field("abstract", bibEscape(r.Abstract))
		note := r.Note
		if r.Revised != nil {
			note = strings.TrimPrefix(note+". Last reviewed "+r.Revised.Format(content.DateLayout), ". ")
		}
		field("note", bibEscape(note))
		b.WriteString("}\n")
	}
	return b.String()
}

// cslItem is a CSL-JSON item (citation-style-language/schema, csl-data.json:
// id and type are required).
type cslItem struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	Title          string    `json:"title"`
	Author         []cslName `json:"author,omitempty"`
	Publisher      string    `json:"publisher,omitempty"`
	ContainerTitle string    `json:"container-title,omitempty"`
	Issued         *cslDate  `json:"issued,omitempty"`
	URL            string    `json:"URL,omitempty"`
	DOI            string    `json:"DOI,omitempty"`
	Language       string    `json:"language,omitempty"`
	Abstract       string    `json:"abstract,omitempty"`
	Note           string    `json:"note,omitempty"`
}

type cslName struct {
	Literal string `json:"literal"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

func writeCSL(recs []record) (string, error) {
	items := make([]cslItem, 0, len(recs))
	for _, r := range recs {
		it := cslItem{ID: r.Key, Title: oneLine(r.Title), Publisher: oneLine(r.Publisher), ContainerTitle: oneLine(r.Container),
			URL: r.URL, DOI: r.DOI, Language: r.Language, Abstract: oneLine(r.Abstract), Note: oneLine(r.Note)}
		switch r.Kind {
		case webPage:
			it.Type = "webpage"
		default:
			it.Type = "report"
		}
		if r.Author != "" {
			it.Author = []cslName{{Literal: oneLine(r.Author)}}
		}
		if r.Issued != nil {
			it.Issued = &cslDate{DateParts: [][]int{{r.Issued.Year(), int(r.Issued.Month()), r.Issued.Day()}}}
		}
		if r.Revised != nil {
			it.Note = strings.TrimPrefix(it.Note+". Last reviewed "+r.Revised.Format(content.DateLayout), ". ")
		}
		items = append(items, it)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		return "", fmt.Errorf("csl-json: %w", err)
	}
	return b.String(), nil
}
