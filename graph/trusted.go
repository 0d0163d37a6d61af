package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

// TrustedDocuments is a manifest of operations the hub trusts: document id
// → GraphQL document, loaded once at start-up (HUB_TRUSTED_DOCUMENTS).
// With a manifest, partner tokens may run only its operations, named by id;
// anonymous callers and editors may name them by id too and still send
// documents of their own (see transport.go).
//
// Ids are opaque strings compared exactly: relay-compiler writes MD5 (or
// SHA-1, SHA-256) hex, GraphQL Code Generator's client preset SHA-1 hex by
// default, Apollo's manifest generator SHA-256 hex; the hub never hashes a
// document to check its id. It is safe for concurrent use (read-only).
type TrustedDocuments struct {
	docs map[string]string
}

// Lookup returns the document listed under id.
func (t *TrustedDocuments) Lookup(id string) (string, bool) {
	if t == nil {
		return "", false
	}
	doc, ok := t.docs[id]
	return doc, ok
}

// Len is the number of operations listed.
func (t *TrustedDocuments) Len() int {
	if t == nil {
		return 0
	}
	return len(t.docs)
}

// IDs returns every listed id, sorted.
func (t *TrustedDocuments) IDs() []string {
	ids := make([]string, 0, t.Len())
	if t != nil {
		for id := range t.docs {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// apolloManifestFormat marks the manifest @apollo/generate-persisted-query-manifest
// writes: {"format": "apollo-persisted-query-manifest", "version": 1,
// "operations": [{"id", "name", "type", "body"}]}.
const apolloManifestFormat = "apollo-persisted-query-manifest"

// LoadTrustedDocuments reads a manifest file (ParseTrustedDocuments).
func LoadTrustedDocuments(path string) (*TrustedDocuments, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	t, err := ParseTrustedDocuments(b)
	if err != nil {
		return nil, fmt.Errorf("trusted documents %s: %w", path, err)
	}
	return t, nil
}

// ParseTrustedDocuments reads a manifest in one of the two shapes clients'
// build tools write:
//
//   - a JSON object of id → document text, as relay-compiler writes it
//     (persistConfig {"file": …}) and GraphQL Code Generator's client
//     preset (persistedDocuments: true → persisted-documents.json);
//   - Apollo's persisted query manifest ({"format":
//     "apollo-persisted-query-manifest", "version": 1, "operations":
//     [{"id", "name", "type", "body"}]}), which @apollo/persisted-query-lists
//     reads on the client.
//
// Every document must parse and validate against the hub's schema. An id
// listed twice with the same text is kept once; with different texts, an
// empty id or document, or a manifest with no operations, is an error that
// names the entry. Nothing is partly loaded.
func ParseTrustedDocuments(b []byte) (*TrustedDocuments, error) {
	entries, err := manifestEntries(b)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("the manifest lists no operations")
	}
	schema := NewExecutableSchema(Config{}).Schema()
	t := &TrustedDocuments{docs: make(map[string]string, len(entries))}
	for _, e := range entries {
		if e.id == "" {
			return nil, fmt.Errorf("%s: an empty id", e.where)
		}
		if strings.TrimSpace(e.doc) == "" {
			return nil, fmt.Errorf("%s %q: an empty document", e.where, clip(e.id))
		}
		if prev, ok := t.docs[e.id]; ok {
			if prev != e.doc {
				return nil, fmt.Errorf("%s %q: the id is listed twice with different documents", e.where, clip(e.id))
			}
			continue
		}
		if err := validateDocument(schema, e.doc); err != nil {
			return nil, fmt.Errorf("%s %q: %w", e.where, clip(e.id), err)
		}
		t.docs[e.id] = e.doc
	}
	return t, nil
}

// validateDocument parses and validates doc against the schema, as a
// request would be; the document must hold at least one operation.
func validateDocument(schema *ast.Schema, doc string) error {
	q, errs := gqlparser.LoadQuery(schema, doc)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
			if len(e.Locations) > 0 {
				msgs[i] = fmt.Sprintf("%s (line %d, column %d)", e.Message, e.Locations[0].Line, e.Locations[0].Column)
			}
		}
		return fmt.Errorf("the document does not validate against the schema: %s", strings.Join(msgs, "; "))
	}
	if len(q.Operations) == 0 {
		return errors.New("the document has no operation")
	}
	return nil
}

// manifestEntry is one id → document pair and where the manifest has it.
type manifestEntry struct {
	id, doc, where string
}

