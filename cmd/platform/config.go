package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/forgeai/platform/internal/config"
)

// loadConfig reads the environment, applies dev defaults for `platform dev`,
// validates, and returns the config with a JSON logger at its level. The api
// (needAuth outside dev) also refuses development settings, all reported at once.
func loadConfig(dev, needAuth bool, stderr io.Writer) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(environ())
	if err != nil {
		return config.Config{}, nil, err
	}
	if dev {
		cfg.ApplyDevDefaults()
	}
	err = cfg.Validate()
	if needAuth {
		err = errors.Join(err, cfg.ValidateAuth())
	}
	if needAuth && !dev {
		err = errors.Join(err, cfg.ValidateProduction())
	}
	if err != nil {
		return config.Config{}, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Debug("configuration", "config", cfg)
	return cfg, log, nil
}

func environ() map[string]string {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}
