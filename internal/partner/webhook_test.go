package partner_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// The specification's test vector: our signer (the library, given the
// raw key we store) gives the signature the specification gives.
func TestSignatureMatchesSpecVector(t *testing.T) {
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	wh, _ := standardwebhooks.NewWebhookRaw(key)
	got, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || got != want {
		t.Fatalf("signature = %q, %v; want %q", got, err, want)
	}
}

func TestForbiddenAddresses(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true, "169.254.169.254": true,
		"fe80::1": true, "fd00::1": true, "0.0.0.0": true, "::": true, "::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true,
		"100.64.0.1": true, "224.0.0.1": true, "93.184.216.34": false, "2606:2800:220:1:248:1893:25c8:1946": false, "8.8.8.8": false,
	} {
		if got := partner.Forbidden(netip.MustParseAddr(s)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", s, got, want)
		}
	}
}

// receiver is a real HTTP receiver that verifies every request as the
// specification says and counts messages by webhook-id.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	got      map[string]int
	at       map[string]time.Time
	bad      []string
	status   func(n int) int // answer to the nth request (from 1)
	requests int
	hold     chan struct{} // when not nil, requests wait on it
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string]int{}, at: map[string]time.Time{}, status: func(int) int { return 204 }}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests++
		n, hold, secret := r.requests, r.hold, r.secret
		r.mu.Unlock()
		if hold != nil {
			<-hold
		}
		wh, err := standardwebhooks.NewWebhook(secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", req.Header.Get("webhook-id"), err))
			w.WriteHeader(400)
			return
		}
		code := r.status(n)
		if code/100 == 2 {
			id := req.Header.Get("webhook-id")
			r.got[id]++
			if _, ok := r.at[id]; !ok {
				r.at[id] = time.Now()
			}
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) counts() (distinct, total, dups int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		distinct++
		total += n
		if n > 1 {
			dups += n - 1
		}
	}
	return
}

// publishN imports n published resources (one change each) in one go.
func publishN(t *testing.T, db *postgres.DB, prefix string, n int) {
	t.Helper()
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var files []content.FileImport
	for i := range n {
		slug := fmt.Sprintf("%s-%d", prefix, i)
		files = append(files, content.FileImport{Path: "/hooks/" + slug + ".md", Hash: slug, Status: content.StatusPublished,
			Draft: content.Draft{Kind: content.KindGuidance, Slug: slug, Title: "Title " + slug, Summary: "S", Body: "B",
				Topics: []string{"charging"}, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "en",
				PublishedAt: &day, LastReviewedAt: &day, NextReviewDue: &day, Sources: []content.Source{{Title: "S", URL: "https://example.org/"}}}})
	}
	if _, err := db.ImportFiles(context.Background(), files, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setup gives a database with the webhooks reader started and one
// endpoint pointing at a fresh receiver.
func setup(t *testing.T, opts content.WebhookEndpointInput) (*postgres.DB, *receiver, *partner.Webhooks) {
	db := testdb.Open(t, postgres.Options{})
	rcv := newReceiver(t)
	w := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: true, PublicURL: "https://hub.example.org"})
	if err := w.Round(context.Background()); err != nil { // starts the reader at the present
		t.Fatal(err)
	}
	opts.URL = rcv.URL + "/hook"
	_, secret, err := w.Register(context.Background(), opts, "test")
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret = secret
	return db, rcv, w
}

// runUntil runs replicas until every one of want messages arrived and
// every outcome is recorded (or 60 s).
func runUntil(t *testing.T, db *postgres.DB, rcv *receiver, want int, ws ...*partner.Webhooks) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()
	for range 600 {
		var pending int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if d, _, _ := rcv.counts(); d >= want && pending == 0 {
			return
		}
		for _, w := range ws {
			w.Wake()
		}
		time.Sleep(100 * time.Millisecond)
	}
	d, _, _ := rcv.counts()
	t.Fatalf("%d of %d messages arrived", d, want)
}

