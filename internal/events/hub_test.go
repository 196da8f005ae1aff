package events_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

// memLog is an in-memory event log.
type memLog struct {
	mu  sync.Mutex
	evs map[string][]models.Event
}

func (m *memLog) append(stream string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := int64(len(m.evs[stream]) + 1)
	m.evs[stream] = append(m.evs[stream], models.Event{Stream: stream, Seq: seq, Type: "t"})
}

func (m *memLog) ReadEvents(_ context.Context, stream string, after int64, limit int) ([]models.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.evs[stream]
	if after >= int64(len(all)) {
		return nil, nil
	}
	out := all[after:]
	if len(out) > limit {
		out = out[:limit]
	}
	return append([]models.Event(nil), out...), nil
}

type sub struct {
	mu      sync.Mutex
	seqs    []int64
	cap     int
	dropped chan string
}

func (s *sub) Deliver(d *events.Delivery) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cap > 0 && len(s.seqs) >= s.cap {
		return false
	}
	s.seqs = append(s.seqs, d.Seq)
	return true
}

func (s *sub) Dropped(_, reason string) { s.dropped <- reason }

func (s *sub) got() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.seqs...)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Subscribers at different cursors each get exactly the events after their
// own cursor, in order, however wake-ups and appends interleave.
func TestHubDeliversEachSubscriberFromItsCursor(t *testing.T) {
	log := &memLog{evs: map[string][]models.Event{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHub(ctx, log, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const stream = "project:x"
	for range 10 {
		log.append(stream)
	}
	a, b := &sub{dropped: make(chan string, 1)}, &sub{dropped: make(chan string, 1)}
	h.Subscribe(stream, 0, a)
	h.Subscribe(stream, 7, b)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 250 {
				log.append(stream)
				h.Notify(stream)
			}
		}()
	}
	wg.Wait()
	waitFor(t, func() bool { return len(a.got()) == 1010 && len(b.got()) == 1003 })
	for i, seq := range a.got() {
		if seq != int64(i+1) {
			t.Fatalf("a: position %d has seq %d", i, seq)
		}
	}
	for i, seq := range b.got() {
		if seq != int64(i+8) {
			t.Fatalf("b: position %d has seq %d", i, seq)
		}
	}
	if h.Subscribers() != 2 {
		t.Fatalf("%d subscribers", h.Subscribers())
	}
	h.Unsubscribe(stream, a)
	h.Unsubscribe(stream, b)
	if h.Subscribers() != 0 {
		t.Fatalf("%d subscribers after unsubscribing", h.Subscribers())
	}
}

// A subscriber that cannot take more is dropped with a reason; the others go on.
func TestHubDropsSlowSubscriber(t *testing.T) {
	log := &memLog{evs: map[string][]models.Event{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHub(ctx, log, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const stream = "deployment:y"
	slow, fast := &sub{cap: 3, dropped: make(chan string, 1)}, &sub{dropped: make(chan string, 1)}
	h.Subscribe(stream, 0, slow)
	h.Subscribe(stream, 0, fast)
	for range 20 {
		log.append(stream)
	}
	h.Notify(stream)
	select {
	case reason := <-slow.dropped:
		if reason != "slow consumer" {
			t.Fatalf("reason %q", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("slow subscriber not dropped")
	}
	waitFor(t, func() bool { return len(fast.got()) == 20 })
	if h.Subscribers() != 1 {
		t.Fatalf("%d subscribers", h.Subscribers())
	}
}

// With polling on, events written where no wake-up reaches (another process
// on SQLite) still arrive.
func TestHubPollsWithoutWakeUps(t *testing.T) {
	log := &memLog{evs: map[string][]models.Event{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHub(ctx, log, 20*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := &sub{dropped: make(chan string, 1)}
	h.Subscribe("user:z", 0, s)
	for range 5 {
		log.append("user:z") // no Notify
	}
	waitFor(t, func() bool { return len(s.got()) == 5 })
}

// pacer is a subscriber with a small buffer that a reader drains slowly; it
// takes a backlog at its own pace (events.Pacer).
type pacer struct {
	buf     chan int64
	closed  chan struct{}
	dropped chan string
}

func newPacer(size int) *pacer {
	return &pacer{buf: make(chan int64, size), closed: make(chan struct{}), dropped: make(chan string, 1)}
}

func (p *pacer) Deliver(d *events.Delivery) bool {
	select {
	case p.buf <- d.Seq:
		return true
	default:
		return false
	}
}

func (p *pacer) Dropped(_, reason string) { p.dropped <- reason }

func (p *pacer) WaitRoom(ctx context.Context) bool {
	for len(p.buf) > cap(p.buf)/2 {
		select {
		case <-time.After(time.Millisecond):
		case <-p.closed:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// read takes n events, slowly, and returns their seqs.
func (p *pacer) read(t *testing.T, n int) []int64 {
	t.Helper()
	var got []int64
	for range n {
		select {
		case seq := <-p.buf:
			got = append(got, seq)
		case reason := <-p.dropped:
			t.Fatalf("dropped (%s) after %d events", reason, len(got))
		case <-time.After(5 * time.Second):
			t.Fatalf("stalled after %d events", len(got))
		}
		if len(got)%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return got
}

// A backlog many times the buffer reaches a pacing subscriber whole and in
// order (a client resuming after a drop is not dropped again for its
// backlog); once caught up, a live burst it cannot take drops it.
func TestHubPacesBacklogThenDropsLiveSlowConsumer(t *testing.T) {
	log := &memLog{evs: map[string][]models.Event{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHub(ctx, log, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const stream = "user:backlog"
	for range 2000 {
		log.append(stream)
	}
	p := newPacer(16)
	h.Subscribe(stream, 10, p)
	got := p.read(t, 1990)
	for i, seq := range got {
		if seq != int64(i+11) {
			t.Fatalf("position %d has seq %d", i, seq)
		}
	}
	select {
	case seq := <-p.buf:
		t.Fatalf("extra event %d", seq)
	case <-time.After(50 * time.Millisecond):
	}
	// Live now: a burst larger than the buffer, unread, drops it.
	for range 40 {
		log.append(stream)
	}
	h.Notify(stream)
	select {
	case reason := <-p.dropped:
		if reason != "slow consumer" {
			t.Fatalf("reason %q", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a live slow consumer was not dropped")
	}
	waitFor(t, func() bool { return h.Subscribers() == 0 })
}

// A subscriber that goes away while paused is forgotten, and the stream's
// other subscribers are not held back by it.
func TestHubForgetsPausedSubscriberThatLeaves(t *testing.T) {
	log := &memLog{evs: map[string][]models.Event{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHub(ctx, log, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const stream = "project:paused"
	for range 100 {
		log.append(stream)
	}
	stuck, other := newPacer(8), &sub{dropped: make(chan string, 1)}
	h.Subscribe(stream, 0, stuck)
	h.Subscribe(stream, 0, other)
	waitFor(t, func() bool { return len(other.got()) == 100 })
	for range 10 {
		log.append(stream)
	}
	h.Notify(stream)
	waitFor(t, func() bool { return len(other.got()) == 110 })
	if h.Subscribers() != 2 {
		t.Fatalf("%d subscribers, want the paused one counted", h.Subscribers())
	}
	close(stuck.closed)
	waitFor(t, func() bool { return h.Subscribers() == 1 })
	select {
	case reason := <-stuck.dropped:
		t.Fatalf("a paced subscriber was dropped: %s", reason)
	default:
	}
	h.Unsubscribe(stream, other)
	if h.Subscribers() != 0 {
		t.Fatalf("%d subscribers after unsubscribing", h.Subscribers())
	}
}
