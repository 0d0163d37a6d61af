package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

func init() {
	// A variable that does not coerce is a request error: nothing ran.
	errcode.RegisterErrorType(apierror.InvalidArgument, errcode.KindProtocol)
}

// httpTransport serves GraphQL over HTTP (POST with a JSON body, GET with
// query parameters) in place of gqlgen's transports, to follow the
// GraphQL-over-HTTP specification and graphql-js where gqlgen does not:
//
//   - a request that is not a GraphQL request (variables not an object,
//     query not a string) is 400 with extensions.code BAD_REQUEST and a
//     plain message that never echoes the body;
//   - variables are coerced strictly before gqlgen's laxer coercion
//     (coerceVariables);
//   - several operations without operationName name the operations;
//   - a request error (parse, validation, variables, limits) has no "data"
//     key, since execution never started (spec §7.1.2), and status 422, which
//     the HTTP layer turns into 400 for application/graphql-response+json and
//     200 for application/json.
type httpTransport struct {
	schema *ast.Schema
	cache  graphql.Cache[*ast.QueryDocument]
	// trusted is the trusted-documents manifest (trusted.go); nil: none.
	trusted *TrustedDocuments
}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodPost || r.Method == http.MethodGet)
}

// RequestBody is a GraphQL request as JSON: the raw value of each member
// (nil: absent), each checked for its type where it is used.
type RequestBody struct {
	Query         json.RawMessage
	OperationName json.RawMessage
	Variables     json.RawMessage
	Extensions    json.RawMessage
	// DocumentID names a trusted document (GraphQL over HTTP, appendix A
	// "Persisted Documents"); DocID is the name Relay's guide gives it.
	DocumentID json.RawMessage
	DocID      json.RawMessage
}

// CheckPOSTBody refuses, with a code and message, a POST body that is not
// a JSON object (or null) or that has no query: a query that is not a
// non-blank string, unless the request names its document otherwise
// (extensions.persistedQuery, documentId, doc_id) and leaves query out or
// null. A persisted query's hash stands for the document: gqlgen's APQ
// extension looks it up (or answers PERSISTED_QUERY_NOT_FOUND). Extensions
// of the wrong type, or a persistedQuery that is not one, go on to the
// GraphQL transport, which refuses them with BAD_REQUEST naming the
// member. The HTTP layer runs it before this transport (after
// CheckJSONNames). The body's members are split without decoding it into maps
// (ParseRequestBody): that was 6 % of a slug lookup's CPU.
func CheckPOSTBody(body []byte) (code, msg string) {
	req, _, ok := ParseRequestBody(body)
	if !ok {
		return apierror.BadRequest, "the request body is not valid JSON"
	}
	given := func(raw []byte) bool { return len(raw) > 0 && string(raw) != "null" }
	byID := given(req.DocumentID) || given(req.DocID)
	if given(req.Extensions) {
		if req.Extensions[0] != '{' {
			byID = true
		} else if pq, ok := JSONMember(req.Extensions, "persistedQuery"); ok && given(pq) {
			byID = true
		}
	}
	isString := len(req.Query) > 0 && req.Query[0] == '"'
	if (!isString || strings.TrimSpace(JSONString(req.Query)) == "") && !(!given(req.Query) && byID) {
		return apierror.BadRequest, "the request has no query"
	}
	return "", ""
}

// decodeRequestBody reads the members of a GraphQL request by their exact
// names (GraphQL over HTTP names them query, operationName, variables and
// extensions; JSON names are case-sensitive, RFC 8259 section 8.3).
// encoding/json would match a struct field's name without regard to case,
// so that {"Query": …} or {"QUERY": …} ran as query: a proxy or allow-list
// reading the body as JSON sees another request than the hub runs
// (breaker3 F4). Other members are ignored.
//
// Valid JSON is split by ParseRequestBody; other text goes through
// encoding/json's decoder as before (which reads the first value and
// tolerates some text after it).
func decodeRequestBody(body []byte) (RequestBody, error) {
	if req, isNull, ok := ParseRequestBody(body); ok && !isNull {
		return req, nil
	} else if ok {
		return RequestBody{}, errors.New("not a JSON object")
	}
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&members); err != nil || dec.More() || members == nil {
		return RequestBody{}, errors.New("not a JSON object")
	}
	return RequestBody{
		Query: members["query"], OperationName: members["operationName"], Variables: members["variables"],
		Extensions: members["extensions"], DocumentID: members["documentId"], DocID: members["doc_id"],
	}, nil
}

