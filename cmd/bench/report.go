package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forgeai/platform/internal/loadgen"
)

// Targets the report is judged against.
const (
	targetP95       = 20 * time.Millisecond // GET /api/templates p95
	targetRateShare = 0.95                  // of the requested rate, achieved
	targetIdleRSSMB = 100.0
)

type report struct {
	Machine machineInfo `json:"machine"`
	Config  runConfig   `json:"config"`
	Memory  memReport   `json:"memory"` // the api's idle RSS, once at start
	// Passes are the repetitions of the sections measured in turn.
	Passes []passReport `json:"repetitions"`
	// Middleware: its repetitions, run before the sections above (see
	// runMiddlewareBench). Audit and KPI: seeded once, then measured once
	// per repetition, after them.
	Middleware []*middlewareReport `json:"middleware,omitempty"`
	Audit      []*auditReport      `json:"audit,omitempty"`
	KPI        []*kpiReport        `json:"kpi,omitempty"`
	Summary    []figureRow         `json:"summary"`
	// CPU is where the CPU went during each measurement, by process.
	CPU []cpuSample `json:"cpu"`
}

// passReport is one repetition of the sections run in turn.
type passReport struct {
	Rep            int              `json:"repetition"`
	Endpoints      []endpointReport `json:"endpoints"`
	AfterLoadRSSMB float64          `json:"afterLoadRssMB"`
	PeakRSSMB      float64          `json:"peakRssMB"`
	Compare        *compareReport   `json:"compare,omitempty"`
	Events         *eventsReport    `json:"events,omitempty"`
	Deploy         *deployReport    `json:"deploy,omitempty"`
}

