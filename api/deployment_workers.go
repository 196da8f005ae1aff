package api

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// TaskQueues reports which of the platform's task queues no worker polls
// (workflows.Client does, with Temporal's DescribeTaskQueue).
type TaskQueues interface {
	UnpolledQueues(ctx context.Context, queues ...string) ([]string, error)
}

// workerWait tells a client that an active deployment cannot go on until a
// worker polls queue: without one it would wait silently.
type workerWait struct {
	Queue   string `json:"queue"`
	Message string `json:"message"`
}

const (
	// workerCheckTTL is how long one look at the task queues serves every
	// request, so polling clients do not turn into Temporal calls.
	workerCheckTTL = 5 * time.Second
	// workerCheckTimeout bounds a look; a slow Temporal leaves the field out.
	workerCheckTimeout = 2 * time.Second
)

// queuesFor lists the task queues a deployment in status needs a worker on,
// the one its current step runs on first: the workflow and its bookkeeping
// run on the platform queue, generate, build and publish on the deploy queue.
// A queued deployment needs both: the workflow starts on the platform queue
// and its first step, generate, is what marks it generating once a deploy
// worker takes it.
func queuesFor(status string) []string {
	switch status {
	case models.DeployGenerating, models.DeployBuilding, models.DeployPublishing:
		return []string{workflows.DeployQueue, workflows.PlatformQueue}
	case models.DeployQueued:
		return []string{workflows.PlatformQueue, workflows.DeployQueue}
	case models.DeployPendingApproval, models.DeployVerifying:
		return []string{workflows.PlatformQueue}
	}
	return nil
}

// workerWatch caches which task queues have no worker, refreshed at most
// every ttl by one caller while the others wait for its answer.
type workerWatch struct {
	src TaskQueues
	ttl time.Duration
	log *slog.Logger

	mu       sync.Mutex
	checked  time.Time
	unpolled map[string]bool // nil when the last look failed: nothing is claimed
}

func newWorkerWatch(src TaskQueues, ttl time.Duration, log *slog.Logger) *workerWatch {
	if src == nil {
		return nil
	}
	return &workerWatch{src: src, ttl: ttl, log: log}
}

// unpolledQueues is the cached set of queues without a worker; nil when
// unknown (no watcher, or Temporal did not answer).
func (w *workerWatch) unpolledQueues(ctx context.Context) map[string]bool {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.checked.IsZero() && time.Since(w.checked) < w.ttl {
		return w.unpolled
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workerCheckTimeout)
	defer cancel()
	qs, err := w.src.UnpolledQueues(cctx, workflows.Queues...)
	w.checked = time.Now()
	if err != nil {
		w.log.WarnContext(ctx, "checking task queues for workers failed", "error", err.Error())
		w.unpolled = nil
		return nil
	}
	w.unpolled = make(map[string]bool, len(qs))
	for _, q := range qs {
		w.unpolled[q] = true
	}
	return w.unpolled
}

// waitingFor says which worker an active deployment waits for, or nil when
// it is finished, every queue it needs is polled, or that is unknown.
func (s *Server) waitingFor(ctx context.Context, d models.Deployment) *workerWait {
	need := queuesFor(d.Status)
	if len(need) == 0 {
		return nil
	}
	unpolled := s.workers.unpolledQueues(ctx)
	var missing []string
	for _, q := range need {
		if unpolled[q] {
			missing = append(missing, q)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	noun := "task queue "
	if len(missing) > 1 {
		noun = "task queues "
	}
	return &workerWait{Queue: missing[0], Message: "waiting for a worker on " + noun + strings.Join(missing, " and ")}
}
