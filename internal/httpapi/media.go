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

// responseMedia picks the response media type from Accept (RFC 9110
// 12.5.1): each of the two types the hub writes, both with charset=utf-8,
// takes the quality of the most specific range that matches it (a type
// over type/* over */*; a range with parameters, q aside, only matches a
// type with the same values, and is more specific still), so
// "application/json;q=0, */*" refuses JSON and accepts
// application/graphql-response+json. Of the acceptable types (q > 0) the
// one with the highest quality wins, then the one matched more
// specifically, then the one whose range comes first in Accept, then
// application/json (GraphQL over HTTP: what a client that names neither
// expects): the order of the negotiator package Express uses, which
// TestAcceptAgreesWithNegotiator takes as the oracle. No Accept at all
// means application/json; "" means neither is acceptable (406).
func responseMedia(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	type rank struct {
		q        float64
		spec, at int // specificity and position of the matching range; spec -1: none
	}
	ranks := [2]rank{{spec: -1}, {spec: -1}} // mediaJSON, mediaGraphQLResponse
	for at, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || q != q {
				q = 0
			}
			delete(params, "q")
		}
		for i, m := range [2]string{mediaJSON, mediaGraphQLResponse} {
			spec := matchRange(mt, params, m)
			if r := &ranks[i]; spec > r.spec || (spec == r.spec && spec >= 0 && q > r.q) {
				*r = rank{q, spec, at}
			}
		}
	}
	js, gr := ranks[0], ranks[1]
	switch {
	case js.q <= 0 && gr.q <= 0:
		return ""
	case gr.q > js.q,
		gr.q == js.q && gr.spec > js.spec,
		gr.q == js.q && gr.spec == js.spec && gr.at < js.at:
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// matchRange reports how specifically the media range mt;params matches
// media type m with charset=utf-8: 4 for the type, 2 for the subtype, 1 for
// parameters that all match (each value compared without regard to case),
// -1 when it does not match.
func matchRange(mt string, params map[string]string, m string) int {
	typ, sub, _ := strings.Cut(mt, "/")
	mtyp, msub, _ := strings.Cut(m, "/")
	spec := 0
	switch typ {
	case mtyp:
		spec |= 4
	case "*":
	default:
		return -1
	}
	switch sub {
	case msub:
		spec |= 2
	case "*":
	default:
		return -1
	}
	if len(params) > 0 {
		for k, v := range params {
			if k != "charset" || !strings.EqualFold(v, "utf-8") {
				return -1
			}
		}
		spec |= 1
	}
	return spec
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
	// r is the request answered: an answer with its Content-Length set
	// before its first byte is written whole at once (the transport writes
	// it from memory), which its connection is told (holdResponse).
	r *http.Request
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
		if m.r != nil && m.Header().Get("Content-Length") != "" {
			holdResponse(m.r)
		}
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriter.Write(b)
}

func (m *mediaWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }
