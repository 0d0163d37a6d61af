// Package apierror is the hub's one table of error codes: for each code a
// client can see in extensions.code, the domain code it comes from (if
// any), the HTTP status it travels with and what it means. The GraphQL
// error presenter, the HTTP layer and README.md's table (kept equal by
// TestReadmeListsEveryErrorCode) all read it; nothing else names a code.
package apierror

import (
	"fmt"
	"strings"

	"guidancehub/internal/content"
)

// Client codes (extensions.code). The values are part of the public API.
const (
	InvalidArgument          = "INVALID_ARGUMENT"
	NotFound                 = "NOT_FOUND"
	Conflict                 = "CONFLICT"
	Unauthenticated          = "UNAUTHENTICATED"
	Forbidden                = "FORBIDDEN"
	Unavailable              = "UNAVAILABLE"
	OutcomeUnknown           = "OUTCOME_UNKNOWN"
	CursorExpired            = "CURSOR_EXPIRED"
	Timeout                  = "TIMEOUT"
	Cancelled                = "CANCELLED"
	Internal                 = "INTERNAL"
	ParseFailed              = "GRAPHQL_PARSE_FAILED"      // gqlgen's errcode.ParseFailed
	ValidationFailed         = "GRAPHQL_VALIDATION_FAILED" // gqlgen's errcode.ValidationFailed
	LimitExceeded            = "LIMIT_EXCEEDED"
	ComplexityLimitExceeded  = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's complexity extension
	BadRequest               = "BAD_REQUEST"
	BatchNotSupported        = "BATCH_NOT_SUPPORTED"
	MethodNotAllowed         = "METHOD_NOT_ALLOWED"
	NotAcceptable            = "NOT_ACCEPTABLE"
	NotImplemented           = "NOT_IMPLEMENTED"
	RequestTooLarge          = "REQUEST_TOO_LARGE"
	URITooLong               = "URI_TOO_LONG"
	HeadersTooLarge          = "HEADERS_TOO_LARGE"
	UnsupportedMediaType     = "UNSUPPORTED_MEDIA_TYPE"
	RateLimited              = "RATE_LIMITED"
	PersistedQueryNotFound   = "PERSISTED_QUERY_NOT_FOUND" // gqlgen's APQ extension
	PersistedQueryNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"
)

// Code is one row of the table.
type Code struct {
	// Client is the code clients see in extensions.code.
	Client string
	// Domain is the content.E… code it presents, or "" for codes the
	// transports make themselves.
	Domain string
	// InResponse says the code can come in a GraphQL response (HTTP 200,
	// beside whatever data could still be answered).
	InResponse bool
	// Status is the HTTP status when the HTTP layer refuses the request
	// with this code (no data), or 0 if it never does.
	Status int
	// Meaning says, for README.md, when a client gets it.
	Meaning string
}

