package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/tests3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tests3.StopShared()
	os.Exit(code)
}

// One setting picks the artifact store: ARTIFACTS_DIR (a folder) by
// default, the bucket of ARTIFACTS_URL when it is set, with the credentials
// from the environment; a process that cannot use the bucket does not start.
func TestOpenArtifactsPicksTheStoreBySetting(t *testing.T) {
	load := func(env map[string]string) config.Config {
		t.Helper()
		cfg, err := config.Load(env)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	dir := filepath.Join(t.TempDir(), "artifacts")
	if s, err := openArtifacts(t.Context(), load(map[string]string{"ARTIFACTS_DIR": dir})); err != nil {
		t.Fatal(err)
	} else if _, ok := s.(*artifacts.FS); !ok {
		t.Fatalf("without ARTIFACTS_URL the store is %T, want the folder", s)
	}

	srv := tests3.Shared(t)
	env := map[string]string{"ARTIFACTS_DIR": dir}
	for _, kv := range srv.Env("platform-open-test", tests3.NewPrefix()) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	s, err := openArtifacts(t.Context(), load(env))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*artifacts.S3); !ok {
		t.Fatalf("with ARTIFACTS_URL the store is %T, want S3", s)
	}
	d, err := s.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<h1>on S3</h1>")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTree(t.Context(), d); err != nil {
		t.Fatal(err)
	}

	env["ARTIFACTS_S3_SECRET_KEY"] = "not-the-secret"
	_, err = openArtifacts(t.Context(), load(env))
	if err == nil || !strings.HasPrefix(err.Error(), "ARTIFACTS_URL: ") {
		t.Fatalf("wrong secret: err = %v, want one naming ARTIFACTS_URL", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") || strings.Contains(err.Error(), srv.SecretKey) {
		t.Fatalf("error shows a secret: %v", err)
	}
}
