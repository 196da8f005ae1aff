package config_test

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/forgeai/platform/internal/config"
)

// These tests keep docker-compose.yml and the Dockerfile in step with Config:
// a renamed variable, a changed default port or a lost healthcheck fails here
// rather than in someone's `docker compose up`.

const (
	composePath    = "../../docker-compose.yml"
	dockerfilePath = "../../Dockerfile"
)

// composeFile is the part of the compose spec the tests look at.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image           string         `yaml:"image"`
	Build           any            `yaml:"build"`
	Command         any            `yaml:"command"`
	Environment     any            `yaml:"environment"`
	Ports           []any          `yaml:"ports"`
	DependsOn       any            `yaml:"depends_on"`
	Healthcheck     map[string]any `yaml:"healthcheck"`
	Volumes         []any          `yaml:"volumes"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Restart         string         `yaml:"restart"`
	ContainerName   string         `yaml:"container_name"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatalf("read %s: %v", composePath, err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(raw, &top); err != nil {
		t.Fatalf("%s is not valid YAML: %v", composePath, err)
	}
	if _, ok := top["version"]; ok {
		t.Errorf("%s has a top-level `version:` key; the compose spec made it obsolete", composePath)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("decode %s: %v", composePath, err)
	}
	return c
}

func service(t *testing.T, c composeFile, name string) composeService {
	t.Helper()
	s, ok := c.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

// environment returns a service's environment in either compose form
// (map, or list of NAME=value); merge keys are already resolved by yaml.v3.
func environment(t *testing.T, svc string, env any) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch e := env.(type) {
	case nil:
	case map[string]any:
		for k, v := range e {
			if v == nil {
				out[k] = ""
			} else {
				out[k] = fmt.Sprint(v)
			}
		}
	case []any:
		for _, item := range e {
			k, v, _ := strings.Cut(fmt.Sprint(item), "=")
			out[k] = v
		}
	default:
		t.Fatalf("service %s: environment has unexpected type %T", svc, env)
	}
	return out
}

// configFields lists the fields with an `env:"..."` tag on Config and on
// the structs it nests (OIDC, Exposure, …), by variable name.
func configFields() map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	var walk func(typ reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("env"), ","); name != "" {
				fields[name] = f
			} else if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == typ.PkgPath() {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[config.Config]())
	return fields
}

// configVars collects the variable names declared by `env:"..."` tags on Config.
func configVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for name := range configFields() {
		vars[name] = true
	}
	if len(vars) == 0 {
		t.Fatal("config.Config declares no env tags; the reflection walk is broken")
	}
	return vars
}

// defaultValue is the string form of variable name's default, from the struct tags.
func defaultValue(t *testing.T, name string) string {
	t.Helper()
	if f, ok := configFields()[name]; ok {
		return f.Tag.Get("envDefault")
	}
	t.Fatalf("config.Config has no variable %s", name)
	return ""
}

// interpolationDefault returns the literal value or, for "${VAR:-default}",
// the default compose substitutes when VAR is unset.
func interpolationDefault(v string) string {
	if m := regexp.MustCompile(`^\$\{[A-Z0-9_]+:?-(.*)\}$`).FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return v
}

func TestComposeHasEveryService(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "migrate", "api", "worker", "deploy-worker"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("docker-compose.yml: missing service %q", name)
		}
	}
}

func TestComposePlatformEnvironmentUsesConfigVariables(t *testing.T) {
	c := loadCompose(t)
	known := configVars(t)
	for _, svc := range []string{"api", "worker", "deploy-worker", "migrate"} {
		t.Run(svc, func(t *testing.T) {
			env := environment(t, svc, service(t, c, svc).Environment)
			if len(env) == 0 {
				t.Fatalf("service %s has no environment; is the <<: *platform-env merge missing?", svc)
			}
			for name := range env {
				if !known[name] {
					t.Errorf("service %s sets %s, which is not an env tag on config.Config (a typo, or a setting the binary ignores)", svc, name)
				}
			}
			// The shared block must reach every platform process.
			for _, name := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "JWT_SECRET", "PUBLIC_URL", "APPS_BASE_URL", "LOG_LEVEL"} {
				if _, ok := env[name]; !ok {
					t.Errorf("service %s does not set %s (shared x-platform-env not merged?)", svc, name)
				}
			}
			if s := env["JWT_SECRET"]; !strings.HasPrefix(s, "${JWT_SECRET:?") {
				t.Errorf("service %s: JWT_SECRET = %q; want the required form ${JWT_SECRET:?...} so no secret is baked into the file", svc, s)
			}
			if d, _, err := loadDialect(env["DATABASE_URL"]); err != nil || d != config.Postgres {
				t.Errorf("service %s: DATABASE_URL %q is not a postgres URL (dialect %q, err %v)", svc, env["DATABASE_URL"], d, err)
			}
		})
	}
}

