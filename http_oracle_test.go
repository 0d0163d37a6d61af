package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAcceptAgreesWithNegotiator: breaker3 F5, "Accept:
// application/json;q=0, */*" was answered as application/json, the one type
// the client refused (RFC 9110 12.5.1: the most specific range decides a
// type's quality, q=0 means not acceptable). Then 400 generated Accept
// values (types, wildcards, */json, charset parameters, qualities, in any
// order) against the negotiator package (Express's content negotiation,
// testdata/node/negotiate.js): the hub answers the type it prefers, or 406
// NOT_ACCEPTABLE when it finds neither acceptable.
func TestAcceptAgreesWithNegotiator(t *testing.T) {
	h, _ := startFixtureHub(t)
	u := h.url + "/graphql?query=%7B__typename%7D"
	if s, hdr, b := getWith(t, u, map[string]string{"Accept": "application/json;q=0, */*;q=1"}); s != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/graphql-response+json") {
		t.Errorf("breaker3's example: %d %q %s", s, hdr.Get("Content-Type"), b)
	}

	rng := rand.New(rand.NewPCG(5, 2026))
	ranges := []string{"application/json", "application/graphql-response+json", "application/*", "*/*", "*/json",
		"text/html", "application/xml", "application/json;charset=utf-8", "application/json;charset=UTF-8",
		"application/json;charset=latin1", "application/graphql-response+json;charset=utf-8", "application/json;foo=bar",
		"multipart/mixed"}
	qs := []string{"", "", "", ";q=0", ";q=0.0", ";q=0.001", ";q=0.5", ";q=0.9", ";q=1", ";q=1.0"}
	accepts := make([]string, 400)
	for i := range accepts {
		parts := make([]string, rng.IntN(4)+1)
		for k := range parts {
			parts[k] = ranges[rng.IntN(len(ranges))] + qs[rng.IntN(len(qs))]
		}
		accepts[i] = strings.Join(parts, ", ")
	}
	want := nodeOracle[*string](t, "negotiate.js", accepts)
	outcomes := map[string]int{}
	for i, accept := range accepts {
		s, hdr, b := getWith(t, u, map[string]string{"Accept": accept})
		got := "406"
		if s != http.StatusNotAcceptable {
			got = hdr.Get("Content-Type")
		} else if !strings.Contains(b, `"NOT_ACCEPTABLE"`) {
			t.Errorf("Accept %q: 406 without the code: %s", accept, b)
		}
		w := "406"
		if want[i] != nil {
			w = *want[i]
		}
		outcomes[w]++
		if got != w {
			t.Errorf("Accept %q: hub %s (%d), negotiator %s", accept, got, s, w)
		}
	}
	if len(outcomes) < 3 || slices.Min([]int{outcomes["406"], outcomes["application/json; charset=utf-8"], outcomes["application/graphql-response+json; charset=utf-8"]}) < 40 {
		t.Errorf("the generated headers reach too few outcomes: %v", outcomes)
	}
}

// nodeOracle runs testdata/node/SCRIPT on the JSON of in and decodes its
// JSON answer, one item per input.
func nodeOracle[T any](t *testing.T, script string, in any) []T {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: this test needs Node 18+ (apt-get install nodejs)")
	}
	f := filepath.Join(t.TempDir(), "in.json")
	b, _ := json.Marshal(in)
	os.WriteFile(f, b, 0o644)
	cmd := exec.Command("node", filepath.Join("testdata/node", script), f)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	var res []T
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return res
}

