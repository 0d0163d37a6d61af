package main

// Class tests for the reuse doors (citation downloads, /schema.graphql,
// /oembed, /embed/resources/<slug>) and GET /graphql, generated over every
// resource of the shipped library: HEAD against GET (RFC 9110 9.3.2), Vary
// and CORS (RFC 9110 12.5.5, the Fetch standard's CORS checks), one strong
// tag per representation (RFC 9110 8.8.3), bad tokens, and oEmbed's URL and
// size rules with the hub's own page route as the oracle for "a resource
// page of this hub".

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"guidancehub/graph"
	"guidancehub/internal/content"
	"guidancehub/internal/search"
	"guidancehub/internal/testdb"
)

const partnerOrigin = "https://partner.example"

// reuseHub is a hub over the shipped library with CORS on for one origin.
type reuseHub struct {
	*hub
	partner   string // a partner token
	resources []reuseResource
}

type reuseResource struct {
	slug, language, translationStatus, title string
	translation                              bool
}

func startReuseHub(t *testing.T) *reuseHub {
	t.Helper()
	dsn := testdb.DSN(t)
	h := startHub(t, map[string]string{
		"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": copyDir(t, "resources"), "HUB_PUBLIC_URL": "https://hub.example.org/",
		"HUB_CORS_ORIGINS": partnerOrigin,
	})
	tok, _, err := testdb.OpenDSN(t, dsn).CreateToken(context.Background(), "reuse test", content.RolePartner, nil)
	if err != nil {
		t.Fatal(err)
	}
	rh := &reuseHub{hub: h, partner: tok}
	r := post(t, h.url, `{ resources(first: 100) { totalCount edges { node { slug title language translationStatus translationOf { slug } } } } }`, nil)
	edges, _ := path(r.Data, "resources", "edges").([]any)
	if len(edges) < 20 || len(edges) != int(path(r.Data, "resources", "totalCount").(float64)) {
		t.Fatalf("library: %d resources listed (%v)", len(edges), r.Errors)
	}
	for _, e := range edges {
		n := path(e, "node")
		ts, _ := path(n, "translationStatus").(string)
		rh.resources = append(rh.resources, reuseResource{slug: path(n, "slug").(string), title: path(n, "title").(string), language: path(n, "language").(string),
			translationStatus: ts, translation: path(n, "translationOf") != nil})
	}
	return rh
}

// doors lists a GET address of every reuse door for every resource (or
// for the first n resources, n > 0), the schema, GET /graphql, and doors
// that answer an error (404, 400).
func (h *reuseHub) doors(n int) []string {
	var out []string
	rs := h.resources
	if n > 0 {
		rs = rs[:min(n, len(rs))]
	}
	for _, r := range rs {
		page := "https://hub.example.org/resources/" + r.slug
		out = append(out, "/resources/"+r.slug+".ris", "/resources/"+r.slug+".bib", "/resources/"+r.slug+".json",
			"/embed/resources/"+r.slug, "/oembed?url="+url.QueryEscape(page)+"&format=json&maxwidth=400")
	}
	return append(out, "/schema.graphql", "/graphql?query="+url.QueryEscape(`{ topics { slug name count } }`),
		"/graphql?query="+url.QueryEscape(`{ resources(first: 5) { edges { node { slug title } } } }`),
		"/resources/no-such-thing.ris", "/embed/resources/no-such-thing", "/embed/resources/", "/oembed", "/oembed?url=x&maxwidth=abc")
}

// sendReq makes one request without following redirects.
func sendReq(t *testing.T, method, u string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// varyHas reports whether the Vary header lists name (RFC 9110 12.5.5: a
// comma-separated list of case-insensitive field names).
func varyHas(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, n := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(n), name) || strings.TrimSpace(n) == "*" {
				return true
			}
		}
	}
	return false
}

