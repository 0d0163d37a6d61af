package partner

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"guidancehub/internal/content"
)

// Webhook delivery policy.
const (
	// RetryFor is how long a delivery is retried after it was queued.
	RetryFor = 24 * time.Hour
	// DisableAfter disables an endpoint whose every attempt failed for
	// this long.
	DisableAfter = 24 * time.Hour
	// FirstRetry is the first backoff; each next one is RetryFactor times
	// longer (with ±20% jitter), at most MaxRetryGap: 5 s, 15 s, 45 s, …
	FirstRetry  = 5 * time.Second
	RetryFactor = 3
	MaxRetryGap = 3 * time.Hour
	// SendTimeout bounds one attempt; Lease is how long a claimed delivery
	// is left to its process before another may retry it.
	SendTimeout = 10 * time.Second
	Lease       = 60 * time.Second
	// SecretPrefix starts a signing secret as Standard Webhooks shows it.
	SecretPrefix = "whsec_"
)

// WebhookStore is what webhooks keep in PostgreSQL.
type WebhookStore interface {
	CreateWebhookEndpoint(ctx context.Context, in content.WebhookEndpointInput, secret []byte, by string) (*content.WebhookEndpoint, error)
	WebhookEndpoints(ctx context.Context) ([]*content.WebhookEndpoint, error)
	SetWebhookEndpointEnabled(ctx context.Context, id int64, enabled bool, reason string) (*content.WebhookEndpoint, error)
	WebhookDeliveries(ctx context.Context, endpointID int64, limit int) ([]content.WebhookDelivery, error)
	EnqueueWebhook(ctx context.Context, endpointID int64, msgID, eventType string, payload []byte) (*content.WebhookDelivery, error)
	FanOutChanges(ctx context.Context, limit int, build func(content.ChangeEvent) (eventType, msgID string, payload []byte, err error)) (int, error)
	ClaimWebhooks(ctx context.Context, limit int, lease time.Duration) ([]content.WebhookAttempt, error)
	ReleaseWebhook(ctx context.Context, id int64) error
	RecordWebhookAttempt(ctx context.Context, a *content.WebhookAttempt, o content.WebhookOutcome, disableAfter time.Duration) error
}

// WebhookOptions configure Webhooks.
type WebhookOptions struct {
	// AllowPrivate lets endpoints resolve to loopback, private and
	// link-local addresses (tests; a hub on a private network).
	AllowPrivate bool
	// PublicURL is the base of the url in each event.
	PublicURL string
	// Poll is the interval between rounds without a wake-up (default 1 s);
	// Workers the deliveries sent at once (default 4).
	Poll    time.Duration
	Workers int
	// Lease is how long a claimed delivery is left to this process before
	// another may retry it (default Lease).
	Lease  time.Duration
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Webhooks registers endpoints for admins and delivers events: it fans
// public changes out into deliveries and sends due deliveries, signed.
type Webhooks struct {
	store  WebhookStore
	opts   WebhookOptions
	client *http.Client
	wake   chan struct{}
}

// NewWebhooks returns the webhook service. Its HTTP client checks every
// address it dials (after DNS, so rebinding cannot pass) against
// AllowPrivate, follows no redirects and uses no proxy.
func NewWebhooks(store WebhookStore, opts WebhookOptions) *Webhooks {
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	if opts.Workers == 0 {
		opts.Workers = 4
	}
	if opts.Lease == 0 {
		opts.Lease = Lease
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("webhook: dialled address %q is not an IP address", host)
		}
		if !opts.AllowPrivate && Forbidden(ip) {
			return fmt.Errorf("webhook: %s is a loopback, private or link-local address (HUB_WEBHOOK_ALLOW_PRIVATE allows it)", ip)
		}
		return nil
	}}
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: SendTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		Timeout: SendTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, never followed
		},
	}
	return &Webhooks{store: store, opts: opts, client: client, wake: make(chan struct{}, 1)}
}

// Forbidden reports whether a webhook may not be sent to ip without
// AllowPrivate: loopback, private (RFC 1918, RFC 4193), link-local,
// unspecified, multicast, and shared (RFC 6598) addresses, also when
// written as IPv4-mapped IPv6.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) || netip.MustParsePrefix("0.0.0.0/8").Contains(ip)
}

