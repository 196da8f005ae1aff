package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Exposure is what the platform shows beyond its API: where its metrics are
// served and which other browser origins may call the API.
type Exposure struct {
	// MetricsAddr is the listener of /metrics (Prometheus) for `api` and
	// `dev`, apart from the API's port: loopback by default, so only the
	// host's own scraper reads it; "off" serves none.
	MetricsAddr string `env:"METRICS_ADDR" envDefault:"127.0.0.1:9090"`
	// CORSAllowedOrigins may call the API from a browser on another origin
	// (with a Bearer token; never with the session cookies). None: the web
	// app, on the API's own origin, is the only browser client.
	CORSAllowedOrigins []string `env:"CORS_ALLOWED_ORIGINS" envSeparator:","`
	// Pprof serves net/http/pprof under /debug/pprof/ on the metrics
	// listeners (METRICS_ADDR, WORKER_METRICS_ADDR), never on the public port.
	Pprof bool `env:"PPROF" envDefault:"false"`
	// BacklogInterval is how often the api reads each task queue's backlog
	// for platform_task_queue_backlog (what an autoscaler scales workers on).
	BacklogInterval time.Duration `env:"TASK_QUEUE_BACKLOG_INTERVAL" envDefault:"10s"`
}

// MetricsOff is the METRICS_ADDR that serves no metrics.
const MetricsOff = "off"

// validateExposure checks METRICS_ADDR, CORS_ALLOWED_ORIGINS and the shape
// of APPS_BASE_URL, which names the domain under which every app gets an
// origin of its own (<slug>.<domain>).
func (c Config) validateExposure() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if a := c.Exposure.MetricsAddr; a != MetricsOff {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 || strings.ContainsAny(host, "/ ") {
			bad("METRICS_ADDR", "must be host:port (e.g. 127.0.0.1:9090, :9090 inside a container network) or off, got %q", a)
		}
	}
	if d := c.Exposure.BacklogInterval; d < time.Second || d > 10*time.Minute {
		bad("TASK_QUEUE_BACKLOG_INTERVAL", "must be between 1s and 10m, got %s", d)
	}
	appsDomain := ""
	if u, err := url.Parse(c.AppsBaseURL); err == nil && u.Host != "" {
		host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		switch {
		case net.ParseIP(host) != nil:
			bad("APPS_BASE_URL", "must name a host, not an IP address: each app is served at <slug>.<host> (use localhost in development), got %q", c.AppsBaseURL)
		case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
			bad("APPS_BASE_URL", "must be an origin (scheme://host[:port]) without path, query or credentials: each app is served at <slug>.<host>, got %q", c.AppsBaseURL)
		default:
			appsDomain = host
		}
	}
	for _, o := range c.Exposure.CORSAllowedOrigins {
		o = strings.TrimSpace(o)
		u, err := url.Parse(o)
		switch {
		case o == "*" || strings.Contains(o, "*"):
			bad("CORS_ALLOWED_ORIGINS", "wildcards are refused: list each origin, got %q", o)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
			bad("CORS_ALLOWED_ORIGINS", "each entry must be an origin, scheme://host[:port], got %q", o)
		case appsDomain != "" && strings.HasSuffix(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), "."+appsDomain):
			bad("CORS_ALLOWED_ORIGINS", "%q is a published app's origin (under APPS_BASE_URL): apps must never call the API", o)
		}
	}
	return errs
}
