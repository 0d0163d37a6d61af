package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axe-core 4.14.1 (MPL-2.0, testdata/axe/LICENSE), vendored for the tests
// only by `make web-assets`; it is injected into each page under test.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// chromiumHint is the one line a test run without a browser fails with.
const chromiumHint = "no Chromium found: run `make test` (it installs Debian's chromium package when missing), install chromium, or set HUB_CHROMIUM to a Chromium or Chrome binary; the page tests need a real browser"

// chromiumPath finds the browser: HUB_CHROMIUM, else the usual names.
func chromiumPath() (string, error) {
	if p := os.Getenv("HUB_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New(chromiumHint)
}

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// startBrowser starts one headless Chromium for the package's tests, with
// a fresh profile, no background traffic (updates, sync, safe browsing)
// and no first-run pages. It stops when the tests end.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			browserErr = err
			return
		}
		profile, err := os.MkdirTemp("", "guidancehub-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		hubCleanups = append(hubCleanups, func() { os.RemoveAll(profile) })
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true), // tests run as root in CI
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-default-apps", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.Flag("mute-audio", true),
			chromedp.UserDataDir(profile),
			chromedp.WindowSize(1280, 900),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		hubCleanups = append(hubCleanups, cancelAlloc, cancel)
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			browserErr = fmt.Errorf("start Chromium (%s): %w", path, err)
			return
		}
		browserCtx = ctx
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// tab is one browser tab for one test. It records what no page may do:
// log an error (a CSP violation, a missing asset, a script error) or
// request anything from another host. When its test fails it saves a
// screenshot and prints where.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func newTab(t *testing.T, width, height int64, script bool) *tab {
	t.Helper()
	h := startHub(t)
	ctx, cancel := chromedp.NewContext(startBrowser(t))
	tb := &tab{t: t, ctx: ctx, base: h.URL}
	t.Cleanup(cancel)
	t.Cleanup(func() {
		if t.Failed() {
			tb.saveScreenshot("failure")
		}
	})
	host := strings.TrimPrefix(h.URL, "http://")
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			e := ev.Entry
			// A page that answers 404 or 410 on purpose logs its own status.
			if e.Level == log.EntryLevelError && !(e.Source == log.EntrySourceNetwork && strings.Contains(e.Text, "status of 4") && !strings.Contains(e.URL, "/assets/")) {
				tb.problems = append(tb.problems, fmt.Sprintf("console error (%s) %s %s", e.Source, e.Text, e.URL))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.problems = append(tb.problems, fmt.Sprintf("script exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err == nil && u.Scheme != "data" && u.Host != host {
				tb.problems = append(tb.problems, "request to another host: "+ev.Request.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.must(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if !script {
			if _, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				return err
			}
		}
		return nil
	}), chromedp.EmulateViewport(width, height))
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Error(p)
		}
	})
	return tb
}

