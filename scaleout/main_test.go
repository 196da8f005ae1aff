// Package scaleout_test runs the platform the way it scales out, with
// nothing shared through disk: real processes started from the built
// binary (two `platform api`, one worker of the platform queue, two of the
// deploy queue), each in a private folder of its own (working directory,
// HOME and ARTIFACTS_DIR), on one Postgres schema, the Temporal dev server,
// a real S3 store (SeaweedFS, ARTIFACTS_URL=s3://…) and Redis. It checks
// that deployments go live through either API instance and are served the
// same by both, that a deploy worker killed in a build loses nothing, that
// a chat answer's deltas reach a WebSocket subscriber of the other
// instance, that a user's rate limit holds across both instances, and that
// exactly one instance runs the reconciler, another taking over when it
// dies.
package scaleout_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// platformBin is the platform binary built for the package.
var platformBin string

func TestMain(m *testing.M) {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "platform-scaleout-")
	if err != nil {
		panic(err)
	}
	platformBin = filepath.Join(dir, "platform")
	build := exec.Command("go", "build", "-o", platformBin, "./cmd/platform")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build platform:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
