package eventsclient_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/eventsclient"
)

// states records OnState calls.
type states struct {
	mu   sync.Mutex
	seen []string
}

func (s *states) record(state string, _ error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, state)
}

func (s *states) has(state string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.seen, state)
}

func dial(t *testing.T, fs *fakeServer, st *states) *eventsclient.Client {
	t.Helper()
	o := eventsclient.Options{URL: fs.URL(), Token: "good-token"}
	if st != nil {
		o.OnState = st.record
	}
	c, err := eventsclient.Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func subscribe(t *testing.T, c *eventsclient.Client, stream string, after int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Subscribe(ctx, stream, after); err != nil {
		t.Fatalf("Subscribe(%s, %d): %v", stream, after, err)
	}
}

// expectSeqs receives len(want) events of stream and checks their seqs.
func expectSeqs(t *testing.T, c *eventsclient.Client, stream string, want []int64) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for i, seq := range want {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("Events closed after %d of %d events", i, len(want))
			}
			if ev.Stream != stream || ev.Seq != seq {
				t.Fatalf("event %d: got %s/%d, want %s/%d", i, ev.Stream, ev.Seq, stream, seq)
			}
			if ev.Type != "deployment.step_started" || string(ev.Data) != fmt.Sprintf(`{"n":%d}`, seq) || ev.At.IsZero() {
				t.Fatalf("event %d: bad content %+v", i, ev)
			}
		case <-timeout:
			t.Fatalf("timed out after %d of %d events", i, len(want))
		}
	}
}

func expectNone(t *testing.T, c *eventsclient.Client, wait time.Duration) {
	t.Helper()
	select {
	case ev := <-c.Events():
		t.Fatalf("unexpected event %s/%d", ev.Stream, ev.Seq)
	case <-time.After(wait):
	}
}

