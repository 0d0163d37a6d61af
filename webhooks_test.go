package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"guidancehub/internal/content"
	"guidancehub/internal/testdb"
)

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

// An admin registers an endpoint through GraphQL; a real receiver verifies
// every request with the specification's algorithm; publications arrive
// as signed events, and each also appears in the change feed. Prints the
// event-to-delivery and event-to-feed latencies.
func TestWebhooksEndToEnd(t *testing.T) {
	e := startEditorialHubWith(t, map[string]string{"HUB_WEBHOOK_ALLOW_PRIVATE": "true"})
	var (
		mu      sync.Mutex
		secret  string
		arrived = map[string]time.Time{}
		bodies  = map[string]map[string]any{}
		bad     []string
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		if err != nil {
			bad = append(bad, err.Error())
			w.WriteHeader(400)
			return
		}
		var p map[string]any
		json.Unmarshal(body, &p)
		if slug, _ := path(p, "data", "slug").(string); slug != "" {
			if _, ok := arrived[slug]; !ok {
				arrived[slug] = time.Now()
			}
			bodies[slug] = p
		} else {
			bodies[p["type"].(string)] = p
		}
		w.WriteHeader(204)
	}))
	defer rcv.Close()

	const registerQ = `mutation($in: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $in) { secret endpoint { id url events enabled } } }`
	in := map[string]any{"in": map[string]any{"url": rcv.URL + "/hook", "events": []string{"PUBLISHED", "WITHDRAWN"}}}
	for who, tok := range map[string]string{"UNAUTHENTICATED": "", "FORBIDDEN": e.editor} {
		if r := authed(t, e.url, tok, registerQ, in); r.code() != who {
			t.Errorf("register as %q: %+v, want %s", tok, r.Errors, who)
		}
	}
	r := authed(t, e.url, e.admin, registerQ, in)
	if len(r.Errors) > 0 {
		t.Fatalf("register: %+v", r.Errors)
	}
	mu.Lock()
	secret = path(r.Data, "registerWebhookEndpoint", "secret").(string)
	mu.Unlock()
	endpointID := path(r.Data, "registerWebhookEndpoint", "endpoint", "id").(string)
	if r := authed(t, e.url, e.admin, `mutation($id: ID!) { sendTestWebhook(id: $id) { messageId status } }`, map[string]any{"id": endpointID}); len(r.Errors) > 0 {
		t.Fatalf("test event: %+v", r.Errors)
	}
	waitFor(t, "the test event", func() bool { mu.Lock(); defer mu.Unlock(); return bodies["webhook.test"] != nil })

	// Publish one at a time; time each event to the feed and to the receiver.
	cursor := path(post(t, e.url, changesQ, map[string]any{"first": 1}).Data, "changes", "cursor").(string)
	const n = 30
	var toFeed, toHook []time.Duration
	for i := range n {
		slug := fmt.Sprintf("hooked-%d", i)
		id := path(authed(t, e.url, e.editor, createQ, newDraft(slug, "Hooked "+slug)).Data, "createResource", "resource", "id").(string)
		if r := authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		committed := time.Now()
		for found := false; !found; {
			r := post(t, e.url, changesQ, map[string]any{"after": cursor})
			for _, edge := range path(r.Data, "changes", "edges").([]any) {
				found = found || path(edge, "node", "slug") == slug
			}
			cursor = path(r.Data, "changes", "cursor").(string)
			if time.Since(committed) > 10*time.Second {
				t.Fatalf("%s not in the feed after 10 s", slug)
			}
		}
		toFeed = append(toFeed, time.Since(committed))
		waitFor(t, slug+" at the receiver", func() bool { mu.Lock(); defer mu.Unlock(); _, ok := arrived[slug]; return ok })
		mu.Lock()
		toHook = append(toHook, arrived[slug].Sub(committed))
		mu.Unlock()
	}
	t.Logf("event to feed (commit to visible in changes, polling): p50 %s p99 %s", percentile(toFeed, 50).Round(time.Millisecond), percentile(toFeed, 99).Round(time.Millisecond))
	t.Logf("event to webhook delivery (commit to receiver): p50 %s p99 %s over %d events", percentile(toHook, 50).Round(time.Millisecond), percentile(toHook, 99).Round(time.Millisecond), n)

	mu.Lock()
	p := bodies["hooked-0"]
	if len(bad) > 0 || path(p, "type") != "resource.published" || path(p, "data", "url") != "https://hub.example.org/resources/hooked-0" {
		t.Errorf("bad signatures %v; payload %v", bad, p)
	}
	mu.Unlock()
	// The receiver has everything; the hub records each outcome just after.
	var ds []any
	waitFor(t, "every outcome recorded", func() bool {
		r = authed(t, e.url, e.admin, `{ webhookEndpoints { id enabled deliveries(first: 100) { messageId eventType status attempts lastStatusCode } } }`, nil)
		ds = path(r.Data, "webhookEndpoints").([]any)[0].(map[string]any)["deliveries"].([]any)
		for _, d := range ds {
			if path(d, "status") == "PENDING" {
				return false
			}
		}
		return true
	})
	if len(ds) != n+1 {
		t.Errorf("deliveries listed = %d, want %d", len(ds), n+1)
	}
	for _, d := range ds {
		if path(d, "status") != "DELIVERED" || path(d, "lastStatusCode") != float64(204) {
			t.Errorf("delivery %v", d)
		}
	}
}

