package eventsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fasthttp/websocket"
)

const (
	handshakeTimeout = 10 * time.Second // dial + auth answer
	writeTimeout     = 10 * time.Second
	readIdleTimeout  = 75 * time.Second // the server pings every ~30 s
	readLimit        = 8 << 20
	minBackoff       = 100 * time.Millisecond
	maxBackoff       = 5 * time.Second
	stableAfter      = 10 * time.Second // a connection up this long resets the backoff

	closeUnauthorized = 4401
)

// frameOut is a client → server frame.
type frameOut struct {
	Type   string `json:"type"`
	Token  string `json:"token,omitempty"`
	Stream string `json:"stream,omitempty"`
	After  *int64 `json:"after,omitempty"`
}

// subscribeLocked sends a subscribe frame, preceded by an unsubscribe when
// the stream may already be subscribed on conn (the server answers a second
// subscribe with "already subscribed"); c.mu must be held.
func (c *Client) subscribeLocked(conn *websocket.Conn, stream string, after int64, active bool) error {
	if active {
		if err := c.writeLocked(conn, frameOut{Type: "unsubscribe", Stream: stream}); err != nil {
			return err
		}
	}
	return c.writeLocked(conn, frameOut{Type: "subscribe", Stream: stream, After: &after})
}

// frameIn is any server → client frame.
type frameIn struct {
	Type    string          `json:"type"`
	Stream  string          `json:"stream"`
	Seq     int64           `json:"seq"`
	Event   string          `json:"event"`
	Data    json.RawMessage `json:"data"`
	At      time.Time       `json:"at"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
}

func (c *Client) state(s string, err error) {
	if c.opts.OnState != nil {
		c.opts.OnState(s, err)
	}
}

func (c *Client) token(ctx context.Context) (string, error) {
	if c.opts.TokenFunc == nil {
		return c.opts.Token, nil
	}
	t, err := c.opts.TokenFunc(ctx)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// connect dials, authenticates and waits for "ready".
func (c *Client) connect(ctx context.Context) (*websocket.Conn, error) {
	c.state(StateConnecting, nil)
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	conn, resp, err := c.dialer.DialContext(ctx, c.url, c.header)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, fmt.Errorf("%w: %w", ErrUnauthorized, err)
		}
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	conn.SetReadLimit(readLimit)
	_ = conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := conn.WriteJSON(frameOut{Type: "auth", Token: tok}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send auth: %w", err)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, readError(err)
		}
		var f frameIn
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		if f.Type == "error" {
			conn.Close()
			return nil, &ServerError{Code: f.Code, Message: f.Message, Stream: f.Stream}
		}
		if f.Type == "ready" {
			break
		}
	}
	if !stop() {
		conn.Close()
		return nil, ctx.Err()
	}
	_ = conn.SetReadDeadline(time.Now().Add(readIdleTimeout))
	pong := conn.PingHandler()
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(readIdleTimeout))
		return pong(data)
	})
	c.state(StateReady, nil)
	return conn, nil
}

func readError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code == closeUnauthorized {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return fmt.Errorf("read: %w", err)
}

// writeLocked writes one frame; c.mu must be held. A failed write closes the
// connection so that the reader notices and reconnects.
func (c *Client) writeLocked(conn *websocket.Conn, f frameOut) error {
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := conn.WriteJSON(f); err != nil {
		conn.Close()
		return fmt.Errorf("write %s: %w", f.Type, err)
	}
	return nil
}
