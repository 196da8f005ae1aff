package api

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics records request durations by method, route and status.
type httpMetrics struct {
	duration *prometheus.HistogramVec
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

func (m *httpMetrics) observe(method, route, status string, d time.Duration) {
	m.duration.WithLabelValues(method, route, status).Observe(d.Seconds())
}
