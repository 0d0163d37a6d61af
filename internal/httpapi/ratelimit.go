package httpapi

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"guidancehub/internal/apierror"
	"guidancehub/internal/content"
)

// Rate is a token bucket: a steady rate per second and a burst.
type Rate struct {
	PerSecond float64
	Burst     float64
}

// ParseRates reads "anonymous=20/100,partner=50/200,…" (requests per second
// and burst for each kind of caller).
func ParseRates(s string) (map[string]Rate, error) {
	out := map[string]Rate{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		who, spec, ok := strings.Cut(part, "=")
		rate, burst, ok2 := strings.Cut(spec, "/")
		r, err1 := strconv.ParseFloat(rate, 64)
		b, err2 := strconv.ParseFloat(burst, 64)
		who = strings.ToLower(strings.TrimSpace(who))
		if !ok || !ok2 || err1 != nil || err2 != nil || r <= 0 || b < 1 {
			return nil, fmt.Errorf("rate %q: want who=requests-per-second/burst, e.g. anonymous=20/100", part)
		}
		switch who {
		case "anonymous", "partner", "editor", "admin":
		default:
			return nil, fmt.Errorf("rate %q: who is anonymous, partner, editor or admin", part)
		}
		out[who] = Rate{PerSecond: r, Burst: b}
	}
	return out, nil
}

// DefaultRates are the limits when none are configured.
var DefaultRates = map[string]Rate{
	"anonymous": {20, 100}, "partner": {100, 400}, "editor": {50, 200}, "admin": {50, 200},
}

// limiter keeps a token bucket per caller: per token for callers with one,
// per client IP for anonymous callers. Buckets idle for ten minutes are
// dropped, and the number kept is bounded.
type limiter struct {
	rates    map[string]Rate
	ipHeader string // trusted header carrying the client IP, or ""
	mu       sync.Mutex
	buckets  map[string]*bucket
	swept    time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

const maxBuckets = 100_000

func newLimiter(rates map[string]Rate, ipHeader string) *limiter {
	r := map[string]Rate{}
	for k, v := range DefaultRates {
		r[k] = v
	}
	for k, v := range rates {
		r[k] = v
	}
	return &limiter{rates: r, ipHeader: ipHeader, buckets: map[string]*bucket{}, swept: time.Now()}
}

// allow takes a token from the caller's bucket, or says how long to wait.
func (l *limiter) allow(key, class string, now time.Time) (bool, time.Duration) {
	rate := l.rates[class]
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.buckets) >= maxBuckets {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 10*time.Minute || len(l.buckets) >= maxBuckets {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: rate.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(rate.Burst, b.tokens+now.Sub(b.last).Seconds()*rate.PerSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate.PerSecond * float64(time.Second))
}

// clientIP is the caller's address: the trusted proxy header's last entry
// when one is configured (the address the proxy saw), else the peer.
func (l *limiter) clientIP(r *http.Request) string {
	if l.ipHeader != "" {
		if v := r.Header.Get(l.ipHeader); v != "" {
			parts := strings.Split(v, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimit answers 429 with Retry-After when a caller is over its rate.
// Neither keys nor addresses are logged.
func rateLimit(l *limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := content.PrincipalFrom(r.Context())
		key, class := "ip:"+l.clientIP(r), "anonymous"
		if p.TokenID != 0 {
			key, class = "token:"+strconv.FormatInt(p.TokenID, 10), strings.ToLower(string(p.Role))
		}
		ok, wait := l.allow(key, class, time.Now())
		if !ok {
			apierror.Write(w, apierror.Error{Code: apierror.RateLimited, RetryAfter: max(wait, time.Nanosecond),
				Message: fmt.Sprintf("too many requests: try again in %d s", apierror.RetrySeconds(wait))})
			return
		}
		next.ServeHTTP(w, r)
	})
}
