package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"guidancehub/internal/apierror"
)

// decodeRequestBodyBefore is decodeRequestBody as it was before valid
// bodies were split by ParseRequestBody (commit 46950ff), the oracle of
// TestDecodeRequestBodyAgrees.
func decodeRequestBodyBefore(body []byte) (RequestBody, error) {
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

// decodeObjectBefore is decodeObject as it was before flatObject (commit
// 46950ff), an oracle of TestDecodeRequestBodyAgrees.
func decodeObjectBefore(name string, raw []byte, dst *map[string]any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		*dst = map[string]any{}
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

// GenRequestBody writes a random GraphQL request body: members of every
// name a request has, others, names in other cases or spelled with \u
// escapes, values of every JSON type (strings with escapes, blank ones,
// bytes that are not UTF-8; objects holding persistedQuery; numbers,
// booleans, null), white space between tokens; top-level values that are
// not objects; and, when damaged, cut, a byte changed or text appended.
func GenRequestBody(r *rand.Rand, damaged bool) []byte {
	ws := func() string { return []string{"", "", " ", "\n\t ", "\r\n"}[r.IntN(5)] }
	names := []string{"query", "operationName", "variables", "extensions", "documentId", "doc_id",
		"Query", `qu\u0065ry`, `\u0071uery`, `doc\u005fid`, "other", "QUERY", `extension\u0073`}
	str := func() string {
		return []string{`"{__typename}"`, `"query Q { resource(slug: \"a\") { slug } }"`, `"  "`, `""`, `"\n\t"`,
			`"\u0020"`, `"\u007b__typename}"`, `"é€😀"`, "\"\xff{x}\"", `"Q"`, `"a\\b"`, `"\ud83d\ude00"`}[r.IntN(12)]
	}
	var value func(depth int) string
	value = func(depth int) string {
		if depth == 0 && r.IntN(4) == 0 { // variables as clients send them: flat
			var b strings.Builder
			b.WriteString("{" + ws())
			for i := range r.IntN(5) {
				if i > 0 {
					b.WriteString("," + ws())
				}
				b.WriteString([]string{`"slug"`, `"n"`, `"first"`, `"after"`, `"é"`}[r.IntN(5)] + ws() + ":" + ws())
				b.WriteString([]string{`"a-b"`, `""`, `"é€"`, "\"\xff\"", `"a\nb"`, `12`, `-0.5e2`, `true`, `false`, `null`, `[1]`}[r.IntN(11)])
			}
			return b.String() + ws() + "}"
		}
		switch k := r.IntN(10); {
		case k < 4:
			return str()
		case k < 6 && depth < 3:
			var b strings.Builder
			b.WriteString("{" + ws())
			for i := range r.IntN(4) {
				if i > 0 {
					b.WriteString("," + ws())
				}
				n := []string{`"persistedQuery"`, `"version"`, `"sha256Hash"`, `"slug"`, `"persisted\u0051uery"`, `"n"`}[r.IntN(6)]
				b.WriteString(n + ws() + ":" + ws() + value(depth+1))
			}
			return b.String() + ws() + "}"
		case k < 7 && depth < 3:
			return "[" + ws() + value(depth+1) + ws() + "," + value(depth+1) + "]"
		default:
			return []string{"null", "1", "-0.5e2", "true", "false", "12345678901234567890"}[r.IntN(6)]
		}
	}
	var b strings.Builder
	switch r.IntN(12) {
	case 0:
		b.WriteString(ws() + value(0) + ws())
	default:
		b.WriteString(ws() + "{" + ws())
		used := map[string]bool{}
		for i := range r.IntN(6) {
			n := names[r.IntN(len(names))]
			if used[n] {
				continue // CheckJSONNames refuses repeats before either reads the body
			}
			used[n] = true
			if i > 0 && b.Len() > 0 && !strings.HasSuffix(strings.TrimSpace(b.String()), "{") {
				b.WriteString("," + ws())
			}
			b.WriteString(`"` + n + `"` + ws() + ":" + ws() + value(0) + ws())
		}
		b.WriteString("}" + ws())
	}
	out := []byte(b.String())
	if damaged && len(out) > 0 {
		switch r.IntN(4) {
		case 0:
			out = out[:r.IntN(len(out))]
		case 1:
			out[r.IntN(len(out))] = `{}[],":\ax`[r.IntN(10)]
		case 2:
			out = append(out, []string{" ]", " }", " x", "{}", " 1"}[r.IntN(5)]...)
		default:
			out = append([]byte{`[ "`[r.IntN(3)]}, out...)
		}
	}
	return out
}

// TestDecodeRequestBodyAgrees: decodeRequestBody (valid JSON split by
// ParseRequestBody) gives the members and errors it gave before, over
// generated bodies, valid and damaged; decodeString decodes each member
// as json.Unmarshal does.
func TestDecodeRequestBodyAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 7))
	objects, flatObjects := 0, 0
	for i := range 30000 {
		b := GenRequestBody(r, i%3 == 2)
		if CheckJSONNames(b) != nil {
			continue
		}
		got, gotErr := decodeRequestBody(b)
		want, wantErr := decodeRequestBodyBefore(b)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: error %v, before %v", b, gotErr, wantErr)
		}
		if gotErr != nil {
			continue
		}
		objects++
		members := [][2]json.RawMessage{{got.Query, want.Query}, {got.OperationName, want.OperationName},
			{got.Variables, want.Variables}, {got.Extensions, want.Extensions}, {got.DocumentID, want.DocumentID}, {got.DocID, want.DocID}}
		for _, m := range members {
			if (m[0] == nil) != (m[1] == nil) || !bytes.Equal(m[0], m[1]) {
				t.Fatalf("%s: member %q, before %q", b, m[0], m[1])
			}
			var gs, ws string
			gErr, wErr := decodeString(m[0], &gs), json.Unmarshal(m[1], &ws)
			if gs != ws || (gErr == nil) != (wErr == nil) {
				t.Fatalf("%s: decodeString(%s) = %q, %v; json.Unmarshal %q, %v", b, m[0], gs, gErr, ws, wErr)
			}
			if len(m[0]) > 0 && m[0][0] == '"' && JSONString(m[0]) != ws {
				t.Fatalf("JSONString(%s) = %q, json.Unmarshal %q", m[0], JSONString(m[0]), ws)
			}
		}
		for _, raw := range []json.RawMessage{got.Variables, got.Extensions} {
			var gm, wm map[string]any
			gErr, wErr := decodeObject("variables", raw, &gm), decodeObjectBefore("variables", raw, &wm)
			if fmt.Sprint(gErr) != fmt.Sprint(wErr) || !reflect.DeepEqual(gm, wm) {
				t.Fatalf("decodeObject(%s) = %#v, %v; before %#v, %v", raw, gm, gErr, wm, wErr)
			}
			if _, flat := flatObject(raw); flat {
				flatObjects++
			}
		}
		if got.Extensions != nil && got.Extensions[0] == '{' {
			var ext map[string]json.RawMessage
			json.Unmarshal(got.Extensions, &ext)
			raw, ok := JSONMember(got.Extensions, "persistedQuery")
			if wantRaw, wantOK := ext["persistedQuery"]; ok != wantOK || !bytes.Equal(raw, wantRaw) {
				t.Fatalf("JSONMember(%s, persistedQuery) = %s %v, encoding/json %s %v", got.Extensions, raw, ok, wantRaw, wantOK)
			}
		}
	}
	if objects < 10000 || flatObjects < 1000 {
		t.Fatalf("%d of 30,000 bodies were objects, %d members flat objects: the generator needs tuning", objects, flatObjects)
	}
}

