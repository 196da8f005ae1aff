package scaleout_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/internal/tests3"
)

// chatPerMinute is each user's chat limit in the cluster (CHAT_RATE_PER_MINUTE):
// the bucket refills one message every 20 s, longer than the burst that
// exhausts it takes.
const chatPerMinute = 3

// leaderRetry is how often an API instance that is not the reconciler's
// leader tries to become it (RECONCILE_LEADER_RETRY).
const leaderRetry = 500 * time.Millisecond

// cluster is the platform scaled out: two API instances, a worker of the
// platform queue and two of the deploy queue, sharing Postgres, Temporal,
// S3 and Redis and nothing on disk.
type cluster struct {
	t        *testing.T
	root     string   // every process's private folder is in it
	env      []string // what every process gets, before its own
	temporal *devstack.Server
	s3       *tests3.Server
	ai       *fakeOpenAI
	redis    *redis.Options
	apps     string // APPS_BASE_URL: http://localhost:<the first API's apps port>

	api            [2]*apiNode
	platformWorker *proc
	deployWorker   [2]*proc
	gate           [2]*s3Gate // each deploy worker's way to S3
	procs          []*proc
}

// apiNode is one `platform api` process and its addresses.
type apiNode struct {
	*proc
	base    string // http://127.0.0.1:<port> of the API
	apps    string // 127.0.0.1:<port> of its apps host
	metrics string // 127.0.0.1:<port> of its METRICS_ADDR
}

var (
	listeningRe = regexp.MustCompile(`"msg":"api listening","api":"([0-9.:]+)"`)
	appsRe      = regexp.MustCompile(`"msg":"api listening","api":"[0-9.:]+","apps":"([0-9.:]+)"`)
	metricsRe   = regexp.MustCompile(`"msg":"metrics listening","addr":"([0-9.:]+)"`)
	pollingRe   = regexp.MustCompile(`"msg":"worker polling"`)
)