// Codes is every code the hub gives, in README.md's order.
var Codes = []Code{
	{InvalidArgument, content.EINVALID, true, 400, "An argument is wrong (page size, cursor, id, date, topic, language…); `extensions.field` names it. A variable that does not coerce (wrong case, out of range, wrong type) or a string with U+0000 is a request error: no `data`, 400 with `Accept: application/graphql-response+json`."},
	{NotFound, content.ENOTFOUND, true, 404, "An editorial mutation names a resource or token that does not exist (a missing `resource(slug:)` or `node(id:)` is `null`, not an error); 404 from a citation download or `/oembed` for an address that is not a public resource."},
	{Conflict, content.ECONFLICT, true, 0, "An edit lost a race (the `revision` given is no longer the latest, or another change to the same resources ran at the same moment: try again), a slug is taken, the resource is already in that state or is managed by a file, or a webhook test is sent to a disabled endpoint."},
	{Unauthenticated, content.EUNAUTHORIZED, true, 401, "No token on a protected field (200), or a token that is wrong, expired or revoked (401, `WWW-Authenticate: Bearer`)."},
	{Forbidden, content.EFORBIDDEN, true, 0, "The token's role may not do this."},
	{Unavailable, content.EUNAVAILABLE, true, 503, "Try again in `extensions.retryAfter` seconds (503 answers carry `Retry-After`): the search index on this replica is being built or rebuilt, PostgreSQL is not answering (the embedded cluster is being restarted), or the replica is already sending its most exports at once. Nothing was changed."},
	{OutcomeUnknown, content.EUNKNOWN, true, 0, "PostgreSQL stopped answering after a change was sent: it may or may not have been saved. The message says how to check (read `editorial { latestRevision }`) before sending it again."},
	{CursorExpired, content.EEXPIRED, true, 0, "A `changes(after:)` cursor is older than the change log's retention (7 days): load `GET /export/resources.ndjson` again and follow changes from the cursor on its last line."},
	{Timeout, "", true, 0, "The request ran out of time (`HUB_REQUEST_TIMEOUT`)."},
	{Cancelled, "", true, 0, "The client went away before the answer was ready."},
	{Internal, content.EINTERNAL, true, 500, "A fault on our side, logged with its detail; the client sees only this."},
	{ParseFailed, "", true, 400, "The document does not parse (or has over 2,000 tokens). 400 with `Accept: application/graphql-response+json`."},
	{ValidationFailed, "", true, 400, "The document does not fit the schema. 400 with `Accept: application/graphql-response+json`."},
	{LimitExceeded, "", true, 400, "Depth, aliases or root fields over the limit. As above."},
	{ComplexityLimitExceeded, "", true, 400, "Complexity over the limit. As above."},
	{BadRequest, "", false, 400, "The body is not a JSON object, has neither `query` nor a persisted query's hash (member names are exact: `Query` is not `query`), has one name twice in an object, or its `variables`, `operationName` or `extensions` have the wrong type (also a GET whose `variables` is not a JSON object). The message never repeats the body."},
	{BatchNotSupported, "", false, 400, "A JSON array of requests."},
	{MethodNotAllowed, "", false, 405, "A mutation over GET (`Allow: POST`), or a method other than GET, HEAD, POST and OPTIONS (`Allow: GET, HEAD, POST, OPTIONS`, as OPTIONS answers)."},
	{NotImplemented, "", false, 501, "`/oembed` asked for a `format` other than `json` (oEmbed 2.3.4)."},
	{NotAcceptable, "", false, 406, "`Accept` allows neither JSON media type."},
	{RequestTooLarge, "", false, 413, "The body is over 64 KiB (2 MiB for editors and admins)."},
	{URITooLong, "", false, 414, "The request's address is over 32 KiB (send a long GraphQL document with POST). Pages answer an HTML page with the same status."},
	{HeadersTooLarge, "", false, 431, "The request's header fields are over 32 KiB in all (over 68 KiB of request line and headers the server answers a plain-text 431 before the hub sees the request). Pages answer an HTML page with the same status."},
	{UnsupportedMediaType, "", false, 415, "A POST that is not `application/json`, declares a `charset` other than UTF-8, or has a `Content-Encoding` such as gzip (with `Accept-Encoding: identity`)."},
	{RateLimited, "", false, 429, "Over the caller's rate; `Retry-After` (and `extensions.retryAfter`) says when to retry."},
	{PersistedQueryNotFound, "", true, 400, "An automatic persisted query's hash this replica does not know: send the request again with `query` beside the hash (Apollo Client's persisted-queries link does). Also a `documentId` (or, from a partner token, any id) that the trusted-documents manifest (`HUB_TRUSTED_DOCUMENTS`) does not list. A request error: 400 with `Accept: application/graphql-response+json`."},
	{PersistedQueryNotAllowed, "", true, 400, "With a trusted-documents manifest (`HUB_TRUSTED_DOCUMENTS`), a partner token sent query text instead of a listed document's id (`documentId`, or `extensions.persistedQuery.sha256Hash`). Nothing ran; 400 with `Accept: application/graphql-response+json`."},
}

// Lookup returns the row of a client code; ok is false for a code not in
// the table.
func Lookup(client string) (c Code, ok bool) {
	for _, c := range Codes {
		if c.Client == client {
			return c, true
		}
	}
	return Code{}, false
}

// ClientCode returns the client code of a domain code (INTERNAL for an
// unknown one).
func ClientCode(domain string) string {
	for _, c := range Codes {
		if c.Domain == domain && domain != "" {
			return c.Client
		}
	}
	return Internal
}

// Status returns the HTTP status the HTTP layer answers a client code with.
// It panics on a code the table does not give a status: that is a
// programming error, caught by any test that reaches the call.
func Status(client string) int {
	c, ok := Lookup(client)
	if !ok || c.Status == 0 {
		panic(fmt.Sprintf("apierror: %q has no HTTP status in the table", client))
	}
	return c.Status
}

// HTTP is the HTTP column of README.md's table for c: "200", "405", or
// "200 or 401".
func (c Code) HTTP() string {
	var s []string
	if c.InResponse {
		s = append(s, "200")
	}
	if c.Status != 0 {
		s = append(s, fmt.Sprint(c.Status))
	}
	return strings.Join(s, " or ")
}

// Markdown renders the table as README.md shows it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| code | HTTP | meaning |\n|---|---|---|\n")
	for _, c := range Codes {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Client, c.HTTP(), c.Meaning)
	}
	return b.String()
}
