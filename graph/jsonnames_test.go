package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// jsonObject is an open object of CheckJSONNames: the names read so far
// (a slice while there are few, then a set) and whether a name comes next.
type jsonObjectBefore struct {
	names    []string
	set      map[string]bool
	wantName bool
}

// seen reports whether name was read before, and records it.
func (o *jsonObjectBefore) seen(name string) bool {
	if o.set == nil {
		if slices.Contains(o.names, name) {
			return true
		}
		o.names = append(o.names, name)
		if len(o.names) > 16 {
			o.set = make(map[string]bool, 2*len(o.names))
			for _, n := range o.names {
				o.set[n] = true
			}
		}
		return false
	}
	if o.set[name] {
		return true
	}
	o.set[name] = true
	return false
}

// checkJSONNamesBefore is CheckJSONNames as it was before it stopped
// allocating (commit 0f3d465), kept as the oracle of TestCheckJSONNamesAgrees.
// It refuses JSON text in which one object has the same member
// name twice (compared after unescaping, exactly): RFC 8259 section 4 says
// the behaviour of software receiving such an object is unpredictable, and
// I-JSON (RFC 7493 section 2.3) forbids it. encoding/json keeps the last, so
// {"query": A, "query": B} ran B while another reader may see A. Text that
// is not valid JSON passes: the decoder reports it.
func checkJSONNamesBefore(b []byte) error {
	var stack []jsonObjectBefore
	var isObject []bool // per open bracket: an object?
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, jsonObjectBefore{wantName: true})
			isObject = append(isObject, true)
		case '[':
			isObject = append(isObject, false)
		case '}', ']':
			if len(isObject) == 0 {
				return nil
			}
			if isObject[len(isObject)-1] {
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
				name := string(b[i+1 : end])
				if escaped && json.Unmarshal(b[i:end+1], &name) != nil {
					return nil
				}
				if o.seen(name) {
					return fmt.Errorf("has the member %q twice in one object", clip(name))
				}
			}
			i = end
		}
	}
	return nil
}

// duplicateNames is the oracle for valid JSON: encoding/json's tokens,
// with each object's names unescaped by the decoder.
func duplicateNames(b []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		names  []string
		key    bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false
		} else if err != nil {
			panic(err)
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].key = true
				}
				stack = append(stack, frame{object: d == '{', key: true})
			default:
				stack = stack[:top]
			}
			continue
		}
		if top >= 0 && stack[top].object {
			if stack[top].key {
				name := tok.(string)
				if slices.Contains(stack[top].names, name) {
					return name, true
				}
				stack[top].names = append(stack[top].names, name)
			}
			stack[top].key = !stack[top].key
		}
	}
}

// genJSON writes a random JSON value: objects with names drawn from a few
// (so repeats happen), spelled plainly or with \u escapes, nested objects
// and arrays, strings holding quotes, braces and backslashes.
func genJSON(r *rand.Rand, sb *strings.Builder, depth int) {
	names := []string{"query", "variables", "a", "b", "é", "x\"y", "q\\u0075ery", "k"}
	switch k := r.IntN(6); {
	case depth < 4 && k < 2:
		sb.WriteByte('{')
		n := r.IntN(22)
		if r.IntN(3) > 0 {
			n = r.IntN(5)
		}
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			if r.IntN(3) == 0 {
				fmt.Fprintf(sb, "\"n%d\"", r.IntN(40))
			} else {
				name := names[r.IntN(len(names))]
				if name == "x\"y" {
					name = `x\"y`
				}
				sb.WriteString(`"` + name + `"`)
			}
			sb.WriteString(" : ")
			genJSON(r, sb, depth+1)
		}
		sb.WriteByte('}')
	case depth < 4 && k < 4:
		sb.WriteByte('[')
		for i := range r.IntN(4) {
			if i > 0 {
				sb.WriteString(", ")
			}
			genJSON(r, sb, depth+1)
		}
		sb.WriteByte(']')
	case k == 4:
		sb.WriteString([]string{`"{\"a\":1,\"a\":2}"`, `"[}"`, `"\\"`, `"é\u00e9"`, `""`}[r.IntN(5)])
	default:
		sb.WriteString([]string{"1", "-2.5e3", "true", "null"}[r.IntN(4)])
	}
}

// TestCheckJSONNamesAgrees: the allocation-free CheckJSONNames answers as
// it did before on generated JSON, valid and damaged (cut, a byte changed,
// brackets swapped), and on valid JSON as encoding/json's tokens do.
func TestCheckJSONNamesAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 5))
	errText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	refused, valid := 0, 0
	for i := range 20000 {
		var sb strings.Builder
		genJSON(r, &sb, 0)
		b := []byte(sb.String())
		if i%2 == 1 && len(b) > 0 {
			switch r.IntN(3) {
			case 0:
				b = b[:r.IntN(len(b))]
			case 1:
				b[r.IntN(len(b))] = `{}[],"\:a`[r.IntN(9)]
			default:
				b = bytes.ReplaceAll(b, []byte("}"), []byte("]"))
			}
		}
		got, want := CheckJSONNames(b), checkJSONNamesBefore(b)
		if errText(got) != errText(want) {
			t.Fatalf("%s: got %v, before %v", b, got, want)
		}
		if got != nil {
			refused++
		}
		if json.Valid(b) {
			valid++
			name, dup := duplicateNames(b)
			if dup != (got != nil) || (dup && !strings.Contains(got.Error(), fmt.Sprintf("%q", clip(name)))) {
				t.Fatalf("%s: got %v, encoding/json's tokens: %q twice %v", b, got, name, dup)
			}
		}
	}
	// The generator must reach both answers, and valid text.
	if refused < 2000 || refused > 18000 || valid < 5000 {
		t.Fatalf("%d refused, %d valid of 20000: the generator needs tuning", refused, valid)
	}
	t.Logf("%d refused, %d valid of 20000", refused, valid)
}

func TestCheckJSONNamesDoesNotAllocate(t *testing.T) {
	body := []byte(`{"query":"query ResourceBySlug($slug: String!) { resource(slug: $slug) { slug kind title } }","variables":{"slug":"a-b"},"operationName":null,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`)
	if n := testing.AllocsPerRun(100, func() { CheckJSONNames(body) }); n != 0 {
		t.Errorf("%v allocations per check", n)
	}
}
