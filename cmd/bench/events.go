package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/forgeai/platform/internal/config"
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
	AppendP95Ms   float64 `json:"appendP95Ms"` // part of each latency: the clock starts before the append
	Closed        int     `json:"closedEarly"` // clients whose connection ended before the section did
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
	return r.Missing == 0 && r.Closed == 0 && r.Deliveries > 0 && r.P95Ms < targetEventsP95Ms && r.P99Ms < targetEventsP99Ms
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

	// Each client takes the events of one stream; it expects about this many.
	expect := int(o.eventRate*o.duration.Seconds()/float64(streams)*1.2) + 16
	base := time.Now()
	sockets := make([]*benchSocket, 0, o.wsClients)
	defer func() {
		for _, s := range sockets {
			s.close()
		}
	}()
	// The figure is the api's memory with these sockets: the keep-alive
	// connections earlier sections left idle would be counted in it too.
	c.http.CloseIdleConnections()
	logf("events: opening %d WebSocket clients on %d streams", o.wsClients, streams)
	for i := range o.wsClients {
		stream := names[i%streams]
		s, err := dialBenchSocket(ctx, api.addr, c.token, stream, heads[stream], expect)
		if err != nil {
			return nil, fmt.Errorf("client %d: %w", i, err)
		}
		sockets = append(sockets, s)
		go s.read(base)
	}
	if err := sleep(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	idle, _, err := api.memMB()
	if err != nil {
		return nil, err
	}
	logf("events: api RSS %.1f MB with %d idle clients; appending %.0f events/s for %v", idle, o.wsClients, o.eventRate, o.duration)

	var cmu sync.Mutex
	committed := map[seqKey]appended{}
	next := 0
	done := cpu.start(fmt.Sprintf("live events, %d clients, %.0f events/s", o.wsClients, o.eventRate))
	_, err = loadgen.Run(ctx, loadgen.Config{Rate: o.eventRate, Duration: o.duration, MaxInFlight: 64}, func(ctx context.Context) error {
		cmu.Lock()
		stream := names[next%streams]
		next++
		cmu.Unlock()
		// The clock starts before the append, so the figure is an upper bound.
		at := time.Since(base)
		seq, err := store.AppendEvent(ctx, stream, "bench.tick", map[string]string{"payload": strings.Repeat("x", 64)})
		if err != nil {
			return err
		}
		took := time.Since(base) - at
		cmu.Lock()
		committed[seqKey{stream, seq}] = appended{at: at, took: took}
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
	closed := 0
	for _, s := range sockets {
		if err := s.close(); err != nil {
			closed++
			if closed <= 3 {
				logf("events: a client's connection ended early: %v", err)
			}
		}
	}
	r := summarizeEvents(o, streams, idle, committed, sockets)
	r.Closed = closed
	return r, nil
}

// appended is when an event's append began and how long it took, on the
// section's clock.
type appended struct{ at, took time.Duration }

func summarizeEvents(o options, streams int, idle float64, committed map[seqKey]appended, sockets []*benchSocket) *eventsReport {
	r := &eventsReport{Clients: o.wsClients, Streams: streams, RatePerSecond: o.eventRate, Events: len(committed), IdleRSSMB: idle}
	perStream := map[string]int{}
	appends := make([]time.Duration, 0, len(committed))
	for k, a := range committed {
		perStream[k.stream]++
		appends = append(appends, a.took)
	}
	var lat []time.Duration
	for _, s := range sockets {
		matched := 0
		last := int64(-1)
		for _, g := range s.got {
			if g.seq <= last {
				continue // the api never sends one twice; not counted twice either
			}
			last = g.seq
			if a, ok := committed[seqKey{s.stream, g.seq}]; ok {
				matched++
				lat = append(lat, g.at-a.at)
			}
		}
		r.Missing += perStream[s.stream] - matched
	}
	r.Deliveries = len(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		r.P50Ms, r.P95Ms, r.P99Ms = ms(loadgen.Percentile(lat, 50)), ms(loadgen.Percentile(lat, 95)), ms(loadgen.Percentile(lat, 99))
		r.MaxMs = ms(lat[len(lat)-1])
	}
	sort.Slice(appends, func(i, j int) bool { return appends[i] < appends[j] })
	if len(appends) > 0 {
		r.AppendP95Ms = ms(loadgen.Percentile(appends, 95))
	}
	r.LatencyOK = verdict(r.latencyMet())
	r.RSSOK = verdict(idle < targetEventsRSSMB)
	return r
}

func (r *eventsReport) writeText(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "\nlive events: %d WebSocket clients on one api, %d streams, %.0f events/s appended to Postgres\n", r.Clients, r.Streams, r.RatePerSecond)
	fmt.Fprintf(w, "  events=%d deliveries=%d missing=%d  commit->client p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms\n",
		r.Events, r.Deliveries, r.Missing, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs)
	fmt.Fprintf(w, "  append (part of each latency) p95=%.1fms; connections ended early: %d\n", r.AppendP95Ms, r.Closed)
	fmt.Fprintf(w, "target p95 < %.0fms and p99 < %.0fms with no event missing: %s\n", targetEventsP95Ms, targetEventsP99Ms, r.LatencyOK)
	fmt.Fprintf(w, "api RSS with %d idle WebSocket clients: %.1f MB (target < %.0f MB: %s)\n", r.Clients, r.IdleRSSMB, targetEventsRSSMB, r.RSSOK)
}
