// Package scalar holds the GraphQL scalars' marshalers: Date, DateTime and
// Int. Each refuses a value it cannot represent with an EINVALID
// *content.Error whose message shows the right form; the argument's name is
// added by the error presenter (gqlgen reports where the value came from),
// so the same error names "at" in publishResource and
// "input.sources[0].date" in createResource.
package scalar

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"guidancehub/internal/content"
)

// MarshalDate writes a date as "YYYY-MM-DD".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.Format(content.DateLayout)))
	})
}

// UnmarshalDate reads a "YYYY-MM-DD" date between years 1 and 9999.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, invalid("a Date is a string YYYY-MM-DD, e.g. \"2027-01-04\"")
	}
	t, err := content.ParseDate(s)
	if err != nil || t.Year() < 1 {
		return time.Time{}, invalid("%s is not a Date: write YYYY-MM-DD, e.g. \"2027-01-04\"", quote(s))
	}
	return t, nil
}

// MarshalDateTime writes a time in RFC 3339 with nanoseconds, or null for
// the zero time.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.MarshalTime(t)
}

// UnmarshalDateTime reads an RFC 3339 time with its zone (Z or ±hh:mm),
// years 1 to 9999, by content.ParseDateTime (lower-case t and z, and a leap
// second where RFC 3339 places one, are accepted). A time without a zone is
// refused: it would be read as UTC and could publish an hour early or late.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, invalid("a DateTime is an RFC 3339 string with a zone, e.g. \"2027-01-04T09:00:00Z\"")
	}
	t, err := content.ParseDateTime(s)
	if err != nil {
		return time.Time{}, invalid("%s is not a DateTime (%s): write RFC 3339 with a zone, e.g. \"2027-01-04T09:00:00Z\" or \"2027-01-04T09:00:00+01:00\"", quote(s), err)
	}
	return t, nil
}

// MarshalInt writes an Int.
func MarshalInt(n int) graphql.Marshaler {
	return graphql.MarshalInt(n)
}

// UnmarshalInt reads a GraphQL Int: a signed 32-bit integer (GraphQL spec
// §3.5.1), with graphql-js's messages. Variables reach it already checked;
// literals in the query are checked here.
func UnmarshalInt(v any) (int, error) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(x), 64); err != nil && !math.IsInf(f, 0) {
			return 0, invalid("Int cannot represent non-integer value: %s", x)
		}
	case float64:
		f = x
	default:
		return 0, invalid("Int cannot represent non-integer value: %s", show(v))
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) {
		return 0, invalid("Int cannot represent non-integer value: %s", show(v))
	}
	if f > math.MaxInt32 || f < math.MinInt32 {
		return 0, invalid("Int cannot represent non 32-bit signed integer value: %s", show(v))
	}
	return int(f), nil
}

// Message is the client-facing message of a scalar's error.
func Message(err error) string {
	var e *content.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "not a valid value"
}

func invalid(format string, args ...any) error {
	return &content.Error{Code: content.EINVALID, Message: fmt.Sprintf(format, args...)}
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	return fmt.Sprint(v)
}

// quote quotes s, cut to 40 bytes so a huge value is not sent back whole.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
