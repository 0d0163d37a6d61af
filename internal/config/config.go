// Package config reads the hub's settings: each from an environment
// variable and a flag of the same meaning (the flag wins). Options is the
// single table of every setting; README's configuration table mirrors it.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Config is the hub's configuration.
type Config struct {
	DatabaseURL  string
	Addr         string
	DataDir      string
	ResourcesDir string
	PublicURL    string
	CORSOrigins  []string
	PGBinDir     string
	LogFormat    string
	// RateLimits is "who=rate/burst,…"; ClientIPHeader a trusted proxy header.
	RateLimits     string
	ClientIPHeader string
	// RequestTimeout bounds each request's work, down to PostgreSQL and Bleve.
	RequestTimeout time.Duration
	// WebhookAllowPrivate lets webhook endpoints be loopback, private or
	// link-local addresses.
	WebhookAllowPrivate    bool
	badWebhookAllowPrivate bool
	// AccessLogEvery is how many requests share one access-log line: 1
	// logs every request, N logs one in N (server errors always), -1 none.
	// 0 after Load means the setting was not understood.
	AccessLogEvery int
	// TrustedDocuments is the path of a trusted-documents manifest (id →
	// GraphQL document; graph.LoadTrustedDocuments reads it at start-up);
	// "" means none.
	TrustedDocuments string
	// IndexSnapshots is "auto", "on" or "off": whether the search index is
	// restored from and snapshotted to PostgreSQL (auto: on with
	// DATABASE_URL, off with the embedded cluster).
	IndexSnapshots string
	// PhrasePairs is "on" or "off": whether the search index marks every
	// two neighbouring words (search.Options.PhrasePairs).
	PhrasePairs string
	// SnapshotEvery and SnapshotChanges: a snapshot is written when the
	// newest is older than SnapshotEvery and the index moved since, or
	// SnapshotChanges public changes were made since it.
	SnapshotEvery   time.Duration
	SnapshotChanges int
	// Query limits (0: the built-in default).
	MaxDepth, MaxAliases, MaxRootFields, MaxComplexity, MaxTokens int
}

// Option is one setting.
type Option struct {
	Env, Flag, Default, Help string
	set                      func(c *Config, v string)
}

