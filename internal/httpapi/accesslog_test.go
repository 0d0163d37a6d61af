package httpapi_test

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"guidancehub/internal/config"
	"guidancehub/internal/httpapi"
)

// TestAccessLogSetting: HUB_ACCESS_LOG as the hub reads it, through the real
// handler: on logs each request, off none, sample:N one in N of the
// successful ones and every server error; no line carries the query string.
func TestAccessLogSetting(t *testing.T) {
	for _, tt := range []struct {
		setting    string
		ok, errors int // requests answered 200 and 500
		want       int // access-log lines
	}{
		{"on", 25, 3, 28},
		{"off", 25, 3, 0},
		{"sample:1", 25, 3, 28},
		{"sample:10", 25, 0, 3}, // requests 1, 11, 21
		{"sample:10", 20, 4, 6}, // 1 and 11 of the 200s (counted among all), and every 500
		{"sample:7", 70, 0, 10},
		{"sample:1000", 5, 0, 1}, // the first request is always logged
	} {
		t.Run(fmt.Sprintf("%s/%d+%d", tt.setting, tt.ok, tt.errors), func(t *testing.T) {
			cfg, err := config.Load(newFlagSet(), nil, func(k string) string {
				if k == "HUB_ACCESS_LOG" {
					return tt.setting
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			h := httpapi.New(httpapi.Options{Logger: log, AccessLogEvery: cfg.AccessLogEvery,
				Rates: map[string]httpapi.Rate{"anonymous": {PerSecond: 1e6, Burst: 1e6}},
				Pages: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/boom" {
						http.Error(w, "boom", http.StatusInternalServerError)
						return
					}
					w.Write([]byte("page"))
				})})
			send := func(path string, code int) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != code {
					t.Fatalf("%s: %d, want %d", path, rec.Code, code)
				}
			}
			for i := 0; i < tt.ok+tt.errors; i++ {
				// The 500s come last so the sample's count runs over the 200s first.
				if i < tt.ok {
					send("/page?q=secret+words", http.StatusOK)
				} else {
					send("/boom", http.StatusInternalServerError)
				}
			}
			lines := strings.Count(buf.String(), "msg=http ")
			if lines != tt.want {
				t.Errorf("%d access-log lines, want %d:\n%s", lines, tt.want, buf.String())
			}
			if strings.Contains(buf.String(), "secret") {
				t.Errorf("the access log carries the query string:\n%s", buf.String())
			}
			if tt.errors > 0 && tt.want > 0 && strings.Count(buf.String(), "status=500") != tt.errors {
				t.Errorf("not every server error was logged:\n%s", buf.String())
			}
		})
	}
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("hub", flag.ContinueOnError) }
