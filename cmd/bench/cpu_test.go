package main

import (
	"os"
	"testing"
	"time"
)

func TestSampleBetween(t *testing.T) {
	t0 := time.Now()
	before := cpuSnapshot{at: t0, machine: 1000, procs: map[int]procTicks{
		10: {role: "platform api", start: 5, ticks: 300},
		11: {role: "postgres", start: 6, ticks: 50},
		12: {role: otherPrefix + "kworker", start: 7, ticks: 4000}, // busy long before
		13: {role: otherPrefix + "go", start: 8, ticks: 20},        // exits meanwhile
		14: {role: otherPrefix + "old", start: 9, ticks: 900},      // its pid is reused
	}}
	after := cpuSnapshot{at: t0.Add(10 * time.Second), machine: 2000, procs: map[int]procTicks{
		10: {role: "platform api", start: 5, ticks: 650},
		11: {role: "postgres", start: 6, ticks: 250},
		12: {role: otherPrefix + "kworker", start: 7, ticks: 4010},
		14: {role: otherPrefix + "link", start: 99, ticks: 150}, // new process, same pid
		15: {role: "bench", start: 100, ticks: 80},              // started meanwhile
	}}
	s := sampleBetween("x", 2, before, after, 2)
	want := map[string]float64{"platform api": 3.5, "postgres": 2, otherPrefix + "link": 1.5, "bench": 0.8, otherPrefix + "kworker": 0.1}
	if len(s.Processes) != len(want) {
		t.Fatalf("processes %+v, want %v", s.Processes, want)
	}
	for i, p := range s.Processes {
		if w, ok := want[p.Role]; !ok || !near(p.Seconds, w) {
			t.Errorf("%s: %.2f s, want %.2f", p.Role, p.Seconds, w)
		}
		if i > 0 && p.Seconds > s.Processes[i-1].Seconds {
			t.Errorf("not sorted: %+v", s.Processes)
		}
	}
	if s.Rep != 2 || !near(s.WallS, 10) || !near(s.CapacityS, 20) || !near(s.MachineBusyS, 10) || !near(s.UnaccountedS, 10-7.9) {
		t.Errorf("sample %+v", s)
	}
	if u := s.perUnit(2); !near(u["platform api"], 1750) || u[otherPrefix+"link"] != 0 {
		t.Errorf("per unit: %v", u)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestTakeCPUNamesTheBench(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	snap := takeCPU()
	if p, ok := snap.procs[os.Getpid()]; !ok || p.role != "bench" {
		t.Errorf("this process: %+v, %t", p, ok)
	}
	if snap.machine <= 0 {
		t.Errorf("machine busy ticks %d", snap.machine)
	}
}
