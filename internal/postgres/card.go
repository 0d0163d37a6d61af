package postgres

import (
	"encoding/binary"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"guidancehub/internal/content"
)

// cardScan reads the rows of a card page (cardColumns and the sort key)
// from the values as they came off the wire: per row one allocation for
// the resource and its date, one for all its text, and the page's topic
// lists share one array. pgx's Scan costs, per column, a scan plan check,
// reflection and an allocation per string (about 12 allocations a row; a
// fifth of a list's CPU in the profile at 100,000 resources).
//
// It decodes only what it is sure of: the column types and formats of
// cardOIDs (checked once per page from the row description), no NULL but a
// missing date, a one-dimensional text array without NULLs, a finite date
// in pgx's range. Any other row is read with pgx's Scan (rowScan), which
// then answers as before, errors included. The decoding follows pgx
// v5.12.0's codecs (pgtype: Int8Codec, Int4Codec, TextCodec, ArrayCodec,
// DateCodec); TestCardDecodingAgreesWithPgx compares the two.
type cardScan struct {
	usable bool
	topics []string
}

// cardOIDs are the types of cardColumns and the sort key, in order.
var cardOIDs = []uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.Int4OID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.TextArrayOID, pgtype.TextOID, pgtype.DateOID, pgtype.TextOID}

// The columns of a card row.
const (
	cardID = iota
	cardStatus
	cardRevision
	cardKind
	cardSlug
	cardTitle
	cardSummary
	cardTopics
	cardLanguage
	cardPublishedAt
	cardKey
)

// newCardScan checks the row description of rows; n is the page size.
func newCardScan(rows pgx.Rows, n int) *cardScan {
	c := &cardScan{}
	fds := rows.FieldDescriptions()
	if len(fds) != len(cardOIDs) {
		return c
	}
	for i, fd := range fds {
		// Text is its UTF-8 bytes in either format; the others must be
		// binary.
		if fd.DataTypeOID != cardOIDs[i] || (fd.DataTypeOID != pgtype.TextOID && fd.Format != pgx.BinaryFormatCode) {
			return c
		}
	}
	c.usable = true
	c.topics = make([]string, 0, 4*n)
	return c
}

// cardRow is a resource and its date in one allocation.
type cardRow struct {
	r   content.Resource
	pub time.Time
}

// pgx's range of dates (pgtype's minDateTime and endDate).
var (
	minDate = time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	endDate = time.Date(5874898, 1, 1, 0, 0, 0, 0, time.UTC)
)

// scan reads the current row, with generic (a rowScan of the same
// columns) for any row it does not decode itself; key is the sort key.
func (c *cardScan) scan(rows pgx.Rows, generic *rowScan) (r *content.Resource, key string, err error) {
	if !c.usable {
		r, err = generic.scan(rows)
		return r, generic.key, err
	}
	v := rows.RawValues()
	if len(v) != len(cardOIDs) || len(v[cardID]) != 8 || len(v[cardRevision]) != 4 ||
		(v[cardPublishedAt] != nil && len(v[cardPublishedAt]) != 4) {
		r, err = generic.scan(rows)
		return r, generic.key, err
	}
	texts := 0
	for _, i := range []int{cardStatus, cardKind, cardSlug, cardTitle, cardSummary, cardLanguage, cardKey} {
		if v[i] == nil {
			r, err = generic.scan(rows)
			return r, generic.key, err
		}
		texts += len(v[i])
	}
	elems, ok := textArray(v[cardTopics])
	if !ok {
		r, err = generic.scan(rows)
		return r, generic.key, err
	}
	for _, e := range elems {
		texts += len(e)
	}
	row := new(cardRow)
	if d := v[cardPublishedAt]; d != nil {
		days := int32(binary.BigEndian.Uint32(d))
		t := time.Date(2000, 1, int(1+days), 0, 0, 0, 0, time.UTC)
		if days == math.MaxInt32 || days == math.MinInt32 || t.Before(minDate) || !t.Before(endDate) {
			// Infinity, -infinity, or out of pgx's range: pgx reports it.
			r, err = generic.scan(rows)
			return r, generic.key, err
		}
		row.pub = t
		row.r.PublishedAt = &row.pub
	}
	// All the row's text in one string, each field a slice of it.
	var b strings.Builder
	b.Grow(texts)
	for _, i := range []int{cardStatus, cardKind, cardSlug, cardTitle, cardSummary, cardLanguage, cardKey} {
		b.Write(v[i])
	}
	for _, e := range elems {
		b.Write(e)
	}
	all := b.String()
	next := func(n int) string {
		s := all[:n]
		all = all[n:]
		return s
	}
	r = &row.r
	r.ID = int64(binary.BigEndian.Uint64(v[cardID]))
	r.Revision = int(int32(binary.BigEndian.Uint32(v[cardRevision])))
	r.Status = content.Status(next(len(v[cardStatus])))
	r.Kind = content.Kind(next(len(v[cardKind])))
	r.Slug = next(len(v[cardSlug]))
	r.Title = next(len(v[cardTitle]))
	r.Summary = next(len(v[cardSummary]))
	r.Language = next(len(v[cardLanguage]))
	key = next(len(v[cardKey]))
	start := len(c.topics)
	for _, e := range elems {
		c.topics = append(c.topics, next(len(e)))
	}
	r.Topics = c.topics[start:len(c.topics):len(c.topics)]
	r.Sources = []content.Source{}
	return r, key, nil
}

// textArray splits a one-dimensional text[] without NULLs in binary
// format (array_send: ndim, has-null flag, element type, then per
// dimension its length and lower bound, then each element's length and
// bytes) into its elements; ok false for anything else.
func textArray(src []byte) (elems [][]byte, ok bool) {
	if len(src) < 12 {
		return nil, false
	}
	ndim := int32(binary.BigEndian.Uint32(src))
	hasNull := binary.BigEndian.Uint32(src[4:])
	if hasNull != 0 || binary.BigEndian.Uint32(src[8:]) != pgtype.TextOID {
		return nil, false
	}
	if ndim == 0 {
		if len(src) != 12 {
			return nil, false
		}
		return nil, true
	}
	if ndim != 1 || len(src) < 20 {
		return nil, false
	}
	n := int32(binary.BigEndian.Uint32(src[12:]))
	if n < 0 || int(n) > (len(src)-20)/4 {
		return nil, false
	}
	rest := src[20:]
	elems = make([][]byte, 0, n)
	for i := int32(0); i < n; i++ {
		if len(rest) < 4 {
			return nil, false
		}
		l := int32(binary.BigEndian.Uint32(rest))
		if l < 0 || int(l) > len(rest)-4 {
			return nil, false
		}
		elems = append(elems, rest[4:4+l])
		rest = rest[4+l:]
	}
	return elems, len(rest) == 0
}
