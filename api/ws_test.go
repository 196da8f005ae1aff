package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

// serve runs the app on a real listener, for WebSocket and SSE tests.
func (h *harness) serve() string {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	go func() { _ = h.app.Listener(ln) }()
	h.t.Cleanup(func() { _ = h.app.ShutdownWithTimeout(2 * time.Second) })
	return ln.Addr().String()
}

type frame struct {
	Type    string          `json:"type"`
	Stream  string          `json:"stream"`
	Seq     int64           `json:"seq"`
	Event   string          `json:"event"`
	Code    string          `json:"code"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
}

func dialWS(t *testing.T, addr string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/ws", header)
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, resp, err
}

func authWS(t *testing.T, addr, token string) *websocket.Conn {
	t.Helper()
	c, _, err := dialWS(t, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "auth", "token": token})
	if f := read(t, c); f.Type != "ready" {
		t.Fatalf("after auth got %+v", f)
	}
	return c
}

func send(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, c *websocket.Conn) frame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f frame
	if err := c.ReadJSON(&f); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

func closeCode(t *testing.T, c *websocket.Conn, within time.Duration) int {
	t.Helper()
	code, err := readClose(c, within)
	if err != nil {
		t.Fatalf("connection ended without a close frame: %v", err)
	}
	return code
}

// readClose reads until the close frame and returns its code, or the error
// that ended the connection without one.
func readClose(c *websocket.Conn, within time.Duration) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(within))
	for {
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

func TestWebSocketReplayLiveAndAuthorization(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		addr := h.serve()
		alice, _, _ := h.login("alice@example.com")
		bob, _, _ := h.login("bob@example.com")
		tpl := h.templateBySlug("loyalty-program")
		var p projectOut
		h.do("POST", "/api/projects", alice, map[string]any{"name": "Points", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
		stream := "project:" + p.ID

		c := authWS(t, addr, alice)
		send(t, c, map[string]any{"type": "subscribe", "stream": stream, "after": 0})
		if f := read(t, c); f.Type != "subscribed" {
			t.Fatalf("subscribe answer %+v", f)
		}
		if f := read(t, c); f.Type != "event" || f.Seq != 1 || f.Event != "project.created" || f.Stream != stream {
			t.Fatalf("replayed %+v", f)
		}
		h.do("PATCH", "/api/projects/"+p.ID, alice, map[string]any{"name": "Points 2"}).expect(t, 200)
		if f := read(t, c); f.Seq != 2 || f.Event != "project.updated" {
			t.Fatalf("live %+v", f)
		}

		other := authWS(t, addr, bob)
		send(t, other, map[string]any{"type": "subscribe", "stream": stream})
		if f := read(t, other); f.Type != "error" || f.Code != "forbidden" {
			t.Fatalf("bob reading alice's stream: %+v", f)
		}
		send(t, other, map[string]any{"type": "subscribe", "stream": "nonsense"})
		if f := read(t, other); f.Code != "bad_request" {
			t.Fatalf("bad stream name: %+v", f)
		}
		// Limits: subscriptions per connection (2 in the harness).
		send(t, c, map[string]any{"type": "subscribe", "stream": "user:" + currentID(t, h, alice)})
		read(t, c)
		send(t, c, map[string]any{"type": "subscribe", "stream": "project:01930000-0000-7000-8000-000000000000"})
		if f := read(t, c); f.Code != "forbidden" && f.Code != "too_many_subscriptions" {
			t.Fatalf("third subscription: %+v", f)
		}
	})
}

func TestWebSocketRefusals(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")

	_, resp, err := dialWS(t, addr, http.Header{"Origin": {"https://evil.example.com"}})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin: err %v resp %v", err, resp)
	}
	if c, _, err := dialWS(t, addr, http.Header{"Origin": {"https://app.example.com"}}); err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	} else {
		c.Close()
	}

	bad, _, _ := dialWS(t, addr, nil)
	send(t, bad, map[string]any{"type": "auth", "token": "forged"})
	if code := closeCode(t, bad, 5*time.Second); code != 4401 {
		t.Fatalf("bad token closed with %d", code)
	}

	silent, _, _ := dialWS(t, addr, nil)
	start := time.Now()
	if code := closeCode(t, silent, 10*time.Second); code != 4408 || time.Since(start) < 4*time.Second {
		t.Fatalf("unauthenticated: closed with %d after %s", code, time.Since(start))
	}

	// The server closes with 1009 as soon as it reads the frame's length. If it
	// does so while the client is still writing, the kernel resets the
	// connection and the client sees the reset instead of the close frame;
	// either way the frame was refused (a server that accepted it would answer
	// the subscribe, not hang up).
	big := authWS(t, addr, token)
	err = big.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","stream":"`+strings.Repeat("x", 100<<10)+`"}`))
	code := 0
	if err == nil {
		code, err = readClose(big, 5*time.Second)
	}
	switch {
	case err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE):
		t.Fatalf("oversized frame: %v", err)
	case err == nil && code != websocket.CloseMessageTooBig:
		t.Fatalf("oversized frame closed with %d", code)
	}

	// Connections per user (3 in the harness).
	carol, _, _ := h.login("carol@example.com")
	for range 3 {
		authWS(t, addr, carol)
	}
	extra, _, _ := dialWS(t, addr, nil)
	send(t, extra, map[string]any{"type": "auth", "token": carol})
	if code := closeCode(t, extra, 5*time.Second); code != 4429 {
		t.Fatalf("fourth connection closed with %d", code)
	}
}