type machineInfo struct {
	NumCPU    int    `json:"numCPU"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUModel  string `json:"cpuModel,omitempty"`
	Postgres  string `json:"postgres"`
}

type runConfig struct {
	Reps           int     `json:"repetitions"`
	CompareClients []int   `json:"compareClients,omitempty"`
	CompareRate    float64 `json:"compareRate,omitempty"`
	Rate           float64 `json:"rate"`
	DurationS      float64 `json:"durationSeconds"`
	WarmupS        float64 `json:"warmupSeconds"`
	Projects       int     `json:"projects"`
	MaxInFlight    int     `json:"maxInFlight"`
}

type endpointReport struct {
	Name         string         `json:"name"` // "GET /api/templates"
	TargetRate   float64        `json:"targetRate"`
	Throughput   float64        `json:"throughput"` // successful req/s
	Count        int            `json:"count"`      // requests scheduled in the window
	OK           int            `json:"ok"`
	Errors       int            `json:"errors"`
	Dropped      int            `json:"dropped"`
	ErrorKinds   map[string]int `json:"errorKinds,omitempty"`
	P50Ms        float64        `json:"p50Ms"`
	P95Ms        float64        `json:"p95Ms"`
	P99Ms        float64        `json:"p99Ms"`
	MaxMs        float64        `json:"maxMs"`
	MaxSendLagMs float64        `json:"maxSendLagMs"`
	Target       string         `json:"target,omitempty"`
	Verdict      string         `json:"verdict"` // PASS, FAIL or "-" (no target)
}

type memReport struct {
	IdleMB   float64 `json:"idleRssMB"`
	TargetMB float64 `json:"idleTargetMB"`
	Verdict  string  `json:"verdict"`
}

func machine() machineInfo {
	m := machineInfo{NumCPU: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// endpoint turns a load result into a report row; withTarget applies the
// templates target (p95 < 20 ms at >= 95% of the rate).
func endpoint(name string, r *loadgen.Result, withTarget bool) endpointReport {
	e := endpointReport{
		Name: name, TargetRate: r.Rate, Throughput: r.Throughput(),
		Count: r.Scheduled, OK: r.Completed, Errors: r.Errors, Dropped: r.Dropped, ErrorKinds: r.ErrorKinds,
		P50Ms: ms(r.Percentile(50)), P95Ms: ms(r.Percentile(95)), P99Ms: ms(r.Percentile(99)), MaxMs: ms(r.Percentile(100)),
		MaxSendLagMs: ms(r.MaxSendLag), Verdict: "-",
	}
	if withTarget {
		e.Target = fmt.Sprintf("p95 < %v at >= %.0f req/s", targetP95, targetRateShare*r.Rate)
		e.Verdict = verdict(r.Completed > 0 && r.Percentile(95) < targetP95 && e.Throughput >= targetRateShare*r.Rate)
	}
	return e
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// line is the one-line summary printed as each endpoint finishes.
func (e endpointReport) line() string {
	return fmt.Sprintf("%-20s %6.1f/%.0f req/s  n=%d err=%d drop=%d  p50=%.2fms p95=%.2fms p99=%.2fms max=%.2fms  %s",
		e.Name, e.Throughput, e.TargetRate, e.Count, e.Errors, e.Dropped, e.P50Ms, e.P95Ms, e.P99Ms, e.MaxMs, e.Verdict)
}

func (r *report) writeText(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "\nmachine: %d CPU (%s), %s %s/%s, Postgres %s\n", m.NumCPU, orDash(m.CPUModel), m.GoVersion, m.OS, m.Arch, m.Postgres)
	fmt.Fprintf(w, "%d repetition(s); GET load: open loop, %.0f req/s for %.0fs after %.0fs warmup, %d projects; generator, api and Postgres share the machine\n",
		r.Config.Reps, r.Config.Rate, r.Config.DurationS, r.Config.WarmupS, r.Config.Projects)
	mm := r.Memory
	fmt.Fprintf(w, "api RSS at start, idle: %.1f MB (target < %.0f MB: %s)\n", mm.IdleMB, mm.TargetMB, mm.Verdict)
	for _, p := range r.Passes {
		fmt.Fprintf(w, "\n======== repetition %d of %d ========\n", p.Rep, r.Config.Reps)
		writeEndpoints(w, p.Endpoints)
		fmt.Fprintf(w, "api RSS after the GET load %.1f MB, peak %.1f MB\n", p.AfterLoadRSSMB, p.PeakRSSMB)
		if p.Compare != nil {
			p.Compare.writeText(w)
		}
		if p.Events != nil {
			p.Events.writeText(w)
		}
		if p.Deploy != nil {
			p.Deploy.writeText(w)
		}
	}
	for i, m := range r.Middleware {
		fmt.Fprintf(w, "\n-- middleware, repetition %d (run before the repetitions above) --", i+1)
		m.writeText(w)
	}
	for i, a := range r.Audit {
		fmt.Fprintf(w, "\n-- audit, repetition %d --", i+1)
		a.writeText(w)
	}
	for i, k := range r.KPI {
		fmt.Fprintf(w, "\n-- analytics, repetition %d --", i+1)
		k.writeText(w)
	}
	if len(r.CPU) > 0 {
		fmt.Fprintf(w, "\nCPU seconds by process during each measurement (bench = load generator and clients; other: processes the bench did not start; exited/unaccounted: machine busy time of processes gone by the end):\n")
		for _, s := range r.CPU {
			fmt.Fprintf(w, "  rep %d  %s\n      %s\n", s.Rep, s.Measurement, s.line())
		}
	}
	writeSummary(w, r.Summary, r.Config.Reps)
}

func writeEndpoints(w io.Writer, eps []endpointReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\ttarget/s\tachieved/s\tcount\terrors\tdropped\tp50 ms\tp95 ms\tp99 ms\tmax ms\tverdict\t")
	for _, e := range eps {
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t\n",
			e.Name, e.TargetRate, e.Throughput, e.Count, e.Errors, e.Dropped, e.P50Ms, e.P95Ms, e.P99Ms, e.MaxMs, e.Verdict)
	}
	tw.Flush()
	for _, e := range eps {
		if e.Target != "" {
			fmt.Fprintf(w, "target %s: %s -> %s\n", e.Name, e.Target, e.Verdict)
		}
		if len(e.ErrorKinds) > 0 {
			fmt.Fprintf(w, "errors %s: %s\n", e.Name, kinds(e.ErrorKinds))
		}
		if e.MaxSendLagMs > 5 {
			fmt.Fprintf(w, "note %s: the generator sent up to %.1f ms late (counted in the latencies)\n", e.Name, e.MaxSendLagMs)
		}
	}
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func kinds(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s x%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
