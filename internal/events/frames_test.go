package events_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// frameSub records the ephemeral frames it is handed.
type frameSub struct {
	mu     sync.Mutex
	frames []string
}

func (s *frameSub) Deliver(*events.Delivery) bool { return true }
func (s *frameSub) Dropped(string, string)        {}
func (s *frameSub) Ephemeral(f []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, string(f))
}

func (s *frameSub) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...)
}

func (s *frameSub) has(f string) bool {
	for _, g := range s.got() {
		if g == f {
			return true
		}
	}
	return false
}

// instance is what one api process wires: a hub, its publisher and listener.
type instance struct {
	hub *events.Hub
	pub *events.Publisher
}

func startInstance(ctx context.Context, dsn string) instance {
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	hub := events.NewHub(ctx, &memLog{evs: map[string][]models.Event{}}, 0, quiet)
	pub := events.NewPublisher(dsn, quiet)
	hub.RelayTo(pub)
	go pub.Run(ctx)
	go events.Listen(ctx, dsn, hub, nil, quiet)
	return instance{hub: hub, pub: pub}
}

// probe broadcasts on from until to's subscriber hears it: both instances'
// publishers and listeners are then connected.
func probe(t *testing.T, from, to instance) {
	t.Helper()
	stream := "chat:" + uuid.NewString()
	s := &frameSub{}
	to.hub.Subscribe(stream, 0, s)
	defer to.hub.Unsubscribe(stream, s)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		f := fmt.Sprintf(`{"probe":%d}`, i)
		from.hub.Broadcast(stream, []byte(f))
		time.Sleep(50 * time.Millisecond)
		if len(s.got()) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the instances never heard each other")
		}
	}
}

// A frame broadcast on one instance reaches the stream's subscribers on
// another, in order, even when frames repeat; on its own instance it is
// delivered once (locally, not again through its listener); a frame too
// large for a NOTIFY payload stays local and the stream goes on.
func TestBroadcastCrossesInstances(t *testing.T) {
	dsn := testdb.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	one, two := startInstance(ctx, dsn), startInstance(ctx, dsn)
	probe(t, one, two)
	probe(t, two, one)

	stream := "chat:" + uuid.NewString()
	local, remote := &frameSub{}, &frameSub{}
	one.hub.Subscribe(stream, 0, local)
	two.hub.Subscribe(stream, 0, remote)

	var want []string
	for i := range 300 {
		// Equal frames in a row: one transaction must not merge them.
		f := fmt.Sprintf(`{"type":"chat.delta","delta":"%d"}`, i/3)
		want = append(want, f)
		one.hub.Broadcast(stream, []byte(f))
	}
	atLimit := `{"delta":"` + strings.Repeat("a", events.MaxFrameBytes-len(`{"delta":""}`)) + `"}`
	one.hub.Broadcast(stream, []byte(atLimit))
	want = append(want, atLimit)
	oversized := `{"delta":"` + strings.Repeat("b", events.MaxFrameBytes) + `"}`
	one.hub.Broadcast(stream, []byte(oversized))
	last := `{"type":"chat.delta","delta":"last"}`
	one.hub.Broadcast(stream, []byte(last))
	want = append(want, last)

	flushed := make(chan struct{})
	go func() {
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		one.hub.FlushBroadcasts(fctx)
		close(flushed)
	}()
	select {
	case <-flushed:
	case <-time.After(10 * time.Second):
		t.Fatal("FlushBroadcasts did not return")
	}

	waitFor(t, func() bool { return remote.has(last) })
	if got := remote.got(); !equal(got, want) {
		t.Fatalf("the other instance got %d frames, want %d in order (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}

	// A frame from instance two, heard by one's listener after everything
	// one published before: one's own frames were skipped, not delivered twice.
	marker := `{"type":"chat.delta","delta":"from two"}`
	two.hub.Broadcast(stream, []byte(marker))
	waitFor(t, func() bool { return local.has(marker) })
	wantLocal := append(append([]string(nil), want[:len(want)-1]...), oversized, last, marker)
	if got := local.got(); !equal(got, wantLocal) {
		t.Fatalf("the serving instance got %d frames, want %d once each in order (first difference at %d)", len(got), len(wantLocal), firstDiff(got, wantLocal))
	}
	if remote.has(oversized) {
		t.Fatal("the oversized frame crossed instances")
	}
}

// Publish refuses what cannot cross (too large, or before the publisher is
// connected) without blocking, and Flush returns at once with nothing queued.
func TestPublishRefusesWithoutBlocking(t *testing.T) {
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	p := events.NewPublisher("postgres://127.0.0.1:1/none", quiet)
	if p.Publish("chat:x", []byte(`{}`)) {
		t.Fatal("a publisher that never connected accepted a frame")
	}
	if p.Publish("chat:x", make([]byte, events.MaxFrameBytes+1)) {
		t.Fatal("an oversized frame was accepted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	p.Flush(ctx)
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("Flush waited with nothing queued")
	}
}

func equal(a, b []string) bool { return firstDiff(a, b) < 0 }

func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}
