package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaFileMatchesIntrospection: GET /schema.graphql describes the
// schema that introspection of GET /graphql shows, as graphql-js sees them
// (the oracle: buildClientSchema on graphql-js's own introspection query,
// buildSchema on the file): no breaking or dangerous change in either
// direction, and printSchema of the two (sorted) is the same text,
// descriptions, directives and deprecations included.
func TestSchemaFileMatchesIntrospection(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: this test needs Node 18+ (apt-get install nodejs)")
	}
	h, _ := startFixtureHub(t)
	q, err := exec.Command("node", "testdata/node/schema-agree.js", "query").Output()
	if err != nil {
		t.Fatal(err)
	}
	var query string
	if err := json.Unmarshal(q, &query); err != nil {
		t.Fatal(err)
	}
	r := post(t, h.url, query, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("introspection: %+v", r.Errors)
	}
	intro, _ := json.Marshal(map[string]any{"data": r.Data})
	status, _, sdl := getWith(t, h.url+"/schema.graphql", nil)
	if status != http.StatusOK {
		t.Fatalf("/schema.graphql: %d", status)
	}
	dir := t.TempDir()
	introF, sdlF := filepath.Join(dir, "introspection.json"), filepath.Join(dir, "schema.graphql")
	os.WriteFile(introF, intro, 0o644)
	os.WriteFile(sdlF, []byte(sdl), 0o644)
	cmd := exec.Command("node", "testdata/node/schema-agree.js", introF, sdlF)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("schema-agree.js: %v", err)
	}
	var res struct {
		Introspection, SDL string
		Changes            []map[string]string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Changes {
		t.Errorf("%s %s change: %s (%s)", c["direction"], c["kind"], c["description"], c["type"])
	}
	if res.Introspection != res.SDL {
		a, b := strings.Split(res.Introspection, "\n"), strings.Split(res.SDL, "\n")
		for i := 0; i < max(len(a), len(b)); i++ {
			var x, y string
			if i < len(a) {
				x = a[i]
			}
			if i < len(b) {
				y = b[i]
			}
			if x != y {
				t.Errorf("printSchema differs from line %d:\nintrospection: %q\n/schema.graphql: %q", i+1, x, y)
				break
			}
		}
	}
}