func TestServerSentEvents(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")
	tpl := h.templateBySlug("loyalty-program")
	var p projectOut
	h.do("POST", "/api/projects", token, map[string]any{"name": "Points", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
	h.do("PATCH", "/api/projects/"+p.ID, token, map[string]any{"name": "Points 2"}).expect(t, 200)

	get := func(query string, header ...string) *http.Response {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/events?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	ids := func(resp *http.Response, n int) []string {
		var out []string
		sc := bufio.NewScanner(resp.Body)
		for len(out) < n && sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				out = append(out, id)
			}
		}
		return out
	}
	resp := get("stream=project:" + p.ID + "&after=0")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("SSE answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := ids(resp, 2); strings.Join(got, ",") != "1,2" {
		t.Fatalf("ids %v", got)
	}
	resumed := get("stream=project:"+p.ID+"&after=0", "Last-Event-ID", "1")
	if got := ids(resumed, 1); strings.Join(got, ",") != "2" {
		t.Fatalf("resumed ids %v", got)
	}
	if r := get("stream=project:01930000-0000-7000-8000-000000000000"); r.StatusCode != 403 {
		t.Fatalf("foreign stream answered %d", r.StatusCode)
	}
	if r := get("stream=project:" + p.ID + "&after=-1"); r.StatusCode != 400 {
		t.Fatalf("bad after answered %d", r.StatusCode)
	}
}

// A Server-Sent Events client replaying a history several times the
// server's buffer gets all of it, in order, however slowly it reads.
func TestServerSentEventsPaceALongHistory(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")
	stream := "user:" + currentID(t, h, token)
	const total = 2000 // ~33 MB: more than the socket buffers and the server's queue hold
	payload := strings.Repeat("y", 16<<10)
	for range total {
		if _, err := h.store.AppendEvent(t.Context(), stream, "bulk", map[string]string{"p": payload}); err != nil {
			t.Fatal(err)
		}
	}
	head, err := h.store.ReadEvents(t.Context(), stream, 0, 1)
	if err != nil || len(head) != 1 {
		t.Fatalf("first event: %v %v", head, err)
	}
	first := head[0].Seq
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/events?stream="+stream+"&after=0", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(300 * time.Millisecond) // the server's buffer fills before the first read
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	want := first
	for want < first+total && sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "event: error") {
			t.Fatalf("stream ended at seq %d: %s", want, line)
		}
		id, ok := strings.CutPrefix(line, "id: ")
		if !ok {
			continue
		}
		if id != strconv.FormatInt(want, 10) {
			t.Fatalf("id %s, want %d", id, want)
		}
		if want%200 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		want++
	}
	if want != first+total {
		t.Fatalf("got events up to %d of %d: %v", want-first, total, sc.Err())
	}
}

