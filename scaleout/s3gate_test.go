package scaleout_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// s3Gate is one deploy worker's way to the S3 store: a reverse proxy that
// passes every request on unchanged (the Host the worker signed stays), and
// that, once armed, holds the first read of a blob (GET …/sha256/…) until
// the worker is gone. A deploy worker reads blobs only in a build (the
// source tree), so a held read keeps a build in its step, recorded as
// running, for as long as the test wants.
type s3Gate struct {
	name string
	*httptest.Server
	mu     sync.Mutex
	armed  bool
	caught chan<- string // receives name when a read is held
	held   chan struct{} // closed to let held reads go (at cleanup)
}

func newS3Gate(name, endpoint string) *s3Gate {
	g := &s3Gate{name: name, held: make(chan struct{})}
	target := &url.URL{Scheme: "http", Host: endpoint}
	proxy := httputil.NewSingleHostReverseProxy(target)
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/sha256/") && g.take() {
			// Held until the worker hangs up (killed) or the test ends.
			select {
			case <-r.Context().Done():
			case <-g.held:
			}
			http.Error(w, "held by the test", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	return g
}

// arm makes the gate hold the next blob read and report it on caught.
func (g *s3Gate) arm(caught chan<- string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.caught = true, caught
}

// disarm lets every later read through.
func (g *s3Gate) disarm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = false
}

func (g *s3Gate) take() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.armed {
		return false
	}
	g.armed = false
	select {
	case g.caught <- g.name:
	default:
	}
	return true
}

func (g *s3Gate) Close() {
	close(g.held)
	g.Server.Close()
}
