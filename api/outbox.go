package api

import (
	"context"
	"sync"
)

// outbox is the bounded queue of frames between the hub and one client's
// writer. Offers never block; a paced replay (events.Pacer) waits until the
// writer has drained the queue to half before the hub hands it more.
type outbox struct {
	frames chan []byte
	mu     sync.Mutex
	room   chan struct{} // closed when the queue drains to half; nil while nobody waits
}

func newOutbox(size int) *outbox { return &outbox{frames: make(chan []byte, size)} }

// offer queues b unless the queue is full.
func (o *outbox) offer(b []byte) bool {
	select {
	case o.frames <- b:
		return true
	default:
		return false
	}
}

// taken is called by the writer after it took a frame off the queue.
func (o *outbox) taken() {
	if len(o.frames) > cap(o.frames)/2 {
		return
	}
	o.mu.Lock()
	if o.room != nil {
		close(o.room)
		o.room = nil
	}
	o.mu.Unlock()
}

// waitRoom blocks until the queue is at most half full (true), or until gone
// or ctx ends (false).
func (o *outbox) waitRoom(ctx context.Context, gone <-chan struct{}) bool {
	for {
		o.mu.Lock()
		if len(o.frames) <= cap(o.frames)/2 {
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
