package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"guidancehub/graph"
	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// TestTrustedDocuments runs every operation of a test manifest (both
// shapes: relay-compiler's id → document map, and Apollo's manifest) in
// every way a request can name it (documentId, doc_id,
// extensions.persistedQuery.sha256Hash, its text, an id the manifest lacks),
// over each transport (POST JSON, GET query parameters), as each kind of
// caller (anonymous, partner token, editor token), and checks who may run
// what: a partner only by a listed id, the others by id or text as before.
// What an operation answers is checked against the same document sent as
// text by an anonymous POST (the oracle), and a listed mutation still needs
// its role.
func TestTrustedDocuments(t *testing.T) {
	for _, file := range []string{"relay.json", "apollo.json"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", "trusted", file)
			td, err := graph.LoadTrustedDocuments(path)
			if err != nil {
				t.Fatal(err)
			}
			e := startEditorialHubWith(t, map[string]string{"HUB_TRUSTED_DOCUMENTS": path})
			missing := content.GlobalID(model.NodeType, 987654)
			vars := map[string]map[string]any{
				"Topics":   nil,
				"Resource": {"slug": "barriers-brief"},
				"Search":   {"q": "registration"},
				"Withdraw": {"id": missing, "reason": "a test"},
			}
			callers := []struct{ name, token string }{{"anonymous", ""}, {"partner", e.partner}, {"editor", e.editor}}
			n := 0
			for _, id := range td.IDs() {
				doc, _ := td.Lookup(id)
				qd, err := parser.ParseQuery(&ast.Source{Input: doc})
				if err != nil || len(qd.Operations) != 1 {
					t.Fatalf("%s: %v", id, err)
				}
				op := qd.Operations[0]
				v, ok := vars[op.Name]
				if !ok {
					t.Fatalf("no variables for operation %s", op.Name)
				}
				oracle := post(t, e.url, doc, v)
				if op.Operation == ast.Query && (len(oracle.Errors) > 0 || oracle.Data == nil) {
					t.Fatalf("oracle %s: %+v", op.Name, oracle.Errors)
				}
				for _, form := range []string{"documentId", "doc_id", "sha256Hash", "text", "unlisted"} {
					for _, method := range []string{http.MethodPost, http.MethodGet} {
						for _, c := range callers {
							n++
							name := fmt.Sprintf("%s %s by %s over %s as %s", file, op.Name, form, method, c.name)
							r := trustedRequest(t, e.url, method, form, id, doc, v, c.token)
							want := expectTrusted(op.Operation, form, method, c.name)
							switch want {
							case "ran":
								if len(r.Errors) > 0 || !reflect.DeepEqual(r.Data, oracle.Data) {
									t.Errorf("%s: %d %+v %v, want the oracle's answer %v", name, r.status, r.Errors, r.Data, oracle.Data)
								}
								if method == http.MethodGet && c.token == "" && r.header.Get("ETag") == "" {
									t.Errorf("%s: an anonymous GET by id has no ETag", name)
								}
							case "405":
								if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
									t.Errorf("%s: %d %+v, want 405 with Allow: POST", name, r.status, r.Errors)
								}
							default:
								if r.code() != want {
									t.Errorf("%s: %d %+v, want %s", name, r.status, r.Errors, want)
								}
								if request := want == "PERSISTED_QUERY_NOT_ALLOWED" || want == "PERSISTED_QUERY_NOT_FOUND"; request && r.Data != nil {
									t.Errorf("%s: a request error with data %v", name, r.Data)
								}
							}
						}
					}
				}
			}
			t.Logf("%d requests, %d operations", n, td.Len())
		})
	}
}

// expectTrusted is the rule under test: what a caller gets for an
// operation of the manifest named in a form over a method. "ran" is the
// oracle's answer; otherwise a status or an extensions.code.
func expectTrusted(op ast.Operation, form, method, caller string) string {
	switch {
	case form == "unlisted":
		return "PERSISTED_QUERY_NOT_FOUND"
	case method == http.MethodGet && op == ast.Mutation:
		return "405"
	case form == "text" && caller == "partner":
		return "PERSISTED_QUERY_NOT_ALLOWED"
	case op == ast.Mutation:
		// Listed or not, a mutation needs its role.
		return map[string]string{"anonymous": "UNAUTHENTICATED", "partner": "FORBIDDEN", "editor": "NOT_FOUND"}[caller]
	}
	return "ran"
}

