package ingest

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"guidancehub/internal/content"
)

// Warning codes: what the library lint reports without failing the build.
const (
	// WarnReviewOverdue: the resource is past its next_review date.
	WarnReviewOverdue = "review-overdue"
	// WarnSourceUndated: a source has no date, so a reader cannot tell which
	// version was cited.
	WarnSourceUndated = "source-undated"
	// WarnSourceMirror: a source's URL is on a known mirror host
	// (lintdata/mirrors.tsv) rather than the publisher's own site.
	WarnSourceMirror = "source-mirror"
	// WarnSourceSuperseded: a source's URL is a page recorded as superseded
	// (lintdata/superseded.tsv).
	WarnSourceSuperseded = "source-superseded"
	// WarnReviewBeforeSource: last_reviewed is earlier than the newest
	// source's date, so the resource was not checked against that source.
	WarnReviewBeforeSource = "review-before-source"
)

// WarningCodes lists every warning code in the order the lint reports counts.
var WarningCodes = []string{WarnReviewOverdue, WarnReviewBeforeSource, WarnSourceUndated, WarnSourceMirror, WarnSourceSuperseded}

// Warning is something in a library file that needs an editor's attention
// but does not fail the build.
type Warning struct {
	Path    string
	Field   string // e.g. "sources[2].url"; empty for the whole file
	Code    string // one of the Warn… constants
	Message string
}

func (w Warning) String() string {
	if w.Field == "" {
		return fmt.Sprintf("%s: %s (%s)", w.Path, w.Message, w.Code)
	}
	return fmt.Sprintf("%s: %s: %s (%s)", w.Path, w.Field, w.Message, w.Code)
}

// Mirror is a host that republishes other publishers' documents.
type Mirror struct {
	Host string // lower case, without "www."
	Why  string
}

// Supersession records a page that has been replaced.
type Supersession struct {
	URL, ReplacedBy, Why string
}

// SourceLists are the lists the lint checks source URLs against.
type SourceLists struct {
	Mirrors    []Mirror
	Superseded []Supersession
}

var (
	//go:embed lintdata/mirrors.tsv
	mirrorsTSV string
	//go:embed lintdata/superseded.tsv
	supersededTSV string

	shippedOnce  sync.Once
	shippedLists SourceLists
	shippedErr   error
)

// ShippedSourceLists returns the lists committed in lintdata/ (parsed once).
func ShippedSourceLists() (SourceLists, error) {
	shippedOnce.Do(func() {
		m, err := ParseMirrors(strings.NewReader(mirrorsTSV))
		if err != nil {
			shippedErr = fmt.Errorf("lintdata/mirrors.tsv: %w", err)
			return
		}
		s, err := ParseSuperseded(strings.NewReader(supersededTSV))
		if err != nil {
			shippedErr = fmt.Errorf("lintdata/superseded.tsv: %w", err)
			return
		}
		shippedLists = SourceLists{Mirrors: m, Superseded: s}
	})
	return shippedLists, shippedErr
}

// ParseMirrors reads "host<TAB>why" lines; blank lines and lines starting
// with "#" are skipped. A host is a bare DNS name (no scheme, path or port);
// a leading "www." is dropped. Every line needs a reason.
func ParseMirrors(r io.Reader) ([]Mirror, error) {
	var out []Mirror
	seen := map[string]bool{}
	err := eachLine(r, func(n int, fields []string) error {
		if len(fields) != 2 || strings.TrimSpace(fields[1]) == "" {
			return fmt.Errorf("line %d: want host<TAB>why", n)
		}
		host := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(fields[0])), "www.")
		if host == "" || strings.ContainsAny(host, "/:?# ") || !strings.Contains(host, ".") {
			return fmt.Errorf("line %d: %q is not a host name", n, fields[0])
		}
		if seen[host] {
			return fmt.Errorf("line %d: %s is listed twice", n, host)
		}
		seen[host] = true
		out = append(out, Mirror{Host: host, Why: strings.TrimSpace(fields[1])})
		return nil
	})
	return out, err
}

