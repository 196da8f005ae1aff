package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/workflows"
)

// QueueBacklogs reads how many tasks wait on a task queue
// (workflows.Backlogs does, with Temporal's DescribeTaskQueue).
type QueueBacklogs interface {
	Backlog(ctx context.Context, queue string) (workflows.Backlog, error)
}

// backlogReadTimeout bounds one queue's read, so a slow Temporal delays the
// next refresh at most this long per queue.
const backlogReadTimeout = 5 * time.Second

// BacklogGauge exports each task queue's backlog for autoscalers:
// platform_task_queue_backlog{queue,type="workflow"|"activity"}. The API
// process keeps it (it always runs), so a queue's workers can be scaled
// from zero. A failed read keeps the last value and counts
// platform_task_queue_backlog_errors_total{queue}: a scrape never fails
// because Temporal did.
type BacklogGauge struct {
	src     QueueBacklogs
	queues  []string
	log     *slog.Logger
	backlog *prometheus.GaugeVec
	errors  *prometheus.CounterVec
}

// NewBacklogGauge registers the gauge and its error counter on reg.
func NewBacklogGauge(reg prometheus.Registerer, src QueueBacklogs, queues []string, log *slog.Logger) *BacklogGauge {
	g := &BacklogGauge{
		src: src, queues: queues, log: log,
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "platform", Subsystem: "task_queue", Name: "backlog",
			Help: "Approximate number of tasks waiting for a worker on a Temporal task queue, by task type (workflow, activity).",
		}, []string{"queue", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "platform", Subsystem: "task_queue", Name: "backlog_errors_total",
			Help: "Failed reads of a task queue's backlog; the gauge keeps its last value meanwhile.",
		}, []string{"queue"}),
	}
	for _, q := range queues {
		g.errors.WithLabelValues(q) // 0 from the start, so a rate() sees the first error
	}
	reg.MustRegister(g.backlog, g.errors)
	return g
}

// Run refreshes the gauge now and then every interval until ctx ends.
func (g *BacklogGauge) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		g.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads every queue's backlog once.
func (g *BacklogGauge) Refresh(ctx context.Context) {
	for _, q := range g.queues {
		rctx, cancel := context.WithTimeout(ctx, backlogReadTimeout)
		b, err := g.src.Backlog(rctx, q)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			g.errors.WithLabelValues(q).Inc()
			g.log.WarnContext(ctx, "task queue backlog unavailable", "queue", q, "error", err.Error())
			continue
		}
		g.backlog.WithLabelValues(q, "workflow").Set(float64(b.Workflow))
		g.backlog.WithLabelValues(q, "activity").Set(float64(b.Activity))
	}
}
