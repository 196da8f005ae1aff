package e2e_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// TestAPIRefusesDevelopmentSettings runs `platform api` with each setting
// that is safe only on a developer's machine: it must exit non-zero naming
// the setting, before touching the database or Temporal, unless
// PLATFORM_ENV=development says so.
func TestAPIRefusesDevelopmentSettings(t *testing.T) {
	dev, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	dev.ApplyDevDefaults()
	const secret = "JWT_SECRET=e2e-secret-0123456789-0123456789-0123456789"
	base := []string{"PLATFORM_ENV=", "DEV_MODE=false", "PUBLIC_URL=http://localhost:8080", "APPS_BASE_URL=http://localhost:8081",
		"TEMPORAL_ADDRESS=", "DATABASE_URL=sqlite://" + t.TempDir() + "/never.db", "HTTP_ADDR=127.0.0.1:0", "APPS_ADDR=127.0.0.1:0"}
	tests := []struct {
		name    string
		env     []string
		refused []string // settings named in the error; none means the guard lets it through
	}{
		{"dev login", []string{secret, "DEV_MODE=true"}, []string{"DEV_MODE"}},
		{"dev secret", []string{"DEV_MODE=true", "JWT_SECRET=" + dev.JWTSecret}, []string{"DEV_MODE", "JWT_SECRET"}},
		{"apps on the API origin", []string{secret, "PUBLIC_URL=https://platform.example.com", "APPS_BASE_URL=https://platform.example.com:443/apps"}, []string{"APPS_BASE_URL"}},
		{"all three at once", []string{"DEV_MODE=true", "JWT_SECRET=" + dev.JWTSecret, "APPS_BASE_URL=http://localhost:8080"}, []string{"DEV_MODE", "JWT_SECRET", "APPS_BASE_URL"}},
		{"said to be development", []string{"PLATFORM_ENV=development", "DEV_MODE=true", "JWT_SECRET=" + dev.JWTSecret, "APPS_BASE_URL=http://localhost:8080"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runPlatform(append(append([]string{}, base...), tt.env...), "api")
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("api did not exit non-zero: %v\n%s", err, out)
			}
			if tt.refused == nil {
				// It passes the guard and stops at the next requirement.
				if strings.Contains(out, "PLATFORM_ENV") || !strings.Contains(out, "TEMPORAL_ADDRESS is required") {
					t.Fatalf("development settings refused with PLATFORM_ENV=development:\n%s", out)
				}
				return
			}
			for _, name := range tt.refused {
				if !strings.Contains(out, name+":") || !strings.Contains(out, "PLATFORM_ENV=development") {
					t.Errorf("the error does not name %s:\n%s", name, out)
				}
			}
		})
	}
}
