package config_test

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/quota"
)

func TestQuotaDefaults(t *testing.T) {
	cfg, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Quota.Limits(cfg.ChatPerMinute)
	want := quota.Limits{
		ChatPerMinute:      quota.Limit{Name: quota.NameChat, Max: 30, Period: time.Minute},
		DeploymentsPerHour: quota.Limit{Name: quota.NameDeploymentsPerHour, Max: 30, Period: time.Hour},
		DeploymentsPerDay:  quota.Limit{Name: quota.NameDeploymentsPerDay, Max: 200, Period: 24 * time.Hour},
		CodegenPerHour:     quota.Limit{Name: quota.NameCodegenPerHour, Max: 20, Period: time.Hour},
		CodegenPerDay:      quota.Limit{Name: quota.NameCodegenPerDay, Max: 100, Period: 24 * time.Hour},
		AITokensPerDay:     1_000_000,
		SignInPerMinute:    quota.Limit{Name: quota.NameSignIn, Max: 60, Period: time.Minute},
		AnonymousPerMinute: quota.Limit{Name: quota.NameAnonymous, Max: 600, Period: time.Minute},
	}
	if l != want {
		t.Fatalf("limits = %+v\nwant %+v", l, want)
	}
	if cfg.Quota.RedisURL != "" || cfg.Quota.OnboardingBrowsedMax != 50 || len(cfg.Quota.TrustedProxies) != 0 {
		t.Fatalf("quota = %+v", cfg.Quota)
	}
}

func TestQuotaValidateNamesEveryBadVariable(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"REDIS_URL", "http://cache:6379"},
		{"QUOTA_DEPLOYMENTS_PER_HOUR", "-1"},
		{"QUOTA_DEPLOYMENTS_PER_DAY", "-5"},
		{"QUOTA_CODEGEN_PER_HOUR", "2000000"},
		{"QUOTA_CODEGEN_PER_DAY", "-1"},
		{"QUOTA_AI_TOKENS_PER_DAY", "-1"},
		{"QUOTA_SIGN_IN_PER_MINUTE", "-1"},
		{"QUOTA_ANONYMOUS_PER_MINUTE", "-1"},
		{"ONBOARDING_BROWSED_MAX", "0"},
		{"TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(map[string]string{tc.name: tc.value})
			if err != nil {
				t.Fatal(err)
			}
			cfg.ApplyDevDefaults()
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("%s=%s: err = %v", tc.name, tc.value, err)
			}
		})
	}
}

func TestQuotaZeroTurnsALimitOff(t *testing.T) {
	cfg, _ := config.Load(map[string]string{"QUOTA_DEPLOYMENTS_PER_HOUR": "0", "QUOTA_AI_TOKENS_PER_DAY": "0",
		"REDIS_URL": "redis://:pw@127.0.0.1:6379/2", "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,::1"})
	cfg.ApplyDevDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if l := cfg.Quota.Limits(30); !l.DeploymentsPerHour.Off() || l.AITokensPerDay != 0 {
		t.Fatalf("limits = %+v", l)
	}
	got, _ := cfg.Quota.TrustedProxyPrefixes()
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128")}
	if len(got) != len(want) {
		t.Fatalf("trusted proxies = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("trusted proxies = %v, want %v", got, want)
		}
	}
}

func TestRedisPasswordMaskedInLogsAndErrors(t *testing.T) {
	cfg, _ := config.Load(map[string]string{"REDIS_URL": "redis://:hunter2@cache:6379/0"})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("log leaks the redis password: %s", buf.String())
	}
	cfg, _ = config.Load(map[string]string{"REDIS_URL": "redis://:hunter2@cache:6379/notanumber"})
	cfg.ApplyDevDefaults()
	if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}