// ParseRequestBody splits a request body that is valid JSON (json.Valid)
// into the members a GraphQL request may have, as decoding it into a
// map[string]json.RawMessage would (names exact after unescaping; of a name
// given twice the last, but CheckJSONNames refuses those first): ok false
// for text that is not valid JSON or not an object or null; isNull for
// null. Each value is a slice of body. It reads the body twice (validity,
// then members) and allocates nothing: decoding into a map and then each
// member was 12 % of a slug lookup's CPU in the HTTP layer and gqlgen's
// transport together.
func ParseRequestBody(body []byte) (req RequestBody, isNull, ok bool) {
	if !json.Valid(body) {
		return RequestBody{}, false, false
	}
	i := skipJSONSpace(body, 0)
	switch body[i] {
	case 'n':
		return RequestBody{}, true, true
	case '{':
	default:
		return RequestBody{}, false, false
	}
	eachMember(body[i:], func(name, raw []byte) {
		switch string(name) {
		case "query":
			req.Query = raw
		case "operationName":
			req.OperationName = raw
		case "variables":
			req.Variables = raw
		case "extensions":
			req.Extensions = raw
		case "documentId":
			req.DocumentID = raw
		case "doc_id":
			req.DocID = raw
		}
	})
	return req, false, true
}

// eachMember calls f with each member of obj, valid JSON text of an object
// (from its '{'), in order: the name unescaped, the value's raw text.
func eachMember(obj []byte, f func(name, raw []byte)) {
	i := 1
	for {
		i = skipJSONSpace(obj, i)
		if obj[i] == '}' {
			return
		}
		end := skipJSONValue(obj, i)
		name := obj[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			json.Unmarshal(obj[i:end], &s) // valid JSON: a string
			name = []byte(s)
		}
		i = skipJSONSpace(obj, end) + 1 // the ':'
		i = skipJSONSpace(obj, i)
		end = skipJSONValue(obj, i)
		f(name, obj[i:end])
		i = skipJSONSpace(obj, end)
		if obj[i] == '}' {
			return
		}
		i++ // the ','
	}
}

