package leader_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/forgeai/platform/internal/leader"
	"github.com/forgeai/platform/internal/testdb"
)

// lockedLog records log messages.
type lockedLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, string(p))
	return len(p), nil
}

func (l *lockedLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// leading counts the elections whose lead runs, and the most at once.
type leading struct{ now, most atomic.Int32 }

func (l *leading) lead(ran *atomic.Bool) func(context.Context) {
	return func(ctx context.Context) {
		n := l.now.Add(1)
		for {
			m := l.most.Load()
			if n <= m || l.most.CompareAndSwap(m, n) {
				break
			}
		}
		ran.Store(true)
		<-ctx.Done()
		ran.Store(false)
		l.now.Add(-1)
	}
}

type election struct {
	gauge  prometheus.Gauge
	log    *lockedLog
	leads  atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
}

func start(t *testing.T, dsn, name string, l *leading) *election {
	e := &election{log: &lockedLog{}, done: make(chan struct{}),
		gauge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "platform_reconciler_leader"})}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	t.Cleanup(func() { cancel(); <-e.done })
	go func() {
		defer close(e.done)
		leader.Run(ctx, leader.Options{DatabaseURL: dsn, Name: name, Retry: 200 * time.Millisecond, Gauge: e.gauge,
			Log: slog.New(slog.NewTextHandler(e.log, nil))}, l.lead(&e.leads))
	}()
	return e
}

func (e *election) gaugeValue() float64 { return testutil.ToFloat64(e.gauge) }

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exactlyOne waits for one leader and checks it stays the only one a while.
func exactlyOne(t *testing.T, l *leading, es ...*election) *election {
	t.Helper()
	var first *election
	waitFor(t, 5*time.Second, "a leader", func() bool {
		n := 0
		for _, e := range es {
			if e.leads.Load() && e.gaugeValue() == 1 {
				n, first = n+1, e
			}
		}
		return n == 1
	})
	for range 50 {
		for _, e := range es {
			if e != first && (e.leads.Load() || e.gaugeValue() != 0) {
				t.Fatal("a second election leads")
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if l.most.Load() != 1 {
		t.Fatalf("%d elections led at once", l.most.Load())
	}
	return first
}

// Two elections on one database: exactly one leads; when the server ends
// the leader's session the leader stops at once and the other takes over
// within seconds; when the leader stops, the other takes over; the gauges
// follow; two never lead at once.
func TestOneLeaderAndTakeover(t *testing.T) {
	dsn := testdb.PostgresURL(t)
	name := "test-" + uuid.NewString()[:8]
	var l leading
	a, b := start(t, dsn, name, &l), start(t, dsn, name, &l)
	first := exactlyOne(t, &l, a, b)
	other := map[*election]*election{a: b, b: a}[first]
	if first.log.count("leadership acquired") != 1 {
		t.Fatal("the leader did not log that it acquired leadership")
	}

	// The server ends the leader's session (as when its process dies).
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var terminated bool
	err = db.QueryRow(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`, leader.ApplicationName+name).Scan(&terminated)
	if err != nil || !terminated {
		t.Fatalf("terminate the leader's session: %v %v", terminated, err)
	}
	waitFor(t, 5*time.Second, "the other election leads", func() bool { return other.leads.Load() && other.gaugeValue() == 1 })
	if first.leads.Load() || first.gaugeValue() != 0 {
		t.Fatal("the old leader still leads")
	}
	if first.log.count("leadership lost") != 1 {
		t.Fatal("the old leader did not log that it lost leadership")
	}
	// It reconnected as a follower: still exactly one leader.
	if exactlyOne(t, &l, a, b) != other {
		t.Fatal("leadership moved back")
	}

	// The leader stops (a clean shutdown): the first takes over again.
	other.cancel()
	<-other.done
	if other.leads.Load() || other.gaugeValue() != 0 {
		t.Fatal("a stopped election still leads")
	}
	waitFor(t, 5*time.Second, "the first election leads again", func() bool { return first.leads.Load() && first.gaugeValue() == 1 })
	if l.most.Load() != 1 {
		t.Fatalf("%d elections led at once", l.most.Load())
	}
}

// Elections in different schemas of one database do not exclude each other.
func TestSchemasElectIndependently(t *testing.T) {
	name := "test-" + uuid.NewString()[:8]
	var l1, l2 leading
	a, b := start(t, testdb.PostgresURL(t), name, &l1), start(t, testdb.PostgresURL(t), name, &l2)
	waitFor(t, 5*time.Second, "both lead", func() bool { return a.leads.Load() && b.leads.Load() })
}

// Always leads at once and says so until its context ends.
func TestAlwaysLeads(t *testing.T) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "platform_reconciler_leader"})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		leader.Always(ctx, leader.Options{Name: "reconciler", Gauge: g, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, func(ctx context.Context) {
			close(ran)
			<-ctx.Done()
		})
	}()
	<-ran
	if testutil.ToFloat64(g) != 1 {
		t.Fatal("gauge is not 1 while leading")
	}
	cancel()
	<-done
	if testutil.ToFloat64(g) != 0 {
		t.Fatal("gauge is not 0 after stopping")
	}
}
