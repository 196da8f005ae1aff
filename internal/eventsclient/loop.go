package eventsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/fasthttp/websocket"
)

// run serves connections and reconnects until the client stops.
func (c *Client) run(conn *websocket.Conn) {
	defer close(c.done)
	defer close(c.events)
	defer c.cancel()
	var delay time.Duration
	for {
		up := time.Now()
		err := c.serve(conn)
		c.detach(conn)
		if c.ctx.Err() != nil {
			c.finish(ErrClosed)
			return
		}
		c.state(StateDisconnected, err)
		if errors.Is(err, ErrUnauthorized) {
			c.finish(err)
			return
		}
		if time.Since(up) > stableAfter {
			delay = 0
		}
		for {
			delay = min(max(delay*2, minBackoff), maxBackoff)
			t := time.NewTimer(delay/2 + rand.N(delay/2+1)) // jitter in [delay/2, delay]
			select {
			case <-c.ctx.Done():
				t.Stop()
				c.finish(ErrClosed)
				return
			case <-t.C:
			}
			if conn, err = c.connect(c.ctx); err == nil {
				break
			}
			if c.ctx.Err() != nil {
				c.finish(ErrClosed)
				return
			}
			c.state(StateDisconnected, err)
			if errors.Is(err, ErrUnauthorized) {
				c.finish(err)
				return
			}
		}
		c.mu.Lock()
		c.reconnects++
		c.mu.Unlock()
	}
}

// serve resubscribes every stream on conn, then reads frames until an error.
func (c *Client) serve(conn *websocket.Conn) error {
	c.mu.Lock()
	c.conn = conn
	for name, s := range c.streams {
		s.resyncing = false
		if err := c.subscribeLocked(conn, name, s.last, false); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Unlock()
	stop := context.AfterFunc(c.ctx, func() { conn.Close() })
	defer stop()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return readError(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(readIdleTimeout))
		var f frameIn
		if err := json.Unmarshal(data, &f); err != nil {
			c.state(StateError, fmt.Errorf("bad frame: %w", err))
			continue
		}
		switch f.Type {
		case "event":
			if err := c.deliver(conn, &f); err != nil {
				return err
			}
		case "subscribed":
			c.resolve(f.Stream, false, nil)
		case "unsubscribed":
			c.resolve(f.Stream, true, nil)
		case "error":
			se := &ServerError{Code: f.Code, Message: f.Message, Stream: f.Stream}
			if se.Code == "unauthorized" {
				return se
			}
			c.streamError(se)
		}
	}
}

// deliver hands an event to the caller unless it is a duplicate; on a gap it
// resubscribes the stream from the last delivered seq.
func (c *Client) deliver(conn *websocket.Conn, f *frameIn) error {
	c.mu.Lock()
	s := c.streams[f.Stream]
	if s == nil || f.Seq <= s.last {
		c.mu.Unlock()
		return nil
	}
	if f.Seq > s.last+1 {
		if s.resyncing {
			c.mu.Unlock()
			return nil
		}
		s.resyncing = true
		last := s.last
		err := c.subscribeLocked(conn, f.Stream, last, true)
		c.mu.Unlock()
		c.state(StateGap, fmt.Errorf("%s: got seq %d after %d, resubscribing", f.Stream, f.Seq, last))
		return err
	}
	s.last = f.Seq
	c.mu.Unlock()
	ev := Event{Stream: f.Stream, Seq: f.Seq, Type: f.Event, Data: f.Data, At: f.At}
	select {
	case c.events <- ev:
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

// resolve answers the subscribe (or unsubscribe) waiters of stream.
func (c *Client) resolve(stream string, unsub bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.streams[stream]; s != nil && !unsub {
		s.resyncing = false
	}
	var keep []*waiter
	for _, w := range c.waiters[stream] {
		if w.unsub == unsub {
			w.ch <- err
		} else {
			keep = append(keep, w)
		}
	}
	c.setWaitersLocked(stream, keep)
}

// streamError handles a non-fatal error frame: the stream is forgotten and its
// waiters get the error; if nobody waited it is reported via OnState.
func (c *Client) streamError(se *ServerError) {
	c.mu.Lock()
	ws := c.waiters[se.Stream]
	if se.Stream != "" {
		delete(c.streams, se.Stream)
		delete(c.waiters, se.Stream)
		for _, w := range ws {
			w.ch <- se
		}
	}
	c.mu.Unlock()
	if len(ws) == 0 || se.Stream == "" {
		c.state(StateError, se)
	}
}

// detach forgets conn; pending unsubscribes are done (nothing to unsubscribe
// from), pending subscribes wait for the resubscribe after reconnect.
func (c *Client) detach(conn *websocket.Conn) {
	conn.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == conn {
		c.conn = nil
	}
	for stream, ws := range c.waiters {
		var keep []*waiter
		for _, w := range ws {
			if w.unsub {
				w.ch <- nil
			} else {
				keep = append(keep, w)
			}
		}
		c.setWaitersLocked(stream, keep)
	}
}

// finish records why the client stopped and fails every waiter with it.
func (c *Client) finish(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fatal = err
	for stream, ws := range c.waiters {
		for _, w := range ws {
			w.ch <- err
		}
		delete(c.waiters, stream)
	}
}

func (c *Client) dropWaiterLocked(stream string, w *waiter) {
	var keep []*waiter
	for _, x := range c.waiters[stream] {
		if x != w {
			keep = append(keep, x)
		}
	}
	c.setWaitersLocked(stream, keep)
}

func (c *Client) setWaitersLocked(stream string, ws []*waiter) {
	if len(ws) == 0 {
		delete(c.waiters, stream)
	} else {
		c.waiters[stream] = ws
	}
}