func TestReuseDoorsClass(t *testing.T) {
	h := startReuseHub(t)

	// RFC 9110 9.3.2: the server SHOULD send in answer to HEAD the same
	// header fields as for GET (Content-Length may be left out) and no
	// body; a validator is the GET body's, so If-None-Match with the GET
	// tag is 304 for HEAD too (and the other way round).
	t.Run("HeadIsGetWithoutBody", func(t *testing.T) {
		for i, d := range h.doors(0) {
			for _, auth := range []string{"", "Bearer " + h.partner} {
				if auth != "" && i%7 != 0 {
					continue // a token on a sample of the doors
				}
				hdrs := map[string]string{}
				if auth != "" {
					hdrs["Authorization"] = auth
				}
				gs, gh, gb := sendReq(t, http.MethodGet, h.url+d, hdrs)
				hs, hh, hb := sendReq(t, http.MethodHead, h.url+d, hdrs)
				if hs != gs || hb != "" {
					t.Errorf("HEAD %s (auth %v): %d with %d bytes, GET %d", d, auth != "", hs, len(hb), gs)
					continue
				}
				for _, k := range []string{"ETag", "Content-Type", "Cache-Control", "Vary", "Content-Security-Policy", "Content-Disposition", "Access-Control-Allow-Origin"} {
					if hh.Get(k) != gh.Get(k) {
						t.Errorf("HEAD %s (auth %v): %s %q, GET %q", d, auth != "", k, hh.Get(k), gh.Get(k))
					}
				}
				if cl := hh.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(gb)) {
					t.Errorf("HEAD %s: Content-Length %s, GET body %d bytes", d, cl, len(gb))
				}
				tag := gh.Get("ETag")
				if gs != http.StatusOK || auth != "" {
					if tag != "" {
						t.Errorf("GET %s: %d (auth %v) with ETag %s", d, gs, auth != "", tag)
					}
					continue
				}
				if tag == "" {
					t.Errorf("GET %s: no ETag", d)
					continue
				}
				for _, m := range []string{http.MethodHead, http.MethodGet} {
					if s, h304, b := sendReq(t, m, h.url+d, map[string]string{"If-None-Match": tag}); s != http.StatusNotModified || b != "" || h304.Get("ETag") != tag {
						t.Errorf("%s %s If-None-Match %s: %d %q ETag %s", m, d, tag, s, b, h304.Get("ETag"))
					}
				}
			}
		}
	})

	// Vary must name every header the answer depends on, Origin among them
	// while CORS is on (rs/cors's Vary kept, never overwritten), on 200,
	// 304 and error answers, with and without a token, for GET and HEAD;
	// an allowed origin is answered with ACAO and may read ETag.
	t.Run("VaryAndCORS", func(t *testing.T) {
		for _, d := range h.doors(2) {
			_, gh, _ := sendReq(t, http.MethodGet, h.url+d, nil)
			for _, origin := range []string{"", partnerOrigin, "https://elsewhere.example"} {
				for _, auth := range []string{"", "Bearer " + h.partner} {
					for _, inm := range []string{"", gh.Get("ETag")} {
						for _, m := range []string{http.MethodGet, http.MethodHead} {
							hdrs := map[string]string{}
							for k, v := range map[string]string{"Origin": origin, "Authorization": auth, "If-None-Match": inm} {
								if v != "" {
									hdrs[k] = v
								}
							}
							s, rh, _ := sendReq(t, m, h.url+d, hdrs)
							what := fmt.Sprintf("%s %s %v", m, d, hdrs)
							names := []string{"Origin", "Authorization"}
							if strings.HasPrefix(d, "/graphql") {
								names = append(names, "Accept") // the only door that negotiates
							}
							for _, n := range names {
								if !varyHas(rh, n) {
									t.Errorf("%s: %d, Vary %q lacks %s", what, s, rh.Values("Vary"), n)
								}
							}
							acao := rh.Get("Access-Control-Allow-Origin")
							switch {
							case origin == partnerOrigin && acao != partnerOrigin:
								t.Errorf("%s: ACAO %q", what, acao)
							case origin != partnerOrigin && acao != "":
								t.Errorf("%s: ACAO %q for an origin not allowed", what, acao)
							case origin == partnerOrigin && !slices.ContainsFunc(strings.Split(rh.Get("Access-Control-Expose-Headers"), ","), func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "ETag") }):
								t.Errorf("%s: ETag not exposed (%q)", what, rh.Get("Access-Control-Expose-Headers"))
							}
						}
					}
				}
			}
		}
	})

	// The Fetch standard's CORS-preflight fetch: the browser sends the
	// sorted, lower-cased names of the CORS-unsafe headers it will send;
	// the answer must allow the origin, the method (unless safelisted) and
	// each header (case-insensitively, or "*"). Every combination of the
	// API's and Apollo Client's headers, for every door and method.
	t.Run("Preflight", func(t *testing.T) {
		names := []string{"content-type", "authorization", "if-none-match", "apollographql-client-name", "apollographql-client-version", "apollo-require-preflight"}
		for _, d := range []string{"/graphql", "/oembed", "/resources/" + h.resources[0].slug + ".json", "/schema.graphql"} {
			for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodHead} {
				if d != "/graphql" && method == http.MethodPost {
					continue
				}
				for mask := 0; mask < 1<<len(names); mask++ {
					var asked []string
					for i, n := range names {
						if mask&(1<<i) != 0 {
							asked = append(asked, n)
						}
					}
					slices.Sort(asked)
					hdrs := map[string]string{"Origin": partnerOrigin, "Access-Control-Request-Method": method}
					if len(asked) > 0 {
						hdrs["Access-Control-Request-Headers"] = strings.Join(asked, ",")
					}
					s, rh, _ := sendReq(t, http.MethodOptions, h.url+d, hdrs)
					what := fmt.Sprintf("preflight %s %s %v", d, method, asked)
					if s < 200 || s > 299 || rh.Get("Access-Control-Allow-Origin") != partnerOrigin {
						t.Errorf("%s: %d ACAO %q", what, s, rh.Get("Access-Control-Allow-Origin"))
						continue
					}
					allowed := func(list, name string) bool {
						for _, a := range strings.Split(list, ",") {
							if a = strings.TrimSpace(a); a == "*" || strings.EqualFold(a, name) {
								return true
							}
						}
						return false
					}
					if method != http.MethodGet && method != http.MethodHead && method != http.MethodPost && !allowed(rh.Get("Access-Control-Allow-Methods"), method) {
						t.Errorf("%s: methods %q", what, rh.Get("Access-Control-Allow-Methods"))
					}
					for _, n := range asked {
						if !allowed(strings.Join(rh.Values("Access-Control-Allow-Headers"), ","), n) {
							t.Errorf("%s: %s not allowed (%q)", what, n, rh.Values("Access-Control-Allow-Headers"))
						}
					}
				}
			}
		}
	})

	// RFC 9110 8.8.3: a strong tag is unique across the representations of
	// a resource. Every Accept a client may send to GET /graphql: answers
	// with different Content-Types carry different tags, and one
	// representation's tag does not revalidate another.
	t.Run("TagPerRepresentation", func(t *testing.T) {
		for _, q := range []string{`{ topics { slug } }`, `{ resources(first: 3) { edges { node { slug } } } }`} {
			u := h.url + "/graphql?query=" + url.QueryEscape(q)
			tags := map[string]string{} // Content-Type → tag
			gets := map[string]string{} // Accept → Content-Type
			accepts := []string{"", "application/json", "application/graphql-response+json", "*/*", "application/graphql-response+json, application/json;q=0.9", "application/json, application/graphql-response+json;q=0.5"}
			for _, a := range accepts {
				hdrs := map[string]string{}
				if a != "" {
					hdrs["Accept"] = a
				}
				s, rh, _ := sendReq(t, http.MethodGet, u, hdrs)
				if s != http.StatusOK {
					t.Fatalf("Accept %q: %d", a, s)
				}
				ct, tag := rh.Get("Content-Type"), rh.Get("ETag")
				if old, ok := tags[ct]; ok && old != tag {
					t.Errorf("Accept %q: same Content-Type %s, tag %s then %s", a, ct, old, tag)
				}
				tags[ct], gets[a] = tag, ct
			}
			seen := map[string]string{}
			for ct, tag := range tags {
				if other, ok := seen[tag]; ok {
					t.Errorf("%s and %s share the tag %s", ct, other, tag)
				}
				seen[tag] = ct
			}
			if len(tags) < 2 {
				t.Fatalf("only %d representations: %v", len(tags), tags)
			}
			for ct, tag := range tags {
				for _, a := range accepts {
					hdrs := map[string]string{"If-None-Match": tag}
					if a != "" {
						hdrs["Accept"] = a
					}
					s, _, _ := sendReq(t, http.MethodGet, u, hdrs)
					if want := map[bool]int{true: http.StatusNotModified, false: http.StatusOK}[gets[a] == ct]; s != want {
						t.Errorf("tag of %s sent with Accept %q (answered as %s): %d, want %d", ct, a, gets[a], s, want)
					}
				}
			}
		}
	})

	// A bad token is 401 UNAUTHENTICATED on every door, as on /graphql,
	// and the answer is never stored (no-store).
	t.Run("BadToken", func(t *testing.T) {
		for _, d := range h.doors(2) {
			for _, auth := range []string{"Bearer bogus", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + h.partner + "x"} {
				for _, m := range []string{http.MethodGet, http.MethodHead} {
					s, rh, b := sendReq(t, m, h.url+d, map[string]string{"Authorization": auth})
					if s != http.StatusUnauthorized || rh.Get("Cache-Control") != "no-store" || rh.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s with %q: %d Cache-Control %q WWW-Authenticate %q", m, d, auth, s, rh.Get("Cache-Control"), rh.Get("WWW-Authenticate"))
					}
					if m == http.MethodGet && !strings.Contains(b, `"code":"UNAUTHENTICATED"`) {
						t.Errorf("GET %s with %q: %s", d, auth, b)
					}
				}
			}
		}
		r := doWith(t, http.MethodPost, h.url+"/graphql", "application/json", map[string]string{"Authorization": "Bearer bogus"}, []byte(`{"query":"{ topics { slug } }"}`))
		if r.status != http.StatusUnauthorized || r.header.Get("Cache-Control") != "no-store" || r.code() != "UNAUTHENTICATED" {
			t.Errorf("POST with a bad token: %d %q %s", r.status, r.header.Get("Cache-Control"), r.code())
		}
	})

	// Every translation's card says it is a translation and its review
	// status, in English, as its page does.
	t.Run("TranslationCards", func(t *testing.T) {
		n := 0
		for _, r := range h.resources {
			_, _, card := sendReq(t, http.MethodGet, h.url+"/embed/resources/"+r.slug, nil)
			has := strings.Contains(card, `<p class="status" lang="en" dir="ltr"><strong>Translation.</strong> Review status: `)
			if has != r.translation {
				t.Errorf("card %s (translation %v): status line shown %v", r.slug, r.translation, has)
			}
			if r.translation {
				n++
				if r.translationStatus == "" || !strings.Contains(card, "Review status: "+htmlEscape(r.translationStatus)+"</p>") {
					t.Errorf("card %s lacks its status %q", r.slug, r.translationStatus)
				}
			}
		}
		if n < 3 {
			t.Errorf("only %d translations in the library", n)
		}
	})

	// Every address under /embed/resources/ that is not a published or
	// withdrawn resource's card is 404 with a card of the same kind: HTML,
	// framable, no scripts.
	t.Run("CardNotFound", func(t *testing.T) {
		for _, p := range []string{"/embed/resources/", "/embed/resources/no-such-thing", "/embed/resources/" + h.resources[0].slug + "/x",
			"/embed/resources/Not%20A%20Slug", "/embed/resources/" + url.PathEscape("a\x00b"), "/embed/resources/" + h.resources[0].slug + ".ris",
			"/embed/resources/%2e%2e"} {
			s, rh, b := sendReq(t, http.MethodGet, h.url+p, nil)
			if s != http.StatusNotFound || !strings.HasPrefix(rh.Get("Content-Type"), "text/html") || !strings.Contains(rh.Get("Content-Security-Policy"), "frame-ancestors *") ||
				!strings.Contains(b, "This resource is not available") || strings.Contains(strings.ToLower(b), "<script") {
				t.Errorf("%s: %d %q CSP %q\n%s", p, s, rh.Get("Content-Type"), rh.Get("Content-Security-Policy"), b)
			}
		}
	})

	t.Run("OEmbedURLs", func(t *testing.T) { oembedURLClass(t, h) })
	t.Run("OEmbedSizes", func(t *testing.T) { oembedSizeClass(t, h) })
	t.Run("OEmbedParameters", func(t *testing.T) { oembedParamClass(t, h) })
	t.Run("DiscoveryLinks", func(t *testing.T) { discoveryClass(t, h) })
	t.Run("CiteThisLanguage", func(t *testing.T) { citeLanguageClass(t, h) })
	t.Run("ScoresRounded", func(t *testing.T) { scoresClass(t, h) })
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// oembedURLClass: /oembed answers 200 for exactly the URLs that are a
// resource page of this hub, and 404 for every other. The oracle is the
// hub's own page route: the URL's path (as sent, no redirect followed)
// answers a resource page (200, or 410 for a withdrawn one) whose
// canonical link is <public>/resources/<slug>; and RFC 9110 4.2.4
// (userinfo in an http(s) URI is an error). Cases are generated by
// mutating each resource's page URL.
func oembedURLClass(t *testing.T, h *reuseHub) {
	rnd := rand.New(rand.NewSource(18))
	mutations := []func(slug string) string{
		func(s string) string { return "https://hub.example.org/resources/" + s },
		func(s string) string { return "http://hub.example.org/resources/" + s },
		func(s string) string { return "https://HUB.example.org/resources/" + s },
		func(s string) string { return "https://hub.example.org:443/resources/" + s },
		func(s string) string { return "https://hub.example.org:8443/resources/" + s },
		func(s string) string { return "https://hub.example.org/resources/" + s + "?utm=x#top" },
		func(s string) string { return "https://hub.example.org/embed/resources/" + s },
		func(s string) string { return "https://user@hub.example.org/resources/" + s },
		func(s string) string { return "https://user:pw@hub.example.org/resources/" + s },
		func(s string) string { return "https://hub.example.org/resources%2F" + s },
		func(s string) string { return "https://hub.example.org/resources%2f" + s },
		func(s string) string { return "https://hub.example.org/resources/" + s + "/" },
		func(s string) string { return "https://hub.example.org/resources//" + s },
		func(s string) string { return "https://hub.example.org//resources/" + s },
		func(s string) string { return "https://hub.example.org/resources/./" + s },
		func(s string) string { return "https://hub.example.org/x/../resources/" + s },
		func(s string) string { return "https://hub.example.org/resources/" + s + ".ris" },
		func(s string) string { return "https://hub.example.org/resources/" + s + "%2Fx" },
		func(s string) string { return "https://hub.example.org/Resources/" + s },
		func(s string) string { return "https://hub.example.org/resources/" + strings.ToUpper(s) },
		func(s string) string {
			return "https://hub.example.org/resources/%" + fmt.Sprintf("%02X", s[0]) + s[1:]
		},
		func(s string) string { return "https://hub.example.org/%72esources/" + s },
		func(s string) string { return "https://elsewhere.example/resources/" + s },
		func(s string) string { return "hub.example.org/resources/" + s },
		func(s string) string { return "//hub.example.org/resources/" + s },
		func(s string) string { return "/resources/" + s },
		func(s string) string { return "ftp://hub.example.org/resources/" + s },
		func(s string) string { return "https://hub.example.org/resources/" + s + "%00" },
		func(s string) string { return "https://hub.example.org/topics/" + s },
	}
	for _, r := range h.resources {
		for _, mi := range rnd.Perm(len(mutations))[:8] {
			raw := mutations[mi](r.slug)
			s, _, body := sendReq(t, http.MethodGet, h.url+"/oembed?url="+url.QueryEscape(raw), nil)
			want := http.StatusNotFound
			u, err := url.Parse(raw)
			if err == nil && u.User == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Hostname(), "hub.example.org") && (u.Port() == "" || u.Port() == "443") {
				ps, _, page := sendReq(t, http.MethodGet, h.url+u.EscapedPath(), nil)
				if (ps == http.StatusOK || ps == http.StatusGone) && strings.Contains(page, `<link rel="canonical" href="https://hub.example.org/resources/`+r.slug+`">`) {
					want = http.StatusOK
				}
			}
			if s != want {
				t.Errorf("oembed url %s: %d, want %d (%s)", raw, s, want, body)
			}
			if s == http.StatusOK && !strings.Contains(body, `/embed/resources/`+r.slug+`\"`) {
				t.Errorf("oembed url %s: card of another resource: %s", raw, body)
			}
		}
	}
	// A missing or empty url is a missing required parameter: 400.
	for _, q := range []string{"", "url=", "format=json", "url=&format=json", "maxwidth=300"} {
		if s, _, b := sendReq(t, http.MethodGet, h.url+"/oembed?"+q, nil); s != http.StatusBadRequest || !strings.Contains(b, `"code":"BAD_REQUEST"`) || !strings.Contains(b, "url") {
			t.Errorf("oembed?%s: %d %s", q, s, b)
		}
	}
}