// ParseSuperseded reads "url<TAB>replaced by<TAB>why" lines; blank lines and
// lines starting with "#" are skipped. Both URLs must be absolute http(s)
// URLs; a replacement may not itself be listed as superseded (so a warning
// never sends an editor to another superseded page).
func ParseSuperseded(r io.Reader) ([]Supersession, error) {
	var out []Supersession
	keys := map[string]int{}
	err := eachLine(r, func(n int, fields []string) error {
		if len(fields) != 3 || strings.TrimSpace(fields[2]) == "" {
			return fmt.Errorf("line %d: want url<TAB>replaced by<TAB>why", n)
		}
		s := Supersession{URL: strings.TrimSpace(fields[0]), ReplacedBy: strings.TrimSpace(fields[1]), Why: strings.TrimSpace(fields[2])}
		k, ok := pageKey(s.URL)
		if !ok {
			return fmt.Errorf("line %d: %q is not an http(s) URL", n, s.URL)
		}
		rk, ok := pageKey(s.ReplacedBy)
		if !ok {
			return fmt.Errorf("line %d: replacement %q is not an http(s) URL", n, s.ReplacedBy)
		}
		if rk.same(k) {
			return fmt.Errorf("line %d: %s is listed as replacing itself", n, s.URL)
		}
		if _, dup := keys[k.String()]; dup {
			return fmt.Errorf("line %d: %s is listed twice", n, s.URL)
		}
		keys[k.String()] = n
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, s := range out {
		if old := supersededBy(out, s.ReplacedBy); old != nil {
			return nil, fmt.Errorf("%s is replaced by %s, which is itself superseded by %s", s.URL, s.ReplacedBy, old.ReplacedBy)
		}
	}
	return out, nil
}

func eachLine(r io.Reader, f func(n int, fields []string) error) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := f(n, strings.Split(line, "\t")); err != nil {
			return err
		}
	}
	return sc.Err()
}

// page is a URL reduced to what identifies a page: host (lower case,
// without "www." or port), path (without a trailing "/") and query.
type page struct {
	host, path, query string
	hasQuery          bool
}

func (p page) String() string { return p.host + p.path + "?" + p.query }

func (p page) same(o page) bool { return p.host == o.host && p.path == o.path && p.query == o.query }

func pageKey(raw string) (page, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return page{}, false
	}
	return page{
		host:     strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."),
		path:     strings.TrimRight(u.EscapedPath(), "/"),
		query:    u.RawQuery,
		hasQuery: u.RawQuery != "" || u.ForceQuery,
	}, true
}

// supersededBy returns the entry that marks raw as superseded, or nil. An
// entry without a query matches the page with any query.
func supersededBy(list []Supersession, raw string) *Supersession {
	p, ok := pageKey(raw)
	if !ok {
		return nil
	}
	for i := range list {
		e, _ := pageKey(list[i].URL)
		if e.host == p.host && e.path == p.path && (!e.hasQuery || e.query == p.query) {
			return &list[i]
		}
	}
	return nil
}

// mirrorFor returns the mirror whose host is raw's host or a parent domain
// of it, or nil.
func mirrorFor(list []Mirror, raw string) *Mirror {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for i := range list {
		if host == list[i].Host || strings.HasSuffix(host, "."+list[i].Host) {
			return &list[i]
		}
	}
	return nil
}

