package graph

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicsAreRecoveredAndHidden: a resolver that panics (here, a
// resolver wired without its store) answers "internal error" with code
// INTERNAL, logs the panic with its stack, and shows the client nothing of it.
func TestPanicsAreRecoveredAndHidden(t *testing.T) {
	var logs bytes.Buffer
	srv := NewServer(&Resolver{}, DefaultLimits, slog.New(slog.NewTextHandler(&logs, nil)))
	body, _ := json.Marshal(map[string]any{"query": `{ resources { totalCount } }`})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	var resp struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Message != "internal error" || resp.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Errorf("errors = %+v", resp.Errors)
	}
	if strings.Contains(w.Body.String(), "nil pointer") || strings.Contains(w.Body.String(), ".go:") {
		t.Errorf("the client sees panic details: %s", w.Body.String())
	}
	if !strings.Contains(logs.String(), "resolver panic") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the panic was not logged with its stack:\n%s", logs.String())
	}
}
