package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/apispec"
	"github.com/forgeai/platform/internal/config"
)

// series is one (method, route, status) of the request duration histogram.
type series struct{ method, route, status string }

var durationCount = regexp.MustCompile(`(?m)^platform_http_request_duration_seconds_count\{method="([^"]*)",route="([^"]*)",status="([^"]*)"\} (\d+)$`)

// TestMetricsSurviveMixedMethodTraffic sends a few hundred requests of every
// method over kept-alive connections, so Fiber reuses its request buffers,
// then scrapes the metrics: they must answer 200 and count each request under the
// method, route and status the client saw. A label that aliased a reused
// buffer turned a POST series into "GETT" and the scrape into a 500.
func TestMetricsSurviveMixedMethodTraffic(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.app.Listener(ln) }()
	t.Cleanup(func() { _ = h.app.Shutdown() })
	base := "http://" + ln.Addr().String()
	// apispec.Transport holds every answer to the OpenAPI document too.
	client := &http.Client{Transport: &apispec.Transport{Validator: h.spec, Base: &http.Transport{MaxIdleConnsPerHost: 4}}}
	t.Cleanup(client.CloseIdleConnections)

	var mu sync.Mutex
	want := map[series]int{}
	send := func(method, path, route, token string, body any) []byte {
		t.Helper()
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Error(err)
			return nil
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return nil
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		mu.Lock()
		want[series{method, route, strconv.Itoa(resp.StatusCode)}]++
		mu.Unlock()
		return raw
	}

	var login struct {
		Data struct{ Token string } `json:"data"`
	}
	_ = json.Unmarshal(send("POST", "/api/auth/dev-login", "/api/auth/dev-login", "", map[string]string{"email": "metrics@example.com"}), &login)
	var tpl struct {
		Data struct{ ID string } `json:"data"`
	}
	_ = json.Unmarshal(send("GET", "/api/templates/patient-intake", "/api/templates/:id", "", nil), &tpl)
	if login.Data.Token == "" || tpl.Data.ID == "" {
		t.Fatalf("setup failed: token %q, template %q", login.Data.Token, tpl.Data.ID)
	}
	token, fav := login.Data.Token, "/api/templates/"+tpl.Data.ID+"/favorite"
	traffic := []func(){
		func() { send("GET", "/api/templates?pageSize=2", "/api/templates", "", nil) },
		func() {
			send("POST", "/api/auth/dev-login", "/api/auth/dev-login", "", map[string]string{"email": "metrics@example.com"})
		},
		func() { send("PUT", fav, "/api/templates/:id/favorite", token, nil) },
		func() { send("DELETE", fav, "/api/templates/:id/favorite", token, nil) },
		func() {
			send("PATCH", "/api/user/profile", "/api/user/profile", token, map[string]string{"company": "Metrics Inc"})
		},
		func() { send("POST", "/api/projects", "/api/projects", "", map[string]string{}) }, // 401
		func() { send("GET", "/healthz", "/healthz", "", nil) },
	}
	const workers, rounds = 4, 60
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				traffic[(w+i)%len(traffic)]()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	scrape := h.scrape()
	got := map[series]int{}
	for _, m := range durationCount.FindAllStringSubmatch(scrape, -1) {
		n, _ := strconv.Atoi(m[4])
		got[series{m[1], m[2], m[3]}] += n
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("request counts by method, route and status:\n got  %v\n want %v", got, want)
	}
}

// scrape reads the metrics as METRICS_ADDR serves them (api.MetricsHandler),
// failing the test unless they answer 200.
func (h *harness) scrape() string {
	h.t.Helper()
	rec := httptest.NewRecorder()
	api.MetricsHandler(h.registry).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		h.t.Fatalf("metrics answered %d:\n%s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}
