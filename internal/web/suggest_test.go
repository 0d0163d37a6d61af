package web_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"guidancehub/internal/apierror"
)

// TestSuggestAnswersJSONErrors: the completions endpoint is JSON, so its
// errors are too, in the API's shape ({"errors":[{"message","extensions":
// {"code","field"}}]}) with a code from the API's table and the status the
// table gives it. The fresh-eyes example (q=%ff answered an HTML 400) and
// generated query strings over every way a parameter can be bad.
func TestSuggestAnswersJSONErrors(t *testing.T) {
	h := startHub(t).Handler
	type apiErr struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	check := func(target string, r response) (code string) {
		t.Helper()
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: %d Content-Type %q:\n%.300s", target, r.status, ct, r.body)
		}
		if r.status == 200 {
			var out []map[string]string
			if err := json.Unmarshal([]byte(r.body), &out); err != nil {
				t.Fatalf("%s: 200 with %q: %v", target, r.body, err)
			}
			return ""
		}
		var e apiErr
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || len(e.Errors) != 1 || e.Errors[0].Message == "" {
			t.Fatalf("%s: %d body %q is not one API error", target, r.status, r.body)
		}
		code, _ = e.Errors[0].Extensions["code"].(string)
		row, ok := apierror.Lookup(code)
		if !ok || row.Status != r.status {
			t.Fatalf("%s: %d with code %q (table: %+v)", target, r.status, code, row)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: error with Cache-Control %q", target, cc)
		}
		return code
	}
	r := get(t, h, "/search/suggest?q=%ff")
	if code := check("q=%ff", r); r.status != 400 || code != apierror.BadRequest || !strings.Contains(r.body, `"field":"q"`) {
		t.Errorf("q=%%ff: %d %s", r.status, r.body)
	}
	r = get(t, h, "/search/suggest?q="+strings.Repeat("a", 257))
	if code := check("long q", r); code != apierror.InvalidArgument || !strings.Contains(r.body, `"field":"q"`) {
		t.Errorf("257 characters: %d %s", r.status, r.body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/search/suggest?q=re", nil))
	if code := check("POST", response{rec.Code, rec.Header(), rec.Body.String()}); code != apierror.MethodNotAllowed || rec.Header().Get("Allow") == "" {
		t.Errorf("POST: %d %s", rec.Code, rec.Body)
	}
	rng := rand.New(rand.NewPCG(5, 8))
	codes := map[string]int{}
	for range 300 {
		raw := genSearchQuery(rng)
		if rng.IntN(2) == 0 {
			raw = "q=" + []string{"re", "%ff", "%00", "%zz", "a%e2%80%ae", "يمك", "%C0%AF"}[rng.IntN(7)] + "&" + raw
		}
		codes[check(raw, get(t, h, "/search/suggest?"+raw))]++
	}
	if codes[""] == 0 || codes[apierror.BadRequest] == 0 {
		t.Errorf("generated cases reached only %v", codes)
	}
}
