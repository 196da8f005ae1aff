// Package loadgen is a small fixed-rate, open-loop load generator.
//
// Requests are issued on a fixed schedule (start + i/rate), each in its own
// goroutine, whether or not earlier requests have answered. Latency is measured
// from the scheduled send time, not from the moment the goroutine got to run,
// so a stalled server or a late scheduler shows up in the figures instead of
// being hidden (no coordinated omission). A cap on requests in flight bounds
// resource use; a request that would exceed it is counted as dropped.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"time"
)

// Func performs one request. A non-nil error counts the request as failed.
type Func func(ctx context.Context) error

// Config describes one run.
type Config struct {
	Rate        float64       // requests per second, > 0
	Duration    time.Duration // measured window, > 0
	Warmup      time.Duration // issued before the window, results discarded
	MaxInFlight int           // default 2000
	Timeout     time.Duration // per request, default 10s
}

// Result holds the figures of the measured window (warmup excluded).
type Result struct {
	Rate       float64        `json:"rate"`
	Duration   time.Duration  `json:"duration"`
	Elapsed    time.Duration  `json:"elapsed"`   // window start to last completion, at least Duration
	Scheduled  int            `json:"scheduled"` // requests scheduled in the window
	Completed  int            `json:"completed"` // answered without error
	Errors     int            `json:"errors"`    // Func returned an error (non-2xx, transport, timeout)
	Dropped    int            `json:"dropped"`   // not sent: MaxInFlight reached
	ErrorKinds map[string]int `json:"errorKinds,omitempty"`
	// Latencies of every sent request of the window (successes and errors),
	// from scheduled send time to completion, sorted ascending.
	Latencies []time.Duration `json:"-"`
	// MaxSendLag is the largest delay between a scheduled send time and the
	// actual send: a large value means the generator itself was starved.
	MaxSendLag time.Duration `json:"maxSendLag"`
}

// Throughput is completed (successful) requests per second over Elapsed.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Completed) / r.Elapsed.Seconds()
}

// Percentile of the recorded latencies (nearest rank), p in [0,100].
func (r *Result) Percentile(p float64) time.Duration { return Percentile(r.Latencies, p) }

// Percentile returns the nearest-rank p-th percentile of an ascending slice:
// the smallest value such that at least p% of values are <= it. Empty → 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

const (
	stNone = iota
	stOK
	stErr
	stDropped
)

type sample struct {
	state int
	lat   time.Duration
	lag   time.Duration
	done  time.Time
	kind  string
}

const maxErrorKinds = 10

// Run issues requests at cfg.Rate for cfg.Warmup+cfg.Duration and waits for
// all of them. If ctx is cancelled it stops issuing, waits for the requests in
// flight (which see the cancellation) and returns the partial result with ctx.Err().
func Run(ctx context.Context, cfg Config, fn Func) (*Result, error) {
	if cfg.Rate <= 0 || math.IsInf(cfg.Rate, 0) || math.IsNaN(cfg.Rate) {
		return nil, fmt.Errorf("loadgen: rate must be > 0, got %v", cfg.Rate)
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("loadgen: need duration > 0 and warmup >= 0")
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 2000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	offset := func(i int) time.Duration { return time.Duration(float64(i) * float64(time.Second) / cfg.Rate) }
	total := cfg.Warmup + cfg.Duration
	n := int(math.Ceil(total.Seconds()*cfg.Rate)) + 1
	for n > 0 && offset(n-1) >= total {
		n--
	}
	samples := make([]sample, n)
	sem := make(chan struct{}, cfg.MaxInFlight)
	done := make(chan struct{}, n)
	sent := 0

	start := time.Now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
schedule:
	for i := 0; i < n; i++ {
		sched := start.Add(offset(i))
		if d := time.Until(sched); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				break schedule
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			break schedule
		}
		select {
		case sem <- struct{}{}:
		default:
			samples[i].state = stDropped
			continue
		}
		sent++
		go func(s *sample, sched time.Time) {
			defer func() { <-sem; done <- struct{}{} }()
			s.lag = time.Since(sched)
			rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
			err := fn(rctx)
			cancel()
			s.done = time.Now()
			s.lat = s.done.Sub(sched)
			if err != nil {
				s.state, s.kind = stErr, errorKind(err)
			} else {
				s.state = stOK
			}
		}(&samples[i], sched)
	}
	for ; sent > 0; sent-- {
		<-done // each receive also orders the sample writes before our reads
	}

	windowStart := start.Add(cfg.Warmup)
	res := &Result{Rate: cfg.Rate, Duration: cfg.Duration, Elapsed: cfg.Duration}
	for i := range samples {
		if offset(i) < cfg.Warmup {
			continue
		}
		s := &samples[i]
		switch s.state {
		case stNone: // not issued: cancelled
			continue
		case stDropped:
			res.Scheduled++
			res.Dropped++
			continue
		case stOK:
			res.Completed++
		case stErr:
			res.Errors++
			if res.ErrorKinds == nil {
				res.ErrorKinds = map[string]int{}
			}
			k := s.kind
			if _, ok := res.ErrorKinds[k]; !ok && len(res.ErrorKinds) >= maxErrorKinds {
				k = "other"
			}
			res.ErrorKinds[k]++
		}
		res.Scheduled++
		res.Latencies = append(res.Latencies, s.lat)
		res.MaxSendLag = max(res.MaxSendLag, s.lag)
		res.Elapsed = max(res.Elapsed, s.done.Sub(windowStart))
	}
	sort.Slice(res.Latencies, func(a, b int) bool { return res.Latencies[a] < res.Latencies[b] })
	return res, ctx.Err()
}

// errorKind gives a short, stable label for an error, for the breakdown.
func errorKind(err error) string {
	var se *StatusError
	var ue *url.Error
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &ue):
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}
