// Package e2e_test drives the real platform binary like a user: processes
// started from the command line, a real Temporal dev server (bin/temporal),
// real Postgres, and HTTP clients.
package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/apispec"
)

var (
	platformBin string
	temporalBin string
)

func TestMain(m *testing.M) {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "platform-e2e-")
	if err != nil {
		panic(err)
	}
	platformBin = filepath.Join(dir, "platform")
	build := exec.Command("go", "build", "-o", platformBin, "./cmd/platform")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build platform:", err)
		os.Exit(1)
	}
	temporalBin = filepath.Join(root, "bin", "temporal")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// requireTemporalCLI skips locally, and fails in CI, when bin/temporal is missing.
func requireTemporalCLI(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(temporalBin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/temporal is required in CI (make bin/temporal): %v", err)
		}
		t.Skipf("SKIPPING: %s missing; run `make bin/temporal`", temporalBin)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a running platform subcommand with its output captured.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan error
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startIn(t, "", env, args...)
}

// startIn runs a platform subcommand with dir as its working directory.
func startIn(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	return startBin(t, platformBin, dir, env, args...)
}

// startBin runs a subcommand of the given platform binary.
func startBin(t *testing.T, bin, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = lockedWriter{&p.mu, &p.stdout}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start platform %v: %v", args, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("platform %v stdout:\n%s\nstderr (tail):\n%s", args, p.out(), tail(p.errOut(), 4000))
		}
	})
	return p
}

func (p *proc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

func (p *proc) errOut() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitOutput waits until stdout matches re and returns the first submatch.
func (p *proc) waitOutput(re *regexp.Regexp, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.out()); m != nil {
			return m[len(m)-1]
		}
		select {
		case err := <-p.done:
			p.done <- err
			p.t.Fatalf("process exited early (%v)", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.t.Fatalf("timed out waiting for %s", re)
	return ""
}

// waitLog waits until stderr (the JSON log) matches re and returns the first submatch.
func (p *proc) waitLog(re *regexp.Regexp, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.errOut()); m != nil {
			return m[len(m)-1]
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("timed out waiting for log %s", re)
	return ""
}

// stop sends sig and asserts a clean exit within timeout.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			p.t.Fatalf("exit after %v: %v", sig, err)
		}
	case <-time.After(timeout):
		p.t.Fatalf("did not stop within %s after %v", timeout, sig)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// httpClient bounds every API call, so a hang fails the test instead of CI,
// and holds every answer to the OpenAPI document the platform serves
// (internal/apispec): a mismatch is the call's error.
var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &apispec.Transport{}}

// client is a tiny JSON-over-HTTP client of the API.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *apiClient) call(method, path string, body any, wantStatus int, out any) {
	c.t.Helper()
	status, raw := c.send(method, path, body)
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
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

// send sends a request and returns the status and the raw body.
func (c *apiClient) send(method, path string, body any) (int, []byte) {
	c.t.Helper()
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
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
			last = string(raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("not ready within %s: %s", timeout, last)
}

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