// Lint lists the library's warnings, sorted by path: reviews overdue on the
// given day, reviews older than the newest source, sources without a date,
// on a mirror host, or at a superseded page.
func (lib *Library) Lint(today time.Time, lists SourceLists) []Warning {
	var out []Warning
	for _, f := range lib.Files {
		out = append(out, LintFile(f, today, lists)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// LintFile lists one parsed file's warnings (see Library.Lint).
func LintFile(f content.FileImport, today time.Time, lists SourceLists) []Warning {
	var out []Warning
	warn := func(field, code, format string, args ...any) {
		out = append(out, Warning{Path: f.Path, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	d := f.Draft
	if due := d.NextReviewDue; due != nil && due.Before(today) {
		warn("next_review", WarnReviewOverdue, "review overdue since %s", due.Format(content.DateLayout))
	}
	newest := -1
	for i, s := range d.Sources {
		if s.Date != nil && (newest < 0 || s.Date.After(*d.Sources[newest].Date)) {
			newest = i
		}
	}
	if lr := d.LastReviewedAt; lr != nil && newest >= 0 && d.Sources[newest].Date.After(*lr) {
		s := d.Sources[newest]
		warn("last_reviewed", WarnReviewBeforeSource, "last reviewed %s, before its newest source %q (%s): check the resource against it, then update last_reviewed",
			lr.Format(content.DateLayout), s.Title, s.Date.Format(content.DateLayout))
	}
	for i, s := range d.Sources {
		field := fmt.Sprintf("sources[%d]", i)
		if s.Date == nil {
			warn(field+".date", WarnSourceUndated, "%q has no date: give the date of the version you read (publication or last update)", s.Title)
		}
		if s.URL == "" {
			continue
		}
		if m := mirrorFor(lists.Mirrors, s.URL); m != nil {
			warn(field+".url", WarnSourceMirror, "%s is a mirror (%s): cite the publisher's own page", m.Host, m.Why)
		}
		if r := supersededBy(lists.Superseded, s.URL); r != nil {
			warn(field+".url", WarnSourceSuperseded, "%s is superseded (%s): cite %s", s.URL, r.Why, r.ReplacedBy)
		}
	}
	return out
}

// CountWarnings counts warnings per code.
func CountWarnings(ws []Warning) map[string]int {
	c := map[string]int{}
	for _, w := range ws {
		c[w.Code]++
	}
	return c
}

// LintReport is what LintDir found. Its warnings wait in a temporary file
// (a library can have several per file): read them with EachWarning, then
// Close.
type LintReport struct {
	Files  int // resource files found
	Valid  int // files that parse and pass the rules that span files
	Errors []*FileError
	// Warnings counts the warnings of valid files, by code.
	Warnings map[string]int
	Stats    Stats
	spill    *os.File
	skip     map[int]bool // entries whose warnings are not reported
}

// spilled is one warning in the spill file, with its file's entry number.
type spilled struct {
	I int
	W Warning
}

// LintDir lints the library under dir as Load and Library.Lint do, but
// streaming: files are read once, and only an entry per file is held.
func LintDir(dir string, today time.Time, lists SourceLists) (*LintReport, error) {
	spill, err := os.CreateTemp("", "guidancehub-lint-*")
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	os.Remove(spill.Name()) // unlinked: gone when closed
	bw := bufio.NewWriter(spill)
	enc := json.NewEncoder(bw)
	var encErr error
	cat, err := readCatalog(context.Background(), dir, func(i int, f *content.FileImport) {
		for _, w := range LintFile(*f, today, lists) {
			if err := enc.Encode(spilled{I: i, W: w}); err != nil && encErr == nil {
				encErr = err
			}
		}
	})
	if err == nil {
		err = encErr
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		spill.Close()
		return nil, err
	}
	cat.dups()
	if err := cat.settle(context.Background(), nil); err != nil {
		spill.Close()
		return nil, err
	}
	rep := &LintReport{Files: len(cat.entries), Errors: cat.errors, Warnings: map[string]int{}, Stats: newStats(), spill: spill, skip: map[int]bool{}}
	for i := range cat.entries {
		e := &cat.entries[i]
		if !e.good() {
			rep.skip[i] = true
			continue
		}
		rep.Valid++
		rep.Stats.add(e.status, e.kind, e.lang, e.transOf, e.topics, e.nations)
	}
	err = rep.EachWarning(func(w Warning) { rep.Warnings[w.Code]++ })
	if err != nil {
		rep.Close()
		return nil, err
	}
	return rep, nil
}

// EachWarning calls f for each warning of a valid file, in walk order.
func (r *LintReport) EachWarning(f func(Warning)) error {
	if _, err := r.spill.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReader(r.spill))
	for {
		var s spilled
		if err := dec.Decode(&s); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("lint: read warnings: %w", err)
		}
		if !r.skip[s.I] {
			f(s.W)
		}
	}
}

// Close removes the warnings' file.
func (r *LintReport) Close() error { return r.spill.Close() }
