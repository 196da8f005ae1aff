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

type seqKey struct {
	stream string
	seq    int64
}

// runEventsBench opens clients WebSocket clients spread over streams project
// streams, measures the api's RSS with them idle, then appends events at rate
// for duration and records when each client receives each one.
func runEventsBench(ctx context.Context, o options, c *apiClient, api *apiProc, dbURL string, templates []string) (*eventsReport, error) {
	const streams = 10
	projects, err := c.projectsFor(ctx, "Events", streams, templates)
	if err != nil {
		return nil, err
	}
	names := make([]string, streams)
	for i, p := range projects {
		names[i] = models.ProjectStream(p)
	}
	store, err := models.Open(ctx, config.DB{URL: dbURL, MaxOpenConns: 8, MaxIdleConns: 8, ConnMaxLifetime: time.Hour}, workflows.IDs)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	heads := map[string]int64{}
	for _, n := range names {
		evs, err := store.ReadEvents(ctx, n, 0, 1000)
		if err != nil {
			return nil, err
		}
		heads[n] = int64(len(evs))
	}

	var mu sync.Mutex
	received := map[seqKey][]time.Time{}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	logf("events: opening %d WebSocket clients on %d streams", o.wsClients, streams)
	for i := range o.wsClients {
		stream := names[i%streams]
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
	cancel()
	wg.Wait()
	return summarizeEvents(o, streams, idle, committed, received), nil
}

func summarizeEvents(o options, streams int, idle float64, committed map[seqKey]time.Time, received map[seqKey][]time.Time) *eventsReport {
	perStream := o.wsClients / streams
	r := &eventsReport{Clients: o.wsClients, Streams: streams, RatePerSecond: o.eventRate, Events: len(committed), IdleRSSMB: idle}
	var lat []time.Duration
	for k, at := range committed {
		got := received[k]
		r.Missing += perStream - len(got)
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
	r.LatencyOK = verdict(r.Missing == 0 && r.P95Ms > 0 && r.P95Ms < 50)
	r.RSSOK = verdict(idle < 150)
	return r
}

func (r *eventsReport) writeText(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "\nlive events: %d WebSocket clients on one api, %d streams, %.0f events/s appended to Postgres\n", r.Clients, r.Streams, r.RatePerSecond)
	fmt.Fprintf(w, "  events=%d deliveries=%d missing=%d  commit->client p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms\n",
		r.Events, r.Deliveries, r.Missing, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs)
	fmt.Fprintf(w, "target p95 < 50ms with no event missing: %s\n", r.LatencyOK)
	fmt.Fprintf(w, "api RSS with %d idle WebSocket clients: %.1f MB (target < 150 MB: %s)\n", r.Clients, r.IdleRSSMB, r.RSSOK)
}
