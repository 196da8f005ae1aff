package api

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/contrib/websocket"
)

// writeLoop is the connection's writer: it writes what the outbox holds,
// pings, and every sessionCheckEvery has the session looked at (see
// checkSession); it ends the connection when told to or when a write fails.
func (w *wsConn) writeLoop() {
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	check := time.NewTicker(w.s.sessionCheckEvery)
	defer check.Stop()
	for {
		select {
		case <-w.out.ready:
			if !w.writeQueued(true) {
				w.closeWith(websocket.CloseAbnormalClosure, "")
				w.hangUp(time.Now())
				return
			}
		case <-ping.C:
			if err := w.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(w.s.writeWait())); err != nil {
				w.closeWith(websocket.CloseAbnormalClosure, "")
				w.hangUp(time.Now())
				return
			}
		case <-check.C:
			if w.checking.CompareAndSwap(false, true) {
				go w.checkSession()
			}
		case <-w.closed:
			w.drainAndClose()
			return
		case <-w.s.ctx.Done():
			w.closeWith(websocket.CloseGoingAway, "server shutting down")
		}
	}
}

// writeQueued writes the frames queued, oldest first, until none is left
// (true) or a write fails (false); untilClosed also stops (true) once the
// connection is being closed, whose reason decides what is still written.
// Each frame may take writeWait.
func (w *wsConn) writeQueued(untilClosed bool) bool {
	for {
		if untilClosed {
			select {
			case <-w.closed:
				return true
			default:
			}
		}
		msg, ok := w.out.next()
		if !ok {
			return true
		}
		_ = w.conn.SetWriteDeadline(time.Now().Add(w.s.writeWait()))
		if err := w.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			return false
		}
	}
}

// drainAndClose writes what is queued (unless the client is too slow for
// that) and the close frame with its reason, then hangs up: at once if the
// close frame could not be written, else once the client has answered it
// or had as long as a frame may take.
func (w *wsConn) drainAndClose() {
	if w.reason.code != closeSlowConsumer && !w.writeQueued(false) {
		w.hangUp(time.Now())
		return
	}
	if w.reason.code == websocket.CloseAbnormalClosure ||
		w.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(w.reason.code, w.reason.text), time.Now().Add(time.Second)) != nil {
		w.hangUp(time.Now())
		return
	}
	w.hangUp(time.Now().Add(w.s.writeWait()))
}

// hangUp ends the connection by t: the reader's deadline becomes t and is no
// longer extended, so readLoop returns (at the latest then), wsHandler
// returns, and fasthttp closes the TCP connection. w.conn.Close() cannot do
// this: on a connection fasthttp hijacked for the upgrade it does nothing
// (fasthttp closes the connection itself once the handler returns). A writer
// that gave up would otherwise leave the socket open and silent, with no
// frame, no close frame and no EOF, until the client sent something or
// wsPongWait passed.
func (w *wsConn) hangUp(t time.Time) {
	w.readMu.Lock()
	defer w.readMu.Unlock()
	w.hungUp = true
	_ = w.conn.SetReadDeadline(t)
}

// extendRead moves the read deadline on after the client was heard from,
// unless the connection is being hung up.
func (w *wsConn) extendRead() error {
	w.readMu.Lock()
	defer w.readMu.Unlock()
	if w.hungUp {
		return nil
	}
	return w.conn.SetReadDeadline(time.Now().Add(wsPongWait))
}

func (w *wsConn) readLoop() {
	_ = w.extendRead()
	w.conn.SetPongHandler(func(string) error { return w.extendRead() })
	for {
		_, msg, err := w.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				w.closeWith(websocket.CloseMessageTooBig, "frame too large")
			}
			return
		}
		_ = w.extendRead()
		var f clientFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			w.errorFrame("bad_request", "frames are JSON objects", "")
			continue
		}
		switch f.Type {
		case "subscribe":
			w.subscribe(f.Stream, f.After)
		case "unsubscribe":
			w.unsubscribe(f.Stream)
		case "auth":
			w.errorFrame("bad_request", "already authenticated", "")
		default:
			w.errorFrame("bad_request", "unknown frame type "+f.Type, "")
		}
		select {
		case <-w.closed:
			return
		default:
		}
	}
}

func (w *wsConn) subscribe(stream string, after int64) {
	if after < 0 {
		w.errorFrame("bad_request", "after must be >= 0", stream)
		return
	}
	w.mu.Lock()
	user := w.user
	w.mu.Unlock()
	if err := w.s.mayRead(user, stream); err != nil {
		w.errorFrame(err.Code, err.Message, stream)
		return
	}
	w.mu.Lock()
	if _, dup := w.subs[stream]; dup {
		w.mu.Unlock()
		w.errorFrame("bad_request", "already subscribed", stream)
		return
	}
	if len(w.subs) >= w.s.limits.SubscriptionsPerConn {
		w.mu.Unlock()
		w.errorFrame("too_many_subscriptions", "unsubscribe from a stream first", stream)
		return
	}
	sub := &wsSub{c: w, stream: stream}
	w.subs[stream] = sub
	w.mu.Unlock()
	// The acknowledgement is queued before the hub can queue any event.
	w.frame(map[string]any{"type": "subscribed", "stream": stream, "after": after})
	w.s.hub.Subscribe(stream, after, sub)
}

func (w *wsConn) unsubscribe(stream string) {
	w.mu.Lock()
	sub, ok := w.subs[stream]
	delete(w.subs, stream)
	w.mu.Unlock()
	if ok {
		w.s.hub.Unsubscribe(stream, sub)
	}
	w.frame(map[string]string{"type": "unsubscribed", "stream": stream})
}
