package config

import (
	"flag"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func load(env map[string]string) (*Config, error) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, nil, func(k string) string { return env[k] })
}

// TestEveryMalformedSettingStopsTheHub (breaker3 F18: HUB_ADDR with port
// 99999 went on to initdb): for every setting the hub checks, each
// malformed value makes Load fail with an error naming the setting, before
// anything starts; the defaults and the well-formed values load.
func TestEveryMalformedSettingStopsTheHub(t *testing.T) {
	if _, err := load(nil); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := map[string]struct{ bad, good []string }{
		"HUB_ADDR": {
			bad:  []string{"127.0.0.1:99999", "127.0.0.1:65536", ":-1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:8o80", "127.0.0.1", "localhost:123456", "[::1]:70000", "127.0.0.1:+80", "127.0.0.1: 80"},
			good: []string{"127.0.0.1:0", "127.0.0.1:65535", ":8080", "[::1]:8080", "localhost:1"},
		},
		"HUB_PUBLIC_URL": {
			bad:  []string{"ftp://example.org", "example.org", "http://", "http://example.org:99999", "https://example.org:http", "http://h:-1"},
			good: []string{"https://hub.example.org", "http://127.0.0.1:65535/", "https://example.org/hub"},
		},
		"HUB_CORS_ORIGINS":          {bad: []string{"*", "example.org", "https://example.org/path", "ftp://x.org"}, good: []string{"https://a.org, https://b.org/"}},
		"HUB_REQUEST_TIMEOUT":       {bad: []string{"10", "-1s", "0s", "ten seconds"}, good: []string{"250ms", "1m"}},
		"HUB_WEBHOOK_ALLOW_PRIVATE": {bad: []string{"yes", "1", "TRUE"}, good: []string{"true", "false"}},
		"HUB_ACCESS_LOG":            {bad: []string{"sample:0", "sample:x", "sometimes", "sample:-2"}, good: []string{"on", "off", "sample:10"}},
		"HUB_LOG_FORMAT":            {bad: []string{"xml", "JSON "}, good: []string{"json", "text"}},
		"HUB_SEARCH_PHRASE_PAIRS":   {bad: []string{"true", "ON", "yes", "1"}, good: []string{"on", "off"}},
		"HUB_MAX_DEPTH":             {bad: []string{"0", "-3", "eight", "1.5"}, good: []string{"3"}},
		"HUB_MAX_ALIASES":           {bad: []string{"0", "x"}, good: []string{"1"}},
		"HUB_MAX_ROOT_FIELDS":       {bad: []string{"0", "x"}, good: []string{"1"}},
		"HUB_MAX_COMPLEXITY":        {bad: []string{"0", "x"}, good: []string{"1"}},
		"HUB_MAX_TOKENS":            {bad: []string{"0", "x"}, good: []string{"1"}},
	}
	for env, c := range cases {
		for _, v := range c.bad {
			_, err := load(map[string]string{env: v})
			if err == nil || !strings.Contains(err.Error(), env) {
				t.Errorf("%s=%q: error %v, want one naming %s", env, v, err, env)
			}
		}
		for _, v := range c.good {
			if _, err := load(map[string]string{env: v}); err != nil {
				t.Errorf("%s=%q: %v", env, v, err)
			}
		}
	}
	// Every port from 0 to 65535 is one, and the first numbers past it are not.
	for p := 0; p <= 65535+100; p += 1 + p/7 {
		ok := validPort(strconv.Itoa(p))
		if ok != (p <= 65535) {
			t.Errorf("port %d: valid %v", p, ok)
		}
	}
}

// TestPublicURLMakesWorkingLinks is breaker5 F20: HUB_PUBLIC_URL
// 'http://example.org/path?x#y' was accepted, and every resource's url
// became ".../path?x#y/resources/slug" (the path inside the fragment).
// Generated bases (schemes, hosts, ports, paths, queries, fragments, user
// information): Load accepts a base exactly when the link the hub makes
// from it (base + "/resources/slug") parses back to an http(s) URL on the
// base's host whose path ends in /resources/slug, with no query, fragment
// or user information (the oracle: net/url, as a browser reads the link).
func TestPublicURLMakesWorkingLinks(t *testing.T) {
	parts := [][]string{
		{"http://", "https://", "ftp://", ""},
		{"hub.example.org", "127.0.0.1", "user:pw@hub.example.org", "me@hub.example.org", ""},
		{"", ":8080", ":99999"},
		{"", "/", "/guidance", "/a/b/"},
		{"", "?", "?x=1", "?x"},
		{"", "#", "#y", "#y/z"},
	}
	var bases []string
	var gen func(i int, s string)
	gen = func(i int, s string) {
		if i == len(parts) {
			bases = append(bases, s)
			return
		}
		for _, p := range parts[i] {
			gen(i+1, s+p)
		}
	}
	gen(0, "")
	for _, base := range bases {
		if base == "" {
			continue // unset: the default
		}
		cfg, err := load(map[string]string{"HUB_PUBLIC_URL": base})
		works := false
		if b, err := url.Parse(base); err == nil && b.Host != "" {
			link, err := url.Parse(strings.TrimRight(base, "/") + "/resources/some-slug")
			works = err == nil && (link.Scheme == "http" || link.Scheme == "https") && link.Host == b.Host &&
				strings.HasSuffix(link.Path, "/resources/some-slug") && link.RawQuery == "" && !link.ForceQuery &&
				link.Fragment == "" && link.User == nil && (link.Port() == "" || validPort(link.Port()))
		}
		if works != (err == nil) {
			t.Errorf("HUB_PUBLIC_URL=%q: load error %v, but its links work: %v", base, err, works)
		}
		if err == nil && cfg.PublicURL+"/resources/some-slug" != strings.TrimRight(base, "/")+"/resources/some-slug" {
			t.Errorf("HUB_PUBLIC_URL=%q: base %q", base, cfg.PublicURL)
		}
		if err != nil && !strings.Contains(err.Error(), "HUB_PUBLIC_URL") {
			t.Errorf("HUB_PUBLIC_URL=%q: error %v does not name the setting", base, err)
		}
	}
	for _, h := range []string{"Bad Header", "X-Forwarded-For:", "x\u00e9", "a\tb"} {
		if _, err := load(map[string]string{"HUB_CLIENT_IP_HEADER": h}); err == nil || !strings.Contains(err.Error(), "HUB_CLIENT_IP_HEADER") {
			t.Errorf("HUB_CLIENT_IP_HEADER=%q: %v, want an error naming it", h, err)
		}
	}
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "CF-Connecting-IP"} {
		if _, err := load(map[string]string{"HUB_CLIENT_IP_HEADER": h}); err != nil {
			t.Errorf("HUB_CLIENT_IP_HEADER=%q: %v", h, err)
		}
	}
}