// artifactDir is where screenshots go: HUB_BROWSER_ARTIFACTS, or a
// directory under the system's temporary directory.
func artifactDir() string {
	if d := os.Getenv("HUB_BROWSER_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "guidancehub-browser")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// saveScreenshot writes a full-page PNG and returns its path.
func (tb *tab) saveScreenshot(label string) string {
	dir := artifactDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return ""
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot: %v", err)
		return ""
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(tb.t.Name()+"-"+label, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Logf("screenshot: %v", err)
		return ""
	}
	tb.t.Logf("screenshot saved: %s", path)
	return path
}

// must runs actions with a time limit and fails the test on an error.
func (tb *tab) must(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// open navigates and returns the document's HTTP status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	return tb.response(chromedp.Navigate(tb.base + path))
}

// response runs an action that loads a page (a navigation, a key press
// on a link or button) and returns the document's HTTP status.
func (tb *tab) response(a chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
	if resp == nil {
		tb.t.Fatal("browser: no page loaded")
	}
	return resp.Status
}

// eval evaluates JavaScript in the page.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

// path is the current location's path and query.
func (tb *tab) path() string {
	return eval[string](tb, `location.pathname + location.search`)
}

// tabTo presses Tab until the focused element matches the CSS selector,
// checking that every element reached shows where the focus is (WCAG
// 2.4.7), and fails after max presses.
func (tb *tab) tabTo(selector string, max int) {
	tb.t.Helper()
	for i := 0; i < max; i++ {
		tb.must(chromedp.KeyEvent(kb.Tab))
		state := eval[struct {
			Match   bool   `json:"match"`
			Visible bool   `json:"visible"`
			What    string `json:"what"`
		}](tb, `(() => {
			const el = document.activeElement
			const s = getComputedStyle(el)
			const outline = s.outlineStyle !== 'none' && s.outlineWidth !== '0px' && !/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(s.outlineColor)
			const visible = outline || s.boxShadow !== 'none' || s.backgroundColor === 'rgb(255, 235, 59)' || s.textDecorationThickness === '3px'
			return {match: el.matches(`+"`"+selector+"`"+`), visible, what: el.outerHTML.slice(0, 120)}
		})()`)
		if !state.Visible {
			tb.t.Errorf("focus on %s is not visible", state.What)
		}
		if state.Match {
			return
		}
	}
	tb.t.Fatalf("%s not reached after %d presses of Tab", selector, max)
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.0–2.2 A and AA rules and its best practices
// on the page, and checks that text in a right-to-left script carries a
// lang and dir="rtl", and that a block in Latin letters only is not
// inside a right-to-left language or direction (axe cannot know a text's
// language).
func (tb *tab) axe() []axeViolation {
	tb.t.Helper()
	eval[any](tb, axeSource+";0")
	out := eval[string](tb, `axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
		resultTypes: ['violations']
	}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))`)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		tb.t.Fatal(err)
	}
	unmarked := eval[[]string](tb, `(() => {
		const rtl = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/
		const out = []
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!rtl.test(n.data) || n.parentElement.closest('script,style')) continue
			const l = n.parentElement.closest('[lang]'), d = n.parentElement.closest('[dir]')
			if (!l || l.lang.startsWith('en') || !d || d.dir !== 'rtl') out.push(n.data.trim().slice(0, 40))
		}
		return out
	})()`)
	for _, u := range unmarked {
		vs = append(vs, axeViolation{ID: "hub-rtl-text-lang", Impact: "serious", Help: "right-to-left text needs lang and dir=\"rtl\"", Nodes: []string{u}})
	}
	// The converse: a block whose letters are all Latin inside a
	// right-to-left language or direction (an English passage in a
	// translation) is read in that language and laid out backwards.
	latin := eval[[]string](tb, `(() => {
		const rtl = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/, latin = /[A-Za-z\u00C0-\u024F]/
		const rtlLang = /^(ar|fa|ur|he|yi|ps|sd|ug|ckb)(-|$)/i
		const out = []
		for (const e of document.body.querySelectorAll('p,li,h1,h2,h3,h4,h5,h6,td,th,dt,dd')) {
			const s = e.textContent
			if (!latin.test(s) || rtl.test(s)) continue
			const l = e.closest('[lang]'), d = e.closest('[dir]')
			if ((l && rtlLang.test(l.lang)) || (d && d.dir === 'rtl')) out.push(s.trim().slice(0, 40))
		}
		return out
	})()`)
	for _, u := range latin {
		vs = append(vs, axeViolation{ID: "hub-ltr-text-in-rtl", Impact: "serious", Help: "text in Latin letters inside a right-to-left language needs its own lang and dir=\"ltr\"", Nodes: []string{u}})
	}
	return vs
}

// pageTypes are one page of each kind the hub serves.
var pageTypes = []struct {
	name, path string
	status     int64
}{
	{"home", "/", 200},
	{"search", "/search?q=register+without+proof+of+address", 200},
	{"search-filtered-did-you-mean", "/search?q=registraton&kind=guidance", 200},
	{"search-no-results", "/search?q=zzzzqqqq", 200},
	{"guidance", "/resources/register-with-a-gp-without-documents", 200},
	{"research-brief", "/resources/bij-gp-registration-survey-2021", 200},
	{"policy-position", "/resources/end-upfront-charging", 200},
	{"translation-arabic", "/resources/everyone-can-register-with-a-gp-ar", 200},
	{"withdrawn", "/resources/withdrawn-test-guidance", 410},
	{"topics", "/topics", 200},
	{"topic", "/topics/gp-registration", 200},
	{"not-found", "/no/such/page", 404},
	{"bad-request", "/search?kind=bogus", 400},
}

// TestAccessibility runs axe-core on every page type at 1280 and 375
// pixels wide and wants no violation. HUB_SCREENSHOTS=DIR also saves a
// full-page screenshot of each.
func TestAccessibility(t *testing.T) {
	shots := os.Getenv("HUB_SCREENSHOTS")
	for _, width := range []int64{1280, 375} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			tb := newTab(t, width, 900, true)
			for _, p := range pageTypes {
				t0 := time.Now()
				if st := tb.open(p.path); st != p.status {
					t.Errorf("%s: status %d, want %d", p.name, st, p.status)
				}
				vs := tb.axe()
				for _, v := range vs {
					t.Errorf("%s at %dpx: %s (%s): %s %v", p.name, width, v.ID, v.Impact, v.Help, v.Nodes)
				}
				if shots != "" {
					os.Setenv("HUB_BROWSER_ARTIFACTS", shots)
					tb.saveScreenshot(p.name)
				}
				t.Logf("%-30s %dpx: %d violations (%v)", p.name, width, len(vs), time.Since(t0).Round(time.Millisecond))
			}
		})
	}
}

