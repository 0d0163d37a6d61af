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

// cardScan reads the rows of a card page (cardColumns and the sort key),
// or of a lookup asking a card and perhaps the body (columns(allParts) or
// columns(allParts&^content.PartBody)), from the values as they came off
// the wire: per row one allocation for the resource and its date, one for
// all its text, and the page's topic lists share one array. pgx's Scan
// costs, per column, a scan plan check, reflection and an allocation per
// string (about 12 allocations a row; a fifth of a list's CPU in the
// profile at 100,000 resources, and 8 % of a slug lookup's).
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
	// body: a body column follows the summary; key: the sort key ends the
	// row.
	body, key bool
	// omit is the parts left out of the rows, for a generic scan made
	// when a row needs one and the caller gave none.
	omit   content.Part
	topics []string
}

// cardOIDs are the types of cardColumns and the sort key, in order (a
// body, when read, is text after the summary).
var cardOIDs = []uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.Int4OID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.TextArrayOID, pgtype.TextOID, pgtype.DateOID, pgtype.TextOID}

// The columns of a card row, and the body (only where c.col places it).
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
	cardBody
)

// col is the position in the row of a card column.
func (c *cardScan) col(i int) int {
	switch {
	case i == cardBody:
		return cardSummary + 1
	case c.body && i > cardSummary:
		return i + 1
	}
	return i
}

// columns is the number of columns of a row.
func (c *cardScan) columns() int {
	n := cardKey
	if c.body {
		n++
	}
	if c.key {
		n++
	}
	return n
}

// newCardScan checks the row description of rows; n is the page size;
// body and key say whether the rows have a body and a sort key (the rows
// are selected with columns(omit), and the key).
func newCardScan(rows pgx.Rows, n int, omit content.Part, key bool) *cardScan {
	body := omit&allParts == allParts&^content.PartBody
	c := &cardScan{body: body, key: key, omit: omit}
	fds := rows.FieldDescriptions()
	if len(fds) != c.columns() {
		return c
	}
	for i, oid := range cardOIDs {
		if i == cardKey && !key {
			continue
		}
		// Text is its UTF-8 bytes in either format; the others must be
		// binary.
		fd := fds[c.col(i)]
		if fd.DataTypeOID != oid || (oid != pgtype.TextOID && fd.Format != pgx.BinaryFormatCode) {
			return c
		}
	}
	if body && fds[c.col(cardBody)].DataTypeOID != pgtype.TextOID {
		return c
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
// columns) for any row it does not decode itself; key is the sort key
// ("" without one).
func (c *cardScan) scan(rows pgx.Rows, generic *rowScan) (r *content.Resource, key string, err error) {
	if !c.usable {
		return c.fallback(rows, generic)
	}
	v := rows.RawValues()
	if len(v) != c.columns() {
		return c.fallback(rows, generic)
	}
	col := func(i int) []byte { return v[c.col(i)] }
	if len(col(cardID)) != 8 || len(col(cardRevision)) != 4 || (col(cardPublishedAt) != nil && len(col(cardPublishedAt)) != 4) {
		return c.fallback(rows, generic)
	}
	// The text columns, in the order they are laid out in one string.
	textCols := [...]int{cardStatus, cardKind, cardSlug, cardTitle, cardSummary, cardLanguage, cardKey, cardBody}
	texts := textCols[:6]
	switch {
	case c.key && c.body:
		texts = textCols[:]
	case c.key:
		texts = textCols[:7]
	case c.body:
		texts = append(textCols[:6:6], cardBody)
	}
	size := 0
	for _, i := range texts {
		if col(i) == nil {
			return c.fallback(rows, generic)
		}
		size += len(col(i))
	}
	elems, ok := textArray(col(cardTopics))
	if !ok {
		return c.fallback(rows, generic)
	}
	for _, e := range elems {
		size += len(e)
	}
	row := new(cardRow)
	if d := col(cardPublishedAt); d != nil {
		days := int32(binary.BigEndian.Uint32(d))
		t := time.Date(2000, 1, int(1+days), 0, 0, 0, 0, time.UTC)
		if days == math.MaxInt32 || days == math.MinInt32 || t.Before(minDate) || !t.Before(endDate) {
			// Infinity, -infinity, or out of pgx's range: pgx reports it.
			return c.fallback(rows, generic)
		}
		row.pub = t
		row.r.PublishedAt = &row.pub
	}
	// All the row's text in one string, each field a slice of it.
	var b strings.Builder
	b.Grow(size)
	for _, i := range texts {
		b.Write(col(i))
	}
	for _, e := range elems {
		b.Write(e)
	}
	all := b.String()
	next := func(i int) string {
		n := len(col(i))
		s := all[:n]
		all = all[n:]
		return s
	}
	r = &row.r
	r.ID = int64(binary.BigEndian.Uint64(col(cardID)))
	r.Revision = int(int32(binary.BigEndian.Uint32(col(cardRevision))))
	r.Status = content.Status(next(cardStatus))
	r.Kind = content.Kind(next(cardKind))
	r.Slug = next(cardSlug)
	r.Title = next(cardTitle)
	r.Summary = next(cardSummary)
	r.Language = next(cardLanguage)
	if c.key {
		key = next(cardKey)
	}
	if c.body {
		r.Body = next(cardBody)
	}
	start := len(c.topics)
	for _, e := range elems {
		c.topics = append(c.topics, all[:len(e)])
		all = all[len(e):]
	}
	r.Topics = c.topics[start:len(c.topics):len(c.topics)]
	r.Sources = []content.Source{}
	return r, key, nil
}

// fallback reads the current row with pgx's Scan: with generic, or with
// a rowScan made for it.
func (c *cardScan) fallback(rows pgx.Rows, generic *rowScan) (*content.Resource, string, error) {
	if generic == nil {
		generic = newRowScan(c.omit, c.key)
	}
	r, err := generic.scan(rows)
	return r, generic.key, err
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