// Options lists every setting.
var Options = []Option{
	{"DATABASE_URL", "database-url", "", "PostgreSQL connection URL. Unset: run a private cluster under HUB_DATA_DIR.",
		func(c *Config, v string) { c.DatabaseURL = v }},
	{"HUB_ADDR", "addr", "127.0.0.1:8080", "Address to listen on.",
		func(c *Config, v string) { c.Addr = v }},
	{"HUB_DATA_DIR", "data-dir", "./data", "Directory for the search index and the embedded PostgreSQL cluster.",
		func(c *Config, v string) { c.DataDir = v }},
	{"HUB_RESOURCES_DIR", "resources-dir", "./resources", "Resource library imported (with --prune) at start-up.",
		func(c *Config, v string) { c.ResourcesDir = v }},
	{"HUB_PUBLIC_URL", "public-url", "", "Base of each resource's url. Default http://HUB_ADDR.",
		func(c *Config, v string) { c.PublicURL = v }},
	{"HUB_CORS_ORIGINS", "cors-origins", "", "Comma-separated origins allowed to call the API from browsers. Unset: none.",
		func(c *Config, v string) { c.CORSOrigins = splitList(v) }},
	{"HUB_PG_BINDIR", "pg-bindir", "", "Directory of initdb and pg_ctl for the embedded cluster. Default: PATH, then the newest /usr/lib/postgresql/*/bin.",
		func(c *Config, v string) { c.PGBinDir = v }},
	{"HUB_LOG_FORMAT", "log-format", "text", "Log format: text or json.",
		func(c *Config, v string) { c.LogFormat = v }},
	{"HUB_RATE_LIMITS", "rate-limits", "anonymous=20/100,partner=100/400,editor=50/200,admin=50/200",
		"Requests per second/burst per anonymous client IP and per token, by role.",
		func(c *Config, v string) { c.RateLimits = v }},
	{"HUB_CLIENT_IP_HEADER", "client-ip-header", "", "Header a trusted reverse proxy sets to the client address (e.g. X-Forwarded-For; its last entry is used). Unset: the peer address.",
		func(c *Config, v string) { c.ClientIPHeader = v }},
	{"HUB_REQUEST_TIMEOUT", "request-timeout", "10s", "Time one request may take, passed down to PostgreSQL queries and Bleve searches.",
		func(c *Config, v string) {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				d = -1
			}
			c.RequestTimeout = d
		}},
	{"HUB_WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "false", "Allow webhook endpoints on loopback, private and link-local addresses (checked on the address dialled): true or false.",
		func(c *Config, v string) {
			c.WebhookAllowPrivate, c.badWebhookAllowPrivate = v == "true", v != "true" && v != "false"
		}},
	{"HUB_ACCESS_LOG", "access-log", "on", "Access log: on, off, or sample:N (one request in N, and every server error).",
		func(c *Config, v string) { c.AccessLogEvery = accessLogEvery(v) }},
	{"HUB_TRUSTED_DOCUMENTS", "trusted-documents", "", "Trusted-documents manifest (JSON: id → document as relay-compiler or GraphQL Code Generator write it, or Apollo's persisted query manifest). Set: partner tokens may run only its operations, by id. Unset: no manifest.",
		func(c *Config, v string) { c.TrustedDocuments = v }},
	{"HUB_INDEX_SNAPSHOTS", "index-snapshots", "auto", "Search index snapshots in PostgreSQL, which a replica with no index restores and catches up from instead of rebuilding: on, off, or auto (on with DATABASE_URL, off with the embedded cluster).",
		func(c *Config, v string) { c.IndexSnapshots = v }},
	{"HUB_SEARCH_PHRASE_PAIRS", "search-phrase-pairs", "off", "Index every two neighbouring words as a term of its own, so that two-word phrases are found without reading word positions: on or off. On: searches of two words, and most at 100,000 resources, about twice as fast; the index about 1.4 times the size, about three times the CPU to build. Changing it rebuilds the index.",
		func(c *Config, v string) { c.PhrasePairs = v }},
	{"HUB_INDEX_SNAPSHOT_EVERY", "index-snapshot-every", "6h", "A replica writes a new index snapshot when the newest is older than this and the library changed since.",
		func(c *Config, v string) { c.SnapshotEvery = duration(v) }},
	{"HUB_INDEX_SNAPSHOT_CHANGES", "index-snapshot-changes", "2000", "… or when this many public changes were made since the newest (bounds a new replica's catch-up).",
		func(c *Config, v string) { c.SnapshotChanges = atoi(v) }},
	{"HUB_MAX_DEPTH", "max-depth", "8", "Deepest field nesting of a query (introspection is measured apart, up to 15).",
		func(c *Config, v string) { c.MaxDepth = atoi(v) }},
	{"HUB_MAX_ALIASES", "max-aliases", "15", "Most aliased fields in a query.",
		func(c *Config, v string) { c.MaxAliases = atoi(v) }},
	{"HUB_MAX_ROOT_FIELDS", "max-root-fields", "10", "Most top-level fields in a query.",
		func(c *Config, v string) { c.MaxRootFields = atoi(v) }},
	{"HUB_MAX_COMPLEXITY", "max-complexity", "25000", "Highest query cost (a page costs first × its items; other lists ten items).",
		func(c *Config, v string) { c.MaxComplexity = atoi(v) }},
	{"HUB_MAX_TOKENS", "max-tokens", "2000", "Most lexer tokens in a query document.",
		func(c *Config, v string) { c.MaxTokens = atoi(v) }},
}

// accessLogEvery reads HUB_ACCESS_LOG: on is 1, off is -1, sample:N is N
// (a whole number from 1); anything else is 0, which validate refuses.
func accessLogEvery(v string) int {
	switch v {
	case "on":
		return 1
	case "off":
		return -1
	}
	if n, ok := strings.CutPrefix(v, "sample:"); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 1 {
			return k
		}
	}
	return 0
}

// duration reads a positive duration; a bad value becomes -1, which
// validate refuses.
func duration(v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return -1
	}
	return d
}

