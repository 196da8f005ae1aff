package loadgen

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunRateCountAndLatencies(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer x" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"data":[]}`))
	}))
	defer srv.Close()

	cfg := Config{Rate: 200, Duration: time.Second, Warmup: 200 * time.Millisecond}
	h := http.Header{"Authorization": {"Bearer x"}}
	res, err := Run(context.Background(), cfg, HTTP(srv.Client(), http.MethodGet, srv.URL, h))
	if err != nil {
		t.Fatal(err)
	}
	want := int(cfg.Rate * cfg.Duration.Seconds()) // 200 in the window
	if res.Scheduled < want-1 || res.Scheduled > want+1 {
		t.Errorf("scheduled = %d, want %d±1", res.Scheduled, want)
	}
	if res.Completed < want*95/100 || res.Errors != 0 || res.Dropped != 0 {
		t.Errorf("completed=%d errors=%d (%v) dropped=%d, want ~%d ok", res.Completed, res.Errors, res.ErrorKinds, res.Dropped, want)
	}
	// Warmup requests are sent but not counted.
	warm := int(cfg.Rate * cfg.Warmup.Seconds())
	if got := int(hits.Load()); got < want+warm-2 || got > want+warm+2 {
		t.Errorf("server saw %d requests, want %d±2 (warmup+window)", got, want+warm)
	}
	if tp := res.Throughput(); tp < 0.8*cfg.Rate || tp > 1.05*cfg.Rate {
		t.Errorf("throughput = %.1f/s, want about %v/s", tp, cfg.Rate)
	}
	if len(res.Latencies) != res.Completed+res.Errors {
		t.Errorf("%d latencies for %d requests", len(res.Latencies), res.Completed+res.Errors)
	}
	if !slices.IsSorted(res.Latencies) || res.Latencies[0] <= 0 {
		t.Errorf("latencies not sorted or not positive: first %v", res.Latencies[:3])
	}
	if p := res.Percentile(100); p != res.Latencies[len(res.Latencies)-1] || p > 5*time.Second {
		t.Errorf("max latency = %v", p)
	}
}

// A slow server must not slow the sending down (open loop), and its delay
// must show in the latencies.
func TestRunIsOpenLoop(t *testing.T) {
	slow := func(ctx context.Context) error {
		select {
		case <-time.After(50 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	res, err := Run(context.Background(), Config{Rate: 100, Duration: 500 * time.Millisecond}, slow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed < 48 || res.Completed > 51 {
		t.Errorf("completed = %d, want ~50 (a closed loop would reach ~10)", res.Completed)
	}
	if tp := res.Throughput(); tp < 70 {
		t.Errorf("throughput = %.1f/s, want about 100/s", tp)
	}
	if res.Percentile(0) < 50*time.Millisecond {
		t.Errorf("min latency = %v, want >= 50ms", res.Percentile(0))
	}
}

func TestRunCountsErrorsAndDrops(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Rate: 100, Duration: 200 * time.Millisecond},
		HTTP(srv.Client(), http.MethodGet, srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed != 0 || res.Errors != res.Scheduled || res.ErrorKinds["HTTP 503"] != res.Errors || res.Errors == 0 {
		t.Errorf("completed=%d errors=%d scheduled=%d kinds=%v", res.Completed, res.Errors, res.Scheduled, res.ErrorKinds)
	}

	block := func(ctx context.Context) error { time.Sleep(100 * time.Millisecond); return nil }
	res, err = Run(context.Background(), Config{Rate: 100, Duration: 200 * time.Millisecond, MaxInFlight: 2}, block)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped == 0 || res.Completed+res.Dropped != res.Scheduled || len(res.Latencies) != res.Completed {
		t.Errorf("dropped=%d completed=%d scheduled=%d latencies=%d", res.Dropped, res.Completed, res.Scheduled, len(res.Latencies))
	}

	tiny := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	res, _ = Run(context.Background(), Config{Rate: 50, Duration: 100 * time.Millisecond, Timeout: 10 * time.Millisecond}, tiny)
	if res.Errors == 0 || res.ErrorKinds["timeout"] != res.Errors {
		t.Errorf("timeouts: errors=%d kinds=%v", res.Errors, res.ErrorKinds)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	res, err := Run(ctx, Config{Rate: 100, Duration: time.Minute}, func(context.Context) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || res == nil {
		t.Fatalf("err = %v, res = %v", err, res)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Run took %v after cancel", d)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	nop := func(context.Context) error { return nil }
	for _, c := range []Config{{Rate: 0, Duration: time.Second}, {Rate: 10}, {Rate: 10, Duration: time.Second, Warmup: -1}} {
		if _, err := Run(context.Background(), c, nop); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	var xs []time.Duration
	for i := 1; i <= 100; i++ {
		xs = append(xs, ms(i))
	}
	rand.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	slices.Sort(xs)
	for p, want := range map[float64]time.Duration{0: ms(1), 1: ms(1), 50: ms(50), 95: ms(95), 99: ms(99), 99.5: ms(100), 100: ms(100)} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("p%v of 1..100ms = %v, want %v", p, got, want)
		}
	}
	ten := xs[:10] // 1..10ms
	for p, want := range map[float64]time.Duration{50: ms(5), 90: ms(9), 95: ms(10), 99: ms(10)} {
		if got := Percentile(ten, p); got != want {
			t.Errorf("p%v of 1..10ms = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 95) != 0 || Percentile(xs[:1], 50) != ms(1) {
		t.Error("empty or single-element slice")
	}
}

// A closed loop keeps exactly Clients requests in flight: with a server that
// takes 20 ms, 4 clients complete about 200 requests per second, and nothing
// from the warmup or after the window is counted.
func TestRunClosedSaturates(t *testing.T) {
	var inFlight, peak atomic.Int64
	slow := func(ctx context.Context) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-time.After(20 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	res, err := RunClosed(context.Background(), ClosedConfig{Clients: 4, Duration: time.Second, Warmup: 200 * time.Millisecond}, slow)
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 4 {
		t.Errorf("peak in flight = %d, want 4", p)
	}
	if tp := res.Throughput(); tp < 120 || tp > 205 {
		t.Errorf("throughput = %.1f/s, want about 200/s (4 clients x 50/s)", tp)
	}
	if res.Errors != 0 || res.Scheduled != res.Completed || len(res.Latencies) != res.Completed {
		t.Errorf("completed=%d errors=%d scheduled=%d latencies=%d", res.Completed, res.Errors, res.Scheduled, len(res.Latencies))
	}
	if res.Percentile(0) < 20*time.Millisecond || !slices.IsSorted(res.Latencies) {
		t.Errorf("min latency = %v (want >= 20ms), sorted=%t", res.Percentile(0), slices.IsSorted(res.Latencies))
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	res, err = RunClosed(context.Background(), ClosedConfig{Clients: 2, Duration: 200 * time.Millisecond}, HTTP(srv.Client(), http.MethodGet, srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed != 0 || res.Errors == 0 || res.ErrorKinds["HTTP 429"] != res.Errors {
		t.Errorf("errors: completed=%d errors=%d kinds=%v", res.Completed, res.Errors, res.ErrorKinds)
	}
	for _, c := range []ClosedConfig{{Clients: 0, Duration: time.Second}, {Clients: 1}, {Clients: 1, Duration: time.Second, Warmup: -1}} {
		if _, err := RunClosed(context.Background(), c, slow); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