// JSONMember returns the raw value of the member name of obj, valid JSON
// text of an object (the last, if the name is given twice), and whether
// it has one.
func JSONMember(obj []byte, name string) (raw []byte, ok bool) {
	eachMember(obj, func(n, v []byte) {
		if string(n) == name {
			raw, ok = v, true
		}
	})
	return raw, ok
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON white space.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipJSONValue returns the index just past the value that starts at i in
// valid JSON text.
func skipJSONValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of a number, true, false or null
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// decodeString is json.Unmarshal(raw, dst) for a string destination:
// a JSON string without escapes is copied as it stands.
func decodeString(raw []byte, dst *string) error {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) && json.Valid(raw) {
		*dst = string(raw[1 : len(raw)-1])
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// JSONString decodes raw, valid JSON text of a string, as json.Unmarshal
// into a string would; a string without escapes is copied as it stands.
func JSONString(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// jsonObject is an open object of CheckJSONNames: where its names start
// in the list of names read, the set of them past 16, and whether a name
// comes next.
type jsonObject struct {
	first    int
	set      map[string]bool
	wantName bool
}

// CheckJSONNames refuses JSON text in which one object has the same member
// name twice (compared after unescaping, exactly): RFC 8259 section 4 says
// the behaviour of software receiving such an object is unpredictable, and
// I-JSON (RFC 7493 section 2.3) forbids it. encoding/json keeps the last, so
// {"query": A, "query": B} ran B while another reader may see A. Text that
// is not valid JSON passes: the decoder reports it.
//
// A request body is checked without allocating (twice per request: 7 % of
// a slug lookup's allocations were here): the names are slices of b (or
// unescaped copies), the stacks start in arrays of this frame.
func CheckJSONNames(b []byte) error {
	var (
		objects  [8]jsonObject
		kinds    [16]bool
		nameBuf  [32][]byte
		stack    = objects[:0]
		isObject = kinds[:0]   // per open bracket: an object?
		names    = nameBuf[:0] // the names of every open object, in order
	)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, jsonObject{first: len(names), wantName: true})
			isObject = append(isObject, true)
		case '[':
			isObject = append(isObject, false)
		case '}', ']':
			if len(isObject) == 0 {
				return nil
			}
			if isObject[len(isObject)-1] {
				names = names[:stack[len(stack)-1].first]
				stack = stack[:len(stack)-1]
			}
			isObject = isObject[:len(isObject)-1]
		case ',':
			if len(isObject) > 0 && isObject[len(isObject)-1] {
				stack[len(stack)-1].wantName = true
			}
		case '"':
			end := i + 1
			escaped := false
			for end < len(b) && b[end] != '"' {
				if b[end] == '\\' {
					escaped = true
					end++
				}
				end++
			}
			if end >= len(b) {
				return nil
			}
			if len(isObject) > 0 && isObject[len(isObject)-1] && stack[len(stack)-1].wantName {
				o := &stack[len(stack)-1]
				o.wantName = false
				name := b[i+1 : end]
				if escaped {
					var s string
					if json.Unmarshal(b[i:end+1], &s) != nil {
						return nil
					}
					name = []byte(s)
				}
				if o.set == nil {
					for _, n := range names[o.first:] {
						if string(n) == string(name) {
							return fmt.Errorf("has the member %q twice in one object", clip(string(name)))
						}
					}
					names = append(names, name)
					if len(names)-o.first > 16 {
						o.set = make(map[string]bool, 2*(len(names)-o.first))
						for _, n := range names[o.first:] {
							o.set[string(n)] = true
						}
					}
				} else {
					if o.set[string(name)] {
						return fmt.Errorf("has the member %q twice in one object", clip(string(name)))
					}
					o.set[string(name)] = true
				}
			}
			i = end
		}
	}
	return nil
}

// GETParams are the parameters of a GraphQL request over GET (GraphQL over
// HTTP, and documentId / doc_id for a trusted document): each may be
// given once (content.GivenOnce); others are ignored.
var GETParams = []string{"query", "operationName", "variables", "extensions", "documentId", "doc_id"}

