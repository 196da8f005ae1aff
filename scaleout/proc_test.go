package scaleout_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// proc is one platform process the test started, with its output kept.
type proc struct {
	name   string
	dir    string // its private folder: working directory, HOME, ARTIFACTS_DIR
	cmd    *exec.Cmd
	mu     sync.Mutex
	output bytes.Buffer
	done   chan struct{}
	err    error
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

// startProc runs `bin args…` in dir with exactly env.
func startProc(name, bin, dir string, env []string, args ...string) (*proc, error) {
	p := &proc{name: name, dir: dir, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout = lockedWriter{&p.mu, &p.output}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.output}
	// The process dies with the test binary even if nobody stops it.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitLog waits until the process's output matches re and returns the last submatch.
func (p *proc) waitLog(re *regexp.Regexp, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.logs()); m != nil {
			return m[len(m)-1], nil
		}
		if p.exited() {
			return "", fmt.Errorf("%s exited (%v) before logging %s:\n%s", p.name, p.err, re, tail(p.logs(), 4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("%s did not log %s within %s:\n%s", p.name, re, timeout, tail(p.logs(), 4000))
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process: SIGTERM, then SIGKILL after 15 s.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