// BenchmarkParseRequestBody reports what splitting a lookup's body costs
// (allocations: 0 without the race detector, which instruments them; an
// allocation count is a measurement, so it is a benchmark, not a test that
// fails under -race as make test runs it).
func BenchmarkParseRequestBody(b *testing.B) {
	body := []byte(`{"query":"query ResourceBySlug($slug: String!) { resource(slug: $slug) { slug kind title } }","variables":{"slug":"a-b"},"operationName":null,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseRequestBody(body)
	}
}

// checkPOSTBodyBefore is the HTTP layer's check of a POST body as it was
// before CheckPOSTBody (internal/httpapi, commit 46950ff), the oracle of
// TestCheckPOSTBodyAgrees.
func checkPOSTBodyBefore(body []byte) (code, msg string) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return apierror.BadRequest, "the request body is not valid JSON"
	}
	var req struct{ Query, Extensions, DocumentID, DocID any }
	for name, dst := range map[string]*any{"query": &req.Query, "extensions": &req.Extensions, "documentId": &req.DocumentID, "doc_id": &req.DocID} {
		if raw, ok := members[name]; ok {
			json.Unmarshal(raw, dst)
		}
	}
	ext, isObject := req.Extensions.(map[string]any)
	byID := (req.Extensions != nil && !isObject) || ext["persistedQuery"] != nil || req.DocumentID != nil || req.DocID != nil
	if q, ok := req.Query.(string); (!ok || strings.TrimSpace(q) == "") && !(req.Query == nil && byID) {
		return apierror.BadRequest, "the request has no query"
	}
	return "", ""
}

// TestCheckPOSTBodyAgrees: the HTTP layer's check of a POST body answers
// as it did when it decoded the body into maps, over generated bodies
// (those CheckJSONNames lets through, as in the handler).
func TestCheckPOSTBodyAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 8))
	answers := map[string]int{}
	for i := range 30000 {
		b := GenRequestBody(r, i%3 == 2)
		if CheckJSONNames(b) != nil {
			continue
		}
		code, msg := CheckPOSTBody(b)
		wantCode, wantMsg := checkPOSTBodyBefore(b)
		if code != wantCode || msg != wantMsg {
			t.Fatalf("%s: %s %q, before %s %q", b, code, msg, wantCode, wantMsg)
		}
		answers[msg]++
	}
	if len(answers) != 3 || answers[""] < 3000 || answers["the request has no query"] < 3000 {
		t.Fatalf("answers %v: the generator needs tuning", answers)
	}
	t.Logf("answers %v", answers)
}
