package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// apiProc is the `platform api` subprocess.
type apiProc struct {
	cmd     *exec.Cmd
	logPath string
	addr    string // host:port of HTTP_ADDR
	exited  chan struct{}
	waitErr error
}

func migrate(ctx context.Context, platform, dbURL string) error {
	cmd := exec.CommandContext(ctx, platform, "migrate")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s migrate: %w\n%s", platform, err, out)
	}
	return nil
}

// startAPI starts `platform api`; extra env (Temporal, artifacts, apps URL) is appended.
func startAPI(platform, dbURL string, extra ...string) (*apiProc, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "bench-api-*.log")
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own descriptor
	p := &apiProc{logPath: logf.Name(), addr: "127.0.0.1:" + ports[0], exited: make(chan struct{})}
	p.cmd = exec.Command(platform, "api")
	p.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"DEV_MODE=true",
		"PLATFORM_ENV=development",
		"JWT_SECRET="+hex.EncodeToString(secret),
		"JWT_TTL=24h", // one token serves the whole run
		"HTTP_ADDR="+p.addr,
		"APPS_ADDR=127.0.0.1:"+ports[1],
		"METRICS_ADDR=127.0.0.1:0", // not a fixed port
		"LOG_LEVEL=warn",
		"TEMPORAL_ADDRESS=127.0.0.1:1",
		// The bench measures throughput from one address and a few users:
		// the per-address and per-user limits would answer 429 instead.
		"QUOTA_ANONYMOUS_PER_MINUTE=0", "QUOTA_SIGN_IN_PER_MINUTE=0",
		"QUOTA_DEPLOYMENTS_PER_HOUR=0", "QUOTA_DEPLOYMENTS_PER_DAY=0",
		"QUOTA_CODEGEN_PER_HOUR=0", "QUOTA_CODEGEN_PER_DAY=0", "QUOTA_AI_TOKENS_PER_DAY=0",
	)
	p.cmd.Env = append(p.cmd.Env, extra...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s api: %w", platform, err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// waitHealthy polls /healthz until it answers 200, the process exits, or timeout.
func (p *apiProc) waitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("api not healthy after %v (last: %v)", timeout, errOrStatus(err, resp))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.exited:
			return fmt.Errorf("api exited before /healthz answered 200 (%s)", p.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func errOrStatus(err error, resp *http.Response) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// stop sends SIGTERM and, after grace, SIGKILL.
func (p *apiProc) stop(grace time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		logf("api did not stop within %v; killing it", grace)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// memMB reads VmRSS (resident now) and VmHWM (peak resident) in MB.
func (p *apiProc) memMB() (rss, peak float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
	}
	return rss, peak, nil
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]string, error) {
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close() // held open until all are chosen, so they differ
		_, port, _ := net.SplitHostPort(l.Addr().String())
		ports = append(ports, port)
	}
	return ports, nil
}
