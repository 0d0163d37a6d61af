package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guidancehub/internal/testdb"
)

func TestReadAPI(t *testing.T) {
	h, _ := startFixtureHub(t)

	r := post(t, h.url, `{
	  resource(slug: "register-without-id") {
	    id kind status title summary bodyHTML language url publishedAt lastReviewedAt nextReviewDue revision
	    topics { slug name count } audiences nations
	    sources { title publisher url }
	    related { slug kind }
	    translations { slug language bodyHTML }
	    translationOf { slug }
	    withdrawal { reason }
	    ... on GuidanceDocument { appliesTo actions }
	  }
	}`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	res := path(r.Data, "resource")
	checks := map[string]any{
		"kind": "GUIDANCE", "status": "PUBLISHED", "language": "en", "publishedAt": "2025-03-01",
		"url": "https://hub.example.org/resources/register-without-id", "appliesTo": "GP practices in England",
	}
	for k, want := range checks {
		if got := path(res, k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if got := path(res, "bodyHTML").(string); !strings.HasPrefix(got, `<div lang="en"><h1>Registering without ID</h1>`) || !strings.Contains(got, "<strong>no</strong>") {
		t.Errorf("bodyHTML = %s", got)
	}
	if got := path(res, "topics", 0); path(got, "slug") != "gp-registration" || path(got, "count") != float64(3) {
		t.Errorf("topic = %v, want gp-registration counted 3 times (draft left out)", got)
	}
	if got := path(res, "related"); len(got.([]any)) != 2 || path(got, 0, "slug") != "barriers-brief" || path(got, 1, "kind") != "POLICY_POSITION" {
		t.Errorf("related = %v, want the brief and the position in file order", got)
	}
	if got := path(res, "translations", 0); path(got, "language") != "ar" || !strings.HasPrefix(path(got, "bodyHTML").(string), `<div lang="ar" dir="rtl">`) {
		t.Errorf("translation = %v, want Arabic with dir=rtl", got)
	}
	if path(res, "withdrawal") != nil || path(res, "translationOf") != nil {
		t.Errorf("withdrawal/translationOf should be null: %v", res)
	}

	// The global id fetches the same resource; the translation points back.
	id := path(res, "id").(string)
	r = post(t, h.url, `query($id: ID!) { node(id: $id) { id ... on Resource { slug } } ar: resource(slug: "register-without-id-ar") { translationOf { slug } } }`, map[string]any{"id": id})
	if path(r.Data, "node", "slug") != "register-without-id" || path(r.Data, "ar", "translationOf", "slug") != "register-without-id" {
		t.Errorf("node/translationOf = %v %v", r.Data, r.Errors)
	}

	// Kind-specific fields.
	r = post(t, h.url, `{ b: resource(slug: "barriers-brief") { ... on ResearchBrief { methods sampleSize period keyFindings } }
	  p: resource(slug: "free-care-for-all") { ... on PolicyPosition { recommendations rationale campaign } } }`, nil)
	if path(r.Data, "b", "sampleSize") != float64(1000) || path(r.Data, "p", "campaign") != "Patients not passports" {
		t.Errorf("kind fields = %v %v", r.Data, r.Errors)
	}

	// Drafts are invisible everywhere.
	r = post(t, h.url, `{ resource(slug: "unpublished-position") { title } resources(first: 100) { totalCount edges { node { slug } } } topics { slug count } }`, nil)
	if path(r.Data, "resource") != nil {
		t.Errorf("draft visible by slug: %v", path(r.Data, "resource"))
	}
	if n := path(r.Data, "resources", "totalCount"); n != float64(5) {
		t.Errorf("totalCount = %v, want 5 published (translations included, draft left out)", n)
	}
	for _, topic := range path(r.Data, "topics").([]any) {
		if path(topic, "slug") == "data-sharing" && path(topic, "count") != float64(0) {
			t.Errorf("data-sharing count = %v: the draft was counted", path(topic, "count"))
		}
	}
	if strings.Contains(mustJSON(r.Data), "unpublished-position") {
		t.Error("draft slug leaked into a list")
	}

	// Each resource's url has a public page; drafts have none.
	code, page := getText(t, h.url+"/resources/register-without-id")
	if code != 200 || !strings.Contains(page, `>Registering a patient without ID</h1>`) || !strings.Contains(page, `<div lang="en">`) ||
		!strings.Contains(page, "<strong>no</strong>") || !strings.Contains(page, "Patient registration standard operating principles") {
		t.Errorf("resource page = %d:\n%s", code, page)
	}
	if code, page := getText(t, h.url+"/resources/register-without-id-ar"); code != 200 || !strings.Contains(page, `<h1 class="nhsuk-heading-xl" lang="ar" dir="rtl">`) || !strings.Contains(page, `<div lang="ar" dir="rtl">`) {
		t.Errorf("Arabic page = %d, want lang=ar dir=rtl", code)
	}
	for _, slug := range []string{"unpublished-position", "no-such-thing", "..%2Fetc", "UPPER"} {
		if code, _ := getText(t, h.url+"/resources/"+slug); code != 404 {
			t.Errorf("page %q = %d, want 404", slug, code)
		}
	}
	if code, page := getText(t, h.url+"/resources/hostile-body"); code != 200 || strings.Contains(strings.ToLower(strings.ReplaceAll(page, `<script type="module" src="/assets/hub.js"></script>`, "")), "<script") || strings.Contains(page, "javascript:") {
		t.Errorf("hostile page = %d:\n%s", code, page)
	}

	// Hostile Markdown comes out harmless.
	r = post(t, h.url, `{ resource(slug: "hostile-body") { bodyHTML } }`, nil)
	html := strings.ToLower(path(r.Data, "resource", "bodyHTML").(string))
	for _, bad := range []string{"<script", "onerror", "onclick", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("bodyHTML kept %q: %s", bad, html)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestListFiltersAndPagination(t *testing.T) {
	h, _ := startFixtureHub(t)
	q := `query($f: ResourceFilter, $o: ResourceOrder, $first: Int, $after: String) {
	  resources(filter: $f, orderBy: $o, first: $first, after: $after) {
	    totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	slugs := func(r *gqlResponse) []string {
		var out []string
		for _, e := range path(r.Data, "resources", "edges").([]any) {
			out = append(out, path(e, "node", "slug").(string))
		}
		return out
	}
	tests := []struct {
		name string
		vars map[string]any
		want string
	}{
		{"default newest first", nil, "register-without-id-ar,register-without-id,barriers-brief,free-care-for-all,hostile-body"},
		{"kinds OR", map[string]any{"f": map[string]any{"kinds": []string{"RESEARCH_BRIEF", "POLICY_POSITION"}}}, "barriers-brief,free-care-for-all"},
		{"kind AND topic", map[string]any{"f": map[string]any{"kinds": []string{"GUIDANCE"}, "topics": []string{"interpreting"}}}, "hostile-body"},
		{"language", map[string]any{"f": map[string]any{"languages": []string{"ar"}}}, "register-without-id-ar"},
		{"audience", map[string]any{"f": map[string]any{"audiences": []string{"PUBLIC_HEALTH"}}}, "barriers-brief"},
		{"nation", map[string]any{"f": map[string]any{"nations": []string{"WALES"}}}, "hostile-body"},
		{"dates", map[string]any{"f": map[string]any{"publishedAfter": "2025-01-01", "publishedBefore": "2025-02-28"}}, "barriers-brief,free-care-for-all"},
		{"title", map[string]any{"o": map[string]any{"field": "TITLE", "direction": "ASC"}}, "hostile-body,barriers-brief,free-care-for-all,register-without-id,register-without-id-ar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, h.url, q, tt.vars)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			if got := strings.Join(slugs(r), ","); got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
			if n := path(r.Data, "resources", "totalCount"); n != float64(len(strings.Split(tt.want, ","))) {
				t.Errorf("totalCount = %v", n)
			}
		})
	}

	// Two pages of two and a last page of one, with a stable order.
	var got []string
	var after any
	for i := 0; i < 5; i++ {
		r := post(t, h.url, q, map[string]any{"first": 2, "after": after})
		got = append(got, slugs(r)...)
		pi := path(r.Data, "resources", "pageInfo")
		if path(pi, "hasPreviousPage") != (i > 0) {
			t.Errorf("page %d hasPreviousPage = %v", i, path(pi, "hasPreviousPage"))
		}
		edges := path(r.Data, "resources", "edges").([]any)
		if path(pi, "endCursor") != path(edges[len(edges)-1], "cursor") {
			t.Errorf("endCursor is not the last edge's cursor")
		}
		if path(pi, "hasNextPage") == false {
			break
		}
		after = path(pi, "endCursor")
	}
	if strings.Join(got, ",") != tests[0].want {
		t.Errorf("paged = %v", got)
	}
	// An empty page still has a non-null pageInfo.
	r := post(t, h.url, q, map[string]any{"f": map[string]any{"languages": []string{"fr"}}})
	if pi := path(r.Data, "resources", "pageInfo"); pi == nil || path(pi, "hasNextPage") != false || path(pi, "endCursor") != nil {
		t.Errorf("empty pageInfo = %v", pi)
	}
}

func TestWithdrawnResourceKeepsItsNotice(t *testing.T) {
	h, dir := startFixtureHub(t)
	if err := os.Remove(filepath.Join(dir, "barriers-brief.md")); err != nil {
		t.Fatal(err)
	}
	// Other files still relate to it: those files fail and stay as they
	// were, and so does the brief, which they still link to (breaker5 F16:
	// no withdrawal leaves a published link to a withdrawn resource).
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"import", "--prune", dir}, &out, &errOut, env(map[string]string{"DATABASE_URL": dsnFromLogs(t, h)}), nil)
	if code != 1 || strings.Contains(out.String(), "withdrawn") || !strings.Contains(errOut.String(), `no resource with slug "barriers-brief"`) ||
		!strings.Contains(errOut.String(), "barriers-brief is not withdrawn: published resources still link to it (free-care-for-all, register-without-id)") {
		t.Fatalf("import --prune: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if st := path(post(t, h.url, `{ resource(slug: "barriers-brief") { status } }`, nil).Data, "resource", "status"); st != "PUBLISHED" {
		t.Fatalf("refused withdrawal: status %v", st)
	}
	// The links removed too: the brief is withdrawn.
	for _, f := range []string{"free-care-for-all.md", "register-without-id.md"} {
		p := filepath.Join(dir, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte("related: [barriers-brief]\n"), nil, 1)
		b = bytes.Replace(b, []byte("related: [barriers-brief, "), []byte("related: ["), 1)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"import", "--prune", dir}, &out, &errOut, env(map[string]string{"DATABASE_URL": dsnFromLogs(t, h)}), nil)
	if code != 0 || !strings.Contains(out.String(), "withdrawn barriers-brief") {
		t.Fatalf("import --prune with the links removed: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	r := post(t, h.url, `{ resource(slug: "barriers-brief") { id title status summary body bodyHTML publishedAt withdrawal { reason withdrawnAt } ... on ResearchBrief { keyFindings methods } }
	  resources(first: 100) { totalCount } topics { slug count } }`, nil)
	res := path(r.Data, "resource")
	if path(res, "status") != "WITHDRAWN" || path(res, "title") != "Barriers to GP registration" || path(res, "publishedAt") != "2025-02-01" {
		t.Errorf("withdrawn notice = %v", res)
	}
	for _, f := range []string{"summary", "body", "bodyHTML", "methods"} {
		if path(res, f) != nil {
			t.Errorf("withdrawn %s = %v, want null", f, path(res, f))
		}
	}
	if len(path(res, "keyFindings").([]any)) != 0 {
		t.Errorf("withdrawn keyFindings = %v, want empty", path(res, "keyFindings"))
	}
	if path(res, "withdrawal", "reason") == nil || path(res, "withdrawal", "withdrawnAt") == nil {
		t.Errorf("withdrawal = %v", path(res, "withdrawal"))
	}
	if n := path(r.Data, "resources", "totalCount"); n != float64(4) {
		t.Errorf("totalCount = %v, want 4", n)
	}
	if code, page := getText(t, h.url+"/resources/barriers-brief"); code != 410 || !strings.Contains(page, "has been withdrawn") || strings.Contains(page, "Findings in brief") {
		t.Errorf("withdrawn page = %d:\n%s", code, page)
	}
	// By id too.
	r = post(t, h.url, `query($id: ID!) { node(id: $id) { ... on Resource { status summary } } }`, map[string]any{"id": path(res, "id")})
	if path(r.Data, "node", "status") != "WITHDRAWN" || path(r.Data, "node", "summary") != nil {
		t.Errorf("node of withdrawn = %v", r.Data)
	}
}

func TestBadInputs(t *testing.T) {
	// A longer request timeout: validating the 2,000-token document
	// (gqlparser's overlapping-fields rule is quadratic) takes about 7 s
	// under -race on a busy 2-core machine, and this test is about the
	// limits, not the time (TestRequestTimeoutReachesTheStores is).
	h := startHub(t, map[string]string{"DATABASE_URL": testdb.DSN(t), "HUB_RESOURCES_DIR": copyFixtures(t), "HUB_REQUEST_TIMEOUT": "60s"})
	deep := func(n int) string { // resource{translationOf{...{slug}}} nested to depth n
		return `{ resource(slug: "register-without-id-ar") ` + strings.Repeat("{ translationOf ", n-2) + `{ slug }` + strings.Repeat(" }", n-2) + ` }`
	}
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ topics {")
		for i := 0; i < n; i++ {
			b.WriteString(" a" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": slug")
		}
		return b.String() + " } }"
	}
	roots := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			b.WriteString(" r" + string(rune('a'+i)) + ": resource(slug: \"x\") { slug }")
		}
		return b.String() + " }"
	}
	tests := []struct {
		name       string
		method     string
		ctype      string
		body       []byte
		query      string
		wantStatus int
		wantCode   string
	}{
		{"first above 100", "POST", "", nil, `{ resources(first: 101) { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"negative first", "POST", "", nil, `{ resources(first: -1) { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"forged cursor", "POST", "", nil, `{ resources(after: "bm90IGEgY3Vyc29y") { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"cursor of another order", "POST", "", nil, `{ resources(orderBy: {field: TITLE}, after: "eyJmIjoiUFVCTElTSEVEX0FUIiwiZCI6IkRFU0MiLCJrIjoiMjAyNS0wMS0wMSIsImkiOjF9") { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"bad global id", "POST", "", nil, `{ node(id: "not-an-id") { id } }`, 200, "INVALID_ARGUMENT"},
		{"unknown topic", "POST", "", nil, `{ resources(filter: {topics: ["astrology"]}) { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"bad language", "POST", "", nil, `{ resources(filter: {languages: ["<script>"]}) { totalCount } }`, 200, "INVALID_ARGUMENT"},
		{"bad date", "POST", "", nil, `{ resources(filter: {publishedAfter: "yesterday"}) { totalCount } }`, 200, "INVALID_ARGUMENT"},
		// With application/json, well-formed requests are answered 200 with
		// the errors in the body (GraphQL over HTTP); see the
		// graphql-response+json loop below for 400.
		{"unknown enum", "POST", "", nil, `{ resources(filter: {kinds: [LEAFLET]}) { totalCount } }`, 200, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown field", "POST", "", nil, `{ resources { nope } }`, 200, "GRAPHQL_VALIDATION_FAILED"},
		{"parse error", "POST", "", nil, `{ resources(`, 200, "GRAPHQL_PARSE_FAILED"},
		{"depth 9", "POST", "", nil, deep(9), 200, "LIMIT_EXCEEDED"},
		{"aliases 16", "POST", "", nil, aliases(16), 200, "LIMIT_EXCEEDED"},
		{"root fields 11", "POST", "", nil, roots(11), 200, "LIMIT_EXCEEDED"},
		{"nested lists at 100", "POST", "", nil, `{ resources(first: 100) { edges { node { related { related { slug title summary } } } } } }`, 200, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"over 2000 tokens", "POST", "", nil, "{ " + strings.Repeat("__typename ", 2001) + "}", 200, "GRAPHQL_PARSE_FAILED"},
		{"batch", "POST", "application/json", []byte(`[{"query":"{ topics { slug } }"},{"query":"{ topics { slug } }"}]`), "", 400, "BATCH_NOT_SUPPORTED"},
		{"missing query", "POST", "application/json", []byte(`{"variables":{}}`), "", 400, "BAD_REQUEST"},
		{"query not a string", "POST", "application/json", []byte(`{"query":42}`), "", 400, "BAD_REQUEST"},
		{"malformed JSON", "POST", "application/json", []byte(`{"query": `), "", 400, ""},
		{"text/plain", "POST", "text/plain", []byte(`{"query":"{ topics { slug } }"}`), "", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"no content type", "POST", "none", []byte(`{"query":"{ topics { slug } }"}`), "", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"body over 64 KiB", "POST", "application/json", []byte(`{"query":"{ topics { slug } }","x":"` + strings.Repeat("a", 70<<10) + `"}`), "", 413, "REQUEST_TOO_LARGE"},
		{"PUT", "PUT", "application/json", []byte(`{}`), "", 405, "METHOD_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body, _ = json.Marshal(map[string]any{"query": tt.query})
			}
			ctype := tt.ctype
			switch ctype {
			case "":
				ctype = "application/json"
			case "none":
				ctype = ""
			}
			r := do(t, tt.method, h.url+"/graphql", ctype, body)
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d (%+v)", r.status, tt.wantStatus, r.Errors)
			}
			if tt.wantCode != "" && r.code() != tt.wantCode {
				t.Errorf("code = %q, want %q (%+v)", r.code(), tt.wantCode, r.Errors)
			}
			if tt.wantCode != "" && tt.wantCode != "INVALID_ARGUMENT" && r.Data != nil && len(r.Data) > 0 {
				t.Errorf("refused request returned data: %v", r.Data)
			}
			for _, e := range r.Errors {
				for _, leak := range []string{"SQL", "pgx", "pq:", "goroutine", ".go:"} {
					if strings.Contains(e.Message, leak) {
						t.Errorf("error leaks %q: %s", leak, e.Message)
					}
				}
			}
		})
	}

	// Each limit at N passes.
	for name, q := range map[string]string{
		"depth 8":        deep(8),
		"aliases 15":     aliases(15),
		"root fields 10": roots(10),
		"page of 100": `{ resources(first: 100) { totalCount edges { cursor node { id slug kind status title summary body bodyHTML
		  audiences nations language url publishedAt updatedAt lastReviewedAt nextReviewDue revision
		  topics { slug name count } related { slug title summary } translations { slug language } sources { title publisher url doi date } } }
		  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
		"2000 tokens":   "{ " + strings.Repeat("__typename ", 1997) + "}",
		"introspection": introspectionQuery,
	} {
		t.Run("at limit "+name, func(t *testing.T) {
			if r := post(t, h.url, q, nil); len(r.Errors) > 0 || r.status != 200 {
				t.Errorf("status %d errors %+v", r.status, r.Errors)
			}
		})
	}

	// With Accept: application/graphql-response+json, requests that fail to
	// parse or validate are 400, with that media type.
	for _, q := range []string{`{ resources { nope } }`, `{ resources(`, deep(9), aliases(16), roots(11), "{ " + strings.Repeat("__typename ", 2001) + "}"} {
		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequest("POST", h.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/graphql-response+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/graphql-response+json") {
			t.Errorf("graphql-response+json %.40q: status %d type %q, want 400", q, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	for accept, want := range map[string]int{"application/graphql-response+json": 200, "application/json": 200, "*/*": 200, "text/html": 406, "application/json;q=0": 406} {
		req, _ := http.NewRequest("POST", h.url+"/graphql", strings.NewReader(`{"query":"{ topics { slug } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Accept %q: status %d, want %d", accept, resp.StatusCode, want)
		}
	}

	// A mutation over GET is refused from its operation type, before
	// validation; a document whose operation is not selected (two
	// operations, no operationName) is answered as POST answers it
	// (GraphQL over HTTP: 405 only for a mutation selected; breaker5 F33).
	for q, mutation := range map[string]bool{"mutation { publishResource(id: 1) { id } }": true, "query A { topics { slug } } mutation B { x }": false} {
		resp, err := http.Get(h.url + "/graphql?query=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if mutation && (resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST") {
			t.Errorf("GET %q: status %d Allow %q, want 405 POST", q, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if !mutation {
			body, _ := json.Marshal(map[string]any{"query": q})
			pr, err := http.Post(h.url+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			pr.Body.Close()
			if resp.StatusCode == 405 || resp.StatusCode != pr.StatusCode {
				t.Errorf("GET %q: status %d, POST %d; want POST's answer", q, resp.StatusCode, pr.StatusCode)
			}
		}
	}
	r := do(t, "GET", h.url+"/graphql?query="+url.QueryEscape(`{ resource(slug: "free-care-for-all") { title } }`), "", nil)
	if path(r.Data, "resource", "title") != "Free primary and emergency care for all" {
		t.Errorf("GET query = %v %v", r.Data, r.Errors)
	}
	// The bad inputs above changed nothing.
	if r := post(t, h.url, `{ resources { totalCount } }`, nil); path(r.Data, "resources", "totalCount") != float64(5) {
		t.Errorf("after bad inputs totalCount = %v", path(r.Data, "resources", "totalCount"))
	}
}

func TestProbesGraphiQLAndLogs(t *testing.T) {
	h, _ := startFixtureHub(t)
	get := func(p string) (int, string, http.Header) {
		resp, err := http.Get(h.url + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, body, _ := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body, _ := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	code, page, hdr := get("/graphiql")
	if code != 200 || !strings.Contains(page, `src="/graphiql/graphiql.min.js"`) || strings.Contains(page, "https://") {
		t.Errorf("/graphiql = %d, page loads from elsewhere or lacks its script:\n%s", code, page)
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("GraphiQL CSP = %q", hdr.Get("Content-Security-Policy"))
	}
	for _, asset := range []string{"/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/react.production.min.js", "/graphiql/react-dom.production.min.js", "/graphiql/init.js"} {
		if code, body, _ := get(asset); code != 200 || len(body) < 100 {
			t.Errorf("%s = %d, %d bytes", asset, code, len(body))
		}
	}
	// A search term in a query string never reaches the logs.
	get("/graphql?query=" + url.QueryEscape(`{ resource(slug: "secret-term-xyz") { title } }`))
	if code, body, _ := get("/metrics"); code != 200 || !strings.Contains(body, `hub_http_requests_total{code="200",route="graphql"}`) {
		t.Errorf("/metrics = %d, missing request counter", code)
	}
	if logs := h.logs.String(); strings.Contains(logs, "secret-term-xyz") || strings.Contains(logs, "127.0.0.1:") && strings.Contains(logs, "remote") {
		t.Errorf("logs carry a query string or client address:\n%s", logs)
	}
}

// introspectionQuery is the query GraphiQL sends at start-up.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func getText(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
