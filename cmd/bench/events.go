package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/eventsclient"
	"github.com/forgeai/platform/internal/loadgen"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// eventsReport: latency from an event's commit to a WebSocket client
// receiving it, with many clients on one API instance.
type eventsReport struct {
	Clients       int     `json:"clients"`
	Streams       int     `json:"streams"`
	RatePerSecond float64 `json:"eventsPerSecond"`
	Events        int     `json:"events"`
	Deliveries    int     `json:"deliveries"`
	Missing       int     `json:"missing"`
	P50Ms         float64 `json:"p50Ms"`
	P95Ms         float64 `json:"p95Ms"`
	P99Ms         float64 `json:"p99Ms"`
	MaxMs         float64 `json:"maxMs"`
	IdleRSSMB     float64 `json:"idleRssMBAtClients"`
	LatencyOK     string  `json:"latencyVerdict"`
	RSSOK         string  `json:"rssVerdict"`
}

// Targets of the live-events section (issue 16: in every repetition).
const (
	targetEventsP95Ms = 50.0
	targetEventsP99Ms = 100.0
	targetEventsRSSMB = 150.0
)

func (r *eventsReport) latencyMet() bool {
	return r.Missing == 0 && r.Deliveries > 0 && r.P95Ms < targetEventsP95Ms && r.P99Ms < targetEventsP99Ms
}

type seqKey struct {
	stream string
	seq    int64
}

// setupEvents creates the project streams the live-events section's
// clients subscribe to, once for every repetition.
func setupEvents(ctx context.Context, c *apiClient, templates []string) ([]string, error) {
	projects, err := c.projectsFor(ctx, "Events", eventStreams, templates)
	if err != nil {
		return nil, err
	}
	names := make([]string, eventStreams)
	for i, p := range projects {
		names[i] = models.ProjectStream(p)
	}
	return names, nil
}

const eventStreams = 10

// runEventsBench opens clients WebSocket clients spread over the project
// streams, measures the api's RSS with them idle, then appends events at rate
// for duration and records when each client receives each one.
func runEventsBench(ctx context.Context, o options, c *apiClient, api *apiProc, dbURL string, names []string, cpu *cpuLog) (*eventsReport, error) {
	streams := len(names)
	store, err := models.Open(ctx, config.DB{URL: dbURL, MaxOpenConns: 8, MaxIdleConns: 8, ConnMaxLifetime: time.Hour}, workflows.IDs)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	// Each stream's head: clients subscribe after it, so earlier
	// repetitions' events do not replay.
	heads := map[string]int64{}
	for _, n := range names {
		for {
			evs, err := store.ReadEvents(ctx, n, heads[n], 1000)
			if err != nil {
				return nil, err
			}
			if len(evs) == 0 {
				break
			}
			heads[n] = evs[len(evs)-1].Seq
		}
	}

	var mu sync.Mutex
	received := map[seqKey][]time.Time{}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	subscribers := map[string]int{}
	logf("events: opening %d WebSocket clients on %d streams", o.wsClients, streams)
	for i := range o.wsClients {
		stream := names[i%streams]
		subscribers[stream]++
		cl, err := eventsclient.Dial(cctx, eventsclient.Options{URL: "ws://" + api.addr, Token: c.token, Buffer: 4096})
		if err != nil {
			return nil, fmt.Errorf("client %d: %w", i, err)
		}
		defer cl.Close()
		if err := cl.Subscribe(cctx, stream, heads[stream]); err != nil {
			return nil, fmt.Errorf("client %d subscribe: %w", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range cl.Events() {
				now := time.Now()
				mu.Lock()
				k := seqKey{ev.Stream, ev.Seq}
				received[k] = append(received[k], now)
				mu.Unlock()
			}
		}()
	}
	if err := sleep(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	idle, _, err := api.memMB()
	if err != nil {
		return nil, err
	}
	logf("events: api RSS %.1f MB with %d idle clients; appending %.0f events/s for %v", idle, o.wsClients, o.eventRate, o.duration)

	committed := map[seqKey]time.Time{}
	var cmu sync.Mutex
	next := 0
	done := cpu.start(fmt.Sprintf("live events, %d clients, %.0f events/s", o.wsClients, o.eventRate))
	_, err = loadgen.Run(ctx, loadgen.Config{Rate: o.eventRate, Duration: o.duration, MaxInFlight: 64}, func(ctx context.Context) error {
		cmu.Lock()
		stream := names[next%streams]
		next++
		cmu.Unlock()
		// The clock starts before the append, so the figure is an upper bound.
		at := time.Now()
		seq, err := store.AppendEvent(ctx, stream, "bench.tick", map[string]string{"payload": strings.Repeat("x", 64)})
		if err != nil {
			return err
		}
		cmu.Lock()
		committed[seqKey{stream, seq}] = at
		cmu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := sleep(ctx, 3*time.Second); err != nil { // let the last events arrive
		return nil, err
	}
	done()
	cancel()
	wg.Wait()
	return summarizeEvents(o, streams, idle, subscribers, committed, received), nil
}

func summarizeEvents(o options, streams int, idle float64, subscribers map[string]int, committed map[seqKey]time.Time, received map[seqKey][]time.Time) *eventsReport {
	r := &eventsReport{Clients: o.wsClients, Streams: streams, RatePerSecond: o.eventRate, Events: len(committed), IdleRSSMB: idle}
	var lat []time.Duration
	for k, at := range committed {
		got := received[k]
		r.Missing += subscribers[k.stream] - len(got)
		for _, t := range got {
			lat = append(lat, t.Sub(at))
		}
	}
	r.Deliveries = len(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		r.P50Ms, r.P95Ms, r.P99Ms = ms(loadgen.Percentile(lat, 50)), ms(loadgen.Percentile(lat, 95)), ms(loadgen.Percentile(lat, 99))
		r.MaxMs = ms(lat[len(lat)-1])
	}
	r.LatencyOK = verdict(r.latencyMet())
	r.RSSOK = verdict(idle < targetEventsRSSMB)
	return r
}

func (r *eventsReport) writeText(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "\nlive events: %d WebSocket clients on one api, %d streams, %.0f events/s appended to Postgres\n", r.Clients, r.Streams, r.RatePerSecond)
	fmt.Fprintf(w, "  events=%d deliveries=%d missing=%d  commit->client p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms\n",
		r.Events, r.Deliveries, r.Missing, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs)
	fmt.Fprintf(w, "target p95 < %.0fms and p99 < %.0fms with no event missing: %s\n", targetEventsP95Ms, targetEventsP99Ms, r.LatencyOK)
	fmt.Fprintf(w, "api RSS with %d idle WebSocket clients: %.1f MB (target < %.0f MB: %s)\n", r.Clients, r.IdleRSSMB, targetEventsRSSMB, r.RSSOK)
}