// TestRequestMembersAreMatchedExactly: breaker3 F4. encoding/json matched
// the body's member names without regard to case and kept the last of two
// alike, so {"qUeRy": …} ran, "QUERY" overrode "query" and
// "OperationName" chose the operation: a proxy or allow-list reading the
// JSON saw another request than the hub ran. GraphQL over HTTP names the
// members query, operationName, variables, extensions (JSON names are
// case-sensitive, RFC 8259 8.3); a name twice in one object is refused (RFC
// 8259 4: unpredictable; I-JSON, RFC 7493 2.3: must not). The oracle is
// those rules applied to 400 generated bodies whose members are exact
// names, other spellings (cases, \u escapes that spell the exact name or
// not) and repeats, each query member a different document, so the answer
// shows which one ran.
func TestRequestMembersAreMatchedExactly(t *testing.T) {
	h, _ := startFixtureHub(t)
	send := func(body string) (int, *gqlResponse, string) {
		s, _, b := roundTrip(t, http.MethodPost, h.url+"/graphql", map[string]string{"Content-Type": "application/json"}, []byte(body))
		var r gqlResponse
		json.Unmarshal(b, &r)
		return s, &r, string(b)
	}
	for _, c := range []struct{ body, want string }{
		{`{"qUeRy":"{__typename}"}`, "no query"},
		{`{"query":"{topics{slug}}","QUERY":"{nosuch}"}`, "ran topics"},
		{`{"query":"query A{topics{slug}} query B{__typename}","OperationName":"B"}`, "several operations"},
		{`{"query":"{a: __typename}","query":"{b: __typename}"}`, "twice"},
		{`{"query":"{a: __typename}","qu\u0065ry":"{b: __typename}"}`, "twice"},
		{`{"query":"query($n: Int){resources(first:$n){totalCount}}","variables":{"n":1,"n":2}}`, "twice"},
	} {
		s, r, b := send(c.body)
		ok := false
		switch c.want {
		case "no query":
			ok = s == 400 && r.code() == "BAD_REQUEST" && strings.Contains(b, "no query")
		case "ran topics":
			ok = s == 200 && r.Data["topics"] != nil && len(r.Errors) == 0
		case "several operations":
			ok = r.code() == "GRAPHQL_VALIDATION_FAILED" && strings.Contains(b, "several operations")
		case "twice":
			ok = s == 400 && r.code() == "BAD_REQUEST" && strings.Contains(b, "twice")
		}
		if !ok {
			t.Errorf("%s: %d %s, want %s", c.body, s, b, c.want)
		}
	}

	type member struct {
		raw   string // the name as written in JSON, quotes included
		exact string // the name it decodes to
	}
	queryNames := []member{{`"query"`, "query"}, {`"query"`, "query"}, {`"Query"`, "Query"}, {`"QUERY"`, "QUERY"}, {`"qUeRy"`, "qUeRy"},
		{`"qu\u0065ry"`, "query"}, {`"\u0051uery"`, "Query"}, {`"query "`, "query "}}
	opNames := []member{{`"operationName"`, "operationName"}, {`"operationName"`, "operationName"}, {`"operationN\u0061me"`, "operationName"},
		{`"OperationName"`, "OperationName"}, {`"operationname"`, "operationname"}}
	varNames := []member{{`"variables"`, "variables"}, {`"Variables"`, "Variables"}}
	rng := rand.New(rand.NewPCG(6, 2026))
	counts := map[string]int{}
	for n := 0; n < 400; n++ {
		var members []string
		names := map[string]int{}
		ran := "" // the alias of the exact query member's document
		opGiven, dupVars := false, false
		for k := rng.IntN(3) + 1; k > 0; k-- {
			m := queryNames[rng.IntN(len(queryNames))]
			alias := fmt.Sprintf("m%d", len(members))
			members = append(members, fmt.Sprintf(`%s:"{ %s: __typename }"`, m.raw, alias))
			names[m.exact]++
			if m.exact == "query" {
				ran = alias
			}
		}
		if rng.IntN(2) == 0 {
			m := opNames[rng.IntN(len(opNames))]
			members = append(members, m.raw+`:"X"`)
			names[m.exact]++
			opGiven = opGiven || m.exact == "operationName"
		}
		if rng.IntN(3) == 0 {
			m := varNames[rng.IntN(len(varNames))]
			v := `{"a":1,"b":2}`
			if rng.IntN(2) == 0 {
				v = `{"a":1,"a":2}`
				dupVars = true
			}
			members = append(members, m.raw+":"+v)
			names[m.exact]++
		}
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		body := "{" + strings.Join(members, ",") + "}"
		dup := dupVars
		for _, c := range names {
			dup = dup || c > 1
		}
		s, r, b := send(body)
		var want string
		var ok bool
		switch {
		case dup:
			want, ok = "refused: a name twice", s == 400 && r.code() == "BAD_REQUEST" && strings.Contains(b, "twice")
		case names["query"] == 0:
			want, ok = "refused: no query", s == 400 && r.code() == "BAD_REQUEST" && strings.Contains(b, "no query")
		case opGiven:
			want, ok = "operation X not found", r.code() == "GRAPHQL_VALIDATION_FAILED" && strings.Contains(r.Errors[0].Message, `"X"`)
		default:
			want, ok = "ran "+ran, s == 200 && len(r.Errors) == 0 && len(r.Data) == 1 && r.Data[ran] == "Query"
		}
		counts[strings.Fields(want)[0]]++
		if !ok {
			t.Errorf("%s: %d %s, want %s", body, s, b, want)
		}
	}
	for _, k := range []string{"refused:", "operation", "ran"} {
		if counts[k] < 30 {
			t.Errorf("the generated bodies reach too few outcomes: %v", counts)
		}
	}
}