func seqs(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestReplayThenLive(t *testing.T) {
	fs := newFakeServer(t)
	const stream = "deployment:d1"
	fs.Append(stream, 5)
	c := dial(t, fs, nil)
	subscribe(t, c, stream, 2)
	expectSeqs(t, c, stream, seqs(3, 5))
	fs.Append(stream, 3)
	expectSeqs(t, c, stream, seqs(6, 8))
	if got := c.LastSeq(stream); got != 8 {
		t.Fatalf("LastSeq = %d, want 8", got)
	}
	subscribe(t, c, stream, 6) // restart an active subscription (server refuses a plain second subscribe)
	expectSeqs(t, c, stream, seqs(7, 8))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Unsubscribe(ctx, stream); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	fs.Append(stream, 1)
	expectNone(t, c, 150*time.Millisecond)
}

func TestResumeAcrossKilledConnections(t *testing.T) {
	fs := newFakeServer(t)
	const stream = "deployment:d2"
	fs.Create(stream)
	c := dial(t, fs, nil)
	subscribe(t, c, stream, 0)

	const total = 500
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() { // appender
		defer wg.Done()
		defer close(stop)
		for range total {
			fs.Append(stream, 1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	go func() { // killer: abrupt TCP close and "slow consumer" close frames
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(60 * time.Millisecond):
			}
			if i%2 == 0 {
				fs.Kill()
			} else {
				fs.CloseAll(4008, "slow consumer: resume from your last seq")
			}
		}
	}()
	expectSeqs(t, c, stream, seqs(1, total))
	wg.Wait()
	expectNone(t, c, 200*time.Millisecond)
	if c.Reconnects() == 0 || fs.Auths() < 2 {
		t.Fatalf("Reconnects = %d, auths = %d; want reconnections", c.Reconnects(), fs.Auths())
	}
	if got := c.LastSeq(stream); got != total {
		t.Fatalf("LastSeq = %d, want %d", got, total)
	}
	t.Logf("500 events exactly once across %d reconnects", c.Reconnects())
}

func TestDuplicatesDropped(t *testing.T) {
	fs := newFakeServer(t)
	const stream = "deployment:d3"
	fs.Append(stream, 3)
	c := dial(t, fs, nil)
	subscribe(t, c, stream, 0)
	expectSeqs(t, c, stream, seqs(1, 3))
	fs.Inject(stream, 2)
	fs.Inject(stream, 3)
	fs.Append(stream, 1)
	expectSeqs(t, c, stream, []int64{4})
	fs.Inject(stream, 4)
	expectNone(t, c, 150*time.Millisecond)
}

func TestGapResubscribes(t *testing.T) {
	fs := newFakeServer(t)
	const stream = "deployment:d4"
	fs.Create(stream)
	fs.SkipOnce(stream, 3)
	st := &states{}
	c := dial(t, fs, st)
	subscribe(t, c, stream, 0)
	fs.Append(stream, 6)
	expectSeqs(t, c, stream, seqs(1, 6))
	expectNone(t, c, 150*time.Millisecond)
	if !st.has(eventsclient.StateGap) {
		t.Fatal(`OnState never reported "gap"`)
	}
	if c.Reconnects() != 0 {
		t.Fatalf("a gap must not reconnect, Reconnects = %d", c.Reconnects())
	}
}

func TestSubscribeErrorsKeepConnection(t *testing.T) {
	fs := newFakeServer(t)
	fs.Append("deployment:secret", 1)
	fs.Forbid("deployment:secret")
	fs.Append("deployment:ok", 2)
	c := dial(t, fs, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	err := c.Subscribe(ctx, "deployment:secret", 0)
	var se *eventsclient.ServerError
	if !errors.Is(err, eventsclient.ErrForbidden) || !errors.As(err, &se) || se.Stream != "deployment:secret" {
		t.Fatalf("Subscribe forbidden stream: %v", err)
	}
	if err := c.Subscribe(ctx, "deployment:missing", 0); !errors.Is(err, eventsclient.ErrNotFound) {
		t.Fatalf("Subscribe missing stream: %v", err)
	}
	subscribe(t, c, "deployment:ok", 0)
	expectSeqs(t, c, "deployment:ok", seqs(1, 2))
	if c.Reconnects() != 0 || fs.Auths() != 1 {
		t.Fatalf("errors must not reconnect: reconnects %d, auths %d", c.Reconnects(), fs.Auths())
	}
}

func TestBadTokenDial(t *testing.T) {
	fs := newFakeServer(t)
	for _, tok := range []string{"nope", "close-only"} { // error frame + 4401, or 4401 alone
		c, err := eventsclient.Dial(context.Background(), eventsclient.Options{URL: fs.URL(), Token: tok})
		if !errors.Is(err, eventsclient.ErrUnauthorized) {
			t.Fatalf("Dial with token %q: client %v, err %v; want ErrUnauthorized", tok, c, err)
		}
	}
}

func TestRevokedTokenIsFatal(t *testing.T) {
	fs := newFakeServer(t)
	tokens := 0
	var mu sync.Mutex
	c, err := eventsclient.Dial(context.Background(), eventsclient.Options{
		URL: fs.URL(),
		TokenFunc: func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			tokens++
			return "good-token", nil
		},
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fs.SetToken("rotated")
	fs.Kill()
	waitClosed(t, c)
	if !errors.Is(c.Err(), eventsclient.ErrUnauthorized) {
		t.Fatalf("Err = %v, want ErrUnauthorized", c.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	if tokens < 2 {
		t.Fatalf("TokenFunc called %d times, want one per connection attempt", tokens)
	}
}

func TestCloseStopsLoop(t *testing.T) {
	fs := newFakeServer(t)
	fs.Append("deployment:d5", 1)
	c := dial(t, fs, nil)
	subscribe(t, c, "deployment:d5", 0)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitClosed(t, c)
	if err := c.Subscribe(context.Background(), "deployment:d5", 0); !errors.Is(err, eventsclient.ErrClosed) {
		t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// waitClosed drains Events() until it is closed, failing after a short wait.
func waitClosed(t *testing.T, c *eventsclient.Client) {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case _, ok := <-c.Events():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("Events() not closed: background loop still running")
		}
	}
}
