package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// TestComposeArtifactsLiveInObjectStorage: api and the workers keep their
// artifacts in the seaweedfs service's bucket and share no volume, so each
// could run on a machine of its own; seaweedfs answers a healthcheck they
// wait for, and its one identity is the one they sign in with.
func TestComposeArtifactsLiveInObjectStorage(t *testing.T) {
	c := loadCompose(t)
	s3 := service(t, c, "seaweedfs")
	if !strings.HasPrefix(s3.Image, "chrislusf/seaweedfs:") || strings.HasSuffix(s3.Image, ":latest") {
		t.Errorf("seaweedfs image %q: want chrislusf/seaweedfs pinned to a version", s3.Image)
	}
	if len(s3.Volumes) == 0 {
		t.Error("seaweedfs has no volume: the artifacts would be lost with the container")
	}
	if len(s3.Ports) > 0 {
		t.Errorf("seaweedfs publishes %v on the host; the platform reaches it on the compose network", s3.Ports)
	}
	if s3.Healthcheck == nil {
		t.Error("seaweedfs has no healthcheck; api and workers cannot wait for it")
	}
	s3env := environment(t, "seaweedfs", s3.Environment)

	platform := []string{"api", "worker", "deploy-worker"}
	mounts := map[string][]string{} // volume -> services mounting it
	for _, svc := range platform {
		s := service(t, c, svc)
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(fmt.Sprint(v), ":")
			mounts[src] = append(mounts[src], svc)
		}
		deps, _ := s.DependsOn.(map[string]any)
		if d, _ := deps["seaweedfs"].(map[string]any); fmt.Sprint(d["condition"]) != "service_healthy" {
			t.Errorf("service %s does not wait for seaweedfs to be healthy", svc)
		}

		env := map[string]string{}
		for k, v := range environment(t, svc, s.Environment) {
			env[k] = interpolationDefault(v)
		}
		if _, ok := env["ARTIFACTS_DIR"]; ok {
			t.Errorf("service %s sets ARTIFACTS_DIR: a local folder is not shared between machines", svc)
		}
		cfg, err := config.Load(env)
		if err != nil {
			t.Fatalf("service %s: %v", svc, err)
		}
		s3cfg, ok, err := cfg.Artifacts.S3()
		if !ok || err != nil {
			t.Errorf("service %s: ARTIFACTS_URL %q does not name an object store (%v)", svc, cfg.Artifacts.URL, err)
			continue
		}
		if host, _, _ := strings.Cut(s3cfg.Endpoint, ":"); host != "seaweedfs" || s3cfg.Secure || !s3cfg.PathStyle {
			t.Errorf("service %s: ARTIFACTS_URL %s is not the seaweedfs service over plain HTTP, path-style", svc, s3cfg)
		}
		if s3cfg.AccessKey == "" || s3cfg.AccessKey != interpolationDefault(s3env["AWS_ACCESS_KEY_ID"]) ||
			s3cfg.SecretKey != interpolationDefault(s3env["AWS_SECRET_ACCESS_KEY"]) {
			t.Errorf("service %s signs in to seaweedfs with other credentials than the identity seaweedfs creates", svc)
		}
		if s3cfg.Bucket != s3env["S3_BUCKET"] {
			t.Errorf("service %s uses bucket %q, seaweedfs creates %q", svc, s3cfg.Bucket, s3env["S3_BUCKET"])
		}
	}
	for vol, svcs := range mounts {
		if len(svcs) > 1 {
			t.Errorf("volume %s is shared by %v: services on separate machines cannot share it", vol, svcs)
		}
	}
}
