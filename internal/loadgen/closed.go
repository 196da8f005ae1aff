package loadgen

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// ClosedConfig describes a closed-loop run: Clients workers, each sending its
// next request as soon as the previous one answered, as fast as the server
// allows. It measures saturation throughput; latencies under it include the
// queueing the clients themselves cause (use Run for latency at a rate).
type ClosedConfig struct {
	Clients  int           // concurrent workers, > 0
	Duration time.Duration // measured window, > 0
	Warmup   time.Duration // before the window, results discarded
	Timeout  time.Duration // per request, default 10s
}

// RunClosed runs cfg.Clients workers for cfg.Warmup+cfg.Duration. The result
// counts the requests that completed inside the window (after the warmup,
// before its end); Elapsed is the window, so Throughput is completions per
// second of the window. Rate in the result is 0 (there is no requested rate).
// Latencies are from each request's send to its completion, sorted.
func RunClosed(ctx context.Context, cfg ClosedConfig, fn Func) (*Result, error) {
	if cfg.Clients <= 0 {
		return nil, fmt.Errorf("loadgen: clients must be > 0, got %d", cfg.Clients)
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("loadgen: need duration > 0 and warmup >= 0")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	start := time.Now()
	windowStart := start.Add(cfg.Warmup)
	windowEnd := windowStart.Add(cfg.Duration)

	type tally struct {
		lat   []time.Duration
		ok    int
		errs  int
		kinds map[string]int
	}
	tallies := make([]tally, cfg.Clients)
	var wg sync.WaitGroup
	for w := range cfg.Clients {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(windowEnd) {
					return
				}
				rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
				err := fn(rctx)
				cancel()
				t1 := time.Now()
				if t1.Before(windowStart) || !t1.Before(windowEnd) || ctx.Err() != nil {
					continue // warmup, or finished after the window
				}
				t.lat = append(t.lat, t1.Sub(t0))
				if err != nil {
					t.errs++
					if t.kinds == nil {
						t.kinds = map[string]int{}
					}
					t.kinds[errorKind(err)]++
					continue
				}
				t.ok++
			}
		}(&tallies[w])
	}
	wg.Wait()

	res := &Result{Duration: cfg.Duration, Elapsed: cfg.Duration}
	for i := range tallies {
		t := &tallies[i]
		res.Completed += t.ok
		res.Errors += t.errs
		res.Latencies = append(res.Latencies, t.lat...)
		for k, n := range t.kinds {
			if res.ErrorKinds == nil {
				res.ErrorKinds = map[string]int{}
			}
			if _, seen := res.ErrorKinds[k]; !seen && len(res.ErrorKinds) >= maxErrorKinds {
				k = "other"
			}
			res.ErrorKinds[k] += n
		}
	}
	res.Scheduled = res.Completed + res.Errors
	sort.Slice(res.Latencies, func(a, b int) bool { return res.Latencies[a] < res.Latencies[b] })
	return res, ctx.Err()
}