// trustedRequest sends one operation named in one form.
func trustedRequest(t *testing.T, base, method, form, id, doc string, vars map[string]any, token string) *gqlResponse {
	t.Helper()
	if form == "unlisted" {
		id, form = "f00d"+id, "documentId"
	}
	fields := map[string]any{}
	switch form {
	case "documentId", "doc_id":
		fields[form] = id
	case "sha256Hash":
		fields["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": id}}
	case "text":
		fields["query"] = doc
	}
	if vars != nil {
		fields["variables"] = vars
	}
	headers := map[string]string{}
	if token != "" {
		headers["Authorization"] = "Bearer " + token
	}
	if method == http.MethodPost {
		body, _ := json.Marshal(fields)
		return doWith(t, method, base+"/graphql", "application/json", headers, body)
	}
	q := url.Values{}
	for k, v := range fields {
		if s, ok := v.(string); ok {
			q.Set(k, s)
		} else {
			b, _ := json.Marshal(v)
			q.Set(k, string(b))
		}
	}
	return doWith(t, method, base+"/graphql?"+q.Encode(), "", headers, nil)
}

// TestTrustedDocumentsEdges: the cases around the matrix. Query text beside
// a listed id must be that document; a partner's APQ registration (text with
// its hash) is refused and does not make the hash runnable; a partner's
// request errors are 400 with the GraphQL response media type.
func TestTrustedDocumentsEdges(t *testing.T) {
	path := filepath.Join("testdata", "trusted", "codegen.json")
	td, err := graph.LoadTrustedDocuments(path)
	if err != nil {
		t.Fatal(err)
	}
	e := startEditorialHubWith(t, map[string]string{"HUB_TRUSTED_DOCUMENTS": path})
	var topicsID, topicsDoc string
	for _, id := range td.IDs() {
		if doc, _ := td.Lookup(id); strings.HasPrefix(doc, "query Topics") {
			topicsID, topicsDoc = id, doc
		}
	}
	send := func(token string, accept string, fields map[string]any) *gqlResponse {
		body, _ := json.Marshal(fields)
		h := map[string]string{"Accept": accept}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		return doWith(t, http.MethodPost, e.url+"/graphql", "application/json", h, body)
	}
	const js, gr = "application/json", "application/graphql-response+json"
	if r := send(e.partner, js, map[string]any{"documentId": topicsID, "query": topicsDoc}); len(r.Errors) > 0 || r.Data["topics"] == nil {
		t.Errorf("partner, id with its own text: %+v", r.Errors)
	}
	if r := send(e.partner, js, map[string]any{"documentId": topicsID, "query": "{ topics { slug } }"}); r.code() != "PERSISTED_QUERY_NOT_ALLOWED" {
		t.Errorf("partner, id with other text: %+v", r.Errors)
	}
	if r := send(e.editor, js, map[string]any{"documentId": topicsID, "query": "{ topics { slug } }"}); r.code() != "INVALID_ARGUMENT" {
		t.Errorf("editor, id with other text: %+v", r.Errors)
	}
	if r := send(e.editor, js, map[string]any{"documentId": topicsID, "doc_id": "other"}); r.status != http.StatusBadRequest || r.code() != "BAD_REQUEST" {
		t.Errorf("documentId and doc_id differ: %d %+v", r.status, r.Errors)
	}
	if r := send(e.editor, js, map[string]any{"documentId": 5}); r.status != http.StatusBadRequest || r.code() != "BAD_REQUEST" {
		t.Errorf("documentId a number: %d %+v", r.status, r.Errors)
	}
	q := `{ resource(slug: "barriers-brief") { title } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
	if r := send(e.partner, gr, map[string]any{"query": q, "extensions": ext}); r.code() != "PERSISTED_QUERY_NOT_ALLOWED" || r.status != http.StatusBadRequest {
		t.Errorf("partner registering an APQ: %d %+v, want 400 PERSISTED_QUERY_NOT_ALLOWED", r.status, r.Errors)
	}
	// Anonymous callers still register automatic persisted queries…
	if r := send("", js, map[string]any{"query": q, "extensions": ext}); len(r.Errors) > 0 {
		t.Errorf("anonymous APQ registration: %+v", r.Errors)
	}
	if r := send("", js, map[string]any{"extensions": ext}); len(r.Errors) > 0 {
		t.Errorf("anonymous APQ by hash: %+v", r.Errors)
	}
	// …which a partner cannot run: it is not in the manifest.
	if r := send(e.partner, gr, map[string]any{"extensions": ext}); r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.status != http.StatusBadRequest {
		t.Errorf("partner running an APQ hash: %d %+v", r.status, r.Errors)
	}
	if r := send(e.admin, js, map[string]any{"query": q}); len(r.Errors) > 0 {
		t.Errorf("admin free-form: %+v", r.Errors)
	}
}

// TestTrustedDocumentsBadManifest: a manifest that does not load stops the
// hub before PostgreSQL starts, with exit status 2 and one line naming the
// setting and the entry.
func TestTrustedDocumentsBadManifest(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"invalid JSON":        {"{\"a1\": \"{ topics { slug } }\"", "not valid JSON"},
		"does not validate":   {`{"a1": "{ topics { slug } }", "b2": "{ topics { nosuch } }"}`, `entry "b2": the document does not validate against the schema: Cannot query field "nosuch" on type "Topic"`},
		"duplicate id":        {`{"a1": "{ topics { slug } }", "a1": "{ topics { name } }"}`, `entry "a1": the id is listed twice with different documents`},
		"apollo, bad body":    {`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x", "name": "Q", "type": "query", "body": "query Q { nope }"}]}`, `operation 0 (Q) "x": the document does not validate`},
		"missing file":        {"", "no such file"},
		"not the right shape": {`[]`, "not a JSON object"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if c.text != "" {
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stderr bytes.Buffer
		// No DATABASE_URL: the hub must stop before it would start PostgreSQL.
		code := run(context.Background(), []string{"--trusted-documents", path}, io.Discard, &stderr,
			env(map[string]string{"HUB_DATA_DIR": filepath.Join(dir, "data")}), nil)
		out := strings.TrimSpace(stderr.String())
		if code != 2 || !strings.Contains(out, "HUB_TRUSTED_DOCUMENTS") || !strings.Contains(out, c.want) || strings.Count(out, "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line saying %q", name, code, out, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
			t.Errorf("%s: the data directory was created: the hub went on starting", name)
		}
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestTrustedDocumentsWithApolloClient runs a partner app built on Apollo
// Client with persisted query lists (@apollo/persisted-query-lists,
// committed in testdata/node): the manifest is generated as Apollo's
// manifest generator writes it (the library's own printing and sorting,
// SHA-256 ids), the hub loads it, and the app runs its listed operations by
// id alone over GET (its verification link finding every operation in the
// manifest); an operation the manifest lacks, sent by Apollo's ordinary
// APQ link, is PERSISTED_QUERY_NOT_FOUND and its retry with the text is
// PERSISTED_QUERY_NOT_ALLOWED.
func TestTrustedDocumentsWithApolloClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: this test runs Apollo Client (apt-get install nodejs)")
	}
	manifest := filepath.Join(t.TempDir(), "persisted-query-manifest.json")
	if out, err := exec.Command("node", "testdata/node/pql-client.js", "manifest", manifest).CombinedOutput(); err != nil {
		t.Fatalf("pql-client.js manifest: %v\n%s", err, out)
	}
	td, err := graph.LoadTrustedDocuments(manifest)
	if err != nil {
		t.Fatal(err)
	}
	e := startEditorialHubWith(t, map[string]string{"HUB_TRUSTED_DOCUMENTS": manifest})
	cmd := exec.Command("node", "testdata/node/pql-client.js", "run", e.url+"/graphql", manifest, e.partner)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pql-client.js run: %v\n%s", err, out)
	}
	t.Logf("exchanges:\n%s", out)
	type exchange struct {
		Step     string         `json:"step"`
		Method   string         `json:"method"`
		HashOnly bool           `json:"hashOnly"`
		ID       string         `json:"id"`
		Status   int            `json:"status"`
		Code     *string        `json:"code"`
		Data     map[string]any `json:"data"`
		Refused  string         `json:"refused"`
		Failures []string       `json:"verificationFailures"`
	}
	steps := map[string][]exchange{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var x exchange
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			t.Fatal(err)
		}
		steps[x.Step] = append(steps[x.Step], x)
	}
	for _, step := range []string{"listed Topics", "listed Brief"} {
		xs := steps[step]
		if len(xs) != 1 {
			t.Errorf("%s: %d exchanges, want 1 (the id alone, answered)", step, len(xs))
			continue
		}
		x := xs[0]
		if _, listed := td.Lookup(x.ID); x.Method != http.MethodGet || !x.HashOnly || !listed || x.Code != nil || x.Data == nil {
			t.Errorf("%s: %+v, want a GET with a listed id alone, answered", step, x)
		}
	}
	if title := path(steps["listed Brief"][0].Data, "resource", "title"); title != "Barriers to GP registration" {
		t.Errorf("listed Brief: title %v", title)
	}
	if xs := steps["unlisted"]; len(xs) != 2 || xs[0].Code == nil || *xs[0].Code != "PERSISTED_QUERY_NOT_FOUND" || !xs[0].HashOnly ||
		xs[1].HashOnly || xs[1].Code == nil || *xs[1].Code != "PERSISTED_QUERY_NOT_ALLOWED" || xs[1].Data != nil {
		t.Errorf("unlisted: %+v, want the hash refused as not found, then the text as not allowed", xs)
	}
	if r := steps["result"]; len(r) != 1 || r[0].Refused != "PERSISTED_QUERY_NOT_ALLOWED" || len(r[0].Failures) != 0 {
		t.Errorf("result: %+v, want the unlisted operation refused and no verification failure", r)
	}
}