// logView is the hub's view of the event log. While a stream is held the hub
// sees none of its events after the head it was held at; released, it finds
// them all in its next read, as if one transaction had appended them. So a
// test hands a subscriber a burst at the hub's pace, whatever the time the
// appends took on a busy machine.
type logView struct {
	events.Reader
	mu   sync.Mutex
	held map[string]int64
}

func (v *logView) ReadEvents(ctx context.Context, stream string, after int64, limit int) ([]models.Event, error) {
	evs, err := v.Reader.ReadEvents(ctx, stream, after, limit)
	v.mu.Lock()
	head, held := v.held[stream]
	v.mu.Unlock()
	if held {
		evs = slices.DeleteFunc(evs, func(e models.Event) bool { return e.Seq > head })
	}
	return evs, err
}

// hiddenBurst appends n events of size bytes to stream that the hub does
// not see until reveal: to it they appear at once. It returns the head
// before them.
func (h *harness) hiddenBurst(stream string, n, size int) int64 {
	h.t.Helper()
	head := h.head(stream)
	h.log.mu.Lock()
	if h.log.held == nil {
		h.log.held = map[string]int64{}
	}
	h.log.held[stream] = head
	h.log.mu.Unlock()
	payload := strings.Repeat("x", size)
	for range n {
		if _, err := h.store.AppendEvent(h.t.Context(), stream, "bulk", map[string]string{"p": payload}); err != nil {
			h.t.Fatal(err)
		}
	}
	return head
}

// reveal shows the hub a hidden burst and wakes it.
func (h *harness) reveal(stream string) {
	h.log.mu.Lock()
	delete(h.log.held, stream)
	h.log.mu.Unlock()
	h.hub.Notify(stream)
}

// head is the last seq of the stream (0 when empty).
func (h *harness) head(stream string) int64 {
	h.t.Helper()
	evs, err := h.store.ReadEvents(h.t.Context(), stream, 0, 1_000_000)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// awaitSubscribers waits until the hub holds n subscriptions.
func (h *harness) awaitSubscribers(n int, what string) {
	h.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); h.hub.Subscribers() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: the hub holds %d subscriptions, want %d", what, h.hub.Subscribers(), n)
		}
	}
}

// stopReading subscribes c to stream after head, live since the hub sees
// nothing after it yet; then, while c reads nothing, it reveals the hidden
// burst, several times what the server's queue and the sockets hold, and
// waits until the hub has let c go. The burst was appended before c
// subscribed, so c stays silent only while the hub hands it out, however
// long the appends took on a busy machine.
func (h *harness) stopReading(c *websocket.Conn, stream string, head int64) {
	h.t.Helper()
	send(h.t, c, map[string]any{"type": "subscribe", "stream": stream, "after": head})
	if f := read(h.t, c); f.Type != "subscribed" {
		h.t.Fatalf("subscribe answer %+v", f)
	}
	h.awaitSubscribers(1, "subscribed")
	h.reveal(stream)
	h.awaitSubscribers(0, "the client that stopped reading was never dropped")
}