// Stop the hub while deliveries are in flight, start it again on the same
// database: every event arrives; duplicates (same webhook-id) are counted.
func TestWebhooksSurviveAHubRestart(t *testing.T) {
	dsn := testdb.DSN(t)
	vars := func() map[string]string {
		return map[string]string{"DATABASE_URL": dsn, "HUB_RESOURCES_DIR": t.TempDir(), "HUB_DATA_DIR": t.TempDir(),
			"HUB_PUBLIC_URL": "https://hub.example.org/", "HUB_WEBHOOK_ALLOW_PRIVATE": "true"}
	}
	first := startHub(t, vars())
	db := testdb.OpenDSN(t, dsn)
	ctx := context.Background()
	admin, _, err := db.CreateToken(ctx, "restart admin", content.RoleAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		secret   string
		got      = map[string]int{}
		requests int
		hold     = make(chan struct{})
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		requests++
		h := hold
		mu.Unlock()
		<-h
		mu.Lock()
		defer mu.Unlock()
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(body, r.Header); err != nil {
			w.WriteHeader(400)
			return
		}
		got[r.Header.Get("webhook-id")]++
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	r := authed(t, first.url, admin, `mutation($in: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $in) { secret } }`,
		map[string]any{"in": map[string]any{"url": rcv.URL}})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	mu.Lock()
	secret = path(r.Data, "registerWebhookEndpoint", "secret").(string)
	mu.Unlock()

	const n = 20
	var files []content.FileImport
	for i := range n {
		f := content.FileImport{Path: fmt.Sprintf("/restart/%d.md", i), Hash: fmt.Sprint(i), Status: content.StatusPublished, Draft: newFileDraft(fmt.Sprintf("restart-%d", i))}
		files = append(files, f)
	}
	if _, err := db.ImportFiles(ctx, files, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deliveries in flight", func() bool { mu.Lock(); defer mu.Unlock(); return requests > 0 })
	first.stop() // mid-send: the requests in flight are abandoned
	mu.Lock()
	inFlight := requests
	close(hold) // the receiver answers what it still holds
	hold = make(chan struct{})
	close(hold)
	mu.Unlock()

	startHub(t, vars())
	waitFor(t, "every event after the restart", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n })
	time.Sleep(500 * time.Millisecond) // room for a stray resend
	mu.Lock()
	defer mu.Unlock()
	total, dups := 0, 0
	for _, c := range got {
		total += c
		dups += c - 1
	}
	t.Logf("hub stopped with %d requests in flight: %d events sent, %d received (%d distinct), %d duplicates", inFlight, n, total, len(got), dups)
}

// TestWebhookEmptyEventsAreRefused: breaker3 F11's example over the API.
// registerWebhookEndpoint with events: [] registered an endpoint that got
// every event; now it is INVALID_ARGUMENT naming input.events (likewise
// kinds: [] and topics: []) and no endpoint is stored, while events left
// out still means all three. (The class: internal/partner
// TestEmptyWebhookListsAreRefused.)
func TestWebhookEmptyEventsAreRefused(t *testing.T) {
	e := startEditorialHubWith(t, map[string]string{"HUB_WEBHOOK_ALLOW_PRIVATE": "true"})
	const registerQ = `mutation($in: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $in) { endpoint { events kinds topics } } }`
	for field, in := range map[string]map[string]any{
		"input.events": {"url": "http://127.0.0.1:9/x", "events": []string{}},
		"input.kinds":  {"url": "http://127.0.0.1:9/x", "kinds": []string{}},
		"input.topics": {"url": "http://127.0.0.1:9/x", "events": []string{"PUBLISHED"}, "topics": []string{}},
	} {
		r := authed(t, e.url, e.admin, registerQ, map[string]any{"in": in})
		if r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != field {
			t.Errorf("%v: %+v, want INVALID_ARGUMENT naming %s", in, r.Errors, field)
		}
	}
	if r := authed(t, e.url, e.admin, `{ webhookEndpoints { id } }`, nil); len(r.Errors) > 0 || len(r.Data["webhookEndpoints"].([]any)) != 0 {
		t.Errorf("endpoints stored after refusals: %+v %v", r.Errors, r.Data)
	}
	r := authed(t, e.url, e.admin, registerQ, map[string]any{"in": map[string]any{"url": "http://127.0.0.1:9/x"}})
	if got := fmt.Sprint(path(r.Data, "registerWebhookEndpoint", "endpoint", "events")); got != "[PUBLISHED UPDATED WITHDRAWN]" {
		t.Errorf("events left out: %s %+v", got, r.Errors)
	}
}
