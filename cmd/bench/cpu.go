package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cpuSnapshot is the CPU time (user+system, in clock ticks) used so far by
// every process, each named by its role: the bench's own processes (the
// bench, the platform api and worker it started, the Temporal dev server,
// the bare baseline server), Postgres, and everything else by its command
// name ("other: go"), so noise from outside the platform is visible. Read
// twice, it tells where a measurement's CPU went.
type cpuSnapshot struct {
	at      time.Time
	procs   map[int]procTicks
	machine int64 // busy ticks of all CPUs, from /proc/stat
}

type procTicks struct {
	role  string
	start int64 // starttime, so a reused pid is not taken for the same process
	ticks int64
}

// clockTicks is USER_HZ, 100 on every Linux the bench runs on.
const clockTicks = 100

// otherPrefix starts the role of a process the bench did not start.
const otherPrefix = "other: "

// takeCPU reads /proc. A process that exits between two snapshots is lost
// from the per-process figures (its time shows in the machine's busy time,
// as "exited or unaccounted"); on systems without /proc it is empty.
func takeCPU() cpuSnapshot {
	snap := cpuSnapshot{at: time.Now(), procs: map[int]procTicks{}, machine: machineBusyTicks()}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		st, ok := readStat(dir)
		if !ok {
			continue
		}
		snap.procs[pid] = procTicks{role: processRole(dir, pid, self, st), start: st.start, ticks: st.ticks}
	}
	return snap
}

// procStat is what the bench reads of /proc/<pid>/stat.
type procStat struct {
	comm  string
	ppid  int
	ticks int64 // utime+stime, all threads
	start int64 // starttime, clock ticks after boot
}

func readStat(dir string) (procStat, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return procStat{}, false
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// the fields resume after the last ')'.
	open, end := bytes.IndexByte(raw, '('), bytes.LastIndexByte(raw, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	f := strings.Fields(string(raw[end+1:])) // f[0] is field 3
	if len(f) < 20 {
		return procStat{}, false
	}
	ppid, err0 := strconv.Atoi(f[1])
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	start, err3 := strconv.ParseInt(f[19], 10, 64)
	if err0 != nil || err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	comm := string(raw[open+1 : end])
	if strings.HasPrefix(comm, "kworker/") { // "kworker/u8:1-writeback": the suffix is its current work
		comm = "kworker"
	}
	return procStat{comm: comm, ppid: ppid, ticks: u + s, start: start}, true
}

// processRole names a process: the bench's children by what they are,
// Postgres (whoever's backend it is: the server is shared), anything else
// as other by its command name.
func processRole(dir string, pid, self int, st procStat) string {
	if pid == self {
		return "bench"
	}
	cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	base := filepath.Base(args[0])
	if st.ppid == self {
		switch {
		case strings.HasPrefix(base, "platform") && len(args) > 1:
			return "platform " + args[1]
		case base == "temporal":
			return "temporal server"
		case len(args) > 1 && args[1] == "-"+serveBaselineFlag:
			return "baseline server"
		}
		return "bench child: " + st.comm
	}
	if strings.HasPrefix(base, "postgres") || strings.HasPrefix(args[0], "postgres:") || st.comm == "postgres" {
		return "postgres"
	}
	return otherPrefix + st.comm
}

// machineBusyTicks is the time all CPUs spent not idle (user, nice,
// system, irq, softirq, steal) from the "cpu" line of /proc/stat.
func machineBusyTicks() int64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system (idle iowait) irq softirq steal
		v, _ := strconv.ParseInt(f[i], 10, 64)
		busy += v
	}
	return busy
}

// byRole is the CPU ticks each role used between two snapshots, under the
// role it has at the end. A process that started in between counts from zero.
func byRole(before, after cpuSnapshot) map[string]int64 {
	use := map[string]int64{}
	for pid, p := range after.procs {
		d := p.ticks
		if b, ok := before.procs[pid]; ok && b.start == p.start {
			d -= b.ticks
		}
		if d > 0 {
			use[p.role] += d
		}
	}
	return use
}

