package workflows

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
)

// Queues are the platform's task queues: workflows and light activities on
// PlatformQueue, code generation, build and publish on DeployQueue.
var Queues = []string{PlatformQueue, DeployQueue}

// pollerTypes are the kinds of task a worker of a platform queue polls.
var pollerTypes = []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY}

// UnpolledQueues returns those of queues that no worker polls: Temporal's
// DescribeTaskQueue lists no workflow and no activity poller for them. The
// server keeps a poller listed for 5 minutes after its last poll (its
// matching.PollerHistoryTTL), so a worker that stops shows as gone only
// after that; one that never ran, at once. Work on an unpolled queue waits
// until a worker comes.
func (w *Client) UnpolledQueues(ctx context.Context, queues ...string) ([]string, error) {
	var unpolled []string
	for _, q := range queues {
		polled := false
		for _, typ := range pollerTypes {
			resp, err := w.c.DescribeTaskQueue(ctx, q, typ)
			if err != nil {
				return nil, fmt.Errorf("describe task queue %s: %w", q, err)
			}
			if len(resp.GetPollers()) > 0 {
				polled = true
				break
			}
		}
		if !polled {
			unpolled = append(unpolled, q)
		}
	}
	return unpolled, nil
}
