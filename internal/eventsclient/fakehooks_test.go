package eventsclient_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/forgeai/platform/internal/eventsclient"
)

// Test hooks of fakeServer: fill the log and misbehave on demand.

// Create makes an empty stream.
func (fs *fakeServer) Create(stream string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if _, ok := fs.logs[stream]; !ok {
		fs.logs[stream] = []eventsclient.Event{}
	}
}

// Append appends n events to stream and wakes the pumps.
func (fs *fakeServer) Append(stream string, n int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for range n {
		seq := int64(len(fs.logs[stream]) + 1)
		fs.logs[stream] = append(fs.logs[stream], eventsclient.Event{
			Stream: stream, Seq: seq, Type: "deployment.step_started",
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, seq)), At: time.Now().UTC().Truncate(time.Millisecond),
		})
	}
	close(fs.wake)
	fs.wake = make(chan struct{})
}

// Inject sends the already-logged event stream/seq again on every connection.
func (fs *fakeServer) Inject(stream string, seq int64) {
	fs.mu.Lock()
	ev := fs.logs[stream][seq-1]
	conns := fs.connList()
	fs.mu.Unlock()
	for _, fc := range conns {
		_ = fc.write(eventFrame(ev))
	}
}

// SkipOnce makes the next pump that reaches stream/seq skip it (a gap).
func (fs *fakeServer) SkipOnce(stream string, seq int64) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.skip[stream] = seq
}

// Forbid makes subscriptions to stream fail with "forbidden".
func (fs *fakeServer) Forbid(stream string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.forbidden[stream] = true
}

// SetToken changes the accepted token.
func (fs *fakeServer) SetToken(tok string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.token = tok
}

// Kill closes every live connection's TCP connection abruptly.
func (fs *fakeServer) Kill() {
	fs.mu.Lock()
	conns := fs.connList()
	fs.mu.Unlock()
	for _, fc := range conns {
		_ = fc.ws.NetConn().Close()
	}
}

// CloseAll closes every live connection with a close frame.
func (fs *fakeServer) CloseAll(code int, reason string) {
	fs.mu.Lock()
	conns := fs.connList()
	fs.mu.Unlock()
	for _, fc := range conns {
		fc.closeWith(code, reason)
	}
}

// Auths is the number of successful authentications so far.
func (fs *fakeServer) Auths() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.auths
}

func (fs *fakeServer) connList() []*fakeConn {
	out := make([]*fakeConn, 0, len(fs.conns))
	for fc := range fs.conns {
		out = append(out, fc)
	}
	return out
}
