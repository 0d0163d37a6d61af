package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWebhookEventsOfAResourceArriveInOrder (breaker5 F5): a withdraw
// followed at once by a re-publish reached the receiver as "published"
// then "withdrawn" (both revision 3), so a partner hid a live resource.
// Here the receiver is slow on some events (as a real one is on a cold
// path), which lets concurrent sends overtake each other; each of several
// resources is withdrawn and re-published a few times in quick succession.
// For every resource, the events the receiver got must be, in arrival
// order, its changes as the change feed lists them (commit order).
func TestWebhookEventsOfAResourceArriveInOrder(t *testing.T) {
	e := startEditorialHubWith(t, map[string]string{"HUB_WEBHOOK_ALLOW_PRIVATE": "true"})
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	var (
		mu      sync.Mutex
		arrived = map[string][]string{} // slug → event types in arrival order
		count   int
	)
	rng := rand.New(rand.NewPCG(uint64(seed), 5))
	var rngMu sync.Mutex
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Type string
			Data struct{ Slug string }
		}
		json.Unmarshal(body, &p)
		if p.Type == "resource.withdrawn" {
			rngMu.Lock()
			d := time.Duration(50+rng.IntN(150)) * time.Millisecond
			rngMu.Unlock()
			time.Sleep(d)
		}
		mu.Lock()
		if strings.HasPrefix(p.Data.Slug, "ordered-") {
			arrived[p.Data.Slug] = append(arrived[p.Data.Slug], p.Type)
			count++
		}
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	const registerQ = `mutation($in: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $in) { secret } }`
	if r := authed(t, e.url, e.admin, registerQ, map[string]any{"in": map[string]any{"url": rcv.URL + "/hook", "events": []string{"PUBLISHED", "UPDATED", "WITHDRAWN"}}}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	const publishQ = `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`
	const withdrawQ = `mutation($id: ID!) { withdrawResource(id: $id, reason: "Checking") { resource { id } } }`
	start := path(post(t, e.url, changesQ, map[string]any{"first": 1}).Data, "changes", "cursor").(string)
	ids := map[string]string{}
	for i := 0; i < 4; i++ {
		slug := fmt.Sprintf("ordered-%d", i)
		ids[slug] = path(authed(t, e.url, e.editor, createQ, newDraft(slug, "Ordered "+slug)).Data, "createResource", "resource", "id").(string)
		authed(t, e.url, e.editor, publishQ, map[string]any{"id": ids[slug]})
	}
	for round := 0; round < 3; round++ {
		for slug, id := range ids {
			if r := authed(t, e.url, e.editor, withdrawQ, map[string]any{"id": id}); len(r.Errors) > 0 {
				t.Fatal(slug, r.Errors)
			}
			if r := authed(t, e.url, e.editor, publishQ, map[string]any{"id": id}); len(r.Errors) > 0 {
				t.Fatal(slug, r.Errors)
			}
		}
	}
	// The oracle: the change feed, in commit order.
	want := map[string][]string{}
	total := 0
	for cursor, more := start, true; more; {
		r := post(t, e.url, changesQ, map[string]any{"after": cursor, "first": 100})
		for _, edge := range path(r.Data, "changes", "edges").([]any) {
			slug := path(edge, "node", "slug").(string)
			if strings.HasPrefix(slug, "ordered-") {
				want[slug] = append(want[slug], "resource."+strings.ToLower(path(edge, "node", "action").(string)))
				total++
			}
		}
		cursor = path(r.Data, "changes", "cursor").(string)
		more = path(r.Data, "changes", "pageInfo", "hasNextPage").(bool)
	}
	if total != 4*7 {
		t.Fatalf("change feed lists %d changes of the resources, want %d", total, 4*7)
	}
	waitFor(t, "every event at the receiver", func() bool { mu.Lock(); defer mu.Unlock(); return count >= total })
	mu.Lock()
	defer mu.Unlock()
	for slug, w := range want {
		if got := arrived[slug]; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("%s arrived as\n%v\nwant the change feed's order\n%v", slug, got, w)
		}
	}
}