// TestDocumentIDAndHashNameOneDocument: breaker3 F13's last path. POST
// {"documentId": A, "extensions": {"persistedQuery": {"sha256Hash": B}}}
// ran A and ignored B, while documentId beside a different doc_id is 400.
// One request, one document: every combination of documentId (absent, two
// manifest ids, an unknown id) and sha256Hash (absent, the same ids, the
// SHA-256 of either document, of a document the manifest lacks), by POST
// and by GET, is 400 BAD_REQUEST exactly when the two name different
// documents (the oracle: the manifest's texts and their SHA-256, computed
// here), and otherwise never BAD_REQUEST.
func TestDocumentIDAndHashNameOneDocument(t *testing.T) {
	path := filepath.Join("testdata", "trusted", "codegen.json")
	td, err := graph.LoadTrustedDocuments(path)
	if err != nil {
		t.Fatal(err)
	}
	e := startEditorialHubWith(t, map[string]string{"HUB_TRUSTED_DOCUMENTS": path})
	var queries []string // ids of two query documents
	for _, id := range td.IDs() {
		if doc, _ := td.Lookup(id); strings.HasPrefix(doc, "query") && len(queries) < 2 {
			queries = append(queries, id)
		}
	}
	if len(queries) < 2 {
		t.Fatal("the manifest has fewer than two queries")
	}
	docOf := func(id string) string { d, _ := td.Lookup(id); return d }
	ids := []string{"", queries[0], queries[1], "no-such-id"}
	hashes := []string{"", queries[0], queries[1], sha256Hex(docOf(queries[0])), sha256Hex(docOf(queries[1])), sha256Hex("{ __typename }")}
	refused := 0
	for _, id := range ids {
		for _, h := range hashes {
			// The oracle: what each names, as text.
			names := func(x string) string {
				if d, ok := td.Lookup(x); ok {
					return d
				}
				for _, q := range queries {
					if sha256Hex(docOf(q)) == x {
						return docOf(q)
					}
				}
				return "?" + x
			}
			conflict := id != "" && h != "" && h != id && names(id) != names(h)
			fields := map[string]any{}
			if id != "" {
				fields["documentId"] = id
			}
			if h != "" {
				fields["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}
			}
			body, _ := json.Marshal(fields)
			post := doWith(t, http.MethodPost, e.url+"/graphql", "application/json", map[string]string{"Authorization": "Bearer " + e.editor}, body)
			v := url.Values{}
			if id != "" {
				v.Set("documentId", id)
			}
			if h != "" {
				b, _ := json.Marshal(fields["extensions"])
				v.Set("extensions", string(b))
			}
			get := doWith(t, http.MethodGet, e.url+"/graphql?"+v.Encode(), "", map[string]string{"Authorization": "Bearer " + e.editor}, nil)
			for door, r := range map[string]*gqlResponse{"POST": post, "GET": get} {
				if id == "" && h == "" {
					continue // no query at all: BAD_REQUEST for that reason
				}
				got := r.status == http.StatusBadRequest && r.code() == "BAD_REQUEST"
				if got != conflict {
					t.Errorf("%s documentId %q, sha256Hash %q: %d %+v, conflict %v", door, id, h, r.status, r.Errors, conflict)
				}
			}
			if conflict {
				refused++
			}
		}
	}
	if refused == 0 {
		t.Error("no combination names two documents")
	}
}