// A client that stops reading is dropped with a reason, and resuming from
// its last seq loses nothing. It reads again well within the server's write
// wait: the close frame can only reach a client that reads.
func TestSlowConsumerIsDroppedAndResumes(t *testing.T) {
	h := newHarness(t, config.Postgres, options{devMode: true})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")
	stream := "user:" + currentID(t, h, token)
	const total = 1500
	head := h.hiddenBurst(stream, total, 16<<10)
	c := authWS(t, addr, token)
	h.stopReading(c, stream, head)
	last := head
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f frame
		err := c.ReadJSON(&f)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != 4008 || !strings.Contains(ce.Text, "slow consumer") {
				t.Fatalf("closed with %d %q", ce.Code, ce.Text)
			}
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if f.Seq != last+1 {
			t.Fatalf("seq %d after %d", f.Seq, last)
		}
		last = f.Seq
		if last == head+total {
			t.Fatal("the slow client was never dropped")
		}
	}
	resumed := authWS(t, addr, token)
	send(t, resumed, map[string]any{"type": "subscribe", "stream": stream, "after": last})
	read(t, resumed)
	// The backlog is several times the server's buffer and this client reads
	// it in fits: the replay is paced to the reader, not dropped again.
	for want := last + 1; want <= head+total; want++ {
		if f := read(t, resumed); f.Seq != want {
			t.Fatalf("resumed seq %d, want %d", f.Seq, want)
		}
		if want%200 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// A client that stays silent longer than the write wait cannot be sent the
// close frame; the server hangs up instead of leaving the socket open with
// nothing more to say. (Before: fasthttp's hijacked connection ignores
// Close, so the socket stayed open until the server's read deadline, 60 s.)
func TestSlowConsumerThatStaysSilentIsHungUp(t *testing.T) {
	const writeWait = 500 * time.Millisecond
	h := newHarness(t, config.Postgres, options{devMode: true, wsWriteWait: writeWait})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")
	stream := "user:" + currentID(t, h, token)
	// 32 MB: twice what the server's queue holds, plus more than the sockets do.
	head := h.hiddenBurst(stream, 500, 64<<10)
	c := authWS(t, addr, token)
	h.stopReading(c, stream, head)
	time.Sleep(4 * writeWait) // the writer gives up on the frame it is writing
	code, err := readClose(c, 10*time.Second)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection stayed open and silent: %v", err)
	}
	// 1006 (EOF after the last whole frame), a reset, or 4008 if the close
	// frame still fit: anything but silence.
	t.Logf("the connection ended: code %d, %v", code, err)
}

// Buffers are sized for idle sockets (small read buffer, pooled write
// buffers): frames larger than them still cross whole, both ways, and
// several sockets writing at once do not share a buffer.
func TestWebSocketFramesLargerThanTheBuffers(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	addr := h.serve()
	alice, _, _ := h.login("alice@example.com")
	tpl := h.templateBySlug("loyalty-program")
	var p projectOut
	h.do("POST", "/api/projects", alice, map[string]any{"name": "Big", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
	stream := "project:" + p.ID

	conns := make([]*websocket.Conn, 3)
	for i := range conns {
		conns[i] = authWS(t, addr, alice)
		// A client frame of 20 KB (the read buffer holds 512 bytes).
		send(t, conns[i], map[string]any{"type": "subscribe", "stream": stream, "after": 1, "padding": strings.Repeat("p", 20_000)})
		if f := read(t, conns[i]); f.Type != "subscribed" {
			t.Fatalf("subscribe answer %+v", f)
		}
	}
	var payloads []string
	for i := range 5 {
		payload := strings.Repeat(strconv.Itoa(i), 3000*(i+1)) // 3 KB to 15 KB (a write buffer holds 4 KB)
		payloads = append(payloads, payload)
		if _, err := h.store.AppendEvent(t.Context(), stream, "big", map[string]string{"p": payload}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		for i, payload := range payloads {
			f := read(t, c)
			var data struct{ P string }
			if err := json.Unmarshal(f.Data, &data); err != nil || f.Seq != int64(i+2) || data.P != payload {
				t.Fatalf("event %d: seq %d, %d bytes of data (%v); want seq %d and %d bytes", i, f.Seq, len(data.P), err, i+2, len(payload))
			}
		}
	}
}
