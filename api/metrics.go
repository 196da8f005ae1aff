package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves reg in the Prometheus format. It is not a route of
// the API: cmd/platform serves it on its own listener (METRICS_ADDR,
// 127.0.0.1 by default), so request rates, routes, error counts and runtime
// figures are not public.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// httpMetrics records request durations by method, route and status.
type httpMetrics struct {
	duration *prometheus.HistogramVec
	// observers keeps each series' histogram by its labels (observerKey),
	// so a request neither formats its status nor hashes and validates
	// label values; it holds the series duration holds, no more.
	observers sync.Map
}

type observerKey struct {
	method, route string
	status        int
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "platform",
			Subsystem: "http",
			Name:      "request_duration_seconds",
			Help:      "HTTP request duration by method, route pattern and status code.",
			Buckets:   []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.duration)
	return m
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	k := observerKey{method: method, route: route, status: status}
	o, ok := m.observers.Load(k)
	if !ok {
		o, _ = m.observers.LoadOrStore(k, m.duration.WithLabelValues(method, route, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}
