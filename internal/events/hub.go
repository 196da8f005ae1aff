// Package events fans the durable event log out to live subscribers. A
// wake-up (in-process, Postgres NOTIFY, or a poll) is only a hint: readers
// always read the log after the last seq each subscriber has seen, so every
// event reaches every subscriber exactly once and in order.
package events

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/forgeai/platform/models"
)

// Reader reads a stream of the log after a seq.
type Reader interface {
	ReadEvents(ctx context.Context, stream string, after int64, limit int) ([]models.Event, error)
}

// Subscriber receives a stream's events. Deliver must not block: it returns
// false when the subscriber's buffer is full. A subscriber that is live (it
// has had every event that existed when it was last caught up) is then
// dropped as a slow consumer.
type Subscriber interface {
	Deliver(d *Delivery) bool
	Dropped(stream, reason string)
}

// Pacer is implemented by subscribers that can take a backlog at their own
// pace. While such a subscriber replays events that were in the log before it
// subscribed, a full buffer pauses it instead of dropping it: the hub waits
// for WaitRoom (which returns false when the subscriber is gone) and goes on
// from its cursor. A client resuming after a drop, or reading a long history,
// is therefore never dropped for the size of its backlog.
type Pacer interface {
	WaitRoom(ctx context.Context) bool
}

// Delivery is one event on its way to every subscriber of its stream; the
// wire encoding is computed once and shared.
type Delivery struct {
	models.Event
	once  sync.Once
	frame []byte
}

// Frame returns encode(event), computed once for all subscribers.
func (d *Delivery) Frame(encode func(models.Event) []byte) []byte {
	d.once.Do(func() { d.frame = encode(d.Event) })
	return d.frame
}

const batch = 500

// Hub runs one pump per stream that has subscribers: each wake-up reads the
// log once from the lowest cursor of the stream's subscribers and hands every
// subscriber the events after its own cursor.
type Hub struct {
	reader Reader
	log    *slog.Logger
	poll   time.Duration // 0: no polling; wake-ups only
	ctx    context.Context

	mu      sync.Mutex
	streams map[string]*stream

	relay *Publisher // nil: Broadcast stays on this instance
}

type stream struct {
	name   string
	wake   chan struct{}
	subs   map[Subscriber]*cursor
	paused map[Subscriber]*cursor // catching up, waiting for room
}

type cursor struct {
	seq        int64 // last seq delivered
	catchingUp bool  // still replaying events from before it subscribed
}

func (st *stream) empty() bool { return len(st.subs) == 0 && len(st.paused) == 0 }

// NewHub returns a hub whose pumps stop when ctx ends. poll > 0 also re-reads
// every subscribed stream that often, for writers in other processes that
// cannot wake this one (SQLite).
func NewHub(ctx context.Context, r Reader, poll time.Duration, log *slog.Logger) *Hub {
	return &Hub{reader: r, log: log, poll: poll, ctx: ctx, streams: map[string]*stream{}}
}

// Subscribe delivers the stream's events with seq > after to sub, then live
// ones. It looks once whether the log holds events after `after`: if so, sub
// catches up first (paced, when it is a Pacer); if not, it is live at once.
func (h *Hub) Subscribe(name string, after int64, sub Subscriber) {
	backlog, err := h.reader.ReadEvents(h.ctx, name, after, 1)
	catchingUp := err != nil || len(backlog) > 0
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.streams[name]
	if !ok {
		st = &stream{name: name, wake: make(chan struct{}, 1), subs: map[Subscriber]*cursor{}, paused: map[Subscriber]*cursor{}}
		h.streams[name] = st
		go h.pump(st)
	}
	st.subs[sub] = &cursor{seq: after, catchingUp: catchingUp}
	signal(st.wake)
}

// Unsubscribe stops deliveries of the stream to sub.
func (h *Hub) Unsubscribe(name string, sub Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st, ok := h.streams[name]; ok {
		delete(st.subs, sub)
		delete(st.paused, sub)
		h.forgetIfEmpty(st)
	}
}

// forgetIfEmpty stops the stream's pump once nobody is subscribed. h.mu is held.
func (h *Hub) forgetIfEmpty(st *stream) {
	if st.empty() && h.streams[st.name] == st {
		delete(h.streams, st.name)
		close(st.wake)
	}
}

// Notify wakes the pumps of the named streams (models.Notifier).
func (h *Hub) Notify(names ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range names {
		if st, ok := h.streams[n]; ok {
			signal(st.wake)
		}
	}
}

// Ephemeral is implemented by subscribers that take frames that are not in
// the log (e.g. chat deltas); a full buffer drops the frame, never blocks.
type Ephemeral interface{ Ephemeral(frame []byte) }

// RelayTo makes Broadcast also publish its frames to the other instances
// (Postgres), whose listeners hand them to Remote. Call it before use.
func (h *Hub) RelayTo(p *Publisher) { h.relay = p }

