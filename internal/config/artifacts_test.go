package config_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/config"
)

func TestArtifactsDefaultToTheFilesystem(t *testing.T) {
	cfg, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := cfg.Artifacts.S3(); ok || err != nil {
		t.Fatalf("default artifacts on S3 (%v, %v); want ARTIFACTS_DIR", ok, err)
	}
	if cfg.ArtifactsDir != "data/artifacts" || cfg.Artifacts.AppsCacheBytes != 64<<20 || cfg.Artifacts.MemoryBytes != artifacts.DefaultRememberBytes {
		t.Fatalf("ARTIFACTS_DIR %q, APPS_CACHE_BYTES %d, ARTIFACTS_MEMORY_BYTES %d", cfg.ArtifactsDir, cfg.Artifacts.AppsCacheBytes, cfg.Artifacts.MemoryBytes)
	}
}

// The credentials come from ARTIFACTS_S3_* when set, else from AWS_*.
func TestArtifactsS3Credentials(t *testing.T) {
	const url = "s3://artifacts/prod?endpoint=seaweedfs:8333&secure=false&path_style=true"
	for _, tc := range []struct {
		name                 string
		env                  map[string]string
		access, secret, sess string
	}{
		{"platform keys", map[string]string{
			"ARTIFACTS_S3_ACCESS_KEY": "platform-key", "ARTIFACTS_S3_SECRET_KEY": "platform-secret",
			"AWS_ACCESS_KEY_ID": "aws-key", "AWS_SECRET_ACCESS_KEY": "aws-secret",
		}, "platform-key", "platform-secret", ""},
		{"aws keys", map[string]string{
			"AWS_ACCESS_KEY_ID": "aws-key", "AWS_SECRET_ACCESS_KEY": "aws-secret", "AWS_SESSION_TOKEN": "aws-session",
		}, "aws-key", "aws-secret", "aws-session"},
		{"none: the instance role", map[string]string{}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["ARTIFACTS_URL"] = url
			cfg, err := config.Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ApplyDevDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			c, ok, err := cfg.Artifacts.S3()
			if !ok || err != nil {
				t.Fatalf("S3() = %v, %v", ok, err)
			}
			if c.Bucket != "artifacts" || c.Prefix != "prod/" || c.Endpoint != "seaweedfs:8333" || c.Secure || !c.PathStyle {
				t.Fatalf("S3 config %s", c)
			}
			if c.AccessKey != tc.access || c.SecretKey != tc.secret || c.SessionToken != tc.sess {
				t.Fatalf("credentials %q %q %q; want %q %q %q", c.AccessKey, c.SecretKey, c.SessionToken, tc.access, tc.secret, tc.sess)
			}
		})
	}
}

func TestArtifactsValidateNamesEveryBadVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ARTIFACTS_URL": "/data/artifacts"}, "ARTIFACTS_URL"},
		{map[string]string{"ARTIFACTS_URL": "s3://Bad_Bucket"}, "ARTIFACTS_URL"},
		{map[string]string{"ARTIFACTS_URL": "s3://b?endpont=x"}, "ARTIFACTS_URL"},
		{map[string]string{"ARTIFACTS_S3_ACCESS_KEY": "key-only"}, "ARTIFACTS_S3_ACCESS_KEY/ARTIFACTS_S3_SECRET_KEY"},
		{map[string]string{"ARTIFACTS_URL": "s3://bucket", "AWS_SECRET_ACCESS_KEY": "secret-only"}, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"},
		{map[string]string{"APPS_CACHE_BYTES": "-1"}, "APPS_CACHE_BYTES"},
		{map[string]string{"ARTIFACTS_MEMORY_BYTES": "-1"}, "ARTIFACTS_MEMORY_BYTES"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			cfg, err := config.Load(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ApplyDevDefaults()
			err = cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: Validate() = %v, want an error naming %s", tc.env, err, tc.want)
			}
			for _, v := range tc.env {
				if strings.Contains(v, "only") && strings.Contains(err.Error(), v) {
					t.Fatalf("error shows a credential: %v", err)
				}
			}
		})
	}
}

func TestLoggedConfigMasksArtifactCredentials(t *testing.T) {
	cfg, err := config.Load(map[string]string{
		"ARTIFACTS_URL":           "s3://artifacts?endpoint=seaweedfs:8333&secure=false",
		"ARTIFACTS_S3_ACCESS_KEY": "AKIAPLATFORMKEY", "ARTIFACTS_S3_SECRET_KEY": "platform-secret-value",
		"AWS_ACCESS_KEY_ID": "AKIAAWSKEY", "AWS_SECRET_ACCESS_KEY": "aws-secret-value", "AWS_SESSION_TOKEN": "aws-session-value",
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	out := buf.String()
	for _, secret := range []string{"AKIAPLATFORMKEY", "platform-secret-value", "AKIAAWSKEY", "aws-secret-value", "aws-session-value"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, `"URL":"s3://artifacts?endpoint=seaweedfs`) {
		t.Fatalf("the artifacts URL is not shown: %s", out)
	}
}