func TestWebhooksTwoReplicasDeliverEachEventOnce(t *testing.T) {
	db, rcv, _ := setup(t, content.WebhookEndpointInput{})
	const n = 120
	publishN(t, db, "twice", n)
	opts := partner.WebhookOptions{AllowPrivate: true, PublicURL: "https://hub.example.org", Poll: 50 * time.Millisecond}
	a, b := partner.NewWebhooks(db, opts), partner.NewWebhooks(db, opts)
	runUntil(t, db, rcv, n, a, b)
	time.Sleep(300 * time.Millisecond) // room for a stray second send
	distinct, total, dups := rcv.counts()
	t.Logf("two replicas: %d events, %d received, %d duplicates, %d bad signatures", distinct, total, dups, len(rcv.bad))
	if distinct != n || dups != 0 || len(rcv.bad) != 0 {
		t.Errorf("got %d distinct, %d duplicates, bad %v; want %d, 0, none", distinct, dups, rcv.bad, n)
	}
	var status string
	db.Pool().QueryRow(context.Background(), `SELECT string_agg(DISTINCT status, ',') FROM webhook_deliveries`).Scan(&status)
	if status != "DELIVERED" {
		t.Errorf("delivery statuses = %q, want all DELIVERED", status)
	}
}

// A process stopped in the middle of sending leaves its claimed
// deliveries to be retried when their lease ends: every event arrives.
func TestWebhooksSurviveAStopDuringDeliveries(t *testing.T) {
	db, rcv, _ := setup(t, content.WebhookEndpointInput{})
	const n = 60
	publishN(t, db, "crash", n)
	rcv.mu.Lock()
	rcv.hold = make(chan struct{})
	rcv.mu.Unlock()
	first := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: true, PublicURL: "https://hub.example.org", Lease: time.Second, Poll: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { first.Run(ctx); close(done) }()
	for range 200 { // wait until requests are in flight
		rcv.mu.Lock()
		inFlight := rcv.requests
		rcv.mu.Unlock()
		if inFlight > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // the process goes away mid-send: no outcome recorded
	<-done
	rcv.mu.Lock()
	close(rcv.hold) // the receiver may still accept what was in flight
	rcv.hold = nil
	rcv.mu.Unlock()
	var pending int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING'`).Scan(&pending)
	second := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: true, PublicURL: "https://hub.example.org", Poll: 50 * time.Millisecond})
	runUntil(t, db, rcv, n, second)
	distinct, total, dups := rcv.counts()
	t.Logf("stopped mid-send with %d of %d pending: %d events sent, %d received (%d distinct), %d duplicates", pending, n, n, total, distinct, dups)
	if distinct != n {
		t.Errorf("%d of %d events arrived after the restart", distinct, n)
	}
}

