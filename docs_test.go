package main

import (
	"os"
	"strings"
	"testing"

	"guidancehub/internal/apierror"
)

// TestReadmeListsEveryErrorCode keeps README.md's table of error codes
// equal to the one table the hub gives codes from (internal/apierror): the
// GraphQL presenter and the HTTP layer name codes only through it, and
// every end-to-end request (doWith) fails on a code the table lacks.
func TestReadmeListsEveryErrorCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Error codes")
	if !ok {
		t.Fatal("README.md has no Error codes section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	i := strings.Index(section, "| code |")
	if i < 0 {
		t.Fatal("README.md's Error codes section has no table")
	}
	got, _, _ := strings.Cut(section[i:], "\n\n")
	if want := strings.TrimSuffix(apierror.Markdown(), "\n"); strings.TrimSuffix(got, "\n") != want {
		t.Errorf("README.md's Error codes table differs from internal/apierror; it should read:\n%s", want)
	}
}
