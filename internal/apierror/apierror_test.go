package apierror

import (
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"

	"guidancehub/internal/content"
)

// TestTable: every domain code has exactly one row, client codes are
// unique, gqlgen's own codes are spelt as gqlgen spells them, and every
// row travels somehow (in a response or with a status).
func TestTable(t *testing.T) {
	domains := []string{content.EINVALID, content.ENOTFOUND, content.ECONFLICT, content.EUNAUTHORIZED, content.EFORBIDDEN, content.EUNAVAILABLE, content.EEXPIRED, content.EINTERNAL}
	for _, d := range domains {
		n := 0
		for _, c := range Codes {
			if c.Domain == d {
				n++
			}
		}
		if n != 1 {
			t.Errorf("domain code %s has %d rows, want 1", d, n)
		}
	}
	seen := map[string]bool{}
	for _, c := range Codes {
		if seen[c.Client] {
			t.Errorf("client code %s appears twice", c.Client)
		}
		seen[c.Client] = true
		if !c.InResponse && c.Status == 0 {
			t.Errorf("%s: neither in a response nor with a status", c.Client)
		}
		if c.Meaning == "" {
			t.Errorf("%s: no meaning", c.Client)
		}
	}
	if ParseFailed != errcode.ParseFailed || ValidationFailed != errcode.ValidationFailed {
		t.Errorf("gqlgen's codes are %s and %s", errcode.ParseFailed, errcode.ValidationFailed)
	}
	if got := ClientCode("no such code"); got != Internal {
		t.Errorf("ClientCode(unknown) = %s, want %s", got, Internal)
	}
}
