package partner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
	"guidancehub/internal/httpcache"
	"guidancehub/internal/render"
)

// Exporter reads every published resource from one snapshot.
type Exporter interface {
	// ExportPublished calls start (if not nil) with the snapshot's
	// change-feed position before reading any resource, then fn with
	// batches of published resources read in the snapshot, and returns
	// that position. Snapshots at the same position hold the same
	// published resources. An error from start or fn ends the export with
	// it.
	ExportPublished(ctx context.Context, batch int, start func(content.ChangePosition) error, fn func([]*content.Resource) error) (content.ChangePosition, error)
}

// ExportBatch is how many resources the export holds in memory at once.
const ExportBatch = 200

// ExportResource is one line of the export: the fields of the GraphQL
// Resource type, with links to other resources (translationOf, related) and
// topics given as slugs. Kind-specific fields appear for their kind only.
type ExportResource struct {
	ID                string         `json:"id"`
	Slug              string         `json:"slug"`
	Kind              content.Kind   `json:"kind"`
	Status            content.Status `json:"status"`
	Revision          int            `json:"revision"`
	Title             string         `json:"title"`
	Summary           string         `json:"summary"`
	Body              string         `json:"body"`
	BodyHTML          string         `json:"bodyHTML"`
	Topics            []string       `json:"topics"`
	Audiences         []string       `json:"audiences"`
	Nations           []string       `json:"nations"`
	Language          string         `json:"language"`
	TranslationOf     *string        `json:"translationOf"`
	TranslationStatus *string        `json:"translationStatus"`
	PublishedAt       *string        `json:"publishedAt"`
	UpdatedAt         time.Time      `json:"updatedAt"`
	LastReviewedAt    *string        `json:"lastReviewedAt"`
	NextReviewDue     *string        `json:"nextReviewDue"`
	Sources           []ExportSource `json:"sources"`
	Related           []string       `json:"related"`
	URL               string         `json:"url"`
	// Guidance.
	AppliesTo *string  `json:"appliesTo,omitempty"`
	Actions   []string `json:"actions,omitempty"`
	// Research brief.
	Methods     *string  `json:"methods,omitempty"`
	Sample      *string  `json:"sample,omitempty"`
	SampleSize  *int     `json:"sampleSize,omitempty"`
	Period      *string  `json:"period,omitempty"`
	KeyFindings []string `json:"keyFindings,omitempty"`
	// Policy position.
	Recommendations []string `json:"recommendations,omitempty"`
	Rationale       *string  `json:"rationale,omitempty"`
	Campaign        *string  `json:"campaign,omitempty"`
}

// ExportSource is a source as the API gives it: its date a Date
// ("2018-07-18"), not a timestamp (breaker5 F19).
type ExportSource struct {
	Title     string  `json:"title"`
	Publisher string  `json:"publisher,omitempty"`
	URL       string  `json:"url,omitempty"`
	DOI       string  `json:"doi,omitempty"`
	Date      *string `json:"date,omitempty"`
}

// ExportEnd is the export's last line: the change-feed cursor at the
// export's snapshot and the number of resources before it. A stream that
// does not end with it is incomplete.
type ExportEnd struct {
	Cursor string `json:"cursor"`
	Count  int    `json:"count"`
}

