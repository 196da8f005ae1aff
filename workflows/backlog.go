package workflows

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Backlog is the approximate number of tasks waiting on a task queue for a
// worker, by kind: workflow tasks (a workflow to start or go on) and
// activity tasks (generate, build, publish, bookkeeping).
type Backlog struct {
	Workflow, Activity int64
}

// Backlogs reads task queue backlogs from Temporal (DescribeTaskQueue with
// report_stats), so an autoscaler can scale a queue's workers, from zero too.
type Backlogs struct {
	c         client.Client
	namespace string
}

// NewBacklogs reads the backlogs of namespace's task queues.
func NewBacklogs(c client.Client, namespace string) *Backlogs {
	return &Backlogs{c: c, namespace: namespace}
}

// Backlog describes queue once per task kind. The count is the server's
// approximation: tasks added minus tasks dispatched, over every partition.
func (b *Backlogs) Backlog(ctx context.Context, queue string) (Backlog, error) {
	var out Backlog
	for typ, n := range map[enumspb.TaskQueueType]*int64{
		enumspb.TASK_QUEUE_TYPE_WORKFLOW: &out.Workflow,
		enumspb.TASK_QUEUE_TYPE_ACTIVITY: &out.Activity,
	} {
		resp, err := b.c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace:     b.namespace,
			TaskQueue:     &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: typ,
			ReportStats:   true,
		})
		if err != nil {
			return Backlog{}, fmt.Errorf("describe task queue %s (%s): %w", queue, typ, err)
		}
		*n = resp.GetStats().GetApproximateBacklogCount()
	}
	return out, nil
}