// GETDocumentID returns the trusted document a GET request names by
// documentId or doc_id (Relay's name), or "" for none. Both given with
// different ids is an error, as in a POST body: the request is ambiguous.
// The HTTP layer (for the GET method rule) and this transport read the id
// with it.
func GETDocumentID(q url.Values) (string, error) {
	id, alt := q.Get("documentId"), q.Get("doc_id")
	switch {
	case id == "":
		return alt, nil
	case alt != "" && alt != id:
		return "", errors.New("documentId and doc_id name different documents")
	}
	return id, nil
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	params := &graphql.RawParams{Headers: r.Header}
	var docID string
	if r.Method == http.MethodGet {
		// Strictly (content.ParseQueryString, as the pages read theirs):
		// r.URL.Query() drops a pair with a malformed escape and answers
		// without it (breaker3 F3: an unfiltered, cacheable 200).
		q, err := content.ParseQueryString(r.URL.RawQuery)
		if err != nil {
			var ce *content.Error
			if errors.As(err, &ce) && ce.Field != "" {
				badRequestField(w, err.Error(), ce.Field)
			} else {
				badRequest(w, err.Error())
			}
			return
		}
		if err := content.GivenOnce(q, GETParams...); err != nil {
			apierror.Write(w, apierror.FromDomain(apierror.BadRequest, err))
			return
		}
		for _, name := range GETParams {
			v := []byte(q.Get(name))
			switch name {
			case "variables", "extensions": // JSON text
				if err := checkJSONText(v); err != nil {
					badRequest(w, name+" "+err.Error())
					return
				}
				if err := CheckJSONNames(v); err != nil {
					badRequest(w, name+" "+err.Error())
					return
				}
			default:
				// Plain text: a \u escape in query is the GraphQL lexer's
				// to judge (sourceCheck: GRAPHQL_PARSE_FAILED, as over
				// POST), not a JSON escape (breaker4 F3).
				if !utf8.Valid(v) {
					badRequest(w, name+" is not valid UTF-8")
					return
				}
			}
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		if docID, err = GETDocumentID(q); err != nil {
			badRequest(w, err.Error())
			return
		}
		if err := decodeObject("variables", []byte(q.Get("variables")), &params.Variables); err != nil {
			badRequest(w, err.Error())
			return
		}
		if err := decodeObject("extensions", []byte(q.Get("extensions")), &params.Extensions); err != nil {
			badRequest(w, err.Error())
			return
		}
	} else {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			badRequest(w, "could not read the request body")
			return
		}
		if err := checkJSONText(body); err != nil {
			badRequest(w, "the request body "+err.Error())
			return
		}
		if err := CheckJSONNames(body); err != nil {
			badRequest(w, "the request body "+err.Error())
			return
		}
		req, err := decodeRequestBody(body)
		if err != nil {
			badRequest(w, "the request body is not a JSON object")
			return
		}
		if err := decodeObject("extensions", req.Extensions, &params.Extensions); err != nil {
			badRequest(w, err.Error())
			return
		}
		for name, raw := range map[string]json.RawMessage{"documentId": req.DocumentID, "doc_id": req.DocID} {
			if len(raw) == 0 || string(raw) == "null" {
				continue
			}
			var id string
			if err := json.Unmarshal(raw, &id); err != nil || id == "" {
				badRequest(w, name+" must be a non-empty string")
				return
			}
			if docID != "" && id != docID {
				badRequest(w, "documentId and doc_id name different documents")
				return
			}
			docID = id
		}
		// An automatic persisted query's hash (extensions.persistedQuery)
		// or a trusted document's id may stand for the document: the APQ
		// extension (apq.go) or the manifest (trustedDocument) fills it in.
		q := string(req.Query)
		byHash := (q == "" || q == "null") && (params.Extensions["persistedQuery"] != nil || docID != "")
		if err := decodeString(req.Query, &params.Query); !byHash && (err != nil || params.Query == "") {
			badRequest(w, "query must be a non-empty string")
			return
		}
		if len(req.OperationName) > 0 && string(req.OperationName) != "null" {
			if err := decodeString(req.OperationName, &params.OperationName); err != nil {
				badRequest(w, "operationName must be a string or null")
				return
			}
		}
		if err := decodeObject("variables", req.Variables, &params.Variables); err != nil {
			badRequest(w, err.Error())
			return
		}
	}
	if err := checkPersistedQuery(params.Extensions); err != nil {
		badRequest(w, err.Error())
		return
	}
	if err := t.oneDocument(docID, params.Extensions); err != nil {
		badRequest(w, err.Error())
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	if err := t.trustedDocument(ctx, params, docID); err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, &graphql.OperationContext{RawQuery: params.Query}), gqlerror.List{err})
		writeJSON(w, struct {
			Errors gqlerror.List `json:"errors"`
		}{resp.Errors})
		return
	}
	opCtx, errs := t.prepare(ctx, exec, params)
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeJSON(w, struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		apierror.Write(w, apierror.Error{Code: apierror.MethodNotAllowed, Message: "mutations must be sent with POST"})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if secs := retryAfter(resp.Errors); secs > 0 {
		// An UNAVAILABLE field (the index rebuilding, PostgreSQL
		// restarting) says when to try again in extensions.retryAfter;
		// HTTP clients and caches read the same from Retry-After (RFC 9110
		// section 10.2.3), as pages and /readyz send it.
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeResponse(w, resp)
}

// oneDocument refuses a request whose documentId (or doc_id) and
// extensions.persistedQuery.sha256Hash name different documents: one
// request, one document, as documentId beside doc_id. The hash names the
// same document when it is the same id, another id of the manifest listing
// the same text, or the SHA-256 of the text documentId names. The hash was
// ignored when documentId was given (breaker3 F13: refused on one path,
// resolved silently on the others).
func (t httpTransport) oneDocument(docID string, ext map[string]any) error {
	pq, _ := ext["persistedQuery"].(map[string]any)
	hash, _ := pq["sha256Hash"].(string)
	if docID == "" || hash == "" || hash == docID {
		return nil
	}
	if doc, ok := t.trusted.Lookup(docID); ok {
		if other, ok := t.trusted.Lookup(hash); ok && other == doc {
			return nil
		}
		if sum := sha256.Sum256([]byte(doc)); hex.EncodeToString(sum[:]) == APQHash(hash) {
			return nil
		}
	}
	return errors.New("documentId and extensions.persistedQuery.sha256Hash name different documents")
}

// retryAfter is the longest extensions.retryAfter (whole seconds) among
// errs, or 0 if none has one.
func retryAfter(errs gqlerror.List) int {
	longest := 0
	for _, e := range errs {
		if n, ok := e.Extensions["retryAfter"].(int); ok && n > longest {
			longest = n
		}
	}
	return longest
}

// prepare parses, validates and coerces a request. Variables are coerced
// strictly against the validated operation before gqlgen sees them; the
// first time a query is seen gqlgen parses and validates it (caching the
// document) and the request is then prepared again with coerced variables.
func (t httpTransport) prepare(ctx context.Context, exec graphql.GraphExecutor, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	raw := params.Variables
	doc, cached := t.cache.Get(ctx, params.Query)
	if !cached {
		probe := *params
		probe.Variables = copyJSON(raw).(map[string]any)
		opCtx, errs := exec.CreateOperationContext(ctx, &probe)
		if opCtx.Doc == nil || opCtx.Operation == nil {
			return opCtx, t.explain(opCtx, params, errs)
		}
		doc = opCtx.Doc
	}
	op := doc.Operations.ForName(params.OperationName)
	if op == nil {
		opCtx, errs := exec.CreateOperationContext(ctx, params)
		return opCtx, t.explain(opCtx, params, errs)
	}
	vars, err := coerceVariables(t.schema, op, raw)
	if err != nil {
		return &graphql.OperationContext{RawQuery: params.Query, OperationName: params.OperationName, Doc: doc, Operation: op}, gqlerror.List{err}
	}
	params.Variables = vars
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	return opCtx, t.explain(opCtx, params, errs)
}

// explain replaces gqlgen's "operation  not found" for a document with
// several operations and no operationName by a message that says what to
// send.
func (t httpTransport) explain(opCtx *graphql.OperationContext, params *graphql.RawParams, errs gqlerror.List) gqlerror.List {
	if len(errs) == 0 || opCtx == nil || opCtx.Doc == nil || opCtx.Operation != nil {
		return errs
	}
	var names []string
	for _, op := range opCtx.Doc.Operations {
		if op.Name != "" {
			names = append(names, op.Name)
		}
	}
	msg := fmt.Sprintf("operationName %q does not name an operation of the document", clip(params.OperationName))
	if params.OperationName == "" {
		msg = "the document has several operations: send operationName"
	}
	if len(names) > 0 {
		msg += " (one of " + strings.Join(names, ", ") + ")"
	}
	err := gqlerror.Errorf("%s", msg)
	errcode.Set(err, errcode.ValidationFailed)
	return gqlerror.List{err}
}

// checkJSONText refuses text that Go's JSON decoder would silently change:
// bytes that are not UTF-8, and \u escapes of lone UTF-16 surrogates
// (RFC 8259 section 8.2 leaves both undefined; encoding/json turns each into
// U+FFFD, so an editor's text would be stored altered). Checking the raw
// text here covers every string of the request at once.
func checkJSONText(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("is not valid UTF-8")
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // an escape of one character, perhaps a backslash
			continue
		}
		r, ok := hex4(b, i+2)
		if !ok {
			continue // malformed: the decoder reports it
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return errors.New("contains a lone UTF-16 surrogate escape (\\u" + strconv.FormatInt(int64(r), 16) + ")")
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(b, i+8); !ok || i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return errors.New("contains a lone UTF-16 surrogate escape (\\u" + strconv.FormatInt(int64(r), 16) + ")")
			}
			i += 11
		default:
			i += 5
		}
	}
	return nil
}

