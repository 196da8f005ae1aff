package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// cpuSnapshot is the CPU time (user+system, in clock ticks) used so far by
// the processes the deploy bench involves, grouped by role. Read twice, it
// tells where a run's CPU went: the Temporal server, our api and worker,
// Postgres, or the bench itself (which hosts the no-op baseline's worker).
type cpuSnapshot map[string]int64

// clockTicks is USER_HZ, 100 on every Linux the bench runs on.
const clockTicks = 100

// takeCPU reads /proc. Processes that exit between two snapshots are lost,
// so it is meant for long-lived servers; on systems without /proc it is empty.
func takeCPU() cpuSnapshot {
	snap := cpuSnapshot{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := strconv.Itoa(os.Getpid())
	for _, dir := range dirs {
		role := processRole(dir, filepath.Base(dir) == self)
		if role == "" {
			continue
		}
		if t, ok := processTicks(dir); ok {
			snap[role] += t
		}
	}
	return snap
}

func processRole(dir string, self bool) string {
	if self {
		return "bench"
	}
	cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil || len(cmdline) == 0 {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	switch base := filepath.Base(args[0]); {
	case base == "platform" && len(args) > 1:
		return "platform " + args[1]
	case base == "temporal":
		return "temporal server"
	case strings.HasPrefix(base, "postgres") || strings.HasPrefix(args[0], "postgres:"):
		return "postgres"
	}
	return ""
}

// processTicks is utime+stime from /proc/<pid>/stat (fields 14 and 15).
func processTicks(dir string) (int64, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields resume after ')'.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// cpuUse is the CPU milliseconds per unit of work (a deployment) by role.
type cpuUse map[string]float64

func cpuBetween(before, after cpuSnapshot, units int) cpuUse {
	use := cpuUse{}
	if units <= 0 {
		return use
	}
	for role, t := range after {
		if d := t - before[role]; d > 0 {
			use[role] = float64(d) * 1000 / clockTicks / float64(units)
		}
	}
	return use
}

func (u cpuUse) total() float64 {
	sum := 0.0
	for _, v := range u {
		sum += v
	}
	return sum
}

func (u cpuUse) String() string {
	if len(u) == 0 {
		return "n/a"
	}
	roles := make([]string, 0, len(u))
	for r := range u {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	parts := make([]string, 0, len(roles)+1)
	parts = append(parts, fmt.Sprintf("total %.1f", u.total()))
	for _, r := range roles {
		parts = append(parts, fmt.Sprintf("%s %.1f", r, u[r]))
	}
	return strings.Join(parts, ", ")
}