// TestComposeEnvironmentPassesValidate loads each platform service's
// environment as compose resolves it (variable defaults substituted, a real
// JWT_SECRET supplied) and requires config.Validate to accept it, so the stack
// does not start into a configuration error.
func TestComposeEnvironmentPassesValidate(t *testing.T) {
	c := loadCompose(t)
	for _, svc := range []string{"api", "worker", "deploy-worker", "migrate"} {
		t.Run(svc, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range environment(t, svc, service(t, c, svc).Environment) {
				env[k] = interpolationDefault(v)
			}
			env["JWT_SECRET"] = strings.Repeat("s", 48) // compose requires it from the operator
			cfg, err := config.Load(env)
			if err != nil {
				t.Fatalf("service %s: config.Load: %v", svc, err)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("service %s: its compose environment fails validation:\n%v", svc, err)
			}
			if cfg.DevMode {
				t.Errorf("service %s runs in dev mode (DEV_MODE enables the dev login)", svc)
			}
		})
	}
}

func loadDialect(dbURL string) (config.Dialect, string, error) {
	c, err := config.Load(map[string]string{"DATABASE_URL": dbURL})
	if err != nil {
		return "", "", err
	}
	return c.Database()
}

func TestComposeWorkerSettingsAreValid(t *testing.T) {
	c := loadCompose(t)
	for _, svc := range []string{"worker", "deploy-worker"} {
		t.Run(svc, func(t *testing.T) {
			env := environment(t, svc, service(t, c, svc).Environment)
			for _, name := range []string{"WORKER_QUEUES", "WORKER_CONCURRENCY"} {
				if _, ok := env[name]; !ok {
					t.Errorf("%s does not set %s", svc, name)
				}
			}
			// With the compose defaults substituted, the worker settings must load.
			cfg, err := config.Load(map[string]string{
				"WORKER_QUEUES":      interpolationDefault(env["WORKER_QUEUES"]),
				"WORKER_CONCURRENCY": interpolationDefault(env["WORKER_CONCURRENCY"]),
			})
			if err != nil {
				t.Fatalf("%s's WORKER_QUEUES/WORKER_CONCURRENCY defaults do not load: %v", svc, err)
			}
			if len(cfg.WorkerQueues) == 0 || cfg.WorkerConcurrency < 1 {
				t.Errorf("%s defaults give queues %v, concurrency %d", svc, cfg.WorkerQueues, cfg.WorkerConcurrency)
			}
		})
	}
}

func TestComposeDatabaseMatchesPostgresService(t *testing.T) {
	c := loadCompose(t)
	pg := environment(t, "postgres", service(t, c, "postgres").Environment)
	api := environment(t, "api", service(t, c, "api").Environment)
	u, err := url.Parse(api["DATABASE_URL"])
	if err != nil {
		t.Fatalf("DATABASE_URL %q: %v", api["DATABASE_URL"], err)
	}
	pass, _ := u.User.Password()
	checks := []struct{ what, got, want string }{
		{"host", u.Hostname(), "postgres"},
		{"user", u.User.Username(), pg["POSTGRES_USER"]},
		{"password", pass, pg["POSTGRES_PASSWORD"]},
		{"database", strings.TrimPrefix(u.Path, "/"), pg["POSTGRES_DB"]},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("DATABASE_URL %s = %q, but the postgres service has %q", c.what, c.got, c.want)
		}
	}
	for _, reserved := range []string{"temporal", "temporal_visibility"} {
		if pg["POSTGRES_DB"] == reserved {
			t.Errorf("POSTGRES_DB = %q collides with a database Temporal's auto-setup creates", reserved)
		}
	}

	tmp := environment(t, "temporal", service(t, c, "temporal").Environment)
	if _, ok := c.Services[tmp["POSTGRES_SEEDS"]]; !ok {
		t.Errorf("temporal POSTGRES_SEEDS = %q is not a compose service", tmp["POSTGRES_SEEDS"])
	}
	if tmp["POSTGRES_USER"] != pg["POSTGRES_USER"] || tmp["POSTGRES_PWD"] != pg["POSTGRES_PASSWORD"] {
		t.Errorf("temporal connects as %s/%s, but postgres has %s/%s",
			tmp["POSTGRES_USER"], tmp["POSTGRES_PWD"], pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
	}
	if got := api["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("TEMPORAL_ADDRESS = %q, want temporal:7233 (the temporal service)", got)
	}
}

