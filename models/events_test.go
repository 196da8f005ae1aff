package models_test

import (
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/models"
)

type recordingNotifier struct {
	mu      sync.Mutex
	streams map[string]int
}

func (r *recordingNotifier) Notify(streams ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range streams {
		r.streams[s]++
	}
}

// Property: however many writers append to one stream at once, the stream
// holds 1..N exactly, with no gap and no duplicate, and readers are woken.
func TestConcurrentWritersNeverGapOrDuplicate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		n := &recordingNotifier{streams: map[string]int{}}
		s.SetNotifier(n)
		const writers, each = 16, 25
		stream := "project:01930000-0000-7000-8000-00000000abcd"
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := s.AppendEvent(t.Context(), stream, "test.event", map[string]int{"writer": w, "i": i}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		evs, err := s.ReadEvents(t.Context(), stream, 0, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != writers*each {
			t.Fatalf("%d events, want %d", len(evs), writers*each)
		}
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, ev.Seq)
			}
		}
		if n.streams[stream] != writers*each {
			t.Fatalf("notified %d times, want %d", n.streams[stream], writers*each)
		}
		after, err := s.ReadEvents(t.Context(), stream, 390, 5)
		if err != nil || len(after) != 5 || after[0].Seq != 391 {
			t.Fatalf("read after 390: %v %v", after, err)
		}
	})
}

func TestPruneKeepsEachStreamsLatestEvent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		streams := []string{"deployment:01930000-0000-7000-8000-000000000001", "deployment:01930000-0000-7000-8000-000000000002"}
		for _, st := range streams {
			for i := range 3 {
				if _, err := s.AppendEvent(t.Context(), st, "e", map[string]int{"i": i}); err != nil {
					t.Fatal(err)
				}
			}
		}
		keep := "project:01930000-0000-7000-8000-000000000003"
		if _, err := s.AppendEvent(t.Context(), keep, "e", nil); err != nil {
			t.Fatal(err)
		}
		deleted, err := s.PruneEvents(t.Context(), "deployment:", time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if deleted != 4 {
			t.Fatalf("deleted %d, want 4 (all but each stream's latest)", deleted)
		}
		for _, st := range streams {
			evs, _ := s.ReadEvents(t.Context(), st, 0, 10)
			if len(evs) != 1 || evs[0].Seq != 3 {
				t.Fatalf("%s after prune: %v", st, evs)
			}
			// The next event continues the sequence.
			if _, err := s.AppendEvent(t.Context(), st, "e", nil); err != nil {
				t.Fatal(err)
			}
			if evs, _ := s.ReadEvents(t.Context(), st, 3, 10); len(evs) != 1 || evs[0].Seq != 4 {
				t.Fatalf("%s continues with %v", st, evs)
			}
		}
		if evs, _ := s.ReadEvents(t.Context(), keep, 0, 10); len(evs) != 1 {
			t.Fatal("another kind was pruned")
		}
	})
}

// Events appended in one transaction get their streams' next seqs in the
// order they were emitted, interleaved streams or not, and the data of each
// lands under its own seq.
func TestOneTransactionNumbersEachStreamInOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		n := &recordingNotifier{streams: map[string]int{}}
		s.SetNotifier(n)
		a, b := "project:01930000-0000-7000-8000-0000000000aa", "user:01930000-0000-7000-8000-0000000000bb"
		if _, err := s.AppendEvent(t.Context(), a, "first", map[string]int{"i": -1}); err != nil {
			t.Fatal(err)
		}
		batch := []models.TestEvent{{a, "a1"}, {b, "b1"}, {a, "a2"}, {a, "a3"}, {b, "b2"}}
		if err := s.AppendInOneTransaction(t.Context(), batch...); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{a: {"first", "a1", "a2", "a3"}, b: {"b1", "b2"}}
		for stream, types := range want {
			evs, err := s.ReadEvents(t.Context(), stream, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != len(types) {
				t.Fatalf("%s has %d events, want %d", stream, len(evs), len(types))
			}
			for i, ev := range evs {
				if ev.Seq != int64(i+1) || ev.Type != types[i] {
					t.Errorf("%s event %d: seq %d type %s, want seq %d type %s", stream, i, ev.Seq, ev.Type, i+1, types[i])
				}
			}
		}
		evs, _ := s.ReadEvents(t.Context(), a, 2, 1)
		if len(evs) != 1 || string(evs[0].Data.V) != `{"i": 2}` && string(evs[0].Data.V) != `{"i":2}` {
			t.Errorf("a2's data: %v", evs)
		}
		if n.streams[a] != 2 || n.streams[b] != 1 {
			t.Errorf("woken %v, want %s twice and %s once", n.streams, a, b)
		}
	})
}