// TestGraphQLMethodsAgree: breaker3 F6, OPTIONS /graphql said "Allow:
// OPTIONS, GET, POST" (gqlgen's OPTIONS transport, with 200) while a 405
// said "Allow: GET, HEAD, POST". RFC 9110 10.2.1: Allow lists the methods
// the resource supports. The class: every method the OPTIONS answer lists
// is served (never 405), every other method (standard or not) is 405
// METHOD_NOT_ALLOWED with the very same Allow.
func TestGraphQLMethodsAgree(t *testing.T) {
	h, _ := startFixtureHub(t)
	s, hdr, b := roundTrip(t, http.MethodOptions, h.url+"/graphql", nil, nil)
	allow := hdr.Get("Allow")
	if s != http.StatusNoContent || allow != "GET, HEAD, POST, OPTIONS" || len(b) != 0 {
		t.Fatalf("OPTIONS /graphql: %d Allow %q %s", s, allow, b)
	}
	listed := map[string]bool{}
	for _, m := range strings.Split(allow, ",") {
		listed[strings.TrimSpace(m)] = true
	}
	methods := []string{"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "MKCOL", "LINK", "QUERY", "FOO", "get", "Post"}
	for _, m := range methods {
		var body []byte
		hdrs := map[string]string{}
		if m == "POST" {
			body, hdrs["Content-Type"] = []byte(`{"query":"{__typename}"}`), "application/json"
		}
		u := h.url + "/graphql"
		if m == "GET" || m == "HEAD" {
			u += "?query=%7B__typename%7D"
		}
		s, hdr, b := roundTrip(t, m, u, hdrs, body)
		switch {
		case listed[m] && s == http.StatusMethodNotAllowed:
			t.Errorf("%s is in Allow but answered 405: %s", m, b)
		case !listed[m] && (s != http.StatusMethodNotAllowed || hdr.Get("Allow") != allow || !bytes.Contains(b, []byte(`"METHOD_NOT_ALLOWED"`))):
			t.Errorf("%s: %d Allow %q %s, want 405 METHOD_NOT_ALLOWED with Allow %q", m, s, hdr.Get("Allow"), b, allow)
		}
	}
}

// TestEncodedRequestBodyIsRefused: breaker3 F21, a gzip request body got
// 400 "not valid JSON". The hub reads bodies as sent: any content coding
// but identity, named in any case or in a list, is 415
// UNSUPPORTED_MEDIA_TYPE with Accept-Encoding: identity (RFC 9110 15.5.16,
// 12.5.3), whether or not the body really is compressed; identity or none
// is served.
func TestEncodedRequestBodyIsRefused(t *testing.T) {
	h, _ := startFixtureHub(t)
	plain := []byte(`{"query":"{__typename}"}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for _, c := range []struct {
		coding string
		served bool
	}{
		{"gzip", false}, {"GZIP", false}, {"x-gzip", false}, {"deflate", false}, {"br", false}, {"zstd", false},
		{"compress", false}, {"gzip, identity", false}, {"identity, gzip", false}, {"aes128gcm", false},
		{"", true}, {"identity", true}, {"Identity", true},
	} {
		for _, body := range [][]byte{gz.Bytes(), plain} {
			hdrs := map[string]string{"Content-Type": "application/json"}
			if c.coding != "" {
				hdrs["Content-Encoding"] = c.coding
			}
			s, hdr, b := roundTrip(t, http.MethodPost, h.url+"/graphql", hdrs, body)
			switch {
			case !c.served && (s != http.StatusUnsupportedMediaType || hdr.Get("Accept-Encoding") != "identity" || !bytes.Contains(b, []byte(`"UNSUPPORTED_MEDIA_TYPE"`))):
				t.Errorf("Content-Encoding %q: %d Accept-Encoding %q %s, want 415 UNSUPPORTED_MEDIA_TYPE", c.coding, s, hdr.Get("Accept-Encoding"), b)
			case c.served && bytes.Equal(body, plain) && (s != 200 || !bytes.Contains(b, []byte(`"__typename":"Query"`))):
				t.Errorf("Content-Encoding %q: %d %s, want served", c.coding, s, b)
			}
		}
	}
}
