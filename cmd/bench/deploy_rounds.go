package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// roundPair is one round of the throughput comparison: our deployments and
// the no-op workflows, as many at once each, one right after the other.
type roundPair struct {
	Ours  deployRun `json:"ours"`
	Noop  deployRun `json:"noop"`
	Ratio float64   `json:"ratio"`
}

// deployBench is the deployment section's setup, made once: the worker,
// the projects deployed one at a time and all at once (deployed again in
// every repetition), the business user's projects for the approvals.
type deployBench struct {
	seq, conc []string
	approvals *approvalSetup
	warmedUp  bool
	// fsconc and s3conc are deployed all at once in the store comparison
	// (deploy_s3.go), with the artifacts in a folder and on S3, in
	// SeaweedFS started from weed; none without -weed.
	fsconc, s3conc []string
	weed           string
	storeReps      int // store comparisons run so far
	dbURL          string
}

func setupDeployBench(ctx context.Context, o options, c *apiClient, s *deployStack, dbURL string, templates []string) (*deployBench, error) {
	if err := s.startWorker(o.platform, dbURL); err != nil {
		return nil, err
	}
	d := &deployBench{dbURL: dbURL}
	var err error
	if d.seq, err = c.projectsFor(ctx, "Sequential", o.sequential, templates); err != nil {
		return nil, err
	}
	if d.conc, err = c.projectsFor(ctx, "Concurrent", o.deploys, templates); err != nil {
		return nil, err
	}
	if o.weed != "" {
		if _, err := os.Stat(o.weed); err != nil {
			return nil, fmt.Errorf("SeaweedFS for the deployments on S3: %w (make bin/weed, or -weed '' to skip them)", err)
		}
		// Absolute: weed runs in its data folder, where a relative path means another file.
		if d.weed, err = filepath.Abs(o.weed); err != nil {
			return nil, err
		}
		// Projects of their own for each store: their releases' artifacts
		// are all in that store.
		if d.fsconc, err = c.projectsFor(ctx, "Concurrent on the filesystem", o.deploys, templates); err != nil {
			return nil, err
		}
		if d.s3conc, err = c.projectsFor(ctx, "Concurrent on S3", o.deploys, templates); err != nil {
			return nil, err
		}
	}
	if d.approvals, err = setupApprovals(ctx, c, o.sequential, templates); err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	return d, nil
}

// run measures deployments end to end through the API and worker, side by
// side with a no-op workflow of as many activities on the same server.
// Throughput is compared over several interleaved rounds (which of the two
// goes first alternates), and the verdict is on the median ratio: one round
// on a shared 2-core machine swings too much to judge by.
func (d *deployBench) run(ctx context.Context, o options, c *apiClient, s *deployStack, cpu *cpuLog) (*deployReport, error) {
	rep := &deployReport{}
	var err error
	logf("deploy: %d one after another", o.sequential)
	if rep.Single, err = c.measureDeploys(ctx, "deployments, one at a time", d.seq, 1, cpu); err != nil {
		return nil, err
	}
	logf("no-op baseline: %d one after another", o.sequential)
	if rep.SingleNoop, err = measureNoop(ctx, s, o.sequential, 1, cpu); err != nil {
		return nil, err
	}
	// Round 0 of the first repetition warms up what a long-running
	// platform has warm (each new Postgres connection's catalog caches and
	// statement plans, the Go runtimes, the server's caches); it is
	// printed, not judged.
	first := 1
	if !d.warmedUp {
		first = 0
		d.warmedUp = true
	}
	for i := first; i <= o.rounds; i++ {
		if i == 0 {
			logf("warm-up round: %d deployments at once, %d no-op workflows at once", o.deploys, o.deploys)
		} else {
			logf("round %d of %d: %d deployments at once, %d no-op workflows at once", i, o.rounds, o.deploys, o.deploys)
		}
		var r roundPair
		ours := func() (err error) {
			r.Ours, err = c.measureDeploys(ctx, "deployments, all at once", d.conc, o.deploys, cpu)
			return err
		}
		noop := func() (err error) {
			r.Noop, err = measureNoop(ctx, s, o.deploys, o.deploys, cpu)
			return err
		}
		first, second := ours, noop
		if i%2 == 1 {
			first, second = noop, ours
		}
		if err := first(); err != nil {
			return nil, err
		}
		if err := second(); err != nil {
			return nil, err
		}
		if r.Noop.PerSecond > 0 {
			r.Ratio = r.Ours.PerSecond / r.Noop.PerSecond
		}
		if i == 0 {
			rep.Warmup = &r
			continue
		}
		rep.Rounds = append(rep.Rounds, r)
	}
	rep.judge()
	logf("approvals: %d business-user deployments approved one after another", o.sequential)
	done := cpu.start("approvals")
	rep.Approvals, err = d.approvals.run(ctx, c)
	done()
	if err != nil {
		return nil, fmt.Errorf("approval bench: %w", err)
	}
	if d.weed != "" {
		if rep.S3, err = d.compareStores(ctx, o, s, cpu); err != nil {
			return nil, fmt.Errorf("filesystem beside S3: %w", err)
		}
	}
	return rep, nil
}

