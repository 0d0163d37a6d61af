// Package scalar holds the GraphQL custom scalars' marshalers.
package scalar

import (
	"io"
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

// UnmarshalDate reads a "YYYY-MM-DD" date.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, content.FieldErrorf("date", "a Date is a string YYYY-MM-DD")
	}
	t, err := content.ParseDate(s)
	if err != nil {
		return time.Time{}, content.FieldErrorf("date", "%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}