// oembedSizeClass: maxwidth and maxheight of any length of ASCII digits
// that is not zero cap the card (the answer is never larger than asked,
// and never larger than the card's 560×300); anything else is 400. The
// oracle reads the digits with math/big.
func oembedSizeClass(t *testing.T, h *reuseHub) {
	rnd := rand.New(rand.NewSource(15))
	page := url.QueryEscape("https://hub.example.org/resources/" + h.resources[0].slug)
	var cases []string
	for i := 0; i < 60; i++ {
		n := 1 + rnd.Intn(40)
		b := make([]byte, n)
		for j := range b {
			b[j] = "0123456789"[rnd.Intn(10)]
		}
		if rnd.Intn(4) == 0 {
			b[0] = '0'
		}
		cases = append(cases, string(b))
	}
	cases = append(cases, "0", "000", "1", "559", "560", "561", "300", "301", "99999999999999999999", "+300", "-1", "1e3", "0x10", " 300", "3 00", "300.0", "٣٠٠", "NaN", "")
	for _, v := range cases {
		for _, p := range []struct {
			name string
			card int64
			key  string
		}{{"maxwidth", 560, "width"}, {"maxheight", 300, "height"}} {
			s, _, body := sendReq(t, http.MethodGet, h.url+"/oembed?url="+page+"&"+p.name+"="+url.QueryEscape(v), nil)
			n, ok := new(big.Int).SetString(v, 10)
			valid := ok && v != "" && strings.Trim(v, "0123456789") == "" && n.Sign() > 0
			if v == "" {
				valid, n = true, big.NewInt(p.card) // an empty value is no value
			}
			if !valid {
				if s != http.StatusBadRequest || !strings.Contains(body, p.name) {
					t.Errorf("%s=%q: %d %s, want 400 naming it", p.name, v, s, body)
				}
				continue
			}
			var o map[string]any
			if s != http.StatusOK || json.Unmarshal([]byte(body), &o) != nil {
				t.Errorf("%s=%q: %d %s", p.name, v, s, body)
				continue
			}
			want := p.card
			if n.Cmp(big.NewInt(p.card)) < 0 {
				want = n.Int64()
			}
			if got, _ := o[p.key].(float64); int64(got) != want {
				t.Errorf("%s=%q: %s %v, want %d", p.name, v, p.key, o[p.key], want)
			}
		}
	}
}

