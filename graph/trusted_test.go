package graph

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"strings"
	"testing"
)

// TestTrustedDocumentsFormats reads the test manifests in each shape the
// build tools write (testdata/trusted at the repository root: relay-compiler's
// MD5 ids, GraphQL Code Generator's SHA-1 ids, Apollo's manifest with
// SHA-256 ids) and checks every id maps to the document listed under it,
// the ids being whatever the tool computed (opaque to the hub).
func TestTrustedDocumentsFormats(t *testing.T) {
	for _, c := range []struct {
		file string
		hash func() hash.Hash
	}{{"relay.json", md5.New}, {"codegen.json", sha1.New}, {"apollo.json", sha256.New}} {
		t.Run(c.file, func(t *testing.T) {
			td, err := LoadTrustedDocuments("../testdata/trusted/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			if td.Len() != 4 {
				t.Errorf("%d operations, want 4", td.Len())
			}
			for _, id := range td.IDs() {
				doc, _ := td.Lookup(id)
				h := c.hash()
				h.Write([]byte(doc))
				if got := hex.EncodeToString(h.Sum(nil)); got != id {
					t.Errorf("id %s lists a document whose hash is %s", id, got)
				}
			}
			if _, ok := td.Lookup("not-listed"); ok {
				t.Error("an unlisted id was found")
			}
		})
	}
}

// TestTrustedDocumentsRefused: each kind of bad manifest is refused with a
// message naming the entry, and nothing is loaded. The cases are generated
// from one good manifest by breaking one entry at a time (each entry in
// turn, in both shapes).
func TestTrustedDocumentsRefused(t *testing.T) {
	good := map[string]string{
		"a1": "query A { topics { slug } }",
		"b2": "query B($s: String!) { resource(slug: $s) { title } }",
		"c3": "{ completions(prefix: \"gp\") { title } }",
	}
	flat := func(pairs [][2]string) []byte {
		var parts []string
		for _, p := range pairs {
			k, _ := json.Marshal(p[0])
			v, _ := json.Marshal(p[1])
			parts = append(parts, string(k)+": "+string(v))
		}
		return []byte("{\n" + strings.Join(parts, ",\n") + "\n}")
	}
	apollo := func(pairs [][2]string) []byte {
		type op struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Type string `json:"type"`
			Body string `json:"body"`
		}
		m := struct {
			Format     string `json:"format"`
			Version    int    `json:"version"`
			Operations []op   `json:"operations"`
		}{Format: apolloManifestFormat, Version: 1}
		for _, p := range pairs {
			m.Operations = append(m.Operations, op{p[0], "Op" + p[0], "query", p[1]})
		}
		b, _ := json.Marshal(m)
		return b
	}
	ids := []string{"a1", "b2", "c3"}
	base := func() [][2]string {
		var out [][2]string
		for _, id := range ids {
			out = append(out, [2]string{id, good[id]})
		}
		return out
	}
	for shape, build := range map[string]func([][2]string) []byte{"flat": flat, "apollo": apollo} {
		if _, err := ParseTrustedDocuments(build(base())); err != nil {
			t.Fatalf("%s: the good manifest: %v", shape, err)
		}
		// The same id twice with the same text is one entry.
		if td, err := ParseTrustedDocuments(build(append(base(), [2]string{"a1", good["a1"]}))); err != nil || td.Len() != 3 {
			t.Errorf("%s: a repeated identical entry: %v", shape, err)
		}
		for i, id := range ids {
			breaks := map[string]struct {
				pairs [][2]string
				want  string
			}{
				"unknown field":    {replace(base(), i, good[id][:len(good[id])-4]+" nosuchfield } }"), "Cannot query field \"nosuchfield\""},
				"does not parse":   {replace(base(), i, "query {"), "does not validate"},
				"undefined var":    {replace(base(), i, "query X { resource(slug: $s) { title } }"), "Variable \"$s\" is not defined"},
				"no operation":     {replace(base(), i, "fragment F on Topic { slug }"), "does not validate"},
				"empty document":   {replace(base(), i, "  "), "an empty document"},
				"duplicate id":     {append(base(), [2]string{id, good[id] + " "}), "listed twice with different documents"},
				"wrong field type": {replace(base(), i, "{ resource(slug: 5) { title } }"), "does not validate"},
			}
			for name, b := range breaks {
				_, err := ParseTrustedDocuments(build(b.pairs))
				if err == nil {
					t.Errorf("%s, entry %s, %s: loaded", shape, id, name)
					continue
				}
				if !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), fmt.Sprintf("%q", id)) && !strings.Contains(err.Error(), "Op"+id) {
					t.Errorf("%s, entry %s, %s: %v; want it to say %q and name the entry", shape, id, name, err, b.want)
				}
			}
		}
	}
	for name, c := range map[string]struct{ text, want string }{
		"not JSON":            {"{\n \"a\": \"{ topics { slug } }\",\n oops\n}", "not valid JSON"},
		"an array":            {`["{ topics { slug } }"]`, "not a JSON object"},
		"a number document":   {`{"a": 5}`, `entry "a": the document is not a JSON string`},
		"empty id":            {`{"": "{ topics { slug } }"}`, "an empty id"},
		"no operations":       {`{}`, "lists no operations"},
		"apollo version 2":    {`{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "only version 1"},
		"apollo without body": {`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x", "name": "X"}]}`, "operation 0 (X): id and body must be strings"},
		"text after":          {`{"a": "{ topics { slug } }"} {}`, "text after the object"},
	} {
		if _, err := ParseTrustedDocuments([]byte(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	if _, err := LoadTrustedDocuments("testdata/no-such-manifest.json"); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
}

func replace(pairs [][2]string, i int, doc string) [][2]string {
	pairs[i][1] = doc
	return pairs
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