// Wake asks for a round now (a change was committed).
func (w *Webhooks) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Register validates and stores an endpoint and returns it with its
// signing secret (whsec_ and 32 random bytes in base64), shown this once.
// Errors: EINVALID naming the field.
func (w *Webhooks) Register(ctx context.Context, in content.WebhookEndpointInput, by string) (*content.WebhookEndpoint, string, error) {
	if err := w.validate(&in); err != nil {
		return nil, "", err
	}
	key := make([]byte, 32)
	rand.Read(key)
	e, err := w.store.CreateWebhookEndpoint(ctx, in, key, by)
	if err != nil {
		return nil, "", err
	}
	return e, SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

func (w *Webhooks) validate(in *content.WebhookEndpointInput) error {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(in.URL) > 2000 || u.Fragment != "" {
		return content.FieldErrorf("input.url", "want an http or https URL without credentials or fragment, at most 2,000 bytes")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !w.opts.AllowPrivate && Forbidden(ip) {
		return content.FieldErrorf("input.url", "%s is a loopback, private or link-local address", ip)
	}
	// An explicit empty list would deliver nothing (events) or nothing
	// at all (kinds, topics: no resource has none of them), yet read as
	// "no filter" it delivered everything (breaker3 F11): refused, naming
	// the field; omitted (nil) means every one.
	for _, f := range []struct {
		field string
		empty bool
	}{
		{"input.events", in.Events != nil && len(in.Events) == 0},
		{"input.kinds", in.Kinds != nil && len(in.Kinds) == 0},
		{"input.topics", in.Topics != nil && len(in.Topics) == 0},
	} {
		if f.empty {
			return content.FieldErrorf(f.field, "is an empty list, which would deliver nothing: leave it out (or null) for every one, or pause the endpoint with setWebhookEndpointEnabled")
		}
	}
	if in.Events == nil {
		in.Events = []content.ChangeAction{content.ActionPublished, content.ActionUpdated, content.ActionWithdrawn}
	}
	for _, a := range in.Events {
		if !a.Public() {
			return content.FieldErrorf("input.events", "unknown event %q", a)
		}
	}
	slices.Sort(in.Events)
	in.Events = slices.Compact(in.Events)
	for _, k := range in.Kinds {
		if !k.Valid() {
			return content.FieldErrorf("input.kinds", "unknown kind %q", k)
		}
	}
	for _, t := range in.Topics {
		if _, ok := content.TopicBySlug(t); !ok {
			return content.FieldErrorf("input.topics", "unknown topic %q", t)
		}
	}
	if len(in.Description) > 500 {
		return content.FieldErrorf("input.description", "is longer than 500 bytes")
	}
	return nil
}

// Endpoints lists every endpoint.
func (w *Webhooks) Endpoints(ctx context.Context) ([]*content.WebhookEndpoint, error) {
	return w.store.WebhookEndpoints(ctx)
}

// SetEnabled enables (clearing its failures) or disables an endpoint.
func (w *Webhooks) SetEnabled(ctx context.Context, id int64, enabled bool) (*content.WebhookEndpoint, error) {
	return w.store.SetWebhookEndpointEnabled(ctx, id, enabled, "disabled by an admin")
}

// Deliveries returns an endpoint's newest deliveries (first 0..100; 0: none,
// as every first of the API allows).
func (w *Webhooks) Deliveries(ctx context.Context, endpointID int64, first int) ([]content.WebhookDelivery, error) {
	if first < 0 || first > 100 {
		return nil, content.FieldErrorf("first", "must be between 0 and 100")
	}
	return w.store.WebhookDeliveries(ctx, endpointID, first)
}

// SendTest queues a webhook.test event to one endpoint, due now.
func (w *Webhooks) SendTest(ctx context.Context, endpointID int64) (*content.WebhookDelivery, error) {
	b := make([]byte, 12)
	rand.Read(b)
	now := w.opts.Now().UTC()
	payload, err := json.Marshal(map[string]any{"type": "webhook.test", "timestamp": now.Format(time.RFC3339),
		"data": map[string]any{"message": "A test event from Guidance Hub."}})
	if err != nil {
		return nil, err
	}
	d, err := w.store.EnqueueWebhook(ctx, endpointID, "msg_test_"+hex.EncodeToString(b), "webhook.test", payload)
	if err == nil {
		w.Wake()
	}
	return d, err
}

// EventPayload is the body of a change event: Standard Webhooks' shape
// (type, timestamp, data).
type EventPayload struct {
	// Type is resource.published, resource.updated or resource.withdrawn.
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData says which resource changed and how; Cursor is the change
// feed's cursor just after this event.
type EventData struct {
	Action   content.ChangeAction `json:"action"`
	ID       string               `json:"id"`
	Slug     string               `json:"slug"`
	Kind     content.Kind         `json:"kind"`
	Revision int                  `json:"revision"`
	URL      string               `json:"url"`
	Cursor   string               `json:"cursor"`
}

// eventType is the webhook event type of an action.
func eventType(a content.ChangeAction) string { return "resource." + strings.ToLower(string(a)) }

// build makes a change event's delivery: its type, its message id (msg_
// and the change row's number, so every endpoint and every retry sees the
// same id) and its payload.
func (w *Webhooks) build(ev content.ChangeEvent) (string, string, []byte, error) {
	typ := eventType(ev.Action)
	b, err := json.Marshal(EventPayload{Type: typ, Timestamp: ev.CreatedAt.UTC(), Data: EventData{
		Action: ev.Action, ID: content.GlobalID(resourceNodeType, ev.ResourceID), Slug: ev.Slug, Kind: ev.Kind,
		Revision: ev.Revision, URL: w.opts.PublicURL + "/resources/" + ev.Slug, Cursor: ev.Cursor.Encode(),
	}})
	return typ, "msg_" + strconv.FormatInt(ev.Seq, 10), b, err
}

// Run fans changes out and sends due deliveries until ctx ends: on every
// Wake and at least every Poll. Errors are logged and retried next round.
func (w *Webhooks) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	for {
		if err := w.Round(ctx); err != nil && ctx.Err() == nil {
			w.opts.Logger.Error("webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// Round fans out every waiting change, then sends every due delivery.
func (w *Webhooks) Round(ctx context.Context) error {
	for range 100 {
		n, err := w.store.FanOutChanges(ctx, 100, w.build)
		if err != nil {
			return err
		}
		if n < 100 {
			break
		}
	}
	for range 1000 {
		batch, err := w.store.ClaimWebhooks(ctx, w.opts.Workers*4, w.opts.Lease)
		if err != nil || len(batch) == 0 {
			return err
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, w.opts.Workers)
		for i := range batch {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				a := &batch[i]
				o := w.send(ctx, a)
				if ctx.Err() != nil {
					// Stopping: give the delivery back so the next process
					// sends it at once (after a crash, the lease ends instead).
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
					defer cancel()
					if err := w.store.ReleaseWebhook(rctx, a.ID); err != nil {
						w.opts.Logger.Warn("webhook release", "delivery", a.ID, "err", err)
					}
					return
				}
				if err := w.store.RecordWebhookAttempt(ctx, a, o, DisableAfter); err != nil {
					w.opts.Logger.Error("webhook outcome", "delivery", a.ID, "err", err)
				}
			}()
		}
		wg.Wait()
	}
	return nil
}

// send makes one attempt: POST the payload signed with the endpoint's key.
func (w *Webhooks) send(ctx context.Context, a *content.WebhookAttempt) content.WebhookOutcome {
	wh, _ := standardwebhooks.NewWebhookRaw(a.Secret)
	now := w.opts.Now()
	sig, err := wh.Sign(a.MsgID, now, []byte(a.Payload))
	if err != nil {
		return w.retry(a, 0, "sign: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, strings.NewReader(a.Payload))
	if err != nil {
		return content.WebhookOutcome{Error: "bad URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GuidanceHub-Webhooks/1")
	req.Header.Set(standardwebhooks.HeaderWebhookID, a.MsgID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := w.client.Do(req)
	if err != nil {
		return w.retry(a, 0, err.Error())
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return content.WebhookOutcome{Delivered: true, Status: resp.StatusCode}
	case resp.StatusCode == http.StatusGone:
		return content.WebhookOutcome{Status: resp.StatusCode, Error: "HTTP 410 Gone", Gone: true}
	}
	return w.retry(a, resp.StatusCode, "HTTP "+resp.Status)
}

// retry is a failed attempt's outcome: the next attempt after an
// exponential backoff, or none once RetryFor has passed since the event.
func (w *Webhooks) retry(a *content.WebhookAttempt, status int, msg string) content.WebhookOutcome {
	o := content.WebhookOutcome{Status: status, Error: msg}
	gap := Backoff(a.Attempts + 1)
	next := w.opts.Now().Add(gap)
	if next.Before(a.CreatedAt.Add(RetryFor)) {
		o.Next = &next
	}
	return o
}

// Backoff is the wait after the nth failed attempt (n ≥ 1): FirstRetry ×
// RetryFactor^(n-1), at most MaxRetryGap, with ±20% jitter.
func Backoff(n int) time.Duration {
	d := float64(FirstRetry) * math.Pow(RetryFactor, float64(max(n-1, 0)))
	d = min(d, float64(MaxRetryGap))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}
