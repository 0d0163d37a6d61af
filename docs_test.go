package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"
)

// TestReadmeListsEveryErrorCode keeps README.md's table of error codes true:
// every code the hub can put in extensions.code (domain codes, request-end
// codes, limits, and the HTTP layer's refusals) has a row, and every row
// names a code the hub can give.
func TestReadmeListsEveryErrorCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "### Error codes")
	if !ok {
		t.Fatal("README.md has no Error codes section")
	}
	table, _, _ = strings.Cut(table, "\n#")
	documented := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 3 {
			for _, c := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(cells[1], -1) {
				documented[c[1]] = true
			}
		}
	}

	given := map[string]bool{errcode.ParseFailed: true, errcode.ValidationFailed: true}
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`writeError\(w, [^,]+, "([A-Z_]+)"`),               // HTTP layer
		regexp.MustCompile(`"code": "([A-Z_]+)"`),                             // request ended, internal
		regexp.MustCompile(`content\.E[A-Z]+: +"([A-Z_]+)"`),                  // domain codes
		regexp.MustCompile(`(?:limitCode = |RegisterErrorType\()"([A-Z_]+)"`), // limits
	}
	files, _ := filepath.Glob("graph/*.go")
	more, _ := filepath.Glob("internal/httpapi/*.go")
	for _, f := range append(files, more...) {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "generated.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range patterns {
			for _, m := range p.FindAllStringSubmatch(string(src), -1) {
				given[m[1]] = true
			}
		}
	}
	if len(given) < 15 {
		t.Fatalf("found only %d codes in the source (%v): the patterns no longer match it", len(given), given)
	}
	for code := range given {
		if !documented[code] {
			t.Errorf("README.md's Error codes table does not list %s", code)
		}
	}
	for code := range documented {
		if !given[code] {
			t.Errorf("README.md's Error codes table lists %s, which the hub never gives", code)
		}
	}
}
