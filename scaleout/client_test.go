package scaleout_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/forgeai/platform/internal/apispec"
)

// httpClient holds every API answer to the OpenAPI document the platform
// serves (internal/apispec): a mismatch is the call's error.
var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &apispec.Transport{}}

// plainClient reads what the document does not describe: chat answers as
// Server-Sent Events, the apps host, /metrics.
var plainClient = &http.Client{Timeout: 60 * time.Second}

// apiClient calls one API instance as one user.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// as is the same user in test t on the instance at base (one JWT_SECRET
// signs for all).
func (c *apiClient) as(t *testing.T, base string) *apiClient {
	return &apiClient{t: t, base: base, token: c.token}
}

// send sends a request and returns the status, headers and raw body.
func (c *apiClient) send(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	status, header, raw, err := c.do(method, path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, header, raw
}

// do is send for any goroutine: it fails nothing, it returns the error.
func (c *apiClient) do(method, path string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s%s: %w", method, c.base, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s%s: read the answer: %w", method, c.base, path, err)
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// call sends a request that must answer want and decodes its data into out.
func (c *apiClient) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	status, _, raw := c.send(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s%s: status %d, want %d: %s", method, c.base, path, status, want, raw)
	}
	if out != nil {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil || json.Unmarshal(env.Data, out) != nil {
			c.t.Fatalf("%s %s: cannot decode %s", method, path, raw)
		}
	}
}

// devLogin signs email in at the API at base; the first user is the admin.
func devLogin(t *testing.T, base, email string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: base}
	var out struct{ Token string }
	c.call("POST", "/api/auth/dev-login", map[string]string{"email": email}, 200, &out)
	c.token = out.Token
	return c
}

type deployment struct {
	ID, Status, URL, Error, ArtifactDigest string
	Steps                                  []struct{ Name, Status string }
}

// step is the status of the deployment's step name ("" before it starts).
func (d deployment) step(name string) string {
	for _, s := range d.Steps {
		if s.Name == name {
			return s.Status
		}
	}
	return ""
}

// project creates a project of the template with the app name.
func (c *apiClient) project(name, template, appName string) string {
	c.t.Helper()
	var tpl struct{ ID string }
	c.call("GET", "/api/templates/"+template, nil, 200, &tpl)
	var p struct{ ID string }
	c.call("POST", "/api/projects", map[string]any{"name": name, "templateId": tpl.ID,
		"configuration": map[string]any{"appName": appName}}, 201, &p)
	return p.ID
}

func (c *apiClient) deploy(projectID string) deployment {
	c.t.Helper()
	var d deployment
	c.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	return d
}

func (c *apiClient) deployment(id string) deployment {
	c.t.Helper()
	d, err := c.getDeployment(id)
	if err != nil {
		c.t.Fatal(err)
	}
	return d
}

// getDeployment is deployment for any goroutine.
func (c *apiClient) getDeployment(id string) (deployment, error) {
	var d deployment
	status, _, raw, err := c.do("GET", "/api/deployments/"+id, nil)
	if err != nil {
		return d, err
	}
	var env struct{ Data *deployment }
	if status != 200 || json.Unmarshal(raw, &env) != nil || env.Data == nil {
		return d, fmt.Errorf("GET %s/api/deployments/%s: %d %s", c.base, id, status, raw)
	}
	return *env.Data, nil
}

// chat posts a chat message and reads the answer's Server-Sent Events: the
// status, the text of its deltas and, when refused, the error body and
// Retry-After.
func (c *apiClient) chat(sessionID, content string) (status int, text, refusal, retryAfter string) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"content": content})
	req, _ := http.NewRequest("POST", c.base+"/api/chat/sessions/"+sessionID+"/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := plainClient.Do(req)
	if err != nil {
		c.t.Errorf("chat on %s: %v", c.base, err)
		return 0, "", "", ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, "", string(raw), resp.Header.Get("Retry-After")
	}
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			switch event {
			case "delta":
				var delta struct{ Content string }
				_ = json.Unmarshal([]byte(d), &delta)
				sb.WriteString(delta.Content)
			case "error":
				return 200, sb.String(), d, ""
			}
		}
	}
	return 200, sb.String(), "", ""
}

// socket is a WebSocket to an API instance's /api/ws.
type socket struct {
	conn   *websocket.Conn
	frames chan wsFrame
}

// wsFrame is any frame the server sends.
type wsFrame struct {
	Type    string `json:"type"`
	Stream  string `json:"stream"`
	Event   string `json:"event"`
	Delta   string `json:"delta"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// dialSocket signs in on base's WebSocket and subscribes to stream.
func dialSocket(t *testing.T, base, token, stream string) *socket {
	t.Helper()
	u, _ := url.Parse(base)
	u.Scheme, u.Path = "ws", "/api/ws"
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial(u.String(), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	s := &socket{conn: conn, frames: make(chan wsFrame, 256)}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		defer close(s.frames)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var f wsFrame
			if json.Unmarshal(msg, &f) == nil {
				s.frames <- f
			}
		}
	}()
	s.send(t, map[string]any{"type": "auth", "token": token})
	s.await(t, "ready", "")
	s.send(t, map[string]any{"type": "subscribe", "stream": stream, "after": 0})
	s.await(t, "subscribed", stream)
	s.settle(t)
	return s
}

// settle returns once the server has finished handling every frame sent so
// far. The server acknowledges a subscription before the hub has
// registered it (it first looks for a backlog in the database), so a
// transient frame such as a chat delta broadcast in that moment is not
// delivered; the server reads a connection's frames one at a time, so the
// answer to one more frame (a second auth, refused) comes after the
// subscription is live.
func (s *socket) settle(t *testing.T) {
	t.Helper()
	s.send(t, map[string]any{"type": "auth"})
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatal("websocket closed while settling")
			}
			if f.Type == "error" && f.Message == "already authenticated" {
				return
			}
		case <-timeout:
			t.Fatal("no answer to the settling frame within 10s")
		}
	}
}

func (s *socket) send(t *testing.T, v any) {
	t.Helper()
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := s.conn.WriteJSON(v); err != nil {
		t.Fatalf("websocket write: %v", err)
	}
}

// await reads frames until one of the type (and stream) arrives.
func (s *socket) await(t *testing.T, typ, stream string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatalf("websocket closed waiting for %s", typ)
			}
			if f.Type == "error" {
				t.Fatalf("websocket error waiting for %s: %s %s", typ, f.Code, f.Message)
			}
			if f.Type == typ && (stream == "" || f.Stream == stream) {
				return
			}
		case <-timeout:
			t.Fatalf("no %s frame within 10s", typ)
		}
	}
}

// fetchApp asks the apps host listening at addr for the app at host (its
// own origin, <slug>.<apps domain>): status, ETag and body.
func fetchApp(t *testing.T, addr, host string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Host = host
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatalf("GET http://%s/ (Host %s): %v", addr, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), body
}

// gauge reads a gauge without labels from the Prometheus text at addr
// (METRICS_ADDR); found is false when the metric is not there.
func gauge(addr, name string) (value float64, found bool, err error) {
	resp, err := plainClient.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			if _, err := fmt.Sscan(rest, &value); err != nil {
				return 0, false, fmt.Errorf("%s: %q: %w", name, rest, err)
			}
			return value, true, nil
		}
	}
	return 0, false, sc.Err()
}
