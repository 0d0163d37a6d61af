package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Media types of GraphQL responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// responseMedia picks the response media type from Accept: the GraphQL
// response type when the client asks for it (and prefers it), JSON when it
// accepts JSON or anything, "" when it accepts neither (406).
func responseMedia(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if _, err := fmtSscan(v, &q); err != nil {
				q = 0
			}
		}
		var m string
		switch mt {
		case mediaGraphQLResponse:
			m = mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			m = mediaJSON
		default:
			continue
		}
		if q > bestQ || (q == bestQ && m == mediaGraphQLResponse) {
			best, bestQ = m, q
		}
	}
	if bestQ <= 0 {
		return ""
	}
	return best
}

// mediaWriter sets the negotiated content type and applies the status codes
// the GraphQL-over-HTTP specification recommends: with
// application/graphql-response+json a request that fails to parse or
// validate (gqlgen's 422) is 400; with application/json every well-formed
// request is answered 200, its errors in the body.
type mediaWriter struct {
	http.ResponseWriter
	media       string
	wroteHeader bool
}

func (m *mediaWriter) WriteHeader(code int) {
	if m.wroteHeader {
		return
	}
	m.wroteHeader = true
	if strings.HasPrefix(m.Header().Get("Content-Type"), mediaJSON) {
		m.Header().Set("Content-Type", m.media+"; charset=utf-8")
	}
	if code == http.StatusUnprocessableEntity {
		if m.media == mediaGraphQLResponse {
			code = http.StatusBadRequest
		} else {
			code = http.StatusOK
		}
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *mediaWriter) Write(b []byte) (int, error) {
	if !m.wroteHeader {
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriter.Write(b)
}

func (m *mediaWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

func fmtSscan(s string, f *float64) (int, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	*f = v
	return 1, nil
}
