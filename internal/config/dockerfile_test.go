package config_test

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// dockerStage is one FROM block of the Dockerfile.
type dockerStage struct {
	from  string // the image reference (after flags)
	lines []string
}

func parseDockerfile(t *testing.T) []dockerStage {
	t.Helper()
	f, err := os.Open(dockerfilePath)
	if err != nil {
		t.Fatalf("open %s: %v", dockerfilePath, err)
	}
	defer f.Close()
	var stages []dockerStage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if strings.EqualFold(fields[0], "FROM") {
			img := ""
			for _, f := range fields[1:] {
				if !strings.HasPrefix(f, "--") {
					img = f
					break
				}
			}
			stages = append(stages, dockerStage{from: img})
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", dockerfilePath, err)
	}
	return stages
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatalf("the Dockerfile the compose services build is missing: %v", err)
	}
	text := string(raw)
	stages := parseDockerfile(t)

	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d FROM lines, want a multi-stage build (builder + runtime)", len(stages))
	}
	if !regexp.MustCompile(`(?m)^\s*(ENV|ARG)\s+CGO_ENABLED=0\b|CGO_ENABLED=0\s`).MatchString(text) {
		t.Error("Dockerfile does not set CGO_ENABLED=0; the distroless static image needs a static binary")
	}
	if !strings.Contains(text, "./cmd/platform") {
		t.Error("Dockerfile does not build ./cmd/platform")
	}
	if !strings.Contains(text, "-X main.version=") {
		t.Error("Dockerfile does not stamp the version with -ldflags \"-X main.version=...\"")
	}

	final := stages[len(stages)-1]
	nonroot := strings.HasSuffix(final.from, ":nonroot")
	for _, l := range final.lines {
		if f := strings.Fields(l); strings.EqualFold(f[0], "USER") && len(f) > 1 {
			user, _, _ := strings.Cut(f[1], ":")
			nonroot = user != "root" && user != "0"
		}
	}
	if !nonroot {
		t.Errorf("final stage (FROM %s) runs as root; use a :nonroot image or a non-root USER", final.from)
	}

	var entrypoint, expose string
	for _, l := range final.lines {
		switch f := strings.Fields(l); strings.ToUpper(f[0]) {
		case "ENTRYPOINT":
			entrypoint = l
		case "EXPOSE":
			expose += " " + strings.Join(f[1:], " ")
		}
	}
	if !strings.Contains(entrypoint, `"/usr/local/bin/platform"`) {
		t.Errorf("final stage ENTRYPOINT = %q, want [\"/usr/local/bin/platform\"] (the compose api healthcheck runs that path)", entrypoint)
	}
	defaults, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	for _, addr := range []string{defaults.HTTPAddr, defaults.AppsAddr} {
		_, port, _ := net.SplitHostPort(addr)
		if !slices.Contains(strings.Fields(expose), port) {
			t.Errorf("final stage does not EXPOSE default port %s (EXPOSE%s)", port, expose)
		}
	}
}

func TestDockerignoreKeepsContextSmall(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		lines[strings.TrimSuffix(strings.TrimSpace(l), "/")] = true
	}
	for _, want := range []string{".git", "bin", "data", ".env"} {
		if !lines[want] {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
	for _, keep := range []string{"go.mod", "go.sum", "cmd", "internal", "migrations", "catalog"} {
		if lines[keep] {
			t.Errorf(".dockerignore excludes %s, which the build needs", keep)
		}
	}
}