// manifestEntries reads the pairs of either shape, keeping repeated keys
// (encoding/json would keep only the last).
func manifestEntries(b []byte) ([]manifestEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(b, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object (want id → document, or Apollo's persisted query manifest)")
	}
	type member struct {
		key string
		raw json.RawMessage
	}
	var members []member
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, jsonError(b, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(b, err)
		}
		members = append(members, member{kt.(string), raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(b, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("not valid JSON: text after the object")
	}

	isApollo := false
	for _, m := range members {
		var s string
		if m.key == "format" && json.Unmarshal(m.raw, &s) == nil && s == apolloManifestFormat {
			isApollo = true
		}
	}
	if !isApollo {
		out := make([]manifestEntry, 0, len(members))
		for _, m := range members {
			var doc string
			if err := json.Unmarshal(m.raw, &doc); err != nil {
				return nil, fmt.Errorf("entry %q: the document is not a JSON string", clip(m.key))
			}
			out = append(out, manifestEntry{id: m.key, doc: doc, where: "entry"})
		}
		return out, nil
	}

	var version json.RawMessage
	var ops json.RawMessage
	for _, m := range members {
		switch m.key {
		case "version":
			version = m.raw
		case "operations":
			ops = m.raw
		}
	}
	if string(version) != "1" {
		return nil, fmt.Errorf("Apollo manifest version %s: only version 1 is known", string(version))
	}
	var list []struct {
		ID   *string `json:"id"`
		Name string  `json:"name"`
		Type string  `json:"type"`
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(ops, &list); err != nil {
		return nil, errors.New("Apollo manifest: operations must be a list of {id, name, type, body}")
	}
	out := make([]manifestEntry, 0, len(list))
	for i, op := range list {
		where := fmt.Sprintf("operation %d", i)
		if op.Name != "" {
			where = fmt.Sprintf("operation %d (%s)", i, clip(op.Name))
		}
		if op.ID == nil || op.Body == nil {
			return nil, fmt.Errorf("%s: id and body must be strings", where)
		}
		out = append(out, manifestEntry{id: *op.ID, doc: *op.Body, where: where})
	}
	return out, nil
}

// jsonError says where JSON went wrong, by line.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Errorf("not valid JSON: %v (line %d)", se, line)
	}
	return fmt.Errorf("not valid JSON: %v", err)
}

func init() {
	// Refused before anything ran: request errors, like a validation failure.
	errcode.RegisterErrorType(apierror.PersistedQueryNotAllowed, errcode.KindProtocol)
}

// restricted reports whether the caller may run trusted documents only:
// partner tokens, while a manifest is configured. Anonymous callers keep
// free-form queries (they are rate-limited per address and see only what
// is public), and editors and admins are the hub's own staff, whose tools
// (GraphiQL, scripts) send documents of their own.
func restricted(ctx context.Context) bool {
	p := content.PrincipalFrom(ctx)
	return p != nil && p.Role == content.RolePartner
}

// trustedDocument applies the trusted-documents manifest to a request
// before it is parsed. The id is documentId (or doc_id), else
// extensions.persistedQuery.sha256Hash, as clients send it:
//
//   - a listed id becomes its document (and the APQ extension is left out,
//     so an id need not be the document's SHA-256); query text beside it
//     must be that same document;
//   - a partner token (restricted) may send nothing else: query text
//     without a listed id is PERSISTED_QUERY_NOT_ALLOWED, an id not
//     listed PERSISTED_QUERY_NOT_FOUND;
//   - for other callers an unlisted documentId is PERSISTED_QUERY_NOT_FOUND
//     and an unlisted sha256Hash is left to automatic persisted queries.
//
// Without a manifest nothing is listed and nobody is restricted.
func (t httpTransport) trustedDocument(ctx context.Context, params *graphql.RawParams, docID string) *gqlerror.Error {
	partner := t.trusted != nil && restricted(ctx)
	id, byHash := docID, false
	if id == "" {
		pq, _ := params.Extensions["persistedQuery"].(map[string]any)
		id, _ = pq["sha256Hash"].(string)
		byHash = id != ""
	}
	if id == "" {
		if partner {
			return notAllowed()
		}
		return nil
	}
	if doc, ok := t.trusted.Lookup(id); ok {
		if params.Query != "" && params.Query != doc {
			if partner {
				return notAllowed()
			}
			if !byHash {
				return &gqlerror.Error{Message: "query is not the document documentId names: send one or the other",
					Extensions: map[string]any{"code": apierror.InvalidArgument, "field": "query"}}
			}
			return nil // text with its APQ hash: the APQ extension checks the pair
		}
		params.Query = doc
		delete(params.Extensions, "persistedQuery")
		return nil
	}
	switch {
	case partner && params.Query != "":
		return notAllowed()
	case partner || !byHash:
		return &gqlerror.Error{Message: "PersistedQueryNotFound: no trusted document has this id",
			Extensions: map[string]any{"code": apierror.PersistedQueryNotFound}}
	}
	return nil
}

func notAllowed() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "partner tokens may run only the hub's trusted documents: send the operation's id (documentId, or extensions.persistedQuery.sha256Hash) instead of its text",
		Extensions: map[string]any{"code": apierror.PersistedQueryNotAllowed},
	}
}
