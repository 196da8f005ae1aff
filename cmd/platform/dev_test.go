package main

import (
	"testing"

	"github.com/forgeai/platform/internal/config"
)

func TestDevListensOnLoopbackUnlessAddressesAreSet(t *testing.T) {
	tests := []struct {
		name           string
		env            map[string]string
		wantAPI, wantA string
	}{
		{"defaults", map[string]string{}, "127.0.0.1:8080", "127.0.0.1:8081"},
		{"set explicitly", map[string]string{"HTTP_ADDR": ":9090", "APPS_ADDR": "0.0.0.0:9091"}, ":9090", "0.0.0.0:9091"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			useLoopback(&cfg, tt.env)
			if cfg.HTTPAddr != tt.wantAPI || cfg.AppsAddr != tt.wantA {
				t.Fatalf("dev listens on %s and %s, want %s and %s", cfg.HTTPAddr, cfg.AppsAddr, tt.wantAPI, tt.wantA)
			}
		})
	}
}