// decodeObject decodes an optional JSON object member (absent or null
// means none), keeping numbers exact. An object whose values are all
// strings without escapes, numbers, booleans or null (a lookup's
// variables) is read without the decoder (flatObject).
func decodeObject(name string, raw []byte, dst *map[string]any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		*dst = map[string]any{}
		return nil
	}
	if m, ok := flatObject(raw); ok {
		*dst = m
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Errorf("%s must be a JSON object", name)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be a JSON object", name)
	}
	*dst = m
	return nil
}

// flatObject decodes valid JSON text of an object whose member values are
// strings without escapes (and valid UTF-8), numbers (as json.Number, as
// the decoder with UseNumber gives them), booleans or null, and whose
// names have no escapes, as the decoder would (of a name given twice the
// last); ok false for any other text.
func flatObject(raw []byte) (m map[string]any, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) || bytes.IndexByte(raw, '\\') >= 0 {
		return nil, false
	}
	ok = true
	m = map[string]any{}
	eachMember(raw, func(name, v []byte) {
		switch c := v[0]; {
		case c == '"' && utf8.Valid(v):
			m[string(name)] = string(v[1 : len(v)-1])
		case c == '-' || (c >= '0' && c <= '9'):
			m[string(name)] = json.Number(v)
		case c == 't' || c == 'f':
			m[string(name)] = c == 't'
		case c == 'n':
			m[string(name)] = nil
		default:
			ok = false
		}
	})
	if !ok {
		return nil, false
	}
	return m, true
}

