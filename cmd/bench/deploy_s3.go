package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/forgeai/platform/internal/tests3"
)

// The deployment section's store comparison: the same deployments, all at
// once, with the artifacts in a folder and on S3-compatible object storage
// (SeaweedFS, `weed mini`, started as the S3 tests start it), measured the
// same way side by side, so the figure is what the object store costs the
// pipeline and nothing else.
//
// Each repetition, after the no-op comparison and the approvals, SeaweedFS
// starts (only then, so it does not load the machine during the other
// sections; it runs while both stores are measured) and the long-lived
// worker stops (two workers on one task queue would take each other's
// deployments). Then, for each store in turn, an api and a worker start
// with that store (the filesystem: a fresh empty ARTIFACTS_DIR; S3: the
// fresh SeaweedFS's bucket, through ARTIFACTS_URL) on the section's
// database and Temporal, warm up (fresh processes, and on S3 a fresh
// SeaweedFS; not judged) with 10 deployments at once and then all the
// store's projects at once, deploy -rounds rounds of all its projects at
// once, and stop. Which store goes first alternates between repetitions.
// Last, SeaweedFS stops and the long-lived worker starts again.
//
// The two stores do not run side by side (each in a Temporal namespace of
// its own, their rounds could take turns): with the long-lived api, that
// would be five platform processes of up to 20 database connections each
// plus their listeners, more than a default Postgres's 100 (it answered
// "too many clients already").

const (
	targetS3Ratio = 0.8 // deployments/s with S3 ÷ with the filesystem
	s3Bucket      = "bench-artifacts"
	// storeWarmupFirst deployments at once are the first warm-up of a fresh
	// api and worker: 50 at once on a fresh api were once answered 500 (the
	// request's deadline passed while it created the deployment).
	storeWarmupFirst = 10

	storeFS = "filesystem"
	storeS3 = "S3"
)

// storeOrder is the order the stores are measured in, in the rep-th
// comparison (1-based): the filesystem first in odd ones, S3 first in even
// ones, so neither always has the machine as the other left it.
func storeOrder(rep int) []string {
	if rep%2 == 0 {
		return []string{storeS3, storeFS}
	}
	return []string{storeFS, storeS3}
}

// s3Store is SeaweedFS with the bench's bucket.
type s3Store struct {
	weed *tests3.Server
	dir  string
}