// startCluster starts everything; a missing dependency skips the test,
// or fails it when CI is set.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	temporalBin := requireTemporalCLI(t)
	weed := tests3.WeedPath(t)
	redisOpts := requireRedis(t)
	dbURL := testdb.PostgresURL(t)
	c := &cluster{t: t, redis: redisOpts}
	// One folder for every process and server, removed once they are gone.
	var err error
	if c.root, err = os.MkdirTemp("", "scaleout-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)

	// Temporal and SeaweedFS start side by side.
	var wg sync.WaitGroup
	var temporalErr, s3Err error
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.temporal, temporalErr = devstack.Start(context.Background(), devstack.Options{
			CLIPath: temporalBin, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}()
	go func() {
		defer wg.Done()
		dir := filepath.Join(c.root, "seaweedfs")
		if s3Err = os.MkdirAll(dir, 0o755); s3Err == nil {
			c.s3, s3Err = tests3.Start(context.Background(), weed, dir)
		}
	}()
	wg.Wait()
	if temporalErr != nil {
		t.Fatalf("temporal dev server: %v", temporalErr)
	}
	if s3Err != nil {
		t.Fatalf("seaweedfs: %v", s3Err)
	}
	c.ai = newFakeOpenAI()
	for i := range c.gate {
		c.gate[i] = newS3Gate(fmt.Sprintf("deploy-worker-%d", i+1), c.s3.Endpoint)
	}

	appsPort := freePort(t)
	c.apps = fmt.Sprintf("http://localhost:%d", appsPort)
	prefix := "scaleout-" + randomHex(6)
	c.env = []string{
		"DATABASE_URL=" + dbURL, "TEMPORAL_ADDRESS=" + c.temporal.Address(),
		"DEV_MODE=true", "PLATFORM_ENV=development", "JWT_SECRET=scaleout-secret-0123456789-0123456789-abcdef",
		"HTTP_ADDR=127.0.0.1:0", "APPS_BASE_URL=" + c.apps, "METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=info",
		// Every process stores artifacts in one bucket, never on disk.
		"ARTIFACTS_URL=" + c.s3.URL("artifacts", prefix), "ARTIFACTS_S3_ACCESS_KEY=" + c.s3.AccessKey, "ARTIFACTS_S3_SECRET_KEY=" + c.s3.SecretKey,
		// Rate limits in Redis, under keys of this run only.
		"REDIS_URL=" + redisURL(redisOpts), "REDIS_KEY_PREFIX=" + prefix + ":",
		fmt.Sprintf("CHAT_RATE_PER_MINUTE=%d", chatPerMinute),
		"QUOTA_DEPLOYMENTS_PER_HOUR=0", "QUOTA_DEPLOYMENTS_PER_DAY=0", "QUOTA_CODEGEN_PER_HOUR=0", "QUOTA_CODEGEN_PER_DAY=0",
		"QUOTA_AI_TOKENS_PER_DAY=0", "QUOTA_SIGN_IN_PER_MINUTE=0", "QUOTA_ANONYMOUS_PER_MINUTE=0",
		"RECONCILE_LEADER_RETRY=" + leaderRetry.String(),
	}
	t.Cleanup(func() { c.deleteRedisKeys(prefix) })
	if out, err := c.run("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}

	ai := []string{"OPENAI_API_KEY=test-key", "OPENAI_BASE_URL=" + c.ai.URL + "/v1", "OPENAI_MODEL=fake-model"}
	for i := range c.api {
		env := append([]string{fmt.Sprintf("APPS_ADDR=127.0.0.1:%d", appsPort)}, ai...)
		if i > 0 {
			env[0] = "APPS_ADDR=127.0.0.1:0" // its own port; the Host names the app, not the port
		}
		p, err := c.start(fmt.Sprintf("api-%d", i+1), env, "api")
		if err != nil {
			t.Fatal(err)
		}
		c.api[i] = &apiNode{proc: p}
	}
	if c.platformWorker, err = c.start("platform-worker", nil, "worker", "-queues", "platform"); err != nil {
		t.Fatal(err)
	}
	for i := range c.deployWorker {
		// The same bucket and prefix, through the worker's own gate. With
		// nothing kept in memory (ARTIFACTS_MEMORY_BYTES=0) a build reads
		// its source from S3, where the gate can hold it; with the default,
		// a build on the worker that generated the source reads it from
		// memory and makes no request at all.
		url := strings.Replace(c.s3.URL("artifacts", prefix), c.s3.Endpoint, strings.TrimPrefix(c.gate[i].URL, "http://"), 1)
		env := []string{"ARTIFACTS_URL=" + url, "ARTIFACTS_MEMORY_BYTES=0"}
		if c.deployWorker[i], err = c.start(c.gate[i].name, env, "worker", "-queues", "deploy"); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range c.api {
		addr, err := a.waitLog(listeningRe, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		a.base = "http://" + addr
		if a.apps, err = a.waitLog(appsRe, time.Second); err != nil {
			t.Fatal(err)
		}
		if a.metrics, err = a.waitLog(metricsRe, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range append([]*proc{c.platformWorker}, c.deployWorker[:]...) {
		if _, err := w.waitLog(pollingRe, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range c.api {
		if err := waitReady(a.base, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// processEnv is the environment of a process whose private folder is dir:
// this test's environment without anything that could point two processes
// at one place (HOME, TMPDIR, the platform's own settings), then the
// cluster's, then extra.
func (c *cluster) processEnv(dir string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "HOME", name == "TMPDIR", name == "XDG_CACHE_HOME", name == "XDG_CONFIG_HOME",
			strings.HasPrefix(name, "ARTIFACTS_"), strings.HasPrefix(name, "AWS_"), strings.HasPrefix(name, "REDIS_"),
			strings.HasPrefix(name, "OPENAI_"), strings.HasPrefix(name, "QUOTA_"), name == "DATABASE_URL", name == "FAULTS_DIR":
			continue
		}
		env = append(env, kv)
	}
	tmp := filepath.Join(dir, "tmp")
	_ = os.MkdirAll(tmp, 0o755)
	env = append(env, "HOME="+dir, "TMPDIR="+tmp, "ARTIFACTS_DIR="+filepath.Join(dir, "artifacts"))
	env = append(env, c.env...)
	return append(env, extra...)
}

// start runs a platform subcommand in a private folder of its own.
func (c *cluster) start(name string, extra []string, args ...string) (*proc, error) {
	dir := filepath.Join(c.root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p, err := startProc(name, platformBin, dir, c.processEnv(dir, extra), args...)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// run runs a platform subcommand to its end, in a folder of its own.
func (c *cluster) run(args ...string) (string, error) {
	p, err := c.start(args[0], nil, args...)
	if err != nil {
		return "", err
	}
	<-p.done
	return p.logs(), p.err
}

// stop ends every process and server; when the test failed, it shows each
// process's log first.
func (c *cluster) stop() {
	if c.t.Failed() {
		for _, p := range c.procs {
			c.t.Logf("%s log (tail):\n%s", p.name, tail(p.logs(), 3000))
		}
	}
	var wg sync.WaitGroup
	for _, p := range c.procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
	for _, g := range c.gate {
		if g != nil {
			g.Close()
		}
	}
	if c.ai != nil {
		c.ai.Close()
	}
	if c.temporal != nil {
		_ = c.temporal.Stop()
	}
	if c.s3 != nil {
		_ = c.s3.Stop()
	}
	_ = os.RemoveAll(c.root)
}

func (c *cluster) deleteRedisKeys(prefix string) {
	rdb := redis.NewClient(c.redis)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, "*"+prefix+":*", 100).Iterator()
	for iter.Next(ctx) {
		_ = rdb.Del(ctx, iter.Val()).Err()
	}
}

// requireTemporalCLI returns bin/temporal; without it the test skips, or
// fails when CI is set.
func requireTemporalCLI(t *testing.T) string {
	t.Helper()
	root, _ := filepath.Abs("..")
	bin := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/temporal is required in CI (make bin/temporal): %v", err)
		}
		t.Skipf("SKIPPING: %s missing; run `make bin/temporal`", bin)
	}
	return bin
}

// requireRedis is the Redis at REDIS_URL or 127.0.0.1:6379; without one
// the test skips, or fails when CI is set.
func requireRedis(t *testing.T) *redis.Options {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis at %s is required in CI: %v", opts.Addr, err)
		}
		t.Skipf("SKIPPING: redis at %s is unreachable (%v); set REDIS_URL", opts.Addr, err)
	}
	return opts
}

// redisURL is opts as a REDIS_URL (address, database and password).
func redisURL(o *redis.Options) string {
	auth := ""
	if o.Password != "" {
		auth = o.Username + ":" + o.Password + "@"
	}
	return fmt.Sprintf("redis://%s%s/%d", auth, o.Addr, o.DB)
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

func waitReady(base string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := plainClient.Get(base + "/readyz")
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			last = string(raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %s: %s", base, timeout, last)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