// Broadcast hands a frame that is not in the log to the stream's current
// subscribers on this instance at once and, with a relay, queues it for the
// other instances. Such frames are best effort; the durable event that
// follows them is what clients rely on.
func (h *Hub) Broadcast(name string, frame []byte) {
	h.broadcastLocal(name, frame)
	if h.relay != nil {
		h.relay.Publish(name, frame)
	}
}

// FlushBroadcasts waits (until ctx ends) for the frames broadcast so far to
// have been published to the other instances, so that they precede a
// durable event written next. Without a relay it returns at once.
func (h *Hub) FlushBroadcasts(ctx context.Context) {
	if h.relay != nil {
		h.relay.Flush(ctx)
	}
}

// Remote hands a frame another instance broadcast (a FramesChannel payload)
// to this instance's subscribers; this instance's own frames, and malformed
// payloads, are ignored.
func (h *Hub) Remote(payload string) {
	origin, name, frame, ok := decodePayload(payload)
	if !ok || (h.relay != nil && origin == h.relay.Origin()) {
		return
	}
	h.broadcastLocal(name, frame)
}

func (h *Hub) broadcastLocal(name string, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.streams[name]
	if !ok {
		return
	}
	for sub := range st.subs {
		if e, ok := sub.(Ephemeral); ok {
			e.Ephemeral(frame)
		}
	}
}

// WakeAll wakes every pump, e.g. after the NOTIFY listener reconnected and
// may have missed hints.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, st := range h.streams {
		signal(st.wake)
	}
}

// Subscribers counts subscriptions across streams, for metrics and tests.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, st := range h.streams {
		n += len(st.subs) + len(st.paused)
	}
	return n
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (h *Hub) pump(st *stream) {
	var tick <-chan time.Time
	if h.poll > 0 {
		t := time.NewTicker(h.poll)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-h.ctx.Done():
			return
		case _, open := <-st.wake:
			if !open {
				return
			}
		case <-tick:
		}
		h.deliver(st)
	}
}

// deliver reads and hands out events until every subscriber is caught up.
func (h *Hub) deliver(st *stream) {
	for {
		h.mu.Lock()
		if len(st.subs) == 0 {
			h.mu.Unlock()
			return
		}
		from := int64(-1)
		for _, c := range st.subs {
			if from < 0 || c.seq < from {
				from = c.seq
			}
		}
		h.mu.Unlock()

		evs, err := h.reader.ReadEvents(h.ctx, st.name, from, batch)
		if err != nil {
			if h.ctx.Err() == nil {
				h.log.Warn("read events failed; will retry on the next wake-up", "stream", st.name, "error", err.Error())
			}
			return
		}
		if len(evs) == 0 {
			h.mu.Lock()
			st.caughtUp(from)
			h.mu.Unlock()
			return
		}
		complete := len(evs) < batch // evs reaches the head of the log
		h.hand(st, evs, complete)
		if complete {
			return
		}
	}
}

// hand gives each subscriber the events after its cursor. complete says evs
// reaches the head of the log as it was read: a subscriber given all of them
// is then live. A full buffer pauses a catching-up Pacer and drops anyone else.
func (h *Hub) hand(st *stream, evs []models.Event, complete bool) {
	deliveries := make([]*Delivery, len(evs))
	for i := range evs {
		deliveries[i] = &Delivery{Event: evs[i]}
	}
	h.mu.Lock()
	var dropped []Subscriber
	for sub, c := range st.subs {
		for _, d := range deliveries {
			if d.Seq != c.seq+1 {
				continue // already delivered, or not yet (cursor ahead)
			}
			if sub.Deliver(d) {
				c.seq = d.Seq
				continue
			}
			if p, ok := sub.(Pacer); ok && c.catchingUp {
				delete(st.subs, sub)
				st.paused[sub] = c
				go h.resume(st, sub, p)
			} else {
				dropped = append(dropped, sub)
			}
			break
		}
	}
	for _, sub := range dropped {
		delete(st.subs, sub)
	}
	if complete {
		st.caughtUp(evs[len(evs)-1].Seq)
	}
	h.forgetIfEmpty(st)
	h.mu.Unlock()
	for _, sub := range dropped {
		sub.Dropped(st.name, "slow consumer")
	}
}

// caughtUp marks live the subscribers that have had every event up to head.
// The hub's mutex is held.
func (st *stream) caughtUp(head int64) {
	for _, c := range st.subs {
		if c.seq >= head {
			c.catchingUp = false
		}
	}
}

// resume waits until a paused subscriber has room, then lets the pump go on
// from its cursor; a subscriber that went away meanwhile is forgotten.
func (h *Hub) resume(st *stream, sub Subscriber, p Pacer) {
	ok := p.WaitRoom(h.ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	c, still := st.paused[sub]
	if !still {
		return // unsubscribed while paused
	}
	delete(st.paused, sub)
	if !ok {
		h.forgetIfEmpty(st)
		return
	}
	st.subs[sub] = c
	signal(st.wake)
}
