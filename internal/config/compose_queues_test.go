package config_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/worker"
)

// countingRegistry counts what a queue's registrations put on a worker
// (Nexus services, which the platform does not use, are left to the nil
// embedded Registry).
type countingRegistry struct {
	sdkworker.Registry
	n int
}

func (r *countingRegistry) RegisterWorkflow(any)                                         { r.n++ }
func (r *countingRegistry) RegisterWorkflowWithOptions(any, workflow.RegisterOptions)    { r.n++ }
func (r *countingRegistry) RegisterDynamicWorkflow(any, workflow.DynamicRegisterOptions) { r.n++ }
func (r *countingRegistry) RegisterActivity(any)                                         { r.n++ }
func (r *countingRegistry) RegisterActivityWithOptions(any, activity.RegisterOptions)    { r.n++ }
func (r *countingRegistry) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) { r.n++ }

// servedQueues are the task queues that have workflows or activities
// registered, as the worker package registers them.
func servedQueues(t *testing.T) []string {
	t.Helper()
	regs := worker.Queues(&activities.Deployment{}, &activities.Approvals{}, &activities.Onboarding{})
	var out []string
	for _, q := range worker.QueueNames() {
		var r countingRegistry
		for _, reg := range regs[q] {
			reg(&r)
		}
		if r.n > 0 {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		t.Fatal("no task queue has registrations; the registry walk is broken")
	}
	return out
}

// workerServices are the compose services that run `platform worker`.
func workerServices(c composeFile) map[string]composeService {
	out := map[string]composeService{}
	for name, s := range c.Services {
		if cmd := commandOf(s); len(cmd) > 0 && cmd[0] == "worker" {
			out[name] = s
		}
	}
	return out
}

func commandOf(s composeService) []string {
	switch v := s.Command.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		cmd := make([]string, len(v))
		for i, a := range v {
			cmd[i] = fmt.Sprint(a)
		}
		return cmd
	}
	return nil
}

// polledQueues is what a worker service polls: its -queues flag, else
// WORKER_QUEUES as compose resolves it, else the config default.
func polledQueues(t *testing.T, name string, s composeService) []string {
	t.Helper()
	raw, set := environment(t, name, s.Environment)["WORKER_QUEUES"]
	raw = interpolationDefault(raw)
	if !set {
		raw = defaultValue(t, "WORKER_QUEUES")
	}
	cmd := commandOf(s)
	for i, arg := range cmd {
		if v, ok := strings.CutPrefix(strings.TrimLeft(arg, "-"), "queues="); ok && strings.HasPrefix(arg, "-") {
			raw = v
		} else if strings.TrimLeft(arg, "-") == "queues" && strings.HasPrefix(arg, "-") && i+1 < len(cmd) {
			raw = cmd[i+1]
		}
	}
	var qs []string
	for _, q := range strings.Split(raw, ",") {
		if q = strings.TrimSpace(q); q != "" {
			qs = append(qs, q)
		}
	}
	return qs
}

// TestComposePollsEveryRegisteredQueue: every task queue that has workflows
// or activities registered is polled by some compose service, or work sent
// to it waits forever (the deploy queue once had no worker, and every
// deployment hung in generating).
func TestComposePollsEveryRegisteredQueue(t *testing.T) {
	c := loadCompose(t)
	workers := workerServices(c)
	if len(workers) == 0 {
		t.Fatal("docker-compose.yml has no service running `platform worker`")
	}
	polledBy := map[string][]string{}
	for name, s := range workers {
		qs := polledQueues(t, name, s)
		if len(qs) == 0 {
			t.Errorf("service %s polls no task queue", name)
		}
		for _, q := range qs {
			if !slices.Contains(worker.QueueNames(), q) {
				t.Errorf("service %s polls %q, which is not a task queue of the platform (%v); the worker would refuse to start", name, q, worker.QueueNames())
			}
			polledBy[q] = append(polledBy[q], name)
		}
	}
	for _, q := range servedQueues(t) {
		if len(polledBy[q]) == 0 {
			t.Errorf("task queue %q has registered workflows or activities, but no compose service polls it (WORKER_QUEUES of %v)", q, keys(workers))
		}
	}
}

// TestComposeWorkersArePerQueueAndScalable: one worker service per task
// queue (worker for platform, deploy-worker for deploy), each of which
// `docker compose up --scale <service>=N` can replicate: no fixed container
// name and no fixed host port.
func TestComposeWorkersArePerQueueAndScalable(t *testing.T) {
	c := loadCompose(t)
	for name, want := range map[string]string{"worker": "platform", "deploy-worker": "deploy"} {
		s := service(t, c, name)
		if got := polledQueues(t, name, s); !slices.Equal(got, []string{want}) {
			t.Errorf("service %s polls %v, want only %q so each queue scales on its own", name, got, want)
		}
	}
	for name, s := range workerServices(c) {
		if s.ContainerName != "" {
			t.Errorf("service %s sets container_name %q; --scale cannot run two containers of one name", name, s.ContainerName)
		}
		if len(s.Ports) > 0 {
			t.Errorf("service %s publishes ports %v; --scale would collide on the host port", name, s.Ports)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
