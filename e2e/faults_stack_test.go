package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/testdb"
)

// faultBin is the platform built with the `faults` tag, whose hooks
// (internal/faults) let a test hold a step or kill the API at a point.
var (
	faultBinOnce sync.Once
	faultBin     string
	faultBinErr  error
)

func buildFaultBinary(t *testing.T) string {
	t.Helper()
	faultBinOnce.Do(func() {
		root, _ := filepath.Abs("..")
		faultBin = filepath.Join(filepath.Dir(platformBin), "platform-faults")
		build := exec.Command("go", "build", "-tags", "faults", "-o", faultBin, "./cmd/platform")
		build.Dir = root
		out, err := build.CombinedOutput()
		if err != nil {
			faultBinErr = fmt.Errorf("build with -tags faults: %v\n%s", err, out)
		}
	})
	if faultBinErr != nil {
		t.Fatal(faultBinErr)
	}
	return faultBin
}

// faultStack is a production-shaped platform whose every part can be
// killed and restarted: a Temporal dev server keeping its state in a file on
// a fixed port, Postgres, one api on a fixed port, one worker for both queues.
type faultStack struct {
	t         *testing.T
	bin       string
	env       []string
	dir       string // FAULTS_DIR: the files that drive the hooks
	appName   string // application_name of every platform connection
	base      string
	apps      string
	temporal  *devstack.Server
	tempOpts  devstack.Options
	api       *proc
	worker    *proc
	db        *sql.DB
	adminUser *apiClient
	bizUser   *apiClient
}

func newFaultStack(t *testing.T) *faultStack {
	t.Helper()
	requireTemporalCLI(t)
	s := &faultStack{t: t, bin: buildFaultBinary(t), dir: t.TempDir()}
	s.tempOpts = devstack.Options{
		CLIPath: temporalBin, Namespace: "default", HostPort: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		DBFile: filepath.Join(t.TempDir(), "temporal.db"), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	s.startTemporal()
	t.Cleanup(func() {
		if s.temporal != nil {
			_ = s.temporal.Stop()
		}
	})
	apiPort, appsPort := freePort(t), freePort(t)
	s.base, s.apps = fmt.Sprintf("http://127.0.0.1:%d", apiPort), fmt.Sprintf("http://localhost:%d", appsPort)
	s.appName = "faults-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10)
	dbURL := testdb.PostgresURL(t)
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	dbURL += sep + "application_name=" + s.appName
	s.env = []string{
		"DATABASE_URL=" + dbURL, "TEMPORAL_ADDRESS=" + s.tempOpts.HostPort, "DEV_MODE=true", "PLATFORM_ENV=development",
		"JWT_SECRET=e2e-secret-0123456789-0123456789-0123456789",
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", apiPort), fmt.Sprintf("APPS_ADDR=127.0.0.1:%d", appsPort),
		"APPS_BASE_URL=" + s.apps, "METRICS_ADDR=127.0.0.1:0", "ARTIFACTS_DIR=" + t.TempDir(), "LOG_LEVEL=info", "FAULTS_DIR=" + s.dir,
		// The reconciler repairs what a killed API left behind within seconds.
		"RECONCILE_INTERVAL=1s", "RECONCILE_AFTER=2s",
	}
	s.env = append(s.env, quotasOff...)
	if out, err := s.run("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	s.startAPI()
	s.startWorker()
	s.db = openDB(t, s.env)
	s.adminUser = devLogin(t, s.base, "admin@example.com")
	s.bizUser = devLogin(t, s.base, "biz@example.com")
	return s
}

func (s *faultStack) run(args ...string) (string, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *faultStack) startProc(args ...string) *proc {
	s.t.Helper()
	return startBin(s.t, s.bin, "", s.env, args...)
}

func (s *faultStack) startTemporal() {
	s.t.Helper()
	srv, err := devstack.Start(context.Background(), s.tempOpts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.temporal = srv
}

func (s *faultStack) startAPI() {
	s.t.Helper()
	s.api = s.startProc("api")
	s.api.waitLog(regexp.MustCompile(`"msg":"api listening"`), 30*time.Second)
	waitReady(s.t, s.base, 60*time.Second)
}

func (s *faultStack) startWorker() {
	s.t.Helper()
	s.worker = s.startProc("worker", "-queues", "platform,deploy")
	s.worker.waitLog(regexp.MustCompile(`"msg":"worker polling"`), 30*time.Second)
}

// kill sends SIGKILL to a platform process and waits for it to die.
func kill(p *proc) {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// restartTemporal stops the dev server and starts it again on the same
// port with the same state file.
func (s *faultStack) restartTemporal() {
	s.t.Helper()
	if err := s.temporal.Stop(); err != nil {
		s.t.Logf("temporal stop: %v", err)
	}
	// The port must be free again before the new server binds it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ln, err := net.Listen("tcp", s.tempOpts.HostPort)
		if err == nil {
			_ = ln.Close()
			break
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("temporal port %s still busy: %v", s.tempOpts.HostPort, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.startTemporal()
}

// terminateConnections ends every Postgres session of the stack's
// processes, as a database failover would, and reports how many it ended.
func (s *faultStack) terminateConnections() int {
	s.t.Helper()
	var n int
	err := s.db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND (application_name = $1 OR application_name = 'platform-event-listener')`, s.appName).Scan(&n)
	if err != nil {
		// Our own pool's connection may have been a victim of a previous round.
		err = s.db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND (application_name = $1 OR application_name = 'platform-event-listener')`, s.appName).Scan(&n)
	}
	if err != nil {
		s.t.Fatalf("terminate connections: %v", err)
	}
	return n
}

// touch creates a hook file in FAULTS_DIR; remove deletes one.
func (s *faultStack) touch(name string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, name), nil, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *faultStack) remove(name string) { _ = os.Remove(filepath.Join(s.dir, name)) }

// waitFile waits until a hook reports it is holding (at-<step>-<id>).
func (s *faultStack) waitFile(name string, timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(s.dir, name)); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("%s did not appear within %s", name, timeout)
}
