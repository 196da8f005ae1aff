package eventsclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/forgeai/platform/internal/eventsclient"
)

// fakeServer implements the /api/ws protocol over an in-memory log, with
// hooks to kill connections, inject duplicate frames and skip a seq.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	token     string
	logs      map[string][]eventsclient.Event
	wake      chan struct{} // closed and replaced on every append
	conns     map[*fakeConn]struct{}
	skip      map[string]int64 // stream → seq the pumps skip once
	forbidden map[string]bool
	auths     int
}

type fakeConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex // one writer per connection
}

// srvFrame is a server → client frame.
type srvFrame struct {
	Type    string          `json:"type"`
	Stream  string          `json:"stream,omitempty"`
	Seq     int64           `json:"seq,omitempty"`
	Event   string          `json:"event,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	At      *time.Time      `json:"at,omitempty"`
	After   *int64          `json:"after,omitempty"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	UserID  string          `json:"userId,omitempty"`
}

// cliFrame is a client → server frame.
type cliFrame struct {
	Type   string `json:"type"`
	Token  string `json:"token"`
	Stream string `json:"stream"`
	After  int64  `json:"after"`
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	fs := &fakeServer{
		t: t, token: "good-token",
		logs: map[string][]eventsclient.Event{}, wake: make(chan struct{}),
		conns: map[*fakeConn]struct{}{}, skip: map[string]int64{}, forbidden: map[string]bool{},
	}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.handle))
	t.Cleanup(func() {
		fs.Kill()
		fs.srv.Close()
	})
	return fs
}

// URL is the ws:// base URL of the server.
func (fs *fakeServer) URL() string { return "ws" + strings.TrimPrefix(fs.srv.URL, "http") }

func (fc *fakeConn) write(f srvFrame) error {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	_ = fc.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return fc.ws.WriteJSON(f)
}

func (fc *fakeConn) closeWith(code int, reason string) {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	_ = fc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = fc.ws.NetConn().Close()
}

func (fs *fakeServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/ws" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Origin") != fs.srv.URL {
		http.Error(w, "bad origin", http.StatusForbidden)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	fc := &fakeConn{ws: ws}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f cliFrame
	if err := ws.ReadJSON(&f); err != nil {
		fc.closeWith(4408, "authentication timeout")
		return
	}
	fs.mu.Lock()
	ok := f.Type == "auth" && f.Token == fs.token
	if ok {
		fs.auths++
		fs.conns[fc] = struct{}{}
	}
	fs.mu.Unlock()
	if !ok {
		if f.Token != "close-only" { // the real server only closes with 4401
			_ = fc.write(srvFrame{Type: "error", Code: "unauthorized", Message: "bad token"})
		}
		fc.closeWith(4401, "unauthorized")
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	pumps := map[string]func(){} // stream → stop (waits for the pump to exit)
	defer func() {
		cancel()
		for _, stop := range pumps {
			stop()
		}
		fs.mu.Lock()
		delete(fs.conns, fc)
		fs.mu.Unlock()
	}()
	_ = ws.SetReadDeadline(time.Time{})
	_ = fc.write(srvFrame{Type: "ready", UserID: "user-1"})
	for {
		var f cliFrame
		if err := ws.ReadJSON(&f); err != nil {
			return
		}
		fs.mu.Lock()
		_, exists := fs.logs[f.Stream]
		forbidden := fs.forbidden[f.Stream]
		fs.mu.Unlock()
		stop := pumps[f.Stream]
		if stop != nil && f.Type == "unsubscribe" {
			stop()
			delete(pumps, f.Stream)
		}
		switch {
		case f.Type == "subscribe" && stop != nil: // like the real server
			_ = fc.write(srvFrame{Type: "error", Code: "bad_request", Message: "already subscribed", Stream: f.Stream})
		case f.Type == "subscribe" && forbidden:
			_ = fc.write(srvFrame{Type: "error", Code: "forbidden", Message: "no access", Stream: f.Stream})
		case f.Type == "subscribe" && !exists:
			_ = fc.write(srvFrame{Type: "error", Code: "not_found", Message: "no such stream", Stream: f.Stream})
		case f.Type == "subscribe":
			after := f.After
			_ = fc.write(srvFrame{Type: "subscribed", Stream: f.Stream, After: &after})
			pctx, pcancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				fs.pump(pctx, fc, f.Stream, after)
			}()
			pumps[f.Stream] = func() { pcancel(); <-done }
		case f.Type == "unsubscribe":
			_ = fc.write(srvFrame{Type: "unsubscribed", Stream: f.Stream})
		default:
			_ = fc.write(srvFrame{Type: "error", Code: "bad_request", Message: "unknown type " + f.Type})
		}
	}
}

// pump sends the events of stream after `after`, then live ones, in order.
func (fs *fakeServer) pump(ctx context.Context, fc *fakeConn, stream string, after int64) {
	next := after + 1
	for ctx.Err() == nil {
		fs.mu.Lock()
		log, wake := fs.logs[stream], fs.wake
		var ev eventsclient.Event
		have := int64(len(log)) >= next
		skip := false
		if have {
			ev = log[next-1]
			if fs.skip[stream] == next {
				delete(fs.skip, stream)
				skip = true
			}
		}
		fs.mu.Unlock()
		if !have {
			select {
			case <-wake:
			case <-ctx.Done():
			}
			continue
		}
		next++
		if !skip && fc.write(eventFrame(ev)) != nil {
			return
		}
	}
}

func eventFrame(ev eventsclient.Event) srvFrame {
	at := ev.At
	return srvFrame{Type: "event", Stream: ev.Stream, Seq: ev.Seq, Event: ev.Type, Data: ev.Data, At: &at}
}