// Snapshots reports whether index snapshots are on (HUB_INDEX_SNAPSHOTS).
func (c *Config) Snapshots() bool {
	return c.IndexSnapshots == "on" || c.IndexSnapshots == "auto" && c.DatabaseURL != ""
}

// atoi reads a limit; a bad value becomes -1, which validate refuses.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// Load reads the environment, then the flags in args, and validates.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	vals := make([]*string, len(Options))
	for i, o := range Options {
		v := o.Default
		if e := getenv(o.Env); e != "" {
			v = e
		}
		vals[i] = fs.String(o.Flag, v, o.Help+" ($"+o.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for i, o := range Options {
		o.set(c, strings.TrimSpace(*vals[i]))
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		return fmt.Errorf("HUB_ADDR %q: want host:port with a port from 0 to 65535", c.Addr)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Port() != "" && !validPort(u.Port())) {
		return fmt.Errorf("HUB_PUBLIC_URL %q: want an http(s) URL", c.PublicURL)
	}
	// Every public link is the base with /resources/slug appended: a
	// query or fragment would swallow the path, user information would
	// go into every link (breaker5 F20).
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(c.PublicURL, "#") || u.User != nil {
		return fmt.Errorf("HUB_PUBLIC_URL %q: want a base URL without a query (?), fragment (#) or user information (@), such as https://hub.example.org/guidance", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.ClientIPHeader != "" && !httpguts.ValidHeaderFieldName(c.ClientIPHeader) {
		return fmt.Errorf("HUB_CLIENT_IP_HEADER %q: not a header name (letters, digits and !#$%%&'*+-.^_`|~ only), so it could never be present", c.ClientIPHeader)
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			return fmt.Errorf("HUB_CORS_ORIGINS: name each origin; a wildcard is not allowed")
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("HUB_CORS_ORIGINS: %q is not an origin such as https://example.org", o)
		}
	}
	if c.RequestTimeout < 0 {
		return fmt.Errorf("HUB_REQUEST_TIMEOUT: want a duration such as 10s")
	}
	for name, n := range map[string]int{"HUB_MAX_DEPTH": c.MaxDepth, "HUB_MAX_ALIASES": c.MaxAliases, "HUB_MAX_ROOT_FIELDS": c.MaxRootFields,
		"HUB_MAX_COMPLEXITY": c.MaxComplexity, "HUB_MAX_TOKENS": c.MaxTokens} {
		if n < 0 {
			return fmt.Errorf("%s: want a positive whole number", name)
		}
	}
	if c.badWebhookAllowPrivate {
		return fmt.Errorf("HUB_WEBHOOK_ALLOW_PRIVATE: want true or false")
	}
	if c.PhrasePairs != "on" && c.PhrasePairs != "off" {
		return fmt.Errorf("HUB_SEARCH_PHRASE_PAIRS %q: want on or off", c.PhrasePairs)
	}
	if c.IndexSnapshots != "auto" && c.IndexSnapshots != "on" && c.IndexSnapshots != "off" {
		return fmt.Errorf("HUB_INDEX_SNAPSHOTS %q: want auto, on or off", c.IndexSnapshots)
	}
	if c.SnapshotEvery < 0 {
		return fmt.Errorf("HUB_INDEX_SNAPSHOT_EVERY: want a duration such as 6h")
	}
	if c.SnapshotChanges < 0 {
		return fmt.Errorf("HUB_INDEX_SNAPSHOT_CHANGES: want a positive whole number")
	}
	if c.AccessLogEvery == 0 {
		return fmt.Errorf("HUB_ACCESS_LOG: want on, off or sample:N with N a whole number from 1")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("HUB_LOG_FORMAT %q: want text or json", c.LogFormat)
	}
	return nil
}

// validPort reports whether p is a TCP port number: decimal digits, 0 to
// 65535 (RFC 793's 16-bit port; 0 asks for any free port). net.SplitHostPort
// and url.Parse check neither, so "127.0.0.1:99999" reached initdb before
// net.Listen refused it (breaker3 F18); a service name such as "http" is
// not taken either.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n <= 65535
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimRight(strings.TrimSpace(p), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Getenv is os.Getenv, for Load.
var Getenv = os.Getenv