func startS3Store(ctx context.Context, weedPath string) (*s3Store, error) {
	dir, err := os.MkdirTemp("", "bench-weed-")
	if err != nil {
		return nil, err
	}
	srv, err := tests3.Start(ctx, weedPath, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s := &s3Store{weed: srv, dir: dir}
	mc, err := srv.Client()
	if err == nil {
		err = mc.MakeBucket(ctx, s3Bucket, minio.MakeBucketOptions{})
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("create bucket %s: %w", s3Bucket, err)
	}
	return s, nil
}

func (s *s3Store) stop() {
	_ = s.weed.Stop()
	_ = os.RemoveAll(s.dir)
}

// storeRun is one store's side of a comparison: its warm-up and its rounds.
type storeRun struct {
	Store     string      `json:"store"`
	Warmup    []deployRun `json:"warmup"`
	Rounds    []deployRun `json:"rounds"`
	PerSecond float64     `json:"perSecondMedian"`
}

// s3Report is one repetition's store comparison.
type s3Report struct {
	// Order is the order the stores were measured in.
	Order      []string `json:"order"`
	Filesystem storeRun `json:"filesystem"`
	S3         storeRun `json:"s3"`
	// PerSecond and FSPerSecond are the medians of the rounds with S3 and
	// with the filesystem; Ratio is their quotient.
	PerSecond   float64 `json:"perSecondMedian"`
	FSPerSecond float64 `json:"filesystemPerSecondMedian"`
	Ratio       float64 `json:"ratio"`
	Verdict     string  `json:"verdict"`
}

// judge sets the medians, the ratio and the verdict: every deployment of
// both sides deployed, and S3 at least targetS3Ratio of the filesystem.
func (r *s3Report) judge() {
	failed := 0
	for _, side := range []*storeRun{&r.Filesystem, &r.S3} {
		var perSecond []float64
		for _, run := range side.Rounds {
			perSecond = append(perSecond, run.PerSecond)
			failed += run.Failed
		}
		side.PerSecond = median(perSecond)
	}
	r.PerSecond, r.FSPerSecond, r.Ratio = r.S3.PerSecond, r.Filesystem.PerSecond, 0
	if r.FSPerSecond > 0 {
		r.Ratio = r.PerSecond / r.FSPerSecond
	}
	r.Verdict = verdict(failed == 0 && len(r.S3.Rounds) > 0 && r.FSPerSecond > 0 && r.Ratio >= targetS3Ratio)
}

// compareStores measures both stores in this repetition (see above).
func (d *deployBench) compareStores(ctx context.Context, o options, s *deployStack, cpu *cpuLog) (rep *s3Report, err error) {
	d.storeReps++
	weed, err := startS3Store(ctx, d.weed)
	if err != nil {
		return nil, fmt.Errorf("start SeaweedFS: %w", err)
	}
	defer weed.stop()
	dir, err := os.MkdirTemp("", "bench-artifacts-fs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s.stopWorker()
	defer func() {
		if werr := s.startWorker(o.platform, d.dbURL); werr != nil {
			err = errors.Join(err, fmt.Errorf("restart the long-lived worker: %w", werr))
		}
	}()
	rep = &s3Report{Order: storeOrder(d.storeReps)}
	for _, name := range rep.Order {
		side, projects, env := &rep.Filesystem, d.fsconc, []string{"ARTIFACTS_DIR=" + dir}
		if name == storeS3 {
			side, projects, env = &rep.S3, d.s3conc, weed.weed.Env(s3Bucket, "")
		}
		if *side, err = d.measureStore(ctx, o, s, name, projects, env, cpu); err != nil {
			return nil, fmt.Errorf("deployments on %s: %w", name, err)
		}
	}
	rep.judge()
	return rep, nil
}

// measureStore starts a pair with the store, warms it up, deploys its
// projects all at once in -rounds rounds and stops it.
func (d *deployBench) measureStore(ctx context.Context, o options, s *deployStack, name string, projects, env []string, cpu *cpuLog) (run storeRun, err error) {
	run.Store = name
	p, err := startStorePair(ctx, o, s, d.dbURL, name, projects, env)
	if err != nil {
		return run, err
	}
	defer func() { p.stop(err != nil) }()
	if run.Warmup, err = p.warmUp(ctx, cpu); err != nil {
		return run, err
	}
	for i := 1; i <= o.rounds; i++ {
		logf("store comparison, %s: round %d of %d, %d deployments at once", name, i, o.rounds, len(projects))
		r, err := p.round(ctx, cpu)
		if err != nil {
			return run, err
		}
		run.Rounds = append(run.Rounds, r)
	}
	return run, nil
}

// storePair is an api and a worker with one store, and the projects they
// deploy.
type storePair struct {
	name      string
	projects  []string
	api       *apiProc
	worker    *exec.Cmd
	workerLog string
	c         *apiClient
}

// startStorePair starts the pair on the section's database and Temporal
// with storeEnv (the store's variables) and signs in to its api.
func startStorePair(ctx context.Context, o options, s *deployStack, dbURL, name string, projects, storeEnv []string) (p *storePair, err error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	env := append([]string{
		"TEMPORAL_ADDRESS=" + s.temporal.Address(),
		"APPS_ADDR=127.0.0.1:" + ports[0], "APPS_BASE_URL=http://localhost:" + ports[0],
		"METRICS_ADDR=127.0.0.1:0",
	}, storeEnv...)
	p = &storePair{name: name, projects: projects}
	if p.api, err = startAPI(o.platform, dbURL, env...); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.stop(true)
		}
	}()
	if err := p.api.waitHealthy(ctx, 30*time.Second); err != nil {
		return p, fmt.Errorf("api: %w", err)
	}
	p.c = &apiClient{http: newClient(), base: "http://" + p.api.addr}
	if err := p.c.login(ctx); err != nil {
		return p, err
	}
	if p.worker, p.workerLog, err = startWorkerProc(o.platform, append(env, "DATABASE_URL="+dbURL, "LOG_LEVEL=warn", "WORKER_QUEUES=platform,deploy")); err != nil {
		return p, fmt.Errorf("worker: %w", err)
	}
	return p, nil
}

