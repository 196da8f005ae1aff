package config_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
)

func TestDefaultsRunInDevMode(t *testing.T) {
	cfg, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ApplyDevDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("dev defaults invalid: %v", err)
	}
	if err := cfg.ValidateAuth(); err != nil {
		t.Fatalf("dev auth defaults invalid: %v", err)
	}
	d, dsn, err := cfg.Database()
	if err != nil || d != config.SQLite || dsn != "data/platform.db" {
		t.Fatalf("default database = %s %s %v", d, dsn, err)
	}
}

func TestDevSecretRefusedOutsideDevMode(t *testing.T) {
	cfg, _ := config.Load(map[string]string{})
	cfg.ApplyDevDefaults()
	cfg.DevMode = false
	if err := cfg.ValidateAuth(); err == nil || !strings.Contains(err.Error(), "JWT_SECRET") {
		t.Fatalf("dev secret accepted outside dev mode: %v", err)
	}
}

func TestValidateNamesEveryBadVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "sqlite://"}, "DATABASE_URL"},
		{map[string]string{"PUBLIC_URL": "ftp://x"}, "PUBLIC_URL"},
		{map[string]string{"APPS_BASE_URL": "/relative"}, "APPS_BASE_URL"},
		{map[string]string{"BODY_LIMIT_BYTES": "10"}, "BODY_LIMIT_BYTES"},
		{map[string]string{"DB_MAX_OPEN_CONNS": "0"}, "DB_MAX_OPEN_CONNS"},
		{map[string]string{"DB_MAX_IDLE_CONNS": "50"}, "DB_MAX_IDLE_CONNS"},
		{map[string]string{"WORKER_CONCURRENCY": "0"}, "WORKER_CONCURRENCY"},
		{map[string]string{"WORKER_QUEUES": "platform,,deploy"}, "WORKER_QUEUES"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"RECONCILE_LEADER_RETRY": "1m"}, "RECONCILE_LEADER_RETRY"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			cfg, err := config.Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	_, err := config.Load(map[string]string{"JWT_TTL": "forever"})
	if err == nil || !strings.Contains(err.Error(), "JWT_TTL") {
		t.Fatalf("unparsable duration: %v", err)
	}
}

func TestLoggedConfigMasksSecrets(t *testing.T) {
	cfg, _ := config.Load(map[string]string{
		"JWT_SECRET":   "super-secret-value-0123456789-0123456789",
		"DATABASE_URL": "postgres://platform:hunter2@db:5432/platform",
	})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	out := buf.String()
	for _, secret := range []string{"super-secret-value", "hunter2"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "platform:%2A%2A%2A@db") && !strings.Contains(out, "platform:***@db") {
		t.Fatalf("database URL not masked but kept readable: %s", out)
	}
}

// The idle pool follows the open pool unless set, so a smaller pool alone
// is valid and a burst never closes connections it will reopen.
func TestIdleConnectionsFollowOpenConnections(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		idle int
	}{
		{map[string]string{}, 20},
		{map[string]string{"DB_MAX_OPEN_CONNS": "5"}, 5},
		{map[string]string{"DB_MAX_OPEN_CONNS": "5", "DB_MAX_IDLE_CONNS": "0"}, 0},
	} {
		cfg, err := config.Load(tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.DBMaxIdleConns != tc.idle {
			t.Errorf("%v: idle %d, want %d", tc.env, cfg.DBMaxIdleConns, tc.idle)
		}
		cfg.ApplyDevDefaults()
		if err := cfg.Validate(); err != nil {
			t.Errorf("%v: %v", tc.env, err)
		}
	}
}

// Credentials in a DSN's query (postgres reads ?password= and ?sslpassword=)
// are masked like the user info's password; a URL that does not parse is
// hidden whole.
func TestLoggedConfigMasksPasswordsInQueries(t *testing.T) {
	cfg, _ := config.Load(map[string]string{
		"DATABASE_URL":    "postgres://platform@db:5432/platform?sslmode=verify-full&password=hunter2&sslpassword=keypass9",
		"OPENAI_BASE_URL": "https://llm.internal/v1?api-key=sk-azure-123&API_KEY=sk-two-456",
	})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	out := buf.String()
	for _, secret := range []string{"hunter2", "keypass9", "sk-azure-123", "sk-two-456"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "sslmode=verify-full") || !strings.Contains(out, "platform@db:5432/platform") {
		t.Fatalf("the rest of the URL is not kept readable: %s", out)
	}
	bad, _ := config.Load(map[string]string{"DATABASE_URL": "postgres://platform:hunter2@db:port/x"})
	buf.Reset()
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", bad)
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("an unparsable URL leaks its password: %s", buf.String())
	}
}

func TestExposureSettings(t *testing.T) {
	cfg, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Exposure.MetricsAddr != "127.0.0.1:9090" || len(cfg.Exposure.CORSAllowedOrigins) != 0 ||
		cfg.Exposure.Pprof || cfg.Exposure.BacklogInterval != 10*time.Second {
		t.Fatalf("defaults: %+v", cfg.Exposure)
	}
	for _, good := range []map[string]string{
		{"METRICS_ADDR": "off"}, {"METRICS_ADDR": ":9090"}, {"METRICS_ADDR": "[::1]:0"},
		{"CORS_ALLOWED_ORIGINS": "https://admin.example.com,http://localhost:5173"},
		{"APPS_BASE_URL": "https://apps.example.com/"},
		{"PPROF": "true", "TASK_QUEUE_BACKLOG_INTERVAL": "1s"},
	} {
		cfg, err := config.Load(good)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%v refused: %v", good, err)
		}
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"METRICS_ADDR": "9090"}, "METRICS_ADDR"},
		{map[string]string{"METRICS_ADDR": "localhost:http"}, "METRICS_ADDR"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, "wildcards"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "https://*.example.com"}, "wildcards"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "https://admin.example.com/app"}, "must be an origin"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "admin.example.com"}, "must be an origin"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "http://acme.localhost:8081"}, "published app's origin"},
		{map[string]string{"APPS_BASE_URL": "https://apps.example.com", "CORS_ALLOWED_ORIGINS": "https://acme.apps.example.com"}, "published app's origin"},
		{map[string]string{"APPS_BASE_URL": "http://127.0.0.1:8081"}, "not an IP address"},
		{map[string]string{"APPS_BASE_URL": "https://example.com/apps"}, "without path"},
		{map[string]string{"TASK_QUEUE_BACKLOG_INTERVAL": "100ms"}, "TASK_QUEUE_BACKLOG_INTERVAL"},
		{map[string]string{"TASK_QUEUE_BACKLOG_INTERVAL": "0s"}, "TASK_QUEUE_BACKLOG_INTERVAL"},
	} {
		cfg, err := config.Load(tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: Validate() = %v, want an error saying %q", tc.env, err, tc.want)
		}
	}
}