func TestComposeAPIPortsMatchConfigDefaults(t *testing.T) {
	c := loadCompose(t)
	api := service(t, c, "api")
	env := environment(t, "api", api.Environment)
	defaults, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatalf("config.Load with an empty environment: %v", err)
	}

	published := map[string]string{} // container port -> host port
	for _, p := range api.Ports {
		s := fmt.Sprint(p)
		if m, ok := p.(map[string]any); ok { // long syntax
			s = fmt.Sprintf("%v:%v", m["published"], m["target"])
		}
		parts := strings.Split(strings.TrimSuffix(s, "/tcp"), ":")
		if len(parts) < 2 {
			t.Errorf("api port %q publishes on a random host port; give host:container", s)
			continue
		}
		published[parts[len(parts)-1]] = parts[len(parts)-2]
	}

	for _, tc := range []struct{ name, addr string }{
		{"HTTP_ADDR", defaults.HTTPAddr},
		{"APPS_ADDR", defaults.AppsAddr},
	} {
		addr := tc.addr
		if v, ok := env[tc.name]; ok { // compose overrides the default
			addr = interpolationDefault(v)
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%s = %q is not host:port: %v", tc.name, addr, err)
			continue
		}
		host, ok := published[port]
		if !ok {
			t.Errorf("api listens on %s port %s, but does not publish it (ports: %v)", tc.name, port, api.Ports)
			continue
		}
		if host != port {
			t.Errorf("api publishes %s port %s as host port %s; PUBLIC_URL/APPS_BASE_URL defaults assume the same port", tc.name, port, host)
		}
	}
	for _, want := range []string{"8080", "8081"} {
		if _, ok := published[want]; !ok {
			t.Errorf("api does not publish port %s", want)
		}
	}
	// The public URLs users open must point at the published ports.
	for name, port := range map[string]string{"PUBLIC_URL": "8080", "APPS_BASE_URL": "8081"} {
		u, err := url.Parse(interpolationDefault(env[name]))
		if err != nil || u.Port() != port {
			t.Errorf("api %s default %q does not use published port %s", name, env[name], port)
		}
	}
}

func TestComposePlatformServicesBuildTheImage(t *testing.T) {
	c := loadCompose(t)
	for _, tc := range []struct{ svc, command string }{
		{"migrate", "migrate"},
		{"api", "api"},
		{"worker", "worker"},
		{"deploy-worker", "worker"},
	} {
		t.Run(tc.svc, func(t *testing.T) {
			s := service(t, c, tc.svc)
			if build, ok := s.Build.(string); !ok || build != "." {
				t.Errorf("service %s: build = %#v, want \".\"", tc.svc, s.Build)
			}
			var cmd []string
			switch v := s.Command.(type) {
			case string:
				cmd = strings.Fields(v)
			case []any:
				for _, a := range v {
					cmd = append(cmd, fmt.Sprint(a))
				}
			}
			if len(cmd) == 0 || cmd[0] != tc.command {
				t.Errorf("service %s: command = %v, want [%s]", tc.svc, cmd, tc.command)
			}
		})
	}
	if r := service(t, c, "migrate").Restart; r != "no" {
		t.Errorf("migrate restart = %q, want \"no\" (a one-shot job that api and worker wait for)", r)
	}
}

func TestComposeDependencies(t *testing.T) {
	c := loadCompose(t)
	for _, tc := range []struct {
		svc  string
		want map[string]string // dependency -> condition
	}{
		{"temporal", map[string]string{"postgres": "service_healthy"}},
		{"migrate", map[string]string{"postgres": "service_healthy"}},
		{"api", map[string]string{"migrate": "service_completed_successfully", "temporal": "service_healthy"}},
		{"worker", map[string]string{"migrate": "service_completed_successfully", "temporal": "service_healthy"}},
		{"deploy-worker", map[string]string{"migrate": "service_completed_successfully", "temporal": "service_healthy"}},
	} {
		t.Run(tc.svc, func(t *testing.T) {
			deps, ok := service(t, c, tc.svc).DependsOn.(map[string]any)
			if !ok {
				t.Fatalf("service %s: depends_on must be the long form with conditions, got %#v", tc.svc, service(t, c, tc.svc).DependsOn)
			}
			for dep, cond := range tc.want {
				d, _ := deps[dep].(map[string]any)
				if got := fmt.Sprint(d["condition"]); got != cond {
					t.Errorf("service %s: depends_on %s condition = %q, want %q", tc.svc, dep, got, cond)
				}
			}
		})
	}
}

func TestComposeHealthchecks(t *testing.T) {
	c := loadCompose(t)
	for _, tc := range []struct{ svc, wantInTest string }{
		{"postgres", "pg_isready"},
		{"temporal", "cluster health"},
		{"api", "/usr/local/bin/platform healthcheck"},
	} {
		t.Run(tc.svc, func(t *testing.T) {
			hc := service(t, c, tc.svc).Healthcheck
			if hc == nil {
				t.Fatalf("service %s has no healthcheck; services depending on it cannot wait for it", tc.svc)
			}
			var parts []string
			switch v := hc["test"].(type) {
			case []any:
				for _, a := range v {
					parts = append(parts, fmt.Sprint(a))
				}
			case string:
				parts = []string{v}
			}
			if len(parts) == 0 {
				t.Fatalf("service %s: healthcheck has no test", tc.svc)
			}
			if got := strings.Join(parts, " "); !strings.Contains(got, tc.wantInTest) {
				t.Errorf("service %s: healthcheck test %q does not run %q", tc.svc, got, tc.wantInTest)
			}
			if tc.svc == "api" && parts[0] != "CMD" {
				t.Errorf("api healthcheck must use the exec form [\"CMD\", ...]: the distroless image has no shell")
			}
		})
	}
}

