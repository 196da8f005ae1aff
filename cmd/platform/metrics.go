package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics exposes reg at addr/metrics until ctx ends, for processes
// without the API (workers: WORKER_METRICS_ADDR).
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("WORKER_METRICS_ADDR %s: %w", addr, err)
	}
	serveMetricsOn(ctx, ln, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), log, "worker metrics listening")
	return nil
}

// serveMetricsOn serves h at /metrics on ln, and nothing else, until ctx
// ends, and logs msg with the address. The API's metrics are here
// (METRICS_ADDR), not on its public port.
func serveMetricsOn(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, msg string) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
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
	log.Info(msg, "addr", ln.Addr().String())
}
