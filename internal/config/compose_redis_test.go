package config_test

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/forgeai/platform/internal/config"
)

// TestComposeRedisIsOptional: Redis (shared rate limits) is a service in a
// profile of its own, so `docker compose up` runs without it; nothing waits
// for it; the api's REDIS_URL is empty unless set, and then names it.
func TestComposeRedisIsOptional(t *testing.T) {
	raw, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Profiles  []string `yaml:"profiles"`
			Ports     []any    `yaml:"ports"`
			DependsOn any      `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	redis, ok := c.Services["redis"]
	if !ok {
		t.Fatal("docker-compose.yml has no redis service")
	}
	if !slices.Contains(redis.Profiles, "redis") {
		t.Errorf("the redis service must be in the redis profile (optional), has profiles %v", redis.Profiles)
	}
	if len(redis.Ports) > 0 {
		t.Errorf("redis publishes %v on the host; it has no password and belongs on the compose network only", redis.Ports)
	}
	for name, s := range c.Services {
		if name != "redis" && len(s.Profiles) == 0 && containsRedis(s.DependsOn) {
			t.Errorf("service %s depends on redis, which runs only with --profile redis", name)
		}
	}

	env := environment(t, "api", service(t, loadCompose(t), "api").Environment)
	v, set := env["REDIS_URL"]
	if !set {
		t.Fatal("api does not pass REDIS_URL through")
	}
	if d := interpolationDefault(v); d != "" {
		t.Errorf("api REDIS_URL defaults to %q; without the redis profile it must be empty", d)
	}
	cfg, err := config.Load(map[string]string{"REDIS_URL": "redis://redis:6379/0", "JWT_SECRET": "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the README's REDIS_URL for the redis profile is refused: %v", err)
	}
}

func containsRedis(dependsOn any) bool {
	switch d := dependsOn.(type) {
	case []any:
		return slices.ContainsFunc(d, func(v any) bool { return fmt.Sprint(v) == "redis" })
	case map[string]any:
		_, ok := d["redis"]
		return ok
	}
	return false
}