// warmUp deploys storeWarmupFirst projects at once, then all of them (not
// judged: fresh processes, and on S3 a fresh SeaweedFS). A warm-up of ten
// alone was too little: S3's first judged round was its slowest of five in
// 3 of 6 repetitions.
func (p *storePair) warmUp(ctx context.Context, cpu *cpuLog) ([]deployRun, error) {
	var runs []deployRun
	for _, n := range []int{min(storeWarmupFirst, len(p.projects)), len(p.projects)} {
		logf("store comparison, %s: warm-up, %d deployments at once (fresh api and worker; not judged)", p.name, n)
		run, err := p.c.measureDeploys(ctx, "deployments on "+p.name+", warm-up (not judged)", p.projects[:n], n, cpu)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// round deploys all the pair's projects at once.
func (p *storePair) round(ctx context.Context, cpu *cpuLog) (deployRun, error) {
	return p.c.measureDeploys(ctx, "deployments on "+p.name+", all at once", p.projects, len(p.projects), cpu)
}

// stop stops the worker (it drains) and then the api; their logs are kept
// (and named) when something failed.
func (p *storePair) stop(failed bool) {
	if p.worker != nil {
		stopProc(p.worker)
		if failed {
			logf("%s worker log: %s", p.name, p.workerLog)
		} else {
			_ = os.Remove(p.workerLog)
		}
		p.worker = nil
	}
	if p.api != nil {
		p.api.stop(10 * time.Second)
		if failed {
			logf("%s api log: %s", p.name, p.api.logPath)
		} else {
			_ = os.Remove(p.api.logPath)
		}
		p.api = nil
	}
}

func (r *s3Report) writeText(w io.Writer) {
	fmt.Fprintf(w, "  the same, all at once, filesystem beside S3 (SeaweedFS weed mini): for each store a fresh api and worker (the long-lived worker stopped) and projects of its own, a warm-up (not judged: %d at once, then all), then the rounds; order %s, then %s:\n",
		storeWarmupFirst, r.Order[0], r.Order[1])
	for _, name := range r.Order {
		side := r.Filesystem
		if name == storeS3 {
			side = r.S3
		}
		fmt.Fprintf(w, "    %s: median %.2f/s\n", name, side.PerSecond)
		for _, run := range side.Warmup {
			fmt.Fprintln(w, "      "+run.line())
		}
		for _, run := range side.Rounds {
			fmt.Fprintln(w, "      "+run.line())
		}
	}
	if len(r.S3.Rounds) > 0 {
		fmt.Fprintf(w, "target deployments/s with S3 ÷ with filesystem >= %.1fx at %d concurrent, measured side by side over %d rounds each: medians %.2f/s and %.2f/s, %.2fx -> %s\n",
			targetS3Ratio, r.S3.Rounds[0].Concurrency, len(r.S3.Rounds), r.PerSecond, r.FSPerSecond, r.Ratio, r.Verdict)
	}
}

// startWorkerProc runs `platform worker` with env on top of the bench's
// environment, logging to a temp file whose name it returns.
func startWorkerProc(platform string, env []string) (*exec.Cmd, string, error) {
	logf, err := os.CreateTemp("", "bench-worker-*.log")
	if err != nil {
		return nil, "", err
	}
	defer logf.Close()
	cmd := exec.Command(platform, "worker")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = os.Remove(logf.Name())
		return nil, "", err
	}
	return cmd, logf.Name(), nil
}

// stopProc interrupts a process (a worker drains its activities) and kills
// it after 15 s.
func stopProc(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