func TestComposeStopGraceCoversShutdownTimeout(t *testing.T) {
	c := loadCompose(t)
	shutdown, err := time.ParseDuration(defaultValue(t, "SHUTDOWN_TIMEOUT"))
	if err != nil {
		t.Fatalf("SHUTDOWN_TIMEOUT default: %v", err)
	}
	for _, svc := range []string{"api", "worker", "deploy-worker"} {
		s := service(t, c, svc)
		grace := 10 * time.Second // compose's default
		if s.StopGracePeriod != "" {
			if grace, err = time.ParseDuration(s.StopGracePeriod); err != nil {
				t.Errorf("service %s: stop_grace_period %q: %v", svc, s.StopGracePeriod, err)
				continue
			}
		}
		if grace <= shutdown {
			t.Errorf("service %s: stop_grace_period %s is not longer than SHUTDOWN_TIMEOUT %s; Docker would SIGKILL mid-drain", svc, grace, shutdown)
		}
	}
}

func TestComposeNamedVolumesAreDeclared(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, ok := strings.Cut(fmt.Sprint(v), ":")
			if !ok || strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") || strings.HasPrefix(src, "~") {
				continue // bind mount or anonymous volume
			}
			if _, declared := c.Volumes[src]; !declared {
				t.Errorf("service %s mounts volume %q, which is not declared under top-level volumes", name, src)
			}
		}
	}
	if len(service(t, c, "postgres").Volumes) == 0 {
		t.Error("postgres has no volume: its data would be lost with the container")
	}
}

// Temporal's gRPC port and its Web UI (without auth by default) take
// signals and updates from anyone who reaches them, so compose publishes
// them, if at all, on the host's loopback only.
func TestComposeDoesNotPublishTemporalGRPCOnEveryInterface(t *testing.T) {
	c := loadCompose(t)
	for name, svc := range c.Services {
		for _, p := range svc.Ports {
			s := fmt.Sprint(p)
			hostIP := ""
			if m, ok := p.(map[string]any); ok { // long syntax
				s, hostIP = fmt.Sprintf("%v:%v", m["published"], m["target"]), fmt.Sprint(m["host_ip"])
			}
			parts := strings.Split(strings.TrimSuffix(s, "/tcp"), ":")
			if parts[len(parts)-1] != "7233" && name != "temporal-ui" {
				continue
			}
			if len(parts) == 3 {
				hostIP = parts[0]
			}
			if ip := net.ParseIP(hostIP); ip == nil || !ip.IsLoopback() {
				t.Errorf("service %s publishes Temporal's gRPC port or UI on every interface (%q); bind it to 127.0.0.1", name, s)
			}
		}
	}
}

// The API's metrics are served on METRICS_ADDR, apart from its public port:
// compose must make them reachable on its network (the default binds the
// container's own loopback) and must not publish them on the host.
func TestComposeMetricsAreNotPublished(t *testing.T) {
	c := loadCompose(t)
	api := service(t, c, "api")
	env := environment(t, "api", api.Environment)
	addr := interpolationDefault(env["METRICS_ADDR"])
	if addr == "" {
		addr = defaultValue(t, "METRICS_ADDR")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("api METRICS_ADDR %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		t.Errorf("api METRICS_ADDR %q is the container's loopback: no scraper on the compose network reaches it", addr)
	}
	for _, p := range api.Ports {
		s := fmt.Sprint(p)
		if m, ok := p.(map[string]any); ok {
			s = fmt.Sprintf("%v:%v", m["published"], m["target"])
		}
		parts := strings.Split(strings.TrimSuffix(s, "/tcp"), ":")
		if parts[len(parts)-1] == port {
			t.Errorf("api publishes its metrics port %s on the host (%q)", port, s)
		}
	}
	// The public address of the apps host is a name, under which every app
	// gets its own origin; the workers reach it internally with the app's Host.
	u, err := url.Parse(interpolationDefault(env["APPS_BASE_URL"]))
	if err != nil || net.ParseIP(u.Hostname()) != nil || (u.Path != "" && u.Path != "/") {
		t.Errorf("APPS_BASE_URL %q must be scheme://host[:port] with a host name", env["APPS_BASE_URL"])
	}
}
