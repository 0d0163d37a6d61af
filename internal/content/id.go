package content

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// GlobalID returns the opaque global id of a node of the given type.
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID decodes a global id into its type and numeric id. Anything
// that is not an id this hub made is an EINVALID error.
func ParseGlobalID(s string) (typ string, id int64, err error) {
	bad := FieldErrorf("id", "not a valid id")
	if len(s) == 0 || len(s) > 64 || !base64URL(s) {
		return "", 0, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return "", 0, bad
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	if !ok || typ == "" || strings.IndexFunc(typ, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') }) >= 0 {
		return "", 0, bad
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return "", 0, bad
	}
	return typ, id, nil
}

type cursorJSON struct {
	F  OrderField `json:"f"`
	D  Direction  `json:"d"`
	K  string     `json:"k"`
	ID int64      `json:"i"`
}

// EncodeCursor makes the opaque string form of a cursor.
func EncodeCursor(c Cursor) string {
	b, _ := json.Marshal(cursorJSON{F: c.Order.Field, D: c.Order.Direction, K: c.Key, ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor and checks it was made for the given order.
func DecodeCursor(s string, o Order) (*Cursor, error) {
	bad := FieldErrorf("after", "not a valid cursor for this list")
	if len(s) > 512 || !base64URL(s) {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursorJSON
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.ID <= 0 {
		return nil, bad
	}
	if c.F != o.Field || c.D != o.Direction {
		return nil, FieldErrorf("after", "cursor was made for a different order")
	}
	if !validCursorKey(o.Field, c.K) {
		return nil, bad
	}
	out := &Cursor{Order: o, Key: c.K, ID: c.ID}
	if EncodeCursor(*out) != s {
		// Only the hub's own spelling of a cursor is accepted, so a
		// cursor cannot be edited into a second form of the same key.
		return nil, bad
	}
	return out, nil
}

// Cursors are validated fully rather than signed: they carry only public
// sort keys and ids, so signing would protect no secret, would need a key
// shared by every replica (and rotation), and the store would still have to
// trust what it is given. Every field is checked to be in the range the
// store accepts: a date or time with a year from 1 to 9999 (PostgreSQL
// refuses some years Go parses, and the hub writes no others), a title of
// valid UTF-8 without U+0000 and at most maxCursorTitle bytes, an id above 0.
const maxCursorTitle = 1000

func validCursorKey(f OrderField, k string) bool {
	switch f {
	case OrderPublishedAt:
		t, err := ParseDate(k)
		return err == nil && t.Year() >= 1 && t.Format(DateLayout) == k
	case OrderUpdatedAt:
		t, err := time.Parse(cursorTimeLayout, k)
		return err == nil && t.Year() >= 1
	case OrderTitle:
		return len(k) <= maxCursorTitle && utf8.ValidString(k) && !strings.ContainsRune(k, 0)
	}
	return false
}

// cursorTimeLayout is how an updated-at key is written (UTC, microseconds).
const cursorTimeLayout = "2006-01-02T15:04:05.999999"

// base64URL reports whether s uses only the unpadded URL-safe alphabet (the
// decoder would skip newlines, letting many strings name one id).
func base64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
