package eventsclient

import (
	"context"
	"fmt"
)

// Subscribe subscribes to stream, delivering events with seq > after (0 for
// all), and waits for the server's "subscribed" answer or its error frame
// (wrapping ErrForbidden, ErrNotFound, ErrTooManySubscriptions, …; a refused
// stream is forgotten and the connection stays usable). Subscribing again to a
// stream restarts it from after (the client unsubscribes it first, since the
// server refuses a second subscription to the same stream). The stream is remembered and resubscribed
// from the last delivered seq after every reconnect; if the client is
// disconnected, Subscribe waits for the next connection. If ctx ends first the
// stream stays registered (use Unsubscribe to drop it).
func (c *Client) Subscribe(ctx context.Context, stream string, after int64) error {
	if stream == "" || after < 0 {
		return fmt.Errorf("eventsclient: subscribe %q after %d: %w", stream, after, ErrBadRequest)
	}
	w := &waiter{ch: make(chan error, 1)}
	c.mu.Lock()
	if c.fatal != nil {
		err := c.fatal
		c.mu.Unlock()
		return fmt.Errorf("eventsclient: subscribe %s: %w", stream, err)
	}
	_, active := c.streams[stream]
	c.streams[stream] = &sub{last: after}
	c.waiters[stream] = append(c.waiters[stream], w)
	if c.conn != nil {
		// On failure the connection is closed and the reconnect resubscribes.
		_ = c.subscribeLocked(c.conn, stream, after, active)
	}
	c.mu.Unlock()
	return c.wait(ctx, "subscribe", stream, w)
}

// Unsubscribe stops delivery of stream and forgets it; it waits for the
// server's "unsubscribed" answer when connected. Events of the stream still
// buffered in the Events channel stay there.
func (c *Client) Unsubscribe(ctx context.Context, stream string) error {
	c.mu.Lock()
	if c.fatal != nil {
		err := c.fatal
		c.mu.Unlock()
		return fmt.Errorf("eventsclient: unsubscribe %s: %w", stream, err)
	}
	delete(c.streams, stream)
	if c.conn == nil {
		c.mu.Unlock()
		return nil
	}
	w := &waiter{unsub: true, ch: make(chan error, 1)}
	c.waiters[stream] = append(c.waiters[stream], w)
	_ = c.writeLocked(c.conn, frameOut{Type: "unsubscribe", Stream: stream})
	c.mu.Unlock()
	return c.wait(ctx, "unsubscribe", stream, w)
}

func (c *Client) wait(ctx context.Context, op, stream string, w *waiter) error {
	select {
	case err := <-w.ch:
		if err != nil {
			return fmt.Errorf("eventsclient: %s %s: %w", op, stream, err)
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.dropWaiterLocked(stream, w)
		c.mu.Unlock()
		return fmt.Errorf("eventsclient: %s %s: %w", op, stream, ctx.Err())
	}
}

// Events returns the channel of events of all subscribed streams, in order
// per stream, without duplicates or gaps. It is closed when the client stops
// (Close, Dial's ctx done, or a fatal ErrUnauthorized on reconnect). If the
// caller does not drain it, the reader blocks; the server may then drop the
// connection and the client resumes later without loss.
func (c *Client) Events() <-chan Event { return c.events }

// LastSeq returns the last seq of stream handed to the Events channel (the
// after given to Subscribe if none yet), or 0 for an unknown stream.
func (c *Client) LastSeq(stream string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.streams[stream]; s != nil {
		return s.last
	}
	return 0
}

// Reconnects returns how many times the client re-established a connection
// after the first one.
func (c *Client) Reconnects() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reconnects
}

// Err returns the error that stopped the client (ErrClosed after Close, or the
// fatal ErrUnauthorized), or nil while it runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fatal
}

// Close stops the background loop, closes the connection and waits until the
// Events channel is closed. It is idempotent and returns nil.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}