// cpuUse is the CPU milliseconds per unit of work (a deployment) by role,
// for the processes of the bench's own stack (and Postgres).
type cpuUse map[string]float64

// perUnit is the sample's CPU per unit of work, others left out.
func (s cpuSample) perUnit(units int) cpuUse {
	use := cpuUse{}
	if units <= 0 {
		return use
	}
	for _, p := range s.Processes {
		if !strings.HasPrefix(p.Role, otherPrefix) {
			use[p.Role] = p.Seconds * 1000 / float64(units)
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

// cpuSample is where the CPU went during one measurement.
type cpuSample struct {
	Measurement string  `json:"measurement"`
	Rep         int     `json:"repetition"` // 1-based
	WallS       float64 `json:"wallSeconds"`
	// CapacityS is wall time times the machine's CPUs; MachineBusyS what
	// all of them spent busy (/proc/stat), whoever's work it was.
	CapacityS    float64   `json:"capacitySeconds"`
	MachineBusyS float64   `json:"machineBusySeconds"`
	Processes    []procCPU `json:"processes"` // CPU seconds by role, largest first
	// UnaccountedS is busy time no process still running at the end
	// accounts for: processes that exited meanwhile (compilers, tests).
	UnaccountedS float64 `json:"unaccountedSeconds"`
}

type procCPU struct {
	Role    string  `json:"role"`
	Seconds float64 `json:"seconds"`
}

func sampleBetween(label string, rep int, before, after cpuSnapshot, cpus int) cpuSample {
	wall := after.at.Sub(before.at).Seconds()
	s := cpuSample{Measurement: label, Rep: rep, WallS: wall, CapacityS: wall * float64(cpus),
		MachineBusyS: float64(after.machine-before.machine) / clockTicks}
	var sum float64
	for role, d := range byRole(before, after) {
		sec := float64(d) / clockTicks
		sum += sec
		s.Processes = append(s.Processes, procCPU{Role: role, Seconds: sec})
	}
	sort.Slice(s.Processes, func(i, j int) bool {
		if s.Processes[i].Seconds != s.Processes[j].Seconds {
			return s.Processes[i].Seconds > s.Processes[j].Seconds
		}
		return s.Processes[i].Role < s.Processes[j].Role
	})
	s.UnaccountedS = max(s.MachineBusyS-sum, 0)
	return s
}

// line prints the top roles (those of the bench's own stack always, the
// largest others until 0.1 s, the rest summed).
func (s cpuSample) line() string {
	var parts []string
	rest := 0.0
	for _, p := range s.Processes {
		if p.Seconds < 0.1 && strings.HasPrefix(p.Role, otherPrefix) || len(parts) >= 8 {
			rest += p.Seconds
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.1f", p.Role, p.Seconds))
	}
	if rest > 0 {
		parts = append(parts, fmt.Sprintf("others %.1f", rest))
	}
	if s.UnaccountedS >= 0.1 {
		parts = append(parts, fmt.Sprintf("exited/unaccounted %.1f", s.UnaccountedS))
	}
	return fmt.Sprintf("%.1fs wall, machine busy %.1f of %.1f CPU-s: %s", s.WallS, s.MachineBusyS, s.CapacityS, strings.Join(parts, ", "))
}

// cpuLog records a sample per measurement, tagged with the repetition.
type cpuLog struct {
	mu      sync.Mutex
	rep     int
	cpus    int
	samples []cpuSample
}

// start begins a measurement; the returned func ends it and records it.
func (l *cpuLog) start(label string) func() cpuSample {
	before := takeCPU()
	return func() cpuSample {
		l.mu.Lock()
		defer l.mu.Unlock()
		s := sampleBetween(label, l.rep, before, takeCPU(), l.cpus)
		l.samples = append(l.samples, s)
		logf("cpu during %s (rep %d): %s", label, s.Rep, s.line())
		return s
	}
}

func (l *cpuLog) setRep(rep int) {
	l.mu.Lock()
	l.rep = rep
	l.mu.Unlock()
}
