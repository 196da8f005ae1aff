package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics exposes reg at addr/metrics until ctx ends, for processes
// without the API (workers: WORKER_METRICS_ADDR), and the profiles when
// withPprof (PPROF=true).
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, withPprof bool, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("WORKER_METRICS_ADDR %s: %w", addr, err)
	}
	serveMetricsOn(ctx, ln, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), withPprof, log, "worker metrics listening")
	return nil
}

// serveMetricsOn serves h at /metrics on ln until ctx ends, and logs msg
// with the address; with withPprof (PPROF=true) it serves the Go runtime's
// profiles under /debug/pprof/ too, and nothing else either way. The API's
// metrics are here (METRICS_ADDR), not on its public port, and so are the
// profiles: they show code paths and memory contents.
func serveMetricsOn(ctx context.Context, ln net.Listener, h http.Handler, withPprof bool, log *slog.Logger, msg string) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	if withPprof {
		mountPprof(mux)
	}
	// No WriteTimeout: /debug/pprof/profile and /trace stream for ?seconds=.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server failed", "error", err.Error())
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info(msg, "addr", ln.Addr().String(), "pprof", withPprof)
}

// mountPprof puts net/http/pprof's handlers on mux (the package's init
// registers them on http.DefaultServeMux, which nothing here serves).
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also heap, goroutine, allocs, block, mutex, threadcreate
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
