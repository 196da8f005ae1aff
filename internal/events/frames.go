package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// FramesChannel is the Postgres NOTIFY channel that carries ephemeral frames
// (Hub.Broadcast, e.g. chat deltas) from the instance that produced them to
// every other instance's listener.
const FramesChannel = "platform_frames"

// PublisherApplicationName names the publisher's Postgres session (pg_stat_activity).
const PublisherApplicationName = "platform-frame-publisher"

// MaxFrameBytes bounds a frame that can cross instances. A NOTIFY payload
// must be shorter than 8000 bytes and carries the origin, a sequence number
// and the stream name besides the frame; producers split what is larger
// (chat splits a long delta into several). Larger frames still reach this
// instance's subscribers, but no other instance's.
const MaxFrameBytes = 7168

// maxPayload is Postgres' limit: a NOTIFY payload must be shorter than 8000 bytes.
const maxPayload = 7999

const (
	// queueBytes bounds the frames waiting to be published: past it new
	// frames are dropped (for other instances; this one has them already).
	queueBytes = 1 << 20
	// batchBytes bounds the frames sent in one statement.
	batchBytes = 256 << 10
)

// Publisher sends a process's ephemeral frames to the other instances with
// pg_notify, on a connection of its own, from one goroutine.
//
// Why one goroutine and one connection: frames keep their order (one
// sender, one session, each batch in one transaction, each committed before
// the next is sent; Postgres delivers notifications in commit order), a
// burst costs one round trip per batch rather than per frame, and the
// request pool is never taken from the API's handlers. Publish only appends
// to a bounded queue, so a slow or unreachable database never slows the
// model's stream: frames are dropped instead. Frames are transient; the
// durable event that follows them is what clients rely on.
type Publisher struct {
	origin string
	dsn    string
	log    *slog.Logger

	mu        sync.Mutex
	up        bool     // connected: frames queued now will be sent
	queue     []string // payloads in order
	queued    int      // bytes in queue
	seq       uint64
	enqueued  uint64 // payloads ever queued
	done      uint64 // payloads sent or dropped after queueing
	progress  chan struct{}
	dropping  bool // a drop was logged; the next successful send logs recovery
	dropCount int
	kick      chan struct{}
}

