// Package owasp_test attacks the running platform with the OWASP API
// Security Top 10 (2023): one test per category (TestAPI1… to TestAPI10…),
// each attack asserting that the platform refuses it. The platform is the
// real binary, started once for the package like an operator runs it: a
// Temporal dev server (bin/temporal), Postgres, `platform migrate`, two
// `platform api` instances and a `platform worker` in development mode
// (dev login, so the suite can sign users in), one `platform api` in
// production mode, an OpenAI-compatible server the attacker controls and
// a canary server that records any request made to it. When the package
// ends it prints the table of attacks tried and refused per category.
package owasp_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the suite's schema
	"github.com/oauth2-proxy/mockoidc"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/testdb"
)

// jwtSecret is the platform's JWT_SECRET in this suite; API2 forges tokens
// with and without the keys derived from it.
const jwtSecret = "owasp-suite-secret-0123456789-0123456789-abcdef"

// The origins the suite configures: the one browser origin allowed to call
// the API cross-origin, and the production instance's public addresses.
const (
	consoleOrigin = "https://console.owasp.test"
	prodPublicURL = "https://platform.owasp.test"
	prodAppsURL   = "https://apps.owasp.test"
)

// Limits the suite sets low enough to reach.
const (
	signInPerMinute    = 20
	wsMaxConnections   = 6
	wsMaxSubscriptions = 8
	chatPerMinute      = 10
	deploymentsPerHour = 40 // and code generations: API10 deploys a couple of dozen apps
)

// platform is the running platform every test attacks.
type platform struct {
	root      string // the suite's temporary folder
	workdir   string // the processes' working directory, nested in root
	bin       string
	artifacts string
	temporal  *devstack.Server
	dbURL     string
	dropDB    func()
	ai        *fakeAI
	canary    *canary
	idp       *mockoidc.MockOIDC // the production instance's OIDC provider
	env       []string           // the development stack's environment
	worker    *proc
	api, api2 *proc // two instances of the development stack (api2 trusts no proxy)
	prod      *proc // production mode (no dev login), same database
	procs     []*proc

	base, base2, prodBase string // API origins
	apps                  string // the apps host, http://localhost:<port>
	metrics               string // the first API's METRICS_ADDR
	appsListen            string // the apps host's listener
}

var (
	pf         *platform
	skipReason string
)

func TestMain(m *testing.M) {
	p, err := startPlatform()
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "owasp suite: a dependency is missing, which CI does not allow:", skip.reason)
			os.Exit(1)
		}
		skipReason = "SKIPPING: " + skip.reason
	case err != nil:
		fmt.Fprintln(os.Stderr, "owasp suite: the platform did not start:", err)
		if p != nil {
			for _, pr := range p.procs {
				fmt.Fprintf(os.Stderr, "%s log (tail):\n%s\n", pr.name, tail(pr.logs(), 4000))
			}
			p.stop()
		}
		os.Exit(1)
	default:
		pf = p
	}
	code := m.Run()
	printTable(os.Stdout)
	if path := os.Getenv("OWASP_TABLE"); path != "" {
		if f, err := os.Create(path); err == nil {
			printTable(f)
			_ = f.Close()
		}
	}
	if pf != nil {
		pf.stop()
	}
	os.Exit(code)
}

type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// requirePlatform skips the test (fails it in CI, see TestMain) when the
// platform could not be started for want of Postgres or bin/temporal.
func requirePlatform(t *testing.T) *platform {
	t.Helper()
	if pf == nil {
		t.Skip(skipReason)
	}
	return pf
}

// phase notes how long each part of the start took (shown with -v).
func phase(name string, since time.Time) {
	fmt.Printf("owasp suite: %s in %s\n", name, time.Since(since).Round(10*time.Millisecond))
}

