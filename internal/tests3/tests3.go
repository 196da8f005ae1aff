// Package tests3 gives tests a real S3 server: SeaweedFS (bin/weed, built by
// `make bin/weed`) started as `weed mini` on free loopback ports with a data
// directory of its own and one access key. Without bin/weed a test skips
// loudly, except under CI where it fails.
package tests3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/forgeai/platform/internal/artifacts"
)

// Server is a running SeaweedFS whose S3 API listens on Endpoint.
type Server struct {
	// Endpoint is 127.0.0.1:<port> of the S3 API (plain HTTP).
	Endpoint string
	// AccessKey and SecretKey are the one identity the server accepts.
	AccessKey, SecretKey string

	cmd  *exec.Cmd
	done chan struct{}
	logs *tailBuffer
}

// Start runs `weed mini` from weedPath with its data in dir (which must
// exist) and returns once the S3 API takes writes.
func Start(ctx context.Context, weedPath, dir string) (*Server, error) {
	s := &Server{AccessKey: "platform-test-" + randomHex(4), SecretKey: randomHex(20), logs: &tailBuffer{max: 16 << 10}}
	cfgPath := filepath.Join(dir, "s3.json")
	cfg, _ := json.Marshal(map[string]any{"identities": []any{map[string]any{
		"name":        "platform",
		"credentials": []any{map[string]string{"accessKey": s.AccessKey, "secretKey": s.SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}})
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, fmt.Errorf("write s3 config: %w", err)
	}
	ports, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	s.Endpoint = "127.0.0.1:" + strconv.Itoa(ports[0])
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(weedPath, "mini",
		"-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-s3.port="+p(0), "-s3.port.grpc="+p(1), "-s3.config="+cfgPath,
		"-master.port="+p(2), "-master.port.grpc="+p(3),
		"-volume.port="+p(4), "-volume.port.grpc="+p(5),
		"-filer.port="+p(6), "-filer.port.grpc="+p(7),
		"-filer.localSocket="+filepath.Join(dir, "filer.sock"), "-s3.localSocket="+filepath.Join(dir, "s3.sock"),
		// Nothing else: no WebDAV, admin UI, Iceberg or Lance listeners on
		// fixed ports, and no telemetry leaving the machine.
		"-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-master.telemetry=false", "-s3.autoCreateBucket=false",
	)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	// The server dies with the test binary even if nobody stops it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", weedPath, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("seaweedfs did not become ready: %w\n--- weed output (tail) ---\n%s", err, s.logs.String())
	}
	return s, nil
}

// waitReady polls until a bucket can be created and written to: the S3
// gateway answers before the filer and the volume server take data.
func (s *Server) waitReady(ctx context.Context) error {
	client, err := s.Client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var last error
	for {
		attempt, stop := context.WithTimeout(ctx, 10*time.Second)
		last = func() error {
			ok, err := client.BucketExists(attempt, "readiness")
			if err == nil && !ok {
				err = client.MakeBucket(attempt, "readiness", minio.MakeBucketOptions{})
			}
			if err == nil {
				_, err = client.PutObject(attempt, "readiness", "probe", bytes.NewReader([]byte("ok")), 2, minio.PutObjectOptions{})
			}
			return err
		}()
		stop()
		if last == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("weed exited: %v (last error: %v)", s.cmd.ProcessState, last)
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 10s) and waits for it.
func (s *Server) Stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	return nil
}

// Client is an S3 client of the server, for looking behind a store.
func (s *Server) Client() (*minio.Client, error) {
	return minio.New(s.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), BucketLookup: minio.BucketLookupPath,
	})
}

// URL is the ARTIFACTS_URL of bucket (and prefix, which may be empty) on the server.
func (s *Server) URL(bucket, prefix string) string {
	u := "s3://" + bucket
	if prefix != "" {
		u += "/" + prefix
	}
	return u + "?endpoint=" + s.Endpoint + "&secure=false&path_style=true"
}

// Env is the environment of a platform process storing its artifacts in
// bucket/prefix on the server.
func (s *Server) Env(bucket, prefix string) []string {
	return []string{
		"ARTIFACTS_URL=" + s.URL(bucket, prefix),
		"ARTIFACTS_S3_ACCESS_KEY=" + s.AccessKey, "ARTIFACTS_S3_SECRET_KEY=" + s.SecretKey,
	}
}

// Config is the artifacts.S3Config of bucket/prefix on the server.
func (s *Server) Config(bucket, prefix string) artifacts.S3Config {
	c, err := artifacts.ParseS3URL(s.URL(bucket, prefix))
	if err != nil {
		panic(err) // bucket or prefix invalid: a bug in the test
	}
	c.AccessKey, c.SecretKey = s.AccessKey, s.SecretKey
	return c
}

// WeedPath returns the absolute path of bin/weed (or of $WEED_PATH). When it
// is missing the test skips, or fails if CI is set.
func WeedPath(t testing.TB) string {
	t.Helper()
	p, err := weedPath()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/weed is required in CI (make bin/weed): %v", err)
		}
		t.Skipf("SKIPPING: %v; run `make bin/weed`", err)
	}
	return p
}

func weedPath() (string, error) {
	if p := os.Getenv("WEED_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("WEED_PATH: %w", err)
		}
		return filepath.Abs(p)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "weed")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s is missing", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

var shared struct {
	mu  sync.Mutex
	srv *Server
	dir string
	err error
}

// Shared returns the test binary's one server, starting it on first use;
// StopShared (from TestMain) ends it. Tests keep apart by bucket or prefix
// (NewPrefix).
func Shared(t testing.TB) *Server {
	t.Helper()
	weed := WeedPath(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.dir, shared.err = os.MkdirTemp("", "tests3-")
		if shared.err == nil {
			shared.srv, shared.err = Start(context.Background(), weed, shared.dir)
		}
	}
	if shared.err != nil {
		t.Fatalf("start SeaweedFS: %v", shared.err)
	}
	return shared.srv
}

// StopShared stops the server Shared started, if any, and removes its data.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		_ = shared.srv.Stop()
		shared.srv = nil
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
		shared.dir = ""
	}
}

// NewPrefix returns a key prefix no other caller gets, for a fresh empty store.
func NewPrefix() string { return "t-" + randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