func (c *apiClient) measureDeploys(ctx context.Context, name string, projects []string, concurrency int, cpu *cpuLog) (deployRun, error) {
	done := cpu.start(fmt.Sprintf("%s (%d)", name, len(projects)))
	lat, failed, wall, err := c.deployAll(ctx, projects, concurrency)
	sample := done()
	if err != nil {
		return deployRun{}, err
	}
	run := summarize(name, concurrency, lat, failed, wall)
	run.CPU = sample.perUnit(run.Count)
	return run, nil
}

func measureNoop(ctx context.Context, s *deployStack, count, concurrency int, cpu *cpuLog) (deployRun, error) {
	done := cpu.start(fmt.Sprintf("no-op workflows, %d at a time (%d)", concurrency, count))
	run, err := runNoop(ctx, s.temporal.Address(), count, concurrency)
	sample := done()
	if err != nil {
		return deployRun{}, err
	}
	run.CPU = sample.perUnit(run.Count)
	return run, nil
}

// Targets of the deployment section (issue 16), judged in every repetition.
const (
	targetSingleP50Ms   = 600.0
	targetDeployRatio   = 0.8
	targetApprovalP95Ms = 300.0
)

// deployReport holds the deployment runs and their verdicts:
// p50 under 2 s for a single deployment, throughput at least 0.7x the no-op.
type deployReport struct {
	Single         deployRun       `json:"single"`
	SingleNoop     deployRun       `json:"singleNoop"`
	Warmup         *roundPair      `json:"warmup,omitempty"`
	Rounds         []roundPair     `json:"rounds"`
	P50Verdict     string          `json:"p50Verdict"`
	OursPerSecond  float64         `json:"oursPerSecondMedian"`
	NoopPerSecond  float64         `json:"noopPerSecondMedian"`
	ThroughputRate float64         `json:"throughputRatioMedian"`
	RatioVerdict   string          `json:"ratioVerdict"`
	Approvals      *approvalReport `json:"approvals,omitempty"`
	S3             *s3Report       `json:"s3,omitempty"`
}

func (d *deployReport) judge() {
	d.P50Verdict = verdict(d.Single.Failed == 0 && d.Single.P50Ms > 0 && d.Single.P50Ms < targetSingleP50Ms)
	var ours, noop, ratios []float64
	failed := 0
	for _, r := range d.Rounds {
		ours, noop, ratios = append(ours, r.Ours.PerSecond), append(noop, r.Noop.PerSecond), append(ratios, r.Ratio)
		failed += r.Ours.Failed
	}
	d.OursPerSecond, d.NoopPerSecond, d.ThroughputRate = median(ours), median(noop), median(ratios)
	d.RatioVerdict = verdict(failed == 0 && d.ThroughputRate >= targetDeployRatio)
}

func (d *deployReport) writeText(w io.Writer) {
	fmt.Fprintln(w, "\ndeployments (POST to deployed, offline provider; one at a time polled every 20 ms, all at once told by WebSocket) beside a no-op workflow on the same dev server:")
	fmt.Fprintln(w, "  "+d.Single.line())
	fmt.Fprintln(w, "  "+d.SingleNoop.line())
	show := func(name string, r roundPair) {
		fmt.Fprintf(w, "  %s: ours %.2f/s, no-op %.2f/s, ratio %.2fx\n", name, r.Ours.PerSecond, r.Noop.PerSecond, r.Ratio)
		fmt.Fprintln(w, "    "+r.Ours.line())
		fmt.Fprintln(w, "    "+r.Noop.line())
	}
	if d.Warmup != nil {
		show("warm-up round (not judged)", *d.Warmup)
	}
	for i, r := range d.Rounds {
		show(fmt.Sprintf("round %d", i+1), r)
	}
	fmt.Fprintf(w, "target single deploy p50 < %.0fms: %.0fms -> %s\n", targetSingleP50Ms, d.Single.P50Ms, d.P50Verdict)
	if len(d.Rounds) > 0 {
		fmt.Fprintf(w, "target throughput >= %.1fx no-op at %d concurrent, over %d rounds: medians %.2f/s and %.2f/s, median ratio %.2fx -> %s\n",
			targetDeployRatio, d.Rounds[0].Ours.Concurrency, len(d.Rounds), d.OursPerSecond, d.NoopPerSecond, d.ThroughputRate, d.RatioVerdict)
	}
	if d.S3 != nil {
		d.S3.writeText(w)
	}
	if d.Approvals != nil {
		d.Approvals.writeText(w)
	}
}