func startPlatform() (*platform, error) {
	t0 := time.Now()
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	temporalBin := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(temporalBin); err != nil {
		return nil, &skipError{temporalBin + " is missing; run `make bin/temporal`"}
	}
	p := &platform{}
	if p.root, err = os.MkdirTemp("", "platform-owasp-"); err != nil {
		return nil, err
	}
	if err := p.createSchema(); err != nil {
		return p, err
	}
	// Build the binary while the Temporal dev server starts.
	p.bin = filepath.Join(p.root, "platform")
	built := make(chan error, 1)
	go func() {
		cmd := exec.Command("go", "build", "-o", p.bin, "./cmd/platform")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("build platform: %w\n%s", err, out)
		}
		built <- err
	}()
	p.temporal, err = devstack.Start(context.Background(), devstack.Options{
		CLIPath: temporalBin, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		<-built
		return p, err
	}
	phase("temporal dev server started", t0)
	if err := <-built; err != nil {
		return p, err
	}
	phase("platform built", t0)
	p.ai = newFakeAI()
	p.canary = newCanary()
	if p.idp, err = startIDP(); err != nil {
		return p, err
	}
	// Nested, so a traversal that climbs a few levels out of the artifact
	// store or the working directory still lands inside the suite's
	// folder, where API10 looks for it.
	p.artifacts = filepath.Join(p.root, "data", "platform", "artifacts")
	p.workdir = filepath.Join(p.root, "work", "platform", "run")
	if err := os.MkdirAll(p.workdir, 0o755); err != nil {
		return p, err
	}
	appsPort, err := freePort()
	if err != nil {
		return p, err
	}
	p.apps = fmt.Sprintf("http://localhost:%d", appsPort)
	p.env = []string{
		"DATABASE_URL=" + p.dbURL, "TEMPORAL_ADDRESS=" + p.temporal.Address(),
		"DEV_MODE=true", "PLATFORM_ENV=development", "JWT_SECRET=" + jwtSecret,
		"HTTP_ADDR=127.0.0.1:0", fmt.Sprintf("APPS_ADDR=127.0.0.1:%d", appsPort), "APPS_BASE_URL=" + p.apps,
		"METRICS_ADDR=127.0.0.1:0", "ARTIFACTS_DIR=" + p.artifacts, "LOG_LEVEL=info",
		"OPENAI_API_KEY=test-key", "OPENAI_BASE_URL=" + p.ai.URL + "/v1", "OPENAI_MODEL=fake-model",
		"AI_REQUEST_TIMEOUT=20s", "AI_STREAM_TIMEOUT=60s",
		// Each client of the suite sends its own X-Forwarded-For from
		// loopback, so per-address limits count each one apart.
		"TRUSTED_PROXIES=127.0.0.1",
		"QUOTA_SIGN_IN_PER_MINUTE=" + fmt.Sprint(signInPerMinute), "QUOTA_AI_TOKENS_PER_DAY=200000",
		"QUOTA_DEPLOYMENTS_PER_HOUR=" + fmt.Sprint(deploymentsPerHour), "QUOTA_CODEGEN_PER_HOUR=" + fmt.Sprint(deploymentsPerHour),
		"CHAT_RATE_PER_MINUTE=" + fmt.Sprint(chatPerMinute),
		"WS_MAX_CONNECTIONS_PER_USER=" + fmt.Sprint(wsMaxConnections), "WS_MAX_SUBSCRIPTIONS=" + fmt.Sprint(wsMaxSubscriptions),
		"CORS_ALLOWED_ORIGINS=" + consoleOrigin, "SESSION_CHECK_INTERVAL=1s",
		// The reconciler resolves within seconds what a race left behind
		// (an approval whose deployment was cancelled before it opened).
		"RECONCILE_INTERVAL=2s", "RECONCILE_AFTER=5s",
	}
	migrate := exec.Command(p.bin, "migrate")
	migrate.Dir = p.workdir
	migrate.Env = append(os.Environ(), p.env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		return p, fmt.Errorf("migrate: %w\n%s", err, out)
	}
	phase("migrated", t0)
	listening := regexp.MustCompile(`"msg":"api listening","api":"([0-9.:]+)"`)
	metricsRe := regexp.MustCompile(`"msg":"metrics listening","addr":"([0-9.:]+)"`)
	appsRe := regexp.MustCompile(`"msg":"api listening","api":"[0-9.:]+","apps":"([0-9.:]+)"`)
	if p.worker, err = p.start("worker", p.env, "worker", "-queues", "platform,deploy"); err != nil {
		return p, err
	}
	if p.api, err = p.start("api", p.env, "api"); err != nil {
		return p, err
	}
	// The second instance trusts no proxy: every client of it is its peer address.
	second := append(append([]string{}, p.env...), "APPS_ADDR=127.0.0.1:0", "TRUSTED_PROXIES=")
	if p.api2, err = p.start("api2", second, "api"); err != nil {
		return p, err
	}
	prod := append(append([]string{}, p.env...), "DEV_MODE=false", "PLATFORM_ENV=", "PUBLIC_URL="+prodPublicURL,
		"APPS_BASE_URL="+prodAppsURL, "APPS_ADDR=127.0.0.1:0", "TRUSTED_PROXIES=",
		"OIDC_ISSUER="+p.idp.Issuer(), "OIDC_CLIENT_ID="+p.idp.ClientID, "OIDC_CLIENT_SECRET="+p.idp.ClientSecret,
		"OIDC_REDIRECT_URL="+prodPublicURL+"/api/auth/callback",
		// Every client of this instance is 127.0.0.1 (it trusts no proxy):
		// room for the suite's single sign-ons.
		"QUOTA_SIGN_IN_PER_MINUTE=120")
	if p.prod, err = p.start("prod", prod, "api"); err != nil {
		return p, err
	}
	for _, s := range []struct {
		p    *proc
		base *string
	}{{p.api, &p.base}, {p.api2, &p.base2}, {p.prod, &p.prodBase}} {
		addr, err := s.p.waitLog(listening, 60*time.Second)
		if err != nil {
			return p, err
		}
		*s.base = "http://" + addr
	}
	if p.metrics, err = p.api.waitLog(metricsRe, 10*time.Second); err != nil {
		return p, err
	}
	if p.appsListen, err = p.api.waitLog(appsRe, 10*time.Second); err != nil {
		return p, err
	}
	if _, err := p.worker.waitLog(regexp.MustCompile(`"msg":"worker polling"`), 60*time.Second); err != nil {
		return p, err
	}
	for _, base := range []string{p.base, p.base2, p.prodBase} {
		if err := waitReady(base, 60*time.Second); err != nil {
			return p, err
		}
	}
	phase("processes ready", t0)
	if err := p.buildWorld(); err != nil {
		return p, fmt.Errorf("set up the users and objects under attack: %w", err)
	}
	phase("users and objects made", t0)
	return p, nil
}