// oembedParamClass: a parameter (any of them, name or value) holding a
// control character is 400 saying so; one that is not UTF-8 is 400 saying
// that; tab and line breaks are text, not control characters to refuse.
func oembedParamClass(t *testing.T, h *reuseHub) {
	page := url.QueryEscape("https://hub.example.org/resources/" + h.resources[0].slug)
	for c := rune(0); c <= 0x7f; c++ {
		if c >= 0x20 && c < 0x7f {
			continue
		}
		for _, q := range []string{"url=" + page + "&maxwidth=" + url.QueryEscape(string(c)), "url=" + url.QueryEscape("https://hub.example.org/resources/x"+string(c)), "url=" + page + "&x" + url.QueryEscape(string(c)) + "=1"} {
			s, _, b := sendReq(t, http.MethodGet, h.url+"/oembed?"+q, nil)
			switch {
			case c == '\t' || c == '\n' || c == '\r':
				if strings.Contains(b, "control character") {
					t.Errorf("%U refused as a control character: %s", c, b)
				}
			case s != http.StatusBadRequest || !strings.Contains(b, "contains a control character"):
				t.Errorf("oembed?%s (%U): %d %s", q, c, s, b)
			}
		}
	}
	for _, v := range []string{"%ff", "%c3%28", "%ed%a0%80", "%f8%88%80%80%80"} {
		s, _, b := sendReq(t, http.MethodGet, h.url+"/oembed?url="+page+"&maxwidth="+v, nil)
		if s != http.StatusBadRequest || !strings.Contains(b, "not valid UTF-8") || !strings.Contains(b, "maxwidth") {
			t.Errorf("maxwidth=%s: %d %s", v, s, b)
		}
	}
}

