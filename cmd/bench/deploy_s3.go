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

// The deployment section's S3 side: the same deployments, all at once, with
// the artifacts on S3-compatible object storage (SeaweedFS, `weed mini`,
// started as the S3 tests start it) instead of a folder, so the figure is
// what the object store costs the pipeline.
//
// Each repetition, after the filesystem rounds, SeaweedFS starts (only
// then, so it does not load the machine during the other sections), the
// filesystem worker stops (two workers on one task queue would take each
// other's deployments), an api and a worker with ARTIFACTS_URL start on the
// same database and Temporal, deploy a warm-up batch (fresh processes; not
// judged) and -rounds batches, and everything stops; then the filesystem
// worker starts again.

const (
	targetS3Ratio = 0.8 // deployments/s with S3 ÷ with the filesystem
	s3Bucket      = "bench-artifacts"
	s3WarmupBatch = 10
)

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

// s3Report is one repetition's S3 deployments beside the filesystem's.
type s3Report struct {
	Warmup deployRun   `json:"warmup"`
	Rounds []deployRun `json:"rounds"`
	// PerSecond and FSPerSecond are the medians of the rounds with S3 and
	// of this repetition's filesystem rounds; Ratio is their quotient.
	PerSecond   float64 `json:"perSecondMedian"`
	FSPerSecond float64 `json:"filesystemPerSecondMedian"`
	Ratio       float64 `json:"ratio"`
	Verdict     string  `json:"verdict"`
}

// runS3 measures the S3 side of one repetition; fsPerSecond is the median
// throughput of its filesystem rounds.
func (d *deployBench) runS3(ctx context.Context, o options, s *deployStack, fsPerSecond float64, cpu *cpuLog) (rep *s3Report, err error) {
	store, err := startS3Store(ctx, d.weed)
	if err != nil {
		return nil, fmt.Errorf("start SeaweedFS: %w", err)
	}
	defer store.stop()
	s.stopWorker()
	defer func() {
		if werr := s.startWorker(o.platform, d.dbURL); werr != nil {
			err = errors.Join(err, fmt.Errorf("restart the filesystem worker: %w", werr))
		}
	}()
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	env := append([]string{
		"TEMPORAL_ADDRESS=" + s.temporal.Address(),
		"APPS_ADDR=127.0.0.1:" + ports[0], "APPS_BASE_URL=http://localhost:" + ports[0],
		"METRICS_ADDR=127.0.0.1:0",
	}, store.weed.Env(s3Bucket, "")...)
	api, err := startAPI(o.platform, d.dbURL, env...)
	if err != nil {
		return nil, err
	}
	defer func() {
		api.stop(10 * time.Second)
		if err != nil {
			logf("S3 api log: %s", api.logPath)
		} else {
			_ = os.Remove(api.logPath)
		}
	}()
	if err := api.waitHealthy(ctx, 30*time.Second); err != nil {
		return nil, fmt.Errorf("api with ARTIFACTS_URL: %w", err)
	}
	c := &apiClient{http: newClient(), base: "http://" + api.addr}
	if err := c.login(ctx); err != nil {
		return nil, err
	}
	worker, err := startWorkerProc(o.platform, append(env, "DATABASE_URL="+d.dbURL, "LOG_LEVEL=warn", "WORKER_QUEUES=platform,deploy"))
	if err != nil {
		return nil, fmt.Errorf("worker with ARTIFACTS_URL: %w", err)
	}
	defer stopProc(worker)

	rep = &s3Report{FSPerSecond: fsPerSecond}
	n := min(s3WarmupBatch, len(d.s3conc))
	logf("S3 warm-up: %d deployments at once with ARTIFACTS_URL (fresh api and worker; not judged)", n)
	if rep.Warmup, err = c.measureDeploys(ctx, "deployments on S3, warm-up (not judged)", d.s3conc[:n], n, cpu); err != nil {
		return nil, err
	}
	var perSecond []float64
	failed := 0
	for i := 1; i <= o.rounds; i++ {
		logf("S3 round %d of %d: %d deployments at once with ARTIFACTS_URL", i, o.rounds, o.deploys)
		r, err := c.measureDeploys(ctx, "deployments on S3, all at once", d.s3conc, o.deploys, cpu)
		if err != nil {
			return nil, err
		}
		rep.Rounds = append(rep.Rounds, r)
		perSecond = append(perSecond, r.PerSecond)
		failed += r.Failed
	}
	rep.PerSecond = median(perSecond)
	if fsPerSecond > 0 {
		rep.Ratio = rep.PerSecond / fsPerSecond
	}
	rep.Verdict = verdict(failed == 0 && fsPerSecond > 0 && rep.Ratio >= targetS3Ratio)
	return rep, nil
}

func (r *s3Report) writeText(w io.Writer) {
	fmt.Fprintln(w, "  the same, all at once, with the artifacts on S3 (SeaweedFS weed mini; its own api and worker, the filesystem worker stopped):")
	fmt.Fprintln(w, "    "+r.Warmup.line())
	for _, run := range r.Rounds {
		fmt.Fprintln(w, "    "+run.line())
	}
	if len(r.Rounds) > 0 {
		fmt.Fprintf(w, "target deployments/s with S3 ÷ with filesystem >= %.1fx at %d concurrent: medians %.2f/s and %.2f/s, %.2fx -> %s\n",
			targetS3Ratio, r.Rounds[0].Concurrency, r.PerSecond, r.FSPerSecond, r.Ratio, r.Verdict)
	}
}

// startWorkerProc runs `platform worker` with env on top of the bench's
// environment, logging to a temp file.
func startWorkerProc(platform string, env []string) (*exec.Cmd, error) {
	logf, err := os.CreateTemp("", "bench-worker-*.log")
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(platform, "worker")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
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
