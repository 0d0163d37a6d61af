package apierror

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"guidancehub/internal/content"
)

// Error is a request refused outside GraphQL execution: by the HTTP layer
// (a method, media type, size, token or rate it does not accept) or by a
// door that is not GraphQL (completions, oEmbed, citations, feeds, the
// export).
type Error struct {
	// Code is a client code of the table; its Status is the HTTP status.
	Code string
	// Message is shown to the client as it is.
	Message string
	// Field names the parameter at fault (extensions.field), or "".
	Field string
	// RetryAfter, when positive, says when to try again: the Retry-After
	// header and extensions.retryAfter, in RetrySeconds.
	RetryAfter time.Duration
}

// body is the API's error shape: a GraphQL response with errors only.
type body struct {
	Errors []item `json:"errors"`
}

type item struct {
	Message    string     `json:"message"`
	Extensions extensions `json:"extensions"`
}

type extensions struct {
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
}

// Write answers e in the shape every door gives its errors, the GraphQL
// response shape of the GraphQL-over-HTTP specification:
//
//	{"errors":[{"message":"…","extensions":{"code":"…","field":"…","retryAfter":N}}]}
//
// (field and retryAfter only when set), with the code's HTTP status from
// the table, Content-Type application/json; charset=utf-8, Cache-Control
// no-store unless the caller set one (a 404 may be cached briefly; an
// error otherwise never is), no ETag, and for a positive RetryAfter a
// Retry-After header of RetrySeconds (RFC 9110 10.2.3). Other headers the
// caller set (Allow, WWW-Authenticate) are kept.
// A code without an HTTP status in the table is answered 500.
func Write(w http.ResponseWriter, e Error) {
	status := http.StatusInternalServerError
	if c, ok := Lookup(e.Code); ok && c.Status != 0 {
		status = c.Status
	}
	ext := extensions{Code: e.Code, Field: e.Field}
	h := w.Header()
	if e.RetryAfter > 0 {
		ext.RetryAfter = RetrySeconds(e.RetryAfter)
		h.Set("Retry-After", strconv.Itoa(ext.RetryAfter))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(body{Errors: []item{{Message: e.Message, Extensions: ext}}}) // strings and ints: cannot fail
	h.Set("Content-Type", "application/json; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Del("ETag")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// FromDomain presents a domain error (content.Error) as the API does:
// its client code, the message "field: message", the field, and the time
// to wait for EUNAVAILABLE. Anything else is INTERNAL with the message
// "internal error" (its detail is for the log, never for the client).
// code, when not "", replaces the domain error's client code (a transport
// code such as BAD_REQUEST for a parameter the door refuses).
func FromDomain(code string, err error) Error {
	var de *content.Error
	if !errors.As(err, &de) || de.Code == content.EINTERNAL {
		if code == "" {
			code = Internal
		}
		return Error{Code: code, Message: "internal error"}
	}
	if code == "" {
		code = ClientCode(de.Code)
	}
	e := Error{Code: code, Message: content.ErrorMessage(err), Field: de.Field}
	if d, ok := content.RetryAfter(err); ok {
		e.RetryAfter = max(d, time.Nanosecond)
	}
	return e
}

// RetrySeconds is d in whole seconds, rounded up, and at least 1: the
// value of a Retry-After header (RFC 9110 10.2.3: delay-seconds is a
// non-negative integer, and 0 would invite an immediate retry) and of
// extensions.retryAfter.
func RetrySeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