// copyJSON deep-copies decoded JSON (gqlparser's coercion writes into the
// maps and slices it is given).
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyJSON(e)
		}
		return out
	}
	return v
}

// badRequestField is badRequest naming the parameter at fault in
// extensions.field.
func badRequestField(w http.ResponseWriter, msg, field string) {
	apierror.Write(w, apierror.Error{Code: apierror.BadRequest, Message: msg, Field: field})
}

func badRequest(w http.ResponseWriter, msg string) {
	apierror.Write(w, apierror.Error{Code: apierror.BadRequest, Message: msg})
}

// writeResponse writes a GraphQL response. The common answer, data and
// nothing else, is written as it stands: gqlgen marshals data into compact
// JSON already, and json.Marshal would scan and copy all of it again
// (json.RawMessage is compacted and HTML-escaped on the way out). It goes
// out with its Content-Length: without a length net/http chunks an answer
// over 2 KB (a list of 20 is ~12 KB) and sends it in several writes to the
// socket (write(2) was 14 % of a list's CPU). With the length known,
// net/http's buffers send the three parts in as few writes to the socket
// as one Write would (one per 4 KB buffer filled), without copying the
// answer into one slice first (6 KB per slug lookup at 100,000 resources).
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil || len(resp.Data) == 0 || len(resp.Errors) > 0 || len(resp.Extensions) > 0 ||
		resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		writeJSON(w, resp)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(dataOpen)+len(resp.Data)+len(dataEnd)))
	w.Write(dataOpen)
	w.Write(resp.Data)
	w.Write(dataEnd)
}

// dataOpen and dataEnd surround data in a data-only answer.
var dataOpen, dataEnd = []byte(`{"data":`), []byte(`}`)

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Write(b)
}

// checkPersistedQuery checks the shape of extensions.persistedQuery (Apollo's
// automatic persisted queries: {"version": 1, "sha256Hash": "<hex>"}) so a
// request of the wrong type is BAD_REQUEST naming the member, never read as
// an unknown hash (PERSISTED_QUERY_NOT_FOUND, which makes a client retry).
// Absent or null: nothing to check.
func checkPersistedQuery(ext map[string]any) error {
	pq, ok := ext["persistedQuery"]
	if !ok || pq == nil {
		return nil
	}
	m, ok := pq.(map[string]any)
	if !ok {
		return fmt.Errorf("extensions.persistedQuery must be a JSON object")
	}
	if h, ok := m["sha256Hash"].(string); !ok || h == "" {
		return fmt.Errorf("extensions.persistedQuery.sha256Hash must be a non-empty string")
	}
	switch m["version"].(type) {
	case json.Number, float64:
	default:
		return fmt.Errorf("extensions.persistedQuery.version must be a number")
	}
	return nil
}