// discoveryClass: every resource page links its oEmbed endpoint with an
// absolute href (oEmbed 4: consumers fetch the href as it is) on the
// public base, and that href, fetched from this hub, is the page's oEmbed
// answer.
func discoveryClass(t *testing.T, h *reuseHub) {
	for _, r := range h.resources {
		_, _, page := sendReq(t, http.MethodGet, h.url+"/resources/"+r.slug, nil)
		i := strings.Index(page, `<link rel="alternate" type="application/json+oembed" href="`)
		if i < 0 {
			t.Errorf("%s: no oEmbed discovery link", r.slug)
			continue
		}
		href := page[i+len(`<link rel="alternate" type="application/json+oembed" href="`):]
		href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
		u, err := url.Parse(href)
		if err != nil || !u.IsAbs() || u.Host != "hub.example.org" || u.Path != "/oembed" {
			t.Errorf("%s: discovery href %q is not the absolute endpoint", r.slug, href)
			continue
		}
		s, _, body := sendReq(t, http.MethodGet, h.url+u.RequestURI(), nil)
		if s != http.StatusOK || !strings.Contains(body, `"type":"rich"`) || !strings.Contains(body, "/embed/resources/"+r.slug+`\"`) {
			t.Errorf("%s: %s → %d %s", r.slug, href, s, body)
		}
	}
}