// TestKeyboardJourney: home → search "register without proof of address"
// → filter to guidance → open the first result → back, with the keyboard
// only (Tab, Enter, Space), every focus visible. "Back" is the browser's
// history back, as its Back button or Alt+Left does (headless Chromium
// has no browser shortcuts to press).
func TestKeyboardJourney(t *testing.T) {
	tb := newTab(t, 1280, 900, true)
	t0 := time.Now()
	tb.open("/")
	tb.tabTo(".nhsuk-skip-link", 1)
	tb.must(chromedp.KeyEvent(kb.Enter))
	tb.tabTo("#q", 10)
	tb.must(chromedp.KeyEvent("register without proof of address"))
	if st := tb.response(chromedp.KeyEvent(kb.Enter)); st != 200 {
		t.Fatalf("search: status %d", st)
	}
	if p := tb.path(); p != "/search?q=register+without+proof+of+address" {
		t.Fatalf("search went to %s", p)
	}
	tb.tabTo("#f-kind-guidance", 40)
	tb.must(chromedp.KeyEvent(" "))
	tb.tabTo(`button[form="search-form"]`, 60)
	if st := tb.response(chromedp.KeyEvent(kb.Enter)); st != 200 {
		t.Fatalf("filter: status %d", st)
	}
	filtered := tb.path()
	if !strings.Contains(filtered, "kind=guidance") || !strings.Contains(filtered, "q=register+without+proof+of+address") {
		t.Fatalf("filtering went to %s", filtered)
	}
	tb.tabTo(".hub-result a", 80)
	first := eval[struct {
		Title string `json:"title"`
		Href  string `json:"href"`
	}](tb, `({title: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href')})`)
	if st := tb.response(chromedp.KeyEvent(kb.Enter)); st != 200 {
		t.Fatalf("open result: status %d", st)
	}
	if p := tb.path(); p != first.Href {
		t.Fatalf("opened %s, want %s", p, first.Href)
	}
	if h1 := eval[string](tb, `document.querySelector('h1').textContent.trim()`); h1 != first.Title {
		t.Errorf("h1 %q, want the result's title %q", h1, first.Title)
	}
	if kind := eval[string](tb, `document.querySelector('.nhsuk-caption-l').textContent`); !strings.HasPrefix(kind, "Guidance") {
		t.Errorf("first result after filtering to guidance is %q", kind)
	}
	// The browser's Back (NavigateBack waits for a load event that a page
	// restored from the back-forward cache never fires).
	eval[any](tb, `history.back(); 0`)
	var back string
	for i := 0; i < 100; i++ {
		if back = tb.path(); back == filtered && eval[string](tb, `document.readyState`) == "complete" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if back != filtered {
		t.Fatalf("back went to %s, want %s", back, filtered)
	}
	if !eval[bool](tb, `document.getElementById('f-kind-guidance').checked`) {
		t.Error("after going back the guidance filter is no longer ticked")
	}
	t.Logf("keyboard journey took %v", time.Since(t0).Round(time.Millisecond))
}

// TestAutocomplete: with JavaScript, typing offers titles (each in its
// language) and choosing one with the keyboard opens it.
func TestAutocomplete(t *testing.T) {
	tb := newTab(t, 1280, 900, true)
	t0 := time.Now()
	tb.open("/")
	tb.must(chromedp.Focus(chromedp.ID("q")), chromedp.KeyEvent("يمكن"))
	tb.must(chromedp.WaitVisible(chromedp.CSS(".autocomplete__option")))
	if langs := eval[[]string](tb, `[...document.querySelectorAll('.autocomplete__option span[lang]')].map(s => s.lang + ':' + s.dir)`); !contains(langs, "ar:rtl") {
		t.Errorf("completions for an Arabic word are in %v, want ar:rtl", langs)
	}
	// The enhanced box keeps dir="auto" (breaker5 F30): the browser lays
	// the Arabic search out right to left, as in the box without JavaScript.
	if d := eval[string](tb, `document.getElementById('q').getAttribute('dir') + ':' + getComputedStyle(document.getElementById('q')).direction`); d != "auto:rtl" {
		t.Errorf("search box with an Arabic search: dir and direction %q, want auto:rtl", d)
	}
	tb.open("/")
	tb.must(chromedp.Focus(chromedp.ID("q")), chromedp.KeyEvent("everyone can"))
	tb.must(chromedp.WaitVisible(chromedp.CSS(`.autocomplete__option span[lang="en"]`)))
	tb.must(chromedp.KeyEvent(kb.ArrowDown))
	want := eval[string](tb, `document.querySelector('.autocomplete__option--focused span[lang]').textContent`)
	if st := tb.response(chromedp.KeyEvent(kb.Enter)); st != 200 {
		t.Fatalf("status %d", st)
	}
	if h1 := eval[string](tb, `document.querySelector('h1').textContent.trim()`); h1 != want {
		t.Errorf("opened %q, want %q", h1, want)
	}
	t.Logf("autocomplete journey took %v", time.Since(t0).Round(time.Millisecond))
}

// TestTranslationPages: a translation carries its language and direction,
// shows its review status and links to its original; the original lists
// its translations, each in its own language with its review status.
func TestTranslationPages(t *testing.T) {
	tb := newTab(t, 375, 800, true)
	t0 := time.Now()
	if st := tb.open("/resources/everyone-can-register-with-a-gp-ar"); st != 200 {
		t.Fatalf("status %d", st)
	}
	got := eval[map[string]string](tb, `({
		page: document.documentElement.lang,
		h1: document.querySelector('h1').lang + ' ' + getComputedStyle(document.querySelector('h1')).direction,
		summary: getComputedStyle(document.querySelector('.hub-summary')).direction,
		body: getComputedStyle(document.querySelector('.hub-body p')).direction,
		notice: document.querySelector('.hub-translation-notice').textContent,
	})`)
	if got["page"] != "en-GB" || got["h1"] != "ar rtl" || got["summary"] != "rtl" || got["body"] != "rtl" {
		t.Errorf("languages and directions: %v", got)
	}
	if !strings.Contains(got["notice"], "Review status:") || !strings.Contains(got["notice"], "native speaker") {
		t.Errorf("translation notice: %q", got["notice"])
	}
	if st := tb.response(chromedp.Click(chromedp.CSS(`.hub-translation-notice a`))); st != 200 {
		t.Fatalf("original: status %d", st)
	}
	if p := tb.path(); p != "/resources/everyone-can-register-with-a-gp" {
		t.Fatalf("link to the original went to %s", p)
	}
	ts := eval[[]string](tb, `[...document.querySelectorAll('.hub-translations li')].map(li => li.querySelector('a').lang + ' ' + li.querySelector('a').dir + ' ' + /Review status/.test(li.textContent))`)
	for _, want := range []string{"ar rtl true", "fa rtl true", "ur rtl true"} {
		if !contains(ts, want) {
			t.Errorf("original's translations %v lack %q", ts, want)
		}
	}
	t.Logf("translation journey took %v", time.Since(t0).Round(time.Millisecond))
}

// TestWithdrawnPage: 410 with the notice and the reason, and none of the
// withdrawn content.
func TestWithdrawnPage(t *testing.T) {
	tb := newTab(t, 1280, 900, true)
	t0 := time.Now()
	if st := tb.open("/resources/withdrawn-test-guidance"); st != 410 {
		t.Errorf("status %d, want 410", st)
	}
	text := eval[string](tb, `document.querySelector('main').innerText`)
	for _, want := range []string{"has been withdrawn", "Reason:", "Its source file was removed from the library."} {
		if !strings.Contains(text, want) {
			t.Errorf("withdrawn page lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "must never be shown") {
		t.Error("withdrawn page shows the withdrawn body")
	}
	if st := tb.open("/resources/draft-test-guidance"); st != 404 {
		t.Errorf("draft: status %d, want 404", st)
	}
	t.Logf("withdrawn journey took %v", time.Since(t0).Round(time.Millisecond))
}

// TestWithoutJavaScript: search, filters, sort and pagination work as
// plain HTML forms and links.
func TestWithoutJavaScript(t *testing.T) {
	tb := newTab(t, 375, 800, false)
	t0 := time.Now()
	tb.open("/")
	if eval[bool](tb, `!!document.querySelector('.autocomplete__wrapper')`) {
		t.Fatal("scripts ran although JavaScript is off")
	}
	tb.must(chromedp.SendKeys(chromedp.ID("q"), "charging"))
	if st := tb.response(chromedp.Submit(chromedp.ID("q"))); st != 200 {
		t.Fatalf("search: status %d", st)
	}
	if p := tb.path(); p != "/search?q=charging" {
		t.Fatalf("search went to %s", p)
	}
	if !eval[bool](tb, `document.getElementById('filters').open`) {
		t.Error("filters are folded away without JavaScript")
	}
	tb.must(chromedp.Click(chromedp.ID("f-kind-policy-position")), chromedp.SetValue(chromedp.ID("sort"), "newest"))
	if st := tb.response(chromedp.Click(chromedp.CSS(`button[form="search-form"]`))); st != 200 {
		t.Fatalf("filter: status %d", st)
	}
	if p := tb.path(); p != "/search?q=charging&sort=newest&kind=policy-position" {
		t.Errorf("filtering went to %s", p)
	}
	tb.open("/search")
	if st := tb.response(chromedp.Click(chromedp.CSS(`a[rel="next"]`))); st != 200 {
		t.Fatalf("next page: status %d", st)
	}
	if p := tb.path(); p != "/search?page=2" {
		t.Errorf("next page is %s", p)
	}
	if got := eval[string](tb, `document.querySelector('.hub-count').textContent`); !strings.Contains(got, "Showing 11 to 20") {
		t.Errorf("page 2 says %q", got)
	}
	t.Logf("no-JavaScript journey took %v", time.Since(t0).Round(time.Millisecond))
}

// TestGraphiQLKeyboard: GraphiQL links back home, and a keyboard user
// leaves its query editor with Esc then Tab, as the README says (Tab
// alone indents: the editor keeps it).
func TestGraphiQLKeyboard(t *testing.T) {
	tb := newTab(t, 1280, 900, true)
	if st := tb.open("/graphiql"); st != 200 {
		t.Fatalf("status %d", st)
	}
	if href := eval[string](tb, `document.querySelector('.hub-bar a').getAttribute('href')`); href != "/" {
		t.Errorf("GraphiQL's home link goes to %q", href)
	}
	tb.must(chromedp.WaitReady(chromedp.CSS(".graphiql-query-editor .CodeMirror textarea")),
		chromedp.Focus(chromedp.CSS(".graphiql-query-editor .CodeMirror textarea")))
	inEditor := `!!document.activeElement.closest('.graphiql-query-editor .CodeMirror')`
	tb.must(chromedp.KeyEvent(kb.Tab))
	if !eval[bool](tb, inEditor) {
		t.Fatal("Tab alone left the editor: the README's advice is out of date")
	}
	tb.must(chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
	if eval[bool](tb, inEditor) {
		t.Error("Esc then Tab did not leave the query editor")
	}
}

// TestPrintStylesheet: printed, a page keeps its content, drops the
// navigation and forms, and writes each link's address after it.
func TestPrintStylesheet(t *testing.T) {
	tb := newTab(t, 1280, 900, true)
	tb.open("/resources/asylum-seekers-and-refugees-nhs-entitlements")
	tb.must(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	got := eval[map[string]string](tb, `(() => {
		const after = sel => getComputedStyle(document.querySelector(sel), '::after').content
		const display = sel => getComputedStyle(document.querySelector(sel)).display
		return {
			nav: display('.nhsuk-header__navigation'),
			search: display('.nhsuk-header__search'),
			main: display('main'),
			source: after('.hub-sources a[href^="http"]'),
			internal: after('.hub-body a[href^="/resources/"]'),
		}
	})()`)
	if got["nav"] != "none" || got["search"] != "none" || got["main"] == "none" {
		t.Errorf("printed page shows navigation or search, or hides the content: %v", got)
	}
	if !strings.HasPrefix(got["source"], `" (http`) {
		t.Errorf("a source's link prints as %s, want its address after it", got["source"])
	}
	if !strings.Contains(got["internal"], "/resources/") {
		t.Errorf("a link to another resource prints as %s, want its address after it", got["internal"])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
