package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fasthttp/websocket"
)

// benchSocket is one of the live-events section's WebSocket clients. It is
// deliberately cheaper than internal/eventsclient, because it shares the
// machine with the api it measures: one goroutine per connection reads
// frames into a reused buffer, takes only the seq out of each event frame,
// and records (seq, arrival) in its own slice, with no lock and no channel.
// It does not resume: a connection the server closes (e.g. as a slow
// consumer) is reported, and the events it did not get count as missing.
type benchSocket struct {
	stream string
	conn   *websocket.Conn
	got    []arrival
	err    error // why the reader stopped before it was told to
	done   chan struct{}
}

// arrival is an event frame's seq and when it was read, as time since the
// section's start (monotonic).
type arrival struct {
	seq int64
	at  time.Duration
}

var benchDialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512}

// dialBenchSocket connects to the api's /api/ws, authenticates with token
// and subscribes to stream after seq `after`, waiting for each answer.
func dialBenchSocket(ctx context.Context, addr, token, stream string, after int64, expect int) (*benchSocket, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := benchDialer.DialContext(ctx, "ws://"+addr+"/api/ws", nil)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	s := &benchSocket{stream: stream, conn: conn, got: make([]arrival, 0, expect), done: make(chan struct{})}
	if err := s.exchange(map[string]any{"type": "auth", "token": token}, "ready"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := s.exchange(map[string]any{"type": "subscribe", "stream": stream, "after": after}, "subscribed"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("subscribe %s: %w", stream, err)
	}
	return s, nil
}

// exchange sends a frame and waits for the answer of type want.
func (s *benchSocket) exchange(frame any, want string) error {
	if err := s.conn.WriteJSON(frame); err != nil {
		return err
	}
	for {
		_, b, err := s.conn.ReadMessage()
		if err != nil {
			return err
		}
		var f struct{ Type, Code, Message string }
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("bad frame %q: %w", b, err)
		}
		switch f.Type {
		case want:
			return nil
		case "error":
			return fmt.Errorf("server refused: %s: %s", f.Code, f.Message)
		}
	}
}

// read records the event frames until the connection ends; base is the
// clock the arrivals are measured on.
func (s *benchSocket) read(base time.Time) {
	defer close(s.done)
	buf := bytes.NewBuffer(make([]byte, 0, 1024))
	for {
		_, r, err := s.conn.NextReader()
		if err != nil {
			s.err = err
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			s.err = err
			return
		}
		at := time.Since(base)
		seq, ok := eventSeq(buf.Bytes())
		if !ok {
			s.err = fmt.Errorf("unexpected frame %.200s", buf.Bytes())
			return
		}
		s.got = append(s.got, arrival{seq: seq, at: at})
	}
}

// close ends the connection and waits for the reader; it returns why the
// reader had stopped before, if it had.
func (s *benchSocket) close() error {
	select {
	case <-s.done:
		s.conn.Close()
		return s.err
	default:
	}
	s.conn.Close()
	<-s.done
	return nil
}

var (
	eventFramePrefix = []byte(`{"type":"event",`)
	seqField         = []byte(`"seq":`)
)

// eventSeq takes the seq out of an event frame without decoding the rest
// ({"type":"event","stream":…,"seq":N,…}: the api's field order; a stream
// name cannot hold `"seq":`).
func eventSeq(b []byte) (int64, bool) {
	if !bytes.HasPrefix(b, eventFramePrefix) {
		return 0, false
	}
	i := bytes.Index(b, seqField)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(seqField):]
	j := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(string(b[:j]), 10, 64)
	return n, err == nil
}