// citeLanguageClass: on every resource page the "Cite this" reference is
// English with the title alone in the resource's language: the paragraph
// carries no lang or dir, and the one element inside that does holds
// exactly the title (README: lang/dir on every piece of text in another
// language, and only on it).
func citeLanguageClass(t *testing.T, h *reuseHub) {
	n := 0
	for _, r := range h.resources {
		_, _, page := sendReq(t, http.MethodGet, h.url+"/resources/"+r.slug, nil)
		doc, err := html.Parse(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		var cite *html.Node
		for d := range doc.Descendants() {
			if d.Type == html.ElementNode && d.Data == "div" && slices.ContainsFunc(d.Attr, func(a html.Attribute) bool { return a.Key == "class" && strings.Contains(a.Val, "hub-citation") }) {
				cite = d
			}
		}
		if cite == nil {
			t.Errorf("%s: no Cite this", r.slug)
			continue
		}
		var marked []*html.Node
		for d := range cite.Descendants() {
			if d.Type == html.ElementNode && slices.ContainsFunc(d.Attr, func(a html.Attribute) bool { return a.Key == "lang" || a.Key == "dir" }) {
				marked = append(marked, d)
			}
		}
		english := r.language == "en" || strings.HasPrefix(r.language, "en-")
		switch {
		case english && len(marked) != 0:
			t.Errorf("%s (English): %d elements of the reference carry lang/dir", r.slug, len(marked))
		case !english && (len(marked) != 1 || marked[0].Data != "span" || text(marked[0]) != r.title || attr(marked[0], "lang") != r.language):
			t.Errorf("%s (%s): lang/dir on %d elements, want one span around the title %q", r.slug, r.language, len(marked), r.title)
		case !english:
			n++
			if !strings.Contains(text(cite), "Available at: https://hub.example.org/resources/"+r.slug) {
				t.Errorf("%s: reference %q", r.slug, text(cite))
			}
		}
	}
	if n < 3 {
		t.Errorf("only %d translated pages checked", n)
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// scoresClass: every score the API gives, for a search by each library
// resource's first title words, has at most graph.ScoreDigits significant
// digits (so replicas agree: issue 18's breaker saw 0.06236711845043762
// against …761), and relevance order is not broken by the rounding.
func scoresClass(t *testing.T, h *reuseHub) {
	n := 0
	for _, r := range h.resources {
		words := strings.Fields(r.title)
		q := strings.Join(words[:min(2, len(words))], " ")
		res := post(t, h.url, `query($q: String!) { search(query: $q, first: 50) { edges { score } } }`, map[string]any{"q": q})
		edges, _ := path(res.Data, "search", "edges").([]any)
		prev := math.Inf(1)
		for _, e := range edges {
			s := path(e, "score").(float64)
			// A relaxed two-word search's resources with both words score
			// search.EveryWordBonus more: the digits count below it
			// (graph.RoundScore).
			below := s
			if s >= search.EveryWordBonus {
				below = s - search.EveryWordBonus
				if math.Abs(graph.RoundScore(below)-below) > 1e-9 {
					t.Errorf("search %q: score %v is not rounded below the every-word tier", q, s)
				}
				below = graph.RoundScore(below)
			}
			if d := strings.TrimLeft(strings.Replace(strings.Split(strconv.FormatFloat(below, 'e', -1, 64), "e")[0], ".", "", 1), "-0"); len(d) > graph.ScoreDigits {
				t.Errorf("search %q: score %v has %d significant digits", q, s, len(d))
			}
			if s > prev {
				t.Errorf("search %q: score %v after %v", q, s, prev)
			}
			prev = s
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d scores seen", n)
	}
}
