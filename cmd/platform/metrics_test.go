package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/api"
)

// lockedBuffer is a bytes.Buffer a logger and a test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// get answers the status of a GET and the start of its body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

// TestPprofOnlyWhenEnabled: the metrics listeners of the api
// (METRICS_ADDR) and of workers (WORKER_METRICS_ADDR) serve
// /debug/pprof/ with PPROF=true and answer 404 there without it; /metrics
// answers either way.
func TestPprofOnlyWhenEnabled(t *testing.T) {
	reg := prometheus.NewRegistry()
	for _, enabled := range []bool{false, true} {
		// api: a listener bound up front (listen), the API's handler.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		serveMetricsOn(ctx, ln, api.MetricsHandler(reg), enabled, slog.New(slog.NewTextHandler(io.Discard, nil)), "metrics listening")
		apiAddr := ln.Addr().String()

		// worker: serveMetrics binds the address itself and logs it.
		var logs lockedBuffer
		if err := serveMetrics(ctx, "127.0.0.1:0", reg, enabled, slog.New(slog.NewJSONHandler(&logs, nil))); err != nil {
			t.Fatal(err)
		}
		var line struct{ Addr string }
		if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line); err != nil || line.Addr == "" {
			t.Fatalf("worker metrics log %q names no addr: %v", logs.String(), err)
		}

		for name, addr := range map[string]string{"api": apiAddr, "worker": line.Addr} {
			if code, _ := get(t, "http://"+addr+"/metrics"); code != http.StatusOK {
				t.Errorf("%s PPROF=%v: /metrics answered %d", name, enabled, code)
			}
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/cmdline"} {
				code, body := get(t, "http://"+addr+path)
				switch {
				case enabled && code != http.StatusOK:
					t.Errorf("%s PPROF=true: %s answered %d, want 200", name, path, code)
				case enabled && path == "/debug/pprof/" && !strings.Contains(body, "goroutine"):
					t.Errorf("%s PPROF=true: %s is not the profile index: %.200s", name, path, body)
				case !enabled && code != http.StatusNotFound:
					t.Errorf("%s PPROF=false: %s answered %d, want 404", name, path, code)
				}
			}
		}
		cancel()
	}
}
