package appshost

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ResolveLocalhost makes t reach every name under localhost on the loopback
// address, as browsers do (RFC 6761): Go's resolver does not, so without it a
// Go client could not fetch a development host's apps
// (http://<slug>.localhost:8081/). Such names never go through a proxy.
// Other names are dialled as before.
func ResolveLocalhost(t *http.Transport) *http.Transport {
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && isUnderLocalhost(host) {
			addr = net.JoinHostPort("localhost", port)
		}
		return dial(ctx, network, addr)
	}
	proxy := t.Proxy
	t.Proxy = func(r *http.Request) (*url.URL, error) {
		if proxy == nil || isUnderLocalhost(r.URL.Hostname()) {
			return nil, nil
		}
		return proxy(r)
	}
	return t
}

func isUnderLocalhost(host string) bool {
	return strings.HasSuffix(strings.TrimSuffix(strings.ToLower(host), "."), ".localhost")
}