// NewPublisher returns a publisher with a fresh origin id; Run sends.
func NewPublisher(databaseURL string, log *slog.Logger) *Publisher {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Publisher{origin: hex.EncodeToString(b), dsn: databaseURL, log: log,
		progress: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// Origin names this process in the payloads it sends, so its own listener
// skips them (it delivered them locally already).
func (p *Publisher) Origin() string { return p.origin }

// encodePayload is "<origin> <seq> <stream> <frame>". The sequence number
// keeps equal frames in one transaction distinct: Postgres delivers equal
// payloads of one transaction once.
func encodePayload(origin string, seq uint64, stream string, frame []byte) string {
	return origin + " " + strconv.FormatUint(seq, 10) + " " + stream + " " + string(frame)
}

// decodePayload splits a payload; ok is false for a malformed one.
func decodePayload(payload string) (origin, stream string, frame []byte, ok bool) {
	origin, rest, ok1 := strings.Cut(payload, " ")
	_, rest, ok2 := strings.Cut(rest, " ")
	stream, f, ok3 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !ok3 || origin == "" || stream == "" {
		return "", "", nil, false
	}
	return origin, stream, []byte(f), true
}

// Publish queues the frame for the other instances and never blocks. It
// reports false when the frame is not sent: too large (over MaxFrameBytes,
// or a stream name so long the payload passes Postgres' limit), the queue
// is full, or the publisher is not connected.
func (p *Publisher) Publish(stream string, frame []byte) bool {
	if len(frame) > MaxFrameBytes || strings.ContainsRune(stream, ' ') {
		p.drop("frame too large to cross instances", 1)
		return false
	}
	p.mu.Lock()
	p.seq++
	payload := encodePayload(p.origin, p.seq, stream, frame)
	if len(payload) > maxPayload || !p.up || p.queued+len(payload) > queueBytes {
		p.mu.Unlock()
		p.drop("frames not published: the publisher is not connected or is behind", 1)
		return false
	}
	p.queue = append(p.queue, payload)
	p.queued += len(payload)
	p.enqueued++
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return true
}

// drop counts dropped frames and logs the first of a run of them.
func (p *Publisher) drop(why string, n int) {
	p.mu.Lock()
	first := !p.dropping
	p.dropping = true
	p.dropCount += n
	p.mu.Unlock()
	if first {
		p.log.Warn(why+"; other instances miss these ephemeral frames", "dropped", n)
	}
}

// Flush waits until every frame queued before the call was sent (or
// dropped), or ctx ends. A caller about to write the durable event that
// ends a run of frames flushes first, so other instances hear the frames
// before the event.
func (p *Publisher) Flush(ctx context.Context) {
	p.mu.Lock()
	target := p.enqueued
	for p.done < target {
		ch := p.progress
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		p.mu.Lock()
	}
	p.mu.Unlock()
}

// Run holds the publisher's connection and sends queued frames until ctx
// ends, reconnecting with backoff. While it is not connected frames are
// dropped, not kept: a frame sent late is worse than one not sent.
func (p *Publisher) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		up := time.Now()
		err := p.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(up) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		p.log.Warn("frame publisher disconnected; reconnecting", "error", errString(err), "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (p *Publisher) runOnce(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(p.dsn)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = PublisherApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	p.setUp(true)
	defer p.setUp(false)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.kick:
		}
		for {
			batch := p.take()
			if len(batch) == 0 {
				break
			}
			err := p.send(ctx, conn, batch)
			p.finish(len(batch), err == nil)
			if err != nil {
				return err
			}
		}
	}
}

// send publishes the batch in one statement, hence one transaction, in
// order. Nothing here needs to survive a crash, so the transaction commits
// without waiting for its WAL flush (synchronous_commit off, for it alone).
func (p *Publisher) send(ctx context.Context, conn *pgx.Conn, batch []string) error {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := conn.Exec(sctx, `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, payload)
		FROM unnest($2::text[]) AS payload`, FramesChannel, batch)
	if err != nil {
		return fmt.Errorf("publish frames: %w", err)
	}
	return nil
}

// take removes up to batchBytes of payloads from the head of the queue.
func (p *Publisher) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, size := 0, 0
	for n < len(p.queue) && (n == 0 || size+len(p.queue[n]) <= batchBytes) {
		size += len(p.queue[n])
		n++
	}
	batch := p.queue[:n:n]
	p.queue = p.queue[n:]
	p.queued -= size
	if len(p.queue) == 0 {
		p.queue = nil
	}
	return batch
}

// finish records a batch as done; a failed one is counted as dropped.
func (p *Publisher) finish(n int, ok bool) {
	p.mu.Lock()
	p.done += uint64(n)
	close(p.progress)
	p.progress = make(chan struct{})
	recovered, count := ok && p.dropping, p.dropCount
	if recovered {
		p.dropping, p.dropCount = false, 0
	}
	p.mu.Unlock()
	if !ok {
		p.drop("publishing frames failed", n)
	}
	if recovered {
		p.log.Info("frame publisher sending again", "dropped", count)
	}
}

// setUp marks the publisher connected or not; going down drops the queue.
func (p *Publisher) setUp(up bool) {
	p.mu.Lock()
	p.up = up
	var lost int
	if !up {
		lost = len(p.queue)
		p.done += uint64(lost)
		p.queue, p.queued = nil, 0
		close(p.progress)
		p.progress = make(chan struct{})
	}
	p.mu.Unlock()
	if lost > 0 {
		p.drop("frames not published: the publisher's connection ended", lost)
	}
}
