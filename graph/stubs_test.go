package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoResolverStubs: gqlgen writes a resolver that panics "not
// implemented" when a bound Go type does not fit the schema (a string field
// for a typed enum, say); the build passes and the field answers INTERNAL.
// No such stub may be committed.
func TestNoResolverStubs(t *testing.T) {
	files, _ := filepath.Glob("*.resolvers.go")
	if len(files) == 0 {
		t.Fatal("no resolver files found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `panic(fmt.Errorf("not implemented`) {
				t.Errorf("%s:%d: generated stub: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
