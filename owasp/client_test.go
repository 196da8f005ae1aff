package owasp_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/forgeai/platform/internal/appshost"
)

// httpClient reaches the API and the apps' origins (<slug>.localhost
// resolves to loopback, as in browsers); it never follows redirects, so
// an attack sees where it would be sent.
var httpClient = &http.Client{
	Timeout:       60 * time.Second,
	Transport:     appshost.ResolveLocalhost(http.DefaultTransport.(*http.Transport).Clone()),
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// client calls one API instance as one user (token "" is anonymous). Its
// requests come from an address of its own (X-Forwarded-For, which the
// suite's API trusts from loopback), so per-address limits count each
// client apart.
type client struct {
	base    string
	token   string
	refresh string // the session's refresh token
	csrf    string // the session's CSRF token (its cookie)
	xff     string
	user    user
}

type user struct {
	ID          string   `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

var addresses atomic.Int64

// newAddress is a client address of its own (TEST-NET-2, 198.51.100.0/24 and up).
func newAddress() string {
	n := addresses.Add(1)
	return fmt.Sprintf("198.51.%d.%d", 100+n/250, 1+n%250)
}

// anonymous is a client without a token on base, from an address of its own.
func anonymous(base string) *client { return &client{base: base, xff: newAddress()} }

// on is the same user on another API instance.
func (c *client) on(base string) *client {
	cp := *c
	cp.base = base
	return &cp
}

// reply is an answer as the attacker sees it.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.Status, tail(string(r.Body), 400)) }

// decode reads the envelope's data into out.
func (r reply) decode(out any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || len(env.Data) == 0 {
		return fmt.Errorf("no data in %s", r)
	}
	return json.Unmarshal(env.Data, out)
}

// code is the error code of an error envelope ("" otherwise).
func (r reply) code() string {
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// is returns nil when the status is one of want, else an error showing the answer.
func (r reply) is(want ...int) error {
	if slices.Contains(want, r.Status) {
		return nil
	}
	return fmt.Errorf("answered %s, want %v", r, want)
}

// send sends one request. body is nil (none), []byte or string (sent as
// is, as JSON unless a Content-Type is given), or anything else (encoded
// as JSON); header lists name, value pairs.
func (c *client) send(method, path string, body any, header ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(raw)
	}
	target := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		target = c.base + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// do is send for tests: a failed transport ends the test (the platform
// did not answer at all, which is not a refusal). A reset or broken pipe
// is tried again, up to five times; bodies over the size limit go through
// sendOversized instead.
func (c *client) do(t testing.TB, method, path string, body any, header ...string) reply {
	t.Helper()
	var r reply
	var err error
	for range 5 {
		if r, err = c.send(method, path, body, header...); err == nil {
			return r
		}
		if !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "broken pipe") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
	return r
}

// sendOversized sends a body over the API's size limit on a connection of
// its own. The API answers 413 as soon as it has read the headers and
// closes the connection without reading the rest, so the upload ends in a
// reset, and Go's client reports that write error even when the 413 had
// already arrived. Here the body is written while the answer is read and
// a failed write is ignored: only the answer counts. A reset that lost the
// answer too is tried again, up to five times; then the test ends.
func (c *client) sendOversized(t testing.TB, method, path, body string) reply {
	t.Helper()
	host := strings.TrimPrefix(c.base, "http://")
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, host, len(body))
	if c.token != "" {
		head += "Authorization: Bearer " + c.token + "\r\n"
	}
	if c.xff != "" {
		head += "X-Forwarded-For: " + c.xff + "\r\n"
	}
	head += "\r\n"
	var err error
	for range 5 {
		var r reply
		if r, err = readOversized(host, head+body); err == nil {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s %s: no answer: %v", method, path, err)
	return reply{}
}

// readOversized sends request on a new connection and returns the answer it reads.
func readOversized(host, request string) (reply, error) {
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return reply{}, err
	}
	defer conn.Close() // also ends the writer below
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return reply{}, err
	}
	go func() { _, _ = io.WriteString(conn, request) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// call sends a request that must answer want and decodes its data into out (if not nil).
func (c *client) call(t testing.TB, method, path string, body any, want int, out any) reply {
	t.Helper()
	r := c.do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s as %s: %s, want %d", method, path, c.who(), r, want)
	}
	if out != nil {
		if err := r.decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return r
}

func (c *client) who() string {
	if c.user.Email == "" {
		return "anonymous"
	}
	return c.user.Email
}

// wsURL is the WebSocket address of the API at base.
func wsURL(base string) string {
	u, _ := url.Parse(base)
	u.Scheme = "ws"
	u.Path = "/api/ws"
	return u.String()
}

// socket is a WebSocket to the API's /api/ws.
type socket struct {
	conn *websocket.Conn
}

// dialSocket opens a WebSocket to base and, when token is not "", signs in with the first frame.
func dialSocket(base, token string, header http.Header) (*socket, *http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := d.Dial(wsURL(base), header)
	if err != nil {
		return nil, resp, err
	}
	s := &socket{conn: conn}
	if token != "" {
		if err := s.send(map[string]any{"type": "auth", "token": token}); err != nil {
			conn.Close()
			return nil, resp, err
		}
	}
	return s, resp, nil
}

func (s *socket) send(v any) error {
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return s.conn.WriteJSON(v)
}

// frame is any frame the server sends.
type frame struct {
	Type    string `json:"type"`
	Stream  string `json:"stream"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Event   string `json:"event"`
	UserID  string `json:"userId"`
}

// next reads the next frame within timeout; a close from the server is
// returned as *websocket.CloseError.
func (s *socket) next(timeout time.Duration) (frame, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(timeout))
	_, msg, err := s.conn.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(msg, &f); err != nil {
		return frame{}, fmt.Errorf("frame %q: %w", msg, err)
	}
	return f, nil
}

// ready signs in and waits for the "ready" frame.
func (s *socket) ready() error {
	f, err := s.next(10 * time.Second)
	if err != nil {
		return err
	}
	if f.Type != "ready" {
		return fmt.Errorf("first frame %+v, want ready", f)
	}
	return nil
}

func (s *socket) close() { _ = s.conn.Close() }

// closeCode is the close code of err (0 when err is not a close).
func closeCode(err error) int {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return 0
	}
	return ce.Code
}
