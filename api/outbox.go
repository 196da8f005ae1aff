package api

import (
	"context"
	"sync"
)

// outbox is the bounded queue of frames between the hub and one client's
// writer. Offers never block; a paced replay (events.Pacer) waits until the
// writer has drained the queue to half before the hub hands it more.
//
// The queue is a ring that grows as frames wait (up to max) instead of a
// channel of max slots: an idle connection, the usual kind, holds a few
// slots, not max of them.
type outbox struct {
	max   int
	ready chan struct{} // a token while frames may be waiting unseen by the writer

	mu   sync.Mutex
	ring [][]byte
	head int           // index of the oldest frame in ring
	n    int           // frames queued
	room chan struct{} // closed when the queue drains to half; nil while nobody waits
}

const outboxFirstSlots = 4

func newOutbox(max int) *outbox { return &outbox{max: max, ready: make(chan struct{}, 1)} }

// offer queues b unless the queue is full.
func (o *outbox) offer(b []byte) bool {
	o.mu.Lock()
	if o.n >= o.max {
		o.mu.Unlock()
		return false
	}
	if o.n == len(o.ring) {
		o.grow()
	}
	o.ring[(o.head+o.n)%len(o.ring)] = b
	o.n++
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
	return true
}

// grow doubles the ring (o.mu held), the oldest frame moving to index 0.
func (o *outbox) grow() {
	size := min(max(2*len(o.ring), outboxFirstSlots), o.max)
	ring := make([][]byte, size)
	for i := range o.n {
		ring[i] = o.ring[(o.head+i)%len(o.ring)]
	}
	o.ring, o.head = ring, 0
}

// next takes the oldest frame off the queue (false: the queue is empty).
// The writer calls it after a token on ready until it returns false.
func (o *outbox) next() ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == 0 {
		return nil, false
	}
	b := o.ring[o.head]
	o.ring[o.head] = nil
	o.head = (o.head + 1) % len(o.ring)
	o.n--
	if o.room != nil && o.n <= o.max/2 {
		close(o.room)
		o.room = nil
	}
	return b, true
}

// waitRoom blocks until the queue is at most half full (true), or until gone
// or ctx ends (false).
func (o *outbox) waitRoom(ctx context.Context, gone <-chan struct{}) bool {
	for {
		o.mu.Lock()
		if o.n <= o.max/2 {
			o.mu.Unlock()
			return true
		}
		if o.room == nil {
			o.room = make(chan struct{})
		}
		room := o.room
		o.mu.Unlock()
		select {
		case <-room:
		case <-gone:
			return false
		case <-ctx.Done():
			return false
		}
	}
}
