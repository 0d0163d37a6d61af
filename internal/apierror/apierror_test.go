package apierror

import (
	"errors"
	"math"
	"net/http/httptest"
	"testing"
	"time"

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

// TestRetrySeconds: whole seconds rounded up, at least 1 (RFC 9110
// 10.2.3 delay-seconds), over durations around each boundary.
func TestRetrySeconds(t *testing.T) {
	for s := range 100 {
		for _, d := range []time.Duration{time.Duration(s) * time.Second, time.Duration(s)*time.Second + 1, time.Duration(s)*time.Second - 1} {
			want := int(math.Ceil(d.Seconds()))
			if want < 1 {
				want = 1
			}
			if got := RetrySeconds(d); got != want {
				t.Fatalf("RetrySeconds(%v) = %d, want %d", d, got, want)
			}
		}
	}
}

// TestWriteEveryCode: Write gives every code with an HTTP status that
// status and the one body shape; a domain error keeps its field and
// retry time; an error that is not a domain error shows nothing of itself.
func TestWriteEveryCode(t *testing.T) {
	for _, c := range Codes {
		if c.Status == 0 {
			continue
		}
		rec := httptest.NewRecorder()
		Write(rec, Error{Code: c.Client, Message: "m <&>", Field: "f", RetryAfter: 1500 * time.Millisecond})
		if rec.Code != c.Status || rec.Header().Get("Retry-After") != "2" || rec.Header().Get("Cache-Control") != "no-store" ||
			rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%s: %d %v", c.Client, rec.Code, rec.Header())
		}
		want := `{"errors":[{"message":"m <&>","extensions":{"code":"` + c.Client + `","field":"f","retryAfter":2}}]}` + "\n"
		if rec.Body.String() != want {
			t.Errorf("%s: body %s, want %s", c.Client, rec.Body, want)
		}
	}
	if e := FromDomain("", content.Unavailable(0, "index rebuilding")); e.Code != Unavailable || RetrySeconds(e.RetryAfter) != 1 {
		t.Errorf("unavailable: %+v", e)
	}
	if e := FromDomain("", content.FieldErrorf("q", "too long")); e.Code != InvalidArgument || e.Field != "q" || e.Message != "q: too long" {
		t.Errorf("invalid: %+v", e)
	}
	if e := FromDomain("", errors.New("pq: relation secret_table")); e.Code != Internal || e.Message != "internal error" {
		t.Errorf("internal: %+v", e)
	}
}
