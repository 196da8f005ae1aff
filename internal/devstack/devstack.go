// Package devstack runs the official Temporal CLI dev server (bin/temporal)
// for `platform dev` and the end-to-end tests.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// Options choose how the dev server runs.
type Options struct {
	CLIPath   string // the temporal binary, e.g. bin/temporal
	HostPort  string // frontend address; empty picks a free port
	Namespace string
	DBFile    string // SQLite file that keeps state across restarts; empty keeps it in memory
	UIPort    int    // 0 runs headless
	Attrs     temporal.SearchAttributes
	Log       *slog.Logger
	Output    io.Writer // the server's own logs; nil discards them
}

// Server is a running dev server.
type Server struct {
	dev  *testsuite.DevServer
	opts Options
}

// Start launches the dev server and waits until it answers.
func Start(ctx context.Context, o Options) (*Server, error) {
	if _, err := os.Stat(o.CLIPath); err != nil {
		return nil, fmt.Errorf("temporal CLI not found at %s (run `make bin/temporal`): %w", o.CLIPath, err)
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return nil, fmt.Errorf("create temporal data folder: %w", err)
		}
	}
	out := o.Output
	if out == nil {
		out = io.Discard
	}
	opts := testsuite.DevServerOptions{
		ExistingPath: o.CLIPath,
		ClientOptions: &client.Options{
			HostPort: o.HostPort, Namespace: o.Namespace, Logger: tlog.NewStructuredLogger(o.Log),
		},
		DBFilename:       o.DBFile,
		EnableUI:         o.UIPort > 0,
		LogLevel:         "warn",
		LogFormat:        "json",
		SearchAttributes: o.Attrs,
		// A worker that schedules an activity on its own task queue may run it
		// at once, without a round trip through matching (as Temporal Cloud does).
		// The dev server has one history shard, whose transfer queue is read
		// at most history.transferProcessorMaxPollRPS times a second (20 by
		// default): every workflow task that follows an activity, a child's
		// completion or a signal waited up to 50 ms (about 35 ms on average)
		// for that read. At 1000 it waits about 2 ms.
		ExtraArgs: []string{
			"--dynamic-config-value", "system.enableActivityEagerExecution=true",
			"--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
		},
		Stdout: out,
		Stderr: out,
	}
	if o.UIPort > 0 {
		opts.UIPort = strconv.Itoa(o.UIPort)
	}
	dev, err := testsuite.StartDevServer(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	return &Server{dev: dev, opts: o}, nil
}

// Address is the frontend host:port clients dial.
func (s *Server) Address() string { return s.dev.FrontendHostPort() }

// UIURL is the Web UI's address, or "" when headless.
func (s *Server) UIURL() string {
	if s.opts.UIPort == 0 {
		return ""
	}
	return "http://localhost:" + strconv.Itoa(s.opts.UIPort)
}

// Stop interrupts the server and waits for it to exit. A server that already
// exited (Ctrl-C reaches the whole process group) is not an error.
func (s *Server) Stop() error {
	s.dev.Client().Close()
	err := s.dev.Stop()
	if err == nil || errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	var exitErr interface{ ExitCode() int }
	if errors.As(err, &exitErr) {
		return nil // it exited on our interrupt
	}
	return fmt.Errorf("stop temporal dev server: %w", err)
}