// resourceNodeType is the type part of a resource's global id (as the
// GraphQL API gives it).
const resourceNodeType = "Resource"

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func date(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(content.DateLayout)
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewExportResource is r as one line of the export; publicURL is the base
// of its url.
func NewExportResource(r *content.Resource, publicURL string) ExportResource {
	e := ExportResource{
		ID: content.GlobalID(resourceNodeType, r.ID), Slug: r.Slug, Kind: r.Kind, Status: r.Status, Revision: r.Revision,
		Title: r.Title, Summary: r.Summary, Body: r.Body, BodyHTML: render.Cached(r.Body, r.Language),
		Topics: nonNil(r.Topics), Audiences: nonNil(r.Audiences), Nations: nonNil(r.Nations), Language: r.Language,
		TranslationOf: opt(r.TranslationOf), TranslationStatus: opt(r.TranslationStatus),
		PublishedAt: date(r.PublishedAt), UpdatedAt: r.UpdatedAt, LastReviewedAt: date(r.LastReviewedAt), NextReviewDue: date(r.NextReviewDue),
		Sources: make([]ExportSource, len(r.Sources)), Related: nonNil(r.Related), URL: publicURL + "/resources/" + r.Slug,
	}
	for i, src := range r.Sources {
		e.Sources[i] = ExportSource{Title: src.Title, Publisher: src.Publisher, URL: src.URL, DOI: src.DOI, Date: date(src.Date)}
	}
	d := r.Details
	switch r.Kind {
	case content.KindGuidance:
		e.AppliesTo, e.Actions = opt(d.AppliesTo), nonNil(d.Actions)
	case content.KindResearchBrief:
		e.Methods, e.Sample, e.SampleSize, e.Period, e.KeyFindings = opt(d.Methods), opt(d.Sample), d.SampleSize, opt(d.Period), nonNil(d.KeyFindings)
	case content.KindPolicyPosition:
		e.Recommendations, e.Rationale, e.Campaign = nonNil(d.Recommendations), opt(d.Rationale), opt(d.Campaign)
	}
	return e
}

// WriteExport writes every published resource as one JSON object per line
// and ends with an ExportEnd line. It holds at most ExportBatch resources
// in memory; start, if not nil, runs with the snapshot's change-feed
// position (the cursor of the last line) before anything is written (an
// error from it ends the export before the first byte); flush, if not nil,
// runs after each batch.
func WriteExport(ctx context.Context, ex Exporter, w io.Writer, publicURL string, start func(content.ChangePosition) error, flush func() error) (ExportEnd, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	pos, err := ex.ExportPublished(ctx, ExportBatch, start, func(rs []*content.Resource) error {
		for _, r := range rs {
			if err := enc.Encode(NewExportResource(r, publicURL)); err != nil {
				return err
			}
		}
		n += len(rs)
		if err := bw.Flush(); err != nil {
			return err
		}
		if flush != nil {
			return flush()
		}
		return nil
	})
	if err != nil {
		return ExportEnd{}, err
	}
	end := ExportEnd{Cursor: pos.Encode(), Count: n}
	if err := enc.Encode(end); err != nil {
		return end, err
	}
	return end, bw.Flush()
}

// ExportHandler serves GET /export/resources.ndjson: the whole export,
// streamed (application/x-ndjson), never buffered. It is served outside
// the per-request timeout; each batch must reach the client within
// writeTimeout.
//
// Caching: the answer carries a strong ETag derived from the snapshot's
// change-feed position (the cursor on the last line, which with the
// build, the public URL and the request fixes every byte), with no hash of
// the body, so the tag is known before the first row is read:
// If-None-Match naming it is answered 304 (and HEAD 200) without producing
// the body. The position is PostgreSQL's snapshot horizon, so the tag
// moves with every write transaction committed in the database (a
// publish, a draft saved, a token used), not only with public changes: a
// coarser tag, never a wrong one. Anonymous answers carry cacheControl
// (httpcache.Cache.CacheControl: public, a short max-age and
// stale-while-revalidate); anything sent with a token is private,
// no-store, without a tag. Vary: Authorization.
func ExportHandler(ex Exporter, publicURL string, writeTimeout time.Duration, cacheControl string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		hd := w.Header()
		hd.Set("Vary", httpcache.VaryAuthorization)
		hd.Set("Cache-Control", "no-store") // until the snapshot is tagged
		private := r.Header.Get("Authorization") != ""
		inm := r.Header.Get("If-None-Match")
		var noBody, match bool
		start := func(pos content.ChangePosition) error {
			hd.Set("Content-Type", "application/x-ndjson; charset=utf-8")
			hd.Set("Content-Disposition", `attachment; filename="resources.ndjson"`)
			if private {
				hd.Set("Cache-Control", "private, no-store")
				return nil
			}
			tag := ExportTag(pos, publicURL, r.URL.RequestURI())
			hd.Set("ETag", tag)
			hd.Set("Cache-Control", cacheControl)
			match = httpcache.Match(inm, tag)
			if match || r.Method == http.MethodHead {
				noBody = true
				return errNoBody
			}
			return nil
		}
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		started := false
		_, err := WriteExport(r.Context(), ex, w, publicURL, start, func() error {
			started = true
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			return rc.Flush()
		})
		switch {
		case noBody && !match:
			w.WriteHeader(http.StatusOK) // HEAD
		case noBody:
			// RFC 9110 15.4.5: a 304 carries the validator and caching
			// headers a 200 would, and no content headers.
			hd.Del("Content-Type")
			hd.Del("Content-Disposition")
			w.WriteHeader(http.StatusNotModified)
		case err == nil || errors.Is(err, context.Canceled) || r.Context().Err() != nil:
			// Done, or the client left: whatever the store made of the
			// cancelled request (it can read as "database not answering"),
			// it is not a fault.
		case !started && content.ErrorCode(err) == content.EUNAVAILABLE:
			clearTag(hd)
			e := apierror.FromDomain("", err)
			e.RetryAfter = max(e.RetryAfter, time.Minute) // a long stream: no hurry back
			apierror.Write(w, e)
		case !started:
			clearTag(hd)
			log.Error("export", "err", err)
			apierror.Write(w, apierror.FromDomain("", err))
		default:
			// The status is sent; the missing last line tells the client.
			log.Error("export ended early", "err", err)
		}
	})
}

// errNoBody ends an export whose answer needs no body (304, HEAD).
var errNoBody = errors.New("export: no body needed")

func clearTag(hd http.Header) {
	hd.Del("ETag")
	hd.Del("Content-Disposition")
	hd.Set("Cache-Control", "no-store")
}

// ExportTag is the export's strong ETag: httpcache.Tag (the first 128
// bits of the SHA-256, in hex, quoted) of the snapshot's change-feed
// position, the hub's build (a new build may render bodies differently),
// the public URL and the request URI.
func ExportTag(pos content.ChangePosition, publicURL, requestURI string) string {
	return httpcache.Tag([]byte("ndjson\x00" + build + "\x00" + pos.Encode() + "\x00" + publicURL + "\x00" + requestURI))
}

// build names the binary: its module version and VCS revision when the Go
// toolchain recorded them ("devel" in tests).
var build = func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	b := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			b += " " + s.Value
		}
	}
	return b
}()