// Failures are retried with backoff; 410 Gone fails the delivery and
// disables the endpoint with the reason.
func TestWebhooksRetryThenDisableOnGone(t *testing.T) {
	db, rcv, w := setup(t, content.WebhookEndpointInput{})
	ctx := context.Background()
	rcv.status = func(n int) int {
		if n == 1 {
			return 500
		}
		return 204
	}
	publishN(t, db, "retry", 1)
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	var attempts int
	var gap float64
	var lastErr string
	db.Pool().QueryRow(ctx, `SELECT attempts, extract(epoch FROM next_attempt_at - last_attempt_at), last_error FROM webhook_deliveries`).Scan(&attempts, &gap, &lastErr)
	if attempts != 1 || gap < 3 || gap > 7 || !strings.Contains(lastErr, "500") {
		t.Fatalf("after a 500: attempts %d, next after %.1f s, error %q; want 1, about 5 s, the status", attempts, gap, lastErr)
	}
	db.Pool().Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now()`)
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := rcv.counts(); d != 1 {
		t.Fatalf("retried delivery not received")
	}

	rcv.status = func(int) int { return 410 }
	publishN(t, db, "gone", 1)
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	es, _ := w.Endpoints(ctx)
	if len(es) != 1 || es[0].Enabled || !strings.Contains(es[0].DisabledReason, "410") {
		t.Fatalf("endpoint after 410 = %+v, want disabled saying 410", es[0])
	}
	ds, _ := w.Deliveries(ctx, es[0].ID, 10)
	var states []string
	for _, d := range ds {
		states = append(states, fmt.Sprintf("%s/%d", d.Status, d.Attempts))
	}
	sort.Strings(states)
	if strings.Join(states, " ") != "DELIVERED/2 FAILED/1" {
		t.Errorf("deliveries = %v, want one delivered on its 2nd attempt and one failed", states)
	}
}

func TestBackoffGrowsAndStaysBounded(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		d := partner.Backoff(n)
		if d < prev/2 || d > partner.MaxRetryGap*6/5 {
			t.Errorf("Backoff(%d) = %s after %s", n, d, prev)
		}
		prev = d
	}
	if d := partner.Backoff(1); d < 4*time.Second || d > 6*time.Second {
		t.Errorf("first retry after %s, want about 5 s", d)
	}
}

// Registration refuses private targets unless allowed; the dialer refuses
// them even when a name resolves there; redirects are never followed.
func TestWebhooksRefusePrivateAddressesAndRedirects(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	strict := partner.NewWebhooks(db, partner.WebhookOptions{})
	for _, u := range []string{"http://127.0.0.1/x", "http://[::1]/x", "http://10.0.0.1/", "http://169.254.169.254/latest", "ftp://example.org/", "http://user:pw@example.org/", "not a url"} {
		if _, _, err := strict.Register(ctx, content.WebhookEndpointInput{URL: u}, "t"); content.ErrorCode(err) != content.EINVALID {
			t.Errorf("register %s: %v, want EINVALID", u, err)
		}
	}
	// A name (localhost) passes registration, but the dialled address is checked.
	rcv := newReceiver(t)
	u := strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1) + "/hook"
	e, secret, err := strict.Register(ctx, content.WebhookEndpointInput{URL: u}, "t")
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret = secret
	if _, err := strict.SendTest(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := strict.Round(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ := strict.Deliveries(ctx, e.ID, 1)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.requests != 0 || len(ds) != 1 || !strings.Contains(ds[0].LastError, "loopback, private or link-local") {
		t.Errorf("localhost endpoint: %d requests, delivery %+v; want none sent and the reason", rcv.requests, ds)
	}

	// Redirects: a 307 to another path is an answer, not followed.
	var followed atomic.Bool
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Store(true)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	loose := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: true})
	e2, _, err := loose.Register(ctx, content.WebhookEndpointInput{URL: redir.URL + "/hook"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	loose.SendTest(ctx, e2.ID)
	if err := loose.Round(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ = loose.Deliveries(ctx, e2.ID, 1)
	if followed.Load() || len(ds) != 1 || ds[0].Status != content.DeliveryPending || ds[0].LastStatus == nil || *ds[0].LastStatus != 307 {
		t.Errorf("redirect: followed %v, delivery %+v; want not followed, pending retry with status 307", followed.Load(), ds)
	}
}

// Kind and topic filters and event kinds choose which endpoints get what.
func TestWebhooksFilters(t *testing.T) {
	db, rcv, w := setup(t, content.WebhookEndpointInput{Events: []content.ChangeAction{content.ActionWithdrawn}})
	ctx := context.Background()
	other := newReceiver(t)
	_, secret, err := w.Register(ctx, content.WebhookEndpointInput{URL: other.URL, Topics: []string{"interpreting"}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	other.secret = secret
	publishN(t, db, "filtered", 3) // PUBLISHED, topic charging: neither endpoint wants them
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if _, a, _ := rcv.counts(); a != 0 {
		t.Errorf("a withdrawals-only endpoint got %d publications", a)
	}
	if _, b, _ := other.counts(); b != 0 {
		t.Errorf("an interpreting-only endpoint got %d charging resources", b)
	}
	if _, err := db.ImportFiles(ctx, nil, content.ImportOptions{Prune: true, PruneDir: "/hooks", ForcePrune: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := rcv.counts(); d != 3 {
		t.Errorf("withdrawals-only endpoint got %d withdrawals, want 3", d)
	}
	// The payload says what happened.
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var p partner.EventPayload
	ds, _ := w.Deliveries(ctx, 1, 1)
	if err := json.Unmarshal([]byte(ds[0].Payload), &p); err != nil || p.Type != "resource.withdrawn" || p.Data.Action != content.ActionWithdrawn ||
		!strings.HasPrefix(p.Data.Slug, "filtered-") || p.Data.URL != "https://hub.example.org/resources/"+p.Data.Slug || p.Data.Cursor == "" {
		t.Errorf("payload %s: %+v %v", ds[0].Payload, p, err)
	}
}

// A process that dies after claiming deliveries (no outcome, no release)
// holds them only for its lease; then another process sends them.
func TestWebhooksClaimedByACrashedProcessAreSentAfterTheLease(t *testing.T) {
	db, rcv, w := setup(t, content.WebhookEndpointInput{})
	ctx := context.Background()
	publishN(t, db, "lease", 5)
	if _, err := db.FanOutChanges(ctx, 100, func(ev content.ChangeEvent) (string, string, []byte, error) {
		return "resource.published", fmt.Sprintf("msg_%d", ev.Seq), []byte(`{}`), nil
	}); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimWebhooks(ctx, 100, 2*time.Second) // the process that then dies
	if err != nil || len(claimed) != 5 {
		t.Fatalf("claimed %d, %v; want 5", len(claimed), err)
	}
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := rcv.counts(); total != 0 {
		t.Fatalf("%d sent while leased to another process", total)
	}
	time.Sleep(2500 * time.Millisecond)
	if err := w.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if d, total, _ := rcv.counts(); d != 5 || total != 5 {
		t.Errorf("after the lease: %d distinct, %d received; want 5, 5", d, total)
	}
}

// TestEmptyWebhookListsAreRefused: breaker3 F11, registerWebhookEndpoint
// with events: [] delivered every event. The contract (schema: "Default:
// all three", "default: all"): an omitted (nil) events, kinds or topics
// list means every one; an explicit empty list would mean none, so it is
// refused with EINVALID naming the field, and nothing is stored. Generated
// inputs: each list nil, empty or a random non-empty subset; the stored
// endpoint keeps exactly what was asked (nil events: all three).
func TestEmptyWebhookListsAreRefused(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	w := partner.NewWebhooks(db, partner.WebhookOptions{AllowPrivate: true, PublicURL: "https://hub.example.org"})
	ctx := context.Background()
	all := []content.ChangeAction{content.ActionPublished, content.ActionUpdated, content.ActionWithdrawn}
	kinds := []content.Kind{content.KindGuidance, content.KindResearchBrief, content.KindPolicyPosition}
	topics := []string{"charging", "interpreting", "gp-registration"}
	rng := rand.New(rand.NewPCG(11, 2026))
	// subset returns nil, an empty list or a random non-empty subset.
	subset := func(n int) (idx []int, form string) {
		switch rng.IntN(3) {
		case 0:
			return nil, "nil"
		case 1:
			return []int{}, "empty"
		}
		for _, i := range rng.Perm(n)[:rng.IntN(n)+1] {
			idx = append(idx, i)
		}
		return idx, "some"
	}
	stored := 0
	for n := 0; n < 60; n++ {
		in := content.WebhookEndpointInput{URL: fmt.Sprintf("http://127.0.0.1:9/hook-%d", n)}
		var forms [3]string
		var ei, ki, ti []int
		ei, forms[0] = subset(3)
		ki, forms[1] = subset(3)
		ti, forms[2] = subset(3)
		if ei != nil {
			in.Events = []content.ChangeAction{}
			for _, i := range ei {
				in.Events = append(in.Events, all[i])
			}
		}
		if ki != nil {
			in.Kinds = []content.Kind{}
			for _, i := range ki {
				in.Kinds = append(in.Kinds, kinds[i])
			}
		}
		if ti != nil {
			in.Topics = []string{}
			for _, i := range ti {
				in.Topics = append(in.Topics, topics[i])
			}
		}
		wantField := ""
		for i, f := range []string{"input.events", "input.kinds", "input.topics"} {
			if forms[i] == "empty" && wantField == "" {
				wantField = f
			}
		}
		asked := fmt.Sprintf("events %v (%s), kinds %v (%s), topics %v (%s)", in.Events, forms[0], in.Kinds, forms[1], in.Topics, forms[2])
		wantEvents := append([]content.ChangeAction{}, in.Events...)
		e, _, err := w.Register(ctx, in, "test")
		if wantField != "" {
			var ce *content.Error
			if !errors.As(err, &ce) || ce.Code != content.EINVALID || ce.Field != wantField {
				t.Errorf("%s: %v, want EINVALID naming %s", asked, err, wantField)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", asked, err)
		}
		stored++
		if forms[0] == "nil" {
			wantEvents = all
		}
		slices.Sort(wantEvents)
		if !slices.Equal(e.Events, slices.Compact(wantEvents)) || len(e.Kinds) != len(in.Kinds) || len(e.Topics) != len(in.Topics) {
			t.Errorf("%s: stored events %v kinds %v topics %v", asked, e.Events, e.Kinds, e.Topics)
		}
	}
	if got, err := w.Endpoints(ctx); err != nil || len(got) != stored || stored < 10 {
		t.Errorf("%d endpoints stored (%v), want the %d accepted (at least 10)", len(got), err, stored)
	}
}
