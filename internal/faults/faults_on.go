//go:build faults

package faults

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Enabled reports whether fault hooks are compiled in.
const Enabled = true

// dir is where a test puts the files that drive the hooks (FAULTS_DIR).
func dir() string { return os.Getenv("FAULTS_DIR") }

func exists(name string) bool {
	_, err := os.Stat(filepath.Join(dir(), name))
	return err == nil
}

// Hold blocks the step of one deployment while the test holds it, calling
// beat (an activity heartbeat) meanwhile, until the hold is lifted or ctx
// ends. A step is held while FAULTS_DIR has hold-<step>-<id>, or
// hold-<step>-ALL without pass-<step>-<id>.
func Hold(ctx context.Context, step, id string, beat func()) {
	if dir() == "" {
		return
	}
	held := func() bool {
		return exists("hold-"+step+"-"+id) || (exists("hold-"+step+"-ALL") && !exists("pass-"+step+"-"+id))
	}
	if !held() {
		return
	}
	_ = os.WriteFile(filepath.Join(dir(), "at-"+step+"-"+id), nil, 0o644)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for held() {
		beat()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Kill sends SIGKILL to this process if FAULTS_DIR has kill-<point>,
// removing the file first so a restarted process runs on.
func Kill(point string) {
	if dir() == "" {
		return
	}
	name := filepath.Join(dir(), "kill-"+point)
	if os.Remove(name) == nil {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
