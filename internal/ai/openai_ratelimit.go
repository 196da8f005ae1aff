package ai

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// go-openai's errors carry no response headers, so this transport records a
// 429's Retry-After into a record the request's context carries.
type retryAfterTransport struct {
	base http.RoundTripper
}

func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if rec, ok := req.Context().Value(retryAfterKey{}).(*retryAfterRecord); ok {
			if d, ok := parseRetryAfter(resp.Header, time.Now()); ok {
				rec.set(d)
			}
		}
	}
	return resp, err
}

type retryAfterKey struct{}

type retryAfterRecord struct {
	mu    sync.Mutex
	after time.Duration
	ok    bool
}

func withRetryAfterRecord(ctx context.Context, rec *retryAfterRecord) context.Context {
	return context.WithValue(ctx, retryAfterKey{}, rec)
}

func (r *retryAfterRecord) set(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.after, r.ok = d, true
}

func (r *retryAfterRecord) get() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.after, r.ok
}

// parseRetryAfter reads retry-after-ms (sent by OpenAI) or Retry-After in
// seconds or as an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
