package content

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The GraphQL error presenter turns each into a client-facing
// code; nothing else decides what a client sees.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	// EUNKNOWN says a write may or may not have been saved: the database
	// stopped answering after the commit was sent. The message says how to
	// check before retrying.
	EUNKNOWN = "outcome_unknown"
)

// Error is a domain error: a code, a message safe to show to a client and,
// for invalid input, the field at fault.
type Error struct {
	Code    string
	Message string
	Field   string
	// RetryAfter, for EUNAVAILABLE, is how long a client should wait
	// before trying again (0: the presenter's default of one second).
	RetryAfter time.Duration
}

// Error returns the message, prefixed with the field at fault if any.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error for the named field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "internal error" for any other error so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// Unavailable returns an EUNAVAILABLE *Error asking the client to retry
// after d.
func Unavailable(d time.Duration, format string, args ...any) *Error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf(format, args...), RetryAfter: d}
}

// RetryAfter returns how long to wait before retrying err when it is
// EUNAVAILABLE (at least a second), and false for any other error.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Code != EUNAVAILABLE {
		return 0, false
	}
	return max(e.RetryAfter, time.Second), true
}
