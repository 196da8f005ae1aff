// Package config loads the platform's configuration from the environment into
// one typed struct with defaults, and validates it before anything starts.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting of every subcommand. Field tags name the environment
// variable and its default; docker-compose.yml and the README use the same names.
type Config struct {
	// DevMode enables the dev login. `platform dev` turns it on.
	DevMode bool `env:"DEV_MODE" envDefault:"false"`
	// PlatformEnv set to "development" lets `platform api` start with
	// development settings (dev login, the dev secret, one origin for API and apps).
	PlatformEnv string `env:"PLATFORM_ENV"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`

	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8080"`
	PublicURL   string `env:"PUBLIC_URL" envDefault:"http://localhost:8080"`
	AppsAddr    string `env:"APPS_ADDR" envDefault:":8081"`
	AppsBaseURL string `env:"APPS_BASE_URL" envDefault:"http://localhost:8081"`
	// AppsInternalURL is where workers fetch published apps to verify them;
	// empty means APPS_BASE_URL (set it when workers cannot reach the public URL).
	AppsInternalURL string `env:"APPS_INTERNAL_URL"`
	// ArtifactsDir holds the content-addressed source trees and build
	// artifacts, unless ARTIFACTS_URL names an object store (Artifacts).
	ArtifactsDir    string        `env:"ARTIFACTS_DIR" envDefault:"data/artifacts"`
	BodyLimitBytes  int           `env:"BODY_LIMIT_BYTES" envDefault:"1048576"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`

	// DatabaseURL is a postgres:// URL or a sqlite file path (sqlite://path or file:path).
	DatabaseURL    string `env:"DATABASE_URL" envDefault:"sqlite://data/platform.db"`
	DBMaxOpenConns int    `env:"DB_MAX_OPEN_CONNS" envDefault:"20"`
	// DBMaxIdleConns defaults to DBMaxOpenConns: a burst that closes and
	// reopens connections costs Postgres a backend start and every prepared
	// statement again; DBConnMaxIdleTime sheds them once quiet.
	DBMaxIdleConns    int           `env:"DB_MAX_IDLE_CONNS"`
	DBConnMaxLifetime time.Duration `env:"DB_CONN_MAX_LIFETIME" envDefault:"30m"`
	DBConnMaxIdleTime time.Duration `env:"DB_CONN_MAX_IDLE_TIME" envDefault:"5m"`

	// TemporalAddress, when empty in `platform dev`, starts the embedded dev server.
	TemporalAddress   string `env:"TEMPORAL_ADDRESS"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TemporalCLIPath   string `env:"TEMPORAL_CLI_PATH" envDefault:"bin/temporal"`
	TemporalUIPort    int    `env:"TEMPORAL_UI_PORT" envDefault:"8233"`
	TemporalDevPort   int    `env:"TEMPORAL_DEV_PORT" envDefault:"7233"`
	DataDir           string `env:"DATA_DIR" envDefault:"data"`

	// WorkerQueues lists the task queues this worker polls.
	WorkerQueues      []string `env:"WORKER_QUEUES" envDefault:"platform,deploy" envSeparator:","`
	WorkerConcurrency int      `env:"WORKER_CONCURRENCY" envDefault:"16"`
	// ApprovalEscalateAfter widens an approval to admins; ApprovalTimeout expires it.
	ApprovalEscalateAfter time.Duration `env:"APPROVAL_ESCALATE_AFTER" envDefault:"24h"`
	ApprovalTimeout       time.Duration `env:"APPROVAL_TIMEOUT" envDefault:"72h"`
	// ReconcileInterval is how often each API instance compares the
	// deployments left in flight for ReconcileAfter with their workflows.
	ReconcileInterval time.Duration `env:"RECONCILE_INTERVAL" envDefault:"30s"`
	ReconcileAfter    time.Duration `env:"RECONCILE_AFTER" envDefault:"1m"`
	// ReconcileLeaderRetry is how often an API instance that does not run
	// the reconcilers tries to become their one leader (Postgres), and how
	// often the leader checks its lock's connection.
	ReconcileLeaderRetry time.Duration `env:"RECONCILE_LEADER_RETRY" envDefault:"5s"`
	// OnboardingReminderAfter is the inactivity after which onboarding reminds the user.
	OnboardingReminderAfter time.Duration `env:"ONBOARDING_REMINDER_AFTER" envDefault:"24h"`
	// WorkerMetricsAddr, when set, serves the worker's /metrics (AI calls, Go runtime).
	WorkerMetricsAddr string `env:"WORKER_METRICS_ADDR"`

	// WSAllowedOrigins may open WebSockets; empty means the origin of PUBLIC_URL.
	WSAllowedOrigins        []string `env:"WS_ALLOWED_ORIGINS" envSeparator:","`
	WSMaxConnectionsPerUser int      `env:"WS_MAX_CONNECTIONS_PER_USER" envDefault:"20"`
	WSMaxSubscriptions      int      `env:"WS_MAX_SUBSCRIPTIONS" envDefault:"50"`
	// EventRetention keeps events per stream kind this long (a stream's latest event is always kept).
	EventRetention     map[string]time.Duration `env:"EVENT_RETENTION" envDefault:"deployment:720h,project:2160h,user:720h,approval:2160h,chat:2160h" envKeyValSeparator:":" envSeparator:","`
	EventPruneInterval time.Duration            `env:"EVENT_PRUNE_INTERVAL" envDefault:"1h"`

	// OpenAI (or any OpenAI-compatible server); without a key the offline provider serves.
	OpenAIAPIKey      string        `env:"OPENAI_API_KEY"`
	OpenAIBaseURL     string        `env:"OPENAI_BASE_URL"`
	OpenAIModel       string        `env:"OPENAI_MODEL" envDefault:"gpt-4o-mini"`
	OpenAIOrgID       string        `env:"OPENAI_ORG_ID"`
	AIRequestTimeout  time.Duration `env:"AI_REQUEST_TIMEOUT" envDefault:"30s"`
	AIStreamTimeout   time.Duration `env:"AI_STREAM_TIMEOUT" envDefault:"5m"`
	AIBreakerCooldown time.Duration `env:"AI_BREAKER_COOLDOWN" envDefault:"30s"`
	ChatHistoryTokens int           `env:"CHAT_HISTORY_TOKENS" envDefault:"6000"`
	ChatPerMinute     int           `env:"CHAT_RATE_PER_MINUTE" envDefault:"30"`

	JWTSecret   string `env:"JWT_SECRET"`
	JWTIssuer   string `env:"JWT_ISSUER" envDefault:"forgeai-platform"`
	JWTAudience string `env:"JWT_AUDIENCE" envDefault:"forgeai-api"`
	// JWTTTL is how long an access token lives; clients refresh it
	// (POST /api/auth/refresh) within the session.
	JWTTTL time.Duration `env:"JWT_TTL" envDefault:"15m"`
	// JWTPreviousSecrets still verify tokens signed before JWT_SECRET was
	// rotated, so a rotation signs no one out; drop them after SESSION_TTL.
	JWTPreviousSecrets []string `env:"JWT_PREVIOUS_SECRETS" envSeparator:","`
	// SessionTTL is how long a sign-in lasts before the user signs in again.
	SessionTTL time.Duration `env:"SESSION_TTL" envDefault:"168h"`
	// SessionCheckInterval is how often a live WebSocket or SSE stream looks
	// at its session (revoked, expired, user deactivated, access lost).
	SessionCheckInterval time.Duration `env:"SESSION_CHECK_INTERVAL" envDefault:"30s"`
	// SessionCacheTTL bounds how long an API instance keeps a live
	// session's user in memory (Postgres only): a change to the user or
	// the session drops it at once on every instance (NOTIFY), and nothing
	// is served while that notification channel is down. 0 turns it off:
	// every authenticated request then reads its session and user.
	SessionCacheTTL time.Duration `env:"SESSION_CACHE_TTL" envDefault:"30s"`
	// OIDC is single sign-on with an OpenID Connect provider (OIDC_*, internal/config/oidc.go).
	OIDC OIDC
	// Exposure is where metrics are served and which origins may call the
	// API cross-origin (METRICS_ADDR, CORS_ALLOWED_ORIGINS, internal/config/exposure.go).
	Exposure Exposure
	// Quota is the rate limits and budgets (QUOTA_*, REDIS_URL, internal/config/quota.go).
	Quota Quota
	// Artifacts is the object store (ARTIFACTS_URL, ARTIFACTS_S3_*, AWS_*) and the
	// apps host's cache (APPS_CACHE_BYTES), internal/config/artifacts.go.
	Artifacts Artifacts
}

// devJWTSecret is used only in dev mode when no secret is configured, so that
// `make dev` needs no setup; Validate refuses it outside dev mode.
const devJWTSecret = "dev-only-insecure-secret-change-me-0123456789"

// Load reads the environment (lookup is os.LookupEnv in production, a map in tests).
func Load(environ map[string]string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", namedErrors(err))
	}
	if _, set := environ["DB_MAX_IDLE_CONNS"]; !set {
		c.DBMaxIdleConns = c.DBMaxOpenConns
	}
	return c, nil
}

// namedErrors rewrites parse errors to name the environment variable, not the Go field.
func namedErrors(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	out := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := reflect.TypeOf(Config{}).FieldByName(pe.Name); ok {
				cause := pe.Err
				if inner := errors.Unwrap(cause); inner != nil {
					cause = inner
				}
				out = append(out, fmt.Errorf("%s: cannot parse as %s: %w", f.Tag.Get("env"), pe.Type, cause))
				continue
			}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// EnvDevelopment is the PLATFORM_ENV value that allows development settings.
const EnvDevelopment = "development"

// ApplyDevDefaults fills what `platform dev` needs to run with no setup.
func (c *Config) ApplyDevDefaults() {
	c.DevMode = true
	if c.JWTSecret == "" {
		c.JWTSecret = devJWTSecret
	}
}

// ValidateProduction refuses the settings that are safe only on a developer's
// machine (the dev login, the built-in dev secret, published apps served from
// the API's own origin, where their scripts could act with the API's cookies
// and CORS), unless PLATFORM_ENV=development says that is what this is.
func (c Config) ValidateProduction() error {
	if c.PlatformEnv == EnvDevelopment {
		return nil
	}
	var errs []error
	const hint = "refused unless PLATFORM_ENV=development"
	if c.DevMode {
		errs = append(errs, fmt.Errorf("DEV_MODE: the passwordless dev login is %s", hint))
	}
	if c.JWTSecret == devJWTSecret {
		errs = append(errs, fmt.Errorf("JWT_SECRET: the built-in development secret is %s", hint))
	}
	if api, apps := origin(c.PublicURL), origin(c.AppsBaseURL); api != "" && api == apps {
		errs = append(errs, fmt.Errorf("APPS_BASE_URL: published apps on the API's origin (PUBLIC_URL %s) are %s", api, hint))
	}
	return errors.Join(errs...)
}

// origin is scheme://host:port of an http(s) URL, with the default port
// spelled out so that http://h and http://h:80 compare equal.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	scheme, port := strings.ToLower(u.Scheme), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// Validate reports every bad value at once, each naming its variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if _, _, err := c.Database(); err != nil {
		bad("DATABASE_URL", "%v", err)
	}
	urls := map[string]string{"PUBLIC_URL": c.PublicURL, "APPS_BASE_URL": c.AppsBaseURL}
	if c.AppsInternalURL != "" {
		urls["APPS_INTERNAL_URL"] = c.AppsInternalURL
	}
	for name, u := range urls {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad(name, "must be an absolute http(s) URL, got %q", u)
		}
	}
	if c.BodyLimitBytes < 1024 || c.BodyLimitBytes > 64<<20 {
		bad("BODY_LIMIT_BYTES", "must be between 1024 and 67108864, got %d", c.BodyLimitBytes)
	}
	if c.DBMaxOpenConns < 1 {
		bad("DB_MAX_OPEN_CONNS", "must be at least 1, got %d", c.DBMaxOpenConns)
	}
	if c.DBMaxIdleConns < 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		bad("DB_MAX_IDLE_CONNS", "must be between 0 and DB_MAX_OPEN_CONNS (%d), got %d", c.DBMaxOpenConns, c.DBMaxIdleConns)
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1000 {
		bad("WORKER_CONCURRENCY", "must be between 1 and 1000, got %d", c.WorkerConcurrency)
	}
	if len(c.WorkerQueues) == 0 {
		bad("WORKER_QUEUES", "must name at least one task queue")
	}
	for _, q := range c.WorkerQueues {
		if strings.TrimSpace(q) == "" {
			bad("WORKER_QUEUES", "has an empty queue name")
		}
	}
	if c.WSMaxConnectionsPerUser < 1 || c.WSMaxSubscriptions < 1 {
		bad("WS_MAX_CONNECTIONS_PER_USER/WS_MAX_SUBSCRIPTIONS", "must be at least 1")
	}
	for kind, d := range c.EventRetention {
		if d < time.Hour {
			bad("EVENT_RETENTION", "%s: must be at least 1h, got %s", kind, d)
		}
	}
	if c.EventPruneInterval < time.Minute {
		bad("EVENT_PRUNE_INTERVAL", "must be at least 1m, got %s", c.EventPruneInterval)
	}
	if c.OpenAIBaseURL != "" {
		if p, err := url.Parse(c.OpenAIBaseURL); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("OPENAI_BASE_URL", "must be an absolute http(s) URL, got %q", c.OpenAIBaseURL)
		}
	}
	if c.AIRequestTimeout <= 0 || c.AIStreamTimeout < c.AIRequestTimeout {
		bad("AI_REQUEST_TIMEOUT/AI_STREAM_TIMEOUT", "must be positive with the stream timeout at least the request timeout")
	}
	if c.ApprovalTimeout < time.Minute || c.ApprovalEscalateAfter < 0 {
		bad("APPROVAL_TIMEOUT/APPROVAL_ESCALATE_AFTER", "the timeout must be at least 1m and the escalation delay not negative")
	}
	if c.ReconcileInterval <= 0 || c.ReconcileAfter <= 0 {
		bad("RECONCILE_INTERVAL/RECONCILE_AFTER", "must be positive, got %s and %s", c.ReconcileInterval, c.ReconcileAfter)
	}
	// Up to 10s (leader.MaxRetry) a leader cut off from the database stops
	// before Postgres drops its session and another takes over.
	if c.ReconcileLeaderRetry < 50*time.Millisecond || c.ReconcileLeaderRetry > 10*time.Second {
		bad("RECONCILE_LEADER_RETRY", "must be between 50ms and 10s, got %s", c.ReconcileLeaderRetry)
	}
	if c.ChatPerMinute < 1 {
		bad("CHAT_RATE_PER_MINUTE", "must be at least 1, got %d", c.ChatPerMinute)
	}
	if c.ChatHistoryTokens < 500 {
		bad("CHAT_HISTORY_TOKENS", "must be at least 500, got %d", c.ChatHistoryTokens)
	}
	if strings.TrimSpace(c.ArtifactsDir) == "" {
		bad("ARTIFACTS_DIR", "must name a folder")
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT", "must be positive, got %s", c.ShutdownTimeout)
	}
	errs = append(errs, c.OIDC.Validate()...)
	errs = append(errs, c.validateExposure()...)
	errs = append(errs, c.Quota.Validate()...)
	errs = append(errs, c.Artifacts.validate()...)
	return errors.Join(errs...)
}

// ValidateAuth checks the token settings, which only the api needs.
func (c Config) ValidateAuth() error {
	var errs []error
	if len(c.JWTSecret) < 32 {
		errs = append(errs, fmt.Errorf("JWT_SECRET: must be at least 32 characters (set it, or run `platform dev`)"))
	} else if c.JWTSecret == devJWTSecret && !c.DevMode {
		errs = append(errs, fmt.Errorf("JWT_SECRET: the built-in dev secret is refused outside dev mode"))
	}
	if c.JWTTTL < time.Minute || c.JWTTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("JWT_TTL: must be between 1m and 24h, got %s", c.JWTTTL))
	}
	for i, prev := range c.JWTPreviousSecrets {
		if len(prev) < 32 {
			errs = append(errs, fmt.Errorf("JWT_PREVIOUS_SECRETS: secret %d must be at least 32 characters", i+1))
		}
	}
	if c.SessionTTL < time.Hour || c.SessionTTL > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("SESSION_TTL: must be between 1h and 2160h (90 days), got %s", c.SessionTTL))
	} else if c.SessionTTL < c.JWTTTL {
		errs = append(errs, fmt.Errorf("SESSION_TTL: must not be shorter than JWT_TTL (%s)", c.JWTTTL))
	}
	if c.SessionCacheTTL < 0 || c.SessionCacheTTL > 5*time.Minute {
		errs = append(errs, fmt.Errorf("SESSION_CACHE_TTL: must be between 0 (off) and 5m, got %s", c.SessionCacheTTL))
	}
	if c.SessionCheckInterval < time.Second || c.SessionCheckInterval > 10*time.Minute {
		errs = append(errs, fmt.Errorf("SESSION_CHECK_INTERVAL: must be between 1s and 10m, got %s", c.SessionCheckInterval))
	}
	return errors.Join(errs...)
}

// AllowedOrigins are the browser origins that may open WebSockets.
func (c Config) AllowedOrigins() []string {
	if len(c.WSAllowedOrigins) > 0 {
		return c.WSAllowedOrigins
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return nil
	}
	return []string{u.Scheme + "://" + u.Host}
}

// Dialect names the two supported databases.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is what opening the database takes: its URL and the pool's sizes and
// lifetimes (DATABASE_URL and DB_*).
type DB struct {
	URL             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
}

// DB returns the database settings.
func (c Config) DB() DB {
	return DB{
		URL: c.DatabaseURL, MaxOpenConns: c.DBMaxOpenConns, MaxIdleConns: c.DBMaxIdleConns,
		ConnMaxLifetime: c.DBConnMaxLifetime, ConnMaxIdleTime: c.DBConnMaxIdleTime,
	}
}

// Database returns the dialect and the driver DSN of DatabaseURL.
func (c Config) Database() (Dialect, string, error) { return c.DB().Database() }

// Database returns the dialect and the driver DSN of the URL.
func (d DB) Database() (Dialect, string, error) {
	u := d.URL
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := url.Parse(u); err != nil {
			return "", "", fmt.Errorf("not a valid postgres URL")
		}
		return Postgres, u, nil
	case strings.HasPrefix(u, "sqlite://"):
		path := strings.TrimPrefix(u, "sqlite://")
		if path == "" {
			return "", "", fmt.Errorf("sqlite:// needs a file path")
		}
		return SQLite, path, nil
	case strings.HasPrefix(u, "file:"):
		return SQLite, u, nil
	default:
		return "", "", fmt.Errorf("must start with postgres://, postgresql://, sqlite:// or file:")
	}
}

// masked has Config's fields but not its methods, so logging it does not recurse.
type masked Config

// LogValue hides secrets and credentials when the config is logged.
func (c Config) LogValue() slog.Value {
	m := masked(c)
	if m.JWTSecret != "" {
		m.JWTSecret = "***"
	}
	if m.OpenAIAPIKey != "" {
		m.OpenAIAPIKey = "***"
	}
	if len(m.JWTPreviousSecrets) > 0 {
		m.JWTPreviousSecrets = []string{fmt.Sprintf("*** (%d)", len(m.JWTPreviousSecrets))}
	}
	m.DatabaseURL = maskURL(m.DatabaseURL)
	m.OpenAIBaseURL = maskURL(m.OpenAIBaseURL)
	m.Quota.RedisURL = maskURL(m.Quota.RedisURL)
	m.Artifacts = m.Artifacts.masked()
	return slog.AnyValue(m)
}

// maskURL hides the credentials of a URL: the password of its user info
// and the values of query parameters that carry one (postgres accepts
// ?password= and ?sslpassword=). A URL that does not parse is hidden whole.
func maskURL(raw string) string {
	if raw == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "***"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "***")
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = "***"
		} else {
			for k := range q {
				if secretParam(k) {
					q[k] = []string{"***"}
				}
			}
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// secretParam tells the query parameters whose values are credentials.
func secretParam(name string) bool {
	n := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(name))
	for _, s := range []string{"password", "passwd", "secret", "token", "apikey"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
