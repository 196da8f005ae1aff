package config_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

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