func (p *platform) start(name string, env []string, args ...string) (*proc, error) {
	pr, err := startProc(name, p.bin, p.workdir, env, args...)
	if err != nil {
		return nil, err
	}
	p.procs = append(p.procs, pr)
	return pr, nil
}

// stop ends every process and removes the schema and the folder.
func (p *platform) stop() {
	var wg sync.WaitGroup
	for _, pr := range p.procs {
		wg.Add(1)
		go func() { defer wg.Done(); pr.stop() }()
	}
	wg.Wait()
	if p.temporal != nil {
		_ = p.temporal.Stop()
	}
	if p.ai != nil {
		p.ai.Close()
	}
	if p.canary != nil {
		p.canary.Close()
	}
	if p.idp != nil {
		_ = p.idp.Shutdown()
	}
	if p.dropDB != nil {
		p.dropDB()
	}
	if p.root != "" {
		_ = os.RemoveAll(p.root)
	}
}

// dumpLogs shows the platform's logs when a test failed.
func (p *platform) dumpLogs(t *testing.T) {
	t.Helper()
	if !t.Failed() {
		return
	}
	for _, pr := range p.procs {
		t.Logf("%s log (tail):\n%s", pr.name, tail(pr.logs(), 2500))
	}
}

// createSchema makes a fresh Postgres schema for the suite, dropped at the end.
func (p *platform) createSchema() error {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = testdb.DefaultPostgresURL
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		return &skipError{fmt.Sprintf("postgres at %s is not reachable (%v); set TEST_DATABASE_URL", base, err)}
	}
	schema := "owasp_" + uuid.NewString()[:8]
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = admin.Close()
		return fmt.Errorf("create schema: %w", err)
	}
	p.dropDB = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`)
		_ = admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("parse TEST_DATABASE_URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	p.dbURL = u.String()
	return nil
}

// startIDP runs an OpenID Connect provider (mockoidc) on loopback for the
// production instance's single sign-on.
func startIDP() (*mockoidc.MockOIDC, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if err := m.Start(ln, nil); err != nil {
		return nil, err
	}
	return m, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(base string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
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

// canary is a server that must never be called: its address stands in
// every URL the suite hands the platform, and it counts what reaches it.
type canary struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	seen []string
}

func newCanary() *canary {
	c := &canary{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hits.Add(1)
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.String())
		c.mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}))
	return c
}

func (c *canary) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}
