package e2e_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/eventsclient"
)

func wsURL(httpBase string) string { return "ws" + strings.TrimPrefix(httpBase, "http") }

// collect reads events of stream until one of type until arrives.
func collect(t *testing.T, c *eventsclient.Client, stream, until string, timeout time.Duration) []eventsclient.Event {
	t.Helper()
	var got []eventsclient.Event
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("event channel closed after %d events", len(got))
			}
			if ev.Stream != stream {
				continue
			}
			got = append(got, ev)
			if ev.Type == until {
				return got
			}
		case <-deadline:
			t.Fatalf("no %s on %s within %s; got %d events", until, stream, timeout, len(got))
		}
	}
}

func assertContiguous(t *testing.T, evs []eventsclient.Event, from int64) {
	t.Helper()
	for i, ev := range evs {
		if ev.Seq != from+int64(i)+1 {
			t.Fatalf("event %d has seq %d, want %d (gap or duplicate)", i, ev.Seq, from+int64(i)+1)
		}
	}
}

func stepEvents(evs []eventsclient.Event) string {
	var out []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Type, "deployment.step_") {
			var step string
			if m := regexp.MustCompile(`"step":"(\w+)"`).FindSubmatch(ev.Data); m != nil {
				step = string(m[1])
			}
			out = append(out, strings.TrimPrefix(ev.Type, "deployment.")+":"+step)
		}
	}
	return strings.Join(out, ",")
}

// TestLiveProgressAcrossInstances: two API processes and a worker on
// Postgres; WebSocket clients on either instance receive every step event of
// a deployment in order, resume without gaps after a disconnect, and keep
// receiving after the Postgres listener connection is killed.
func TestLiveProgressAcrossInstances(t *testing.T) {
	s := newStack(t)
	s.worker("platform,deploy")
	api2 := start(t, append(append([]string{}, s.env...), "APPS_ADDR=127.0.0.1:0"), "api")
	base2 := "http://" + api2.waitLog(regexp.MustCompile(`"msg":"api listening","api":"([0-9.:]+)"`), 30*time.Second)
	waitReady(t, base2, 30*time.Second)

	admin := s.login("admin@example.com")
	projectID := admin.project("Live Progress", "kyc-onboarding", map[string]any{"appName": "Live KYC"})
	stream := "project:" + projectID
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	clients := make([]*eventsclient.Client, 2)
	for i, base := range []string{s.base, base2} {
		c, err := eventsclient.Dial(ctx, eventsclient.Options{URL: wsURL(base), Token: admin.token})
		if err != nil {
			t.Fatalf("dial api %d: %v", i+1, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if err := c.Subscribe(ctx, stream, 0); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}

	dep := admin.deploy(projectID)
	want := "step_started:generate,step_finished:generate,step_started:build,step_finished:build," +
		"step_started:publish,step_finished:publish,step_started:verify,step_finished:verify"
	var first []eventsclient.Event
	for i, c := range clients {
		evs := collect(t, c, stream, "deployment.finished", 60*time.Second)
		assertContiguous(t, evs, 0)
		if got := stepEvents(evs); got != want {
			t.Fatalf("client on api %d saw steps %s", i+1, got)
		}
		if i == 0 {
			first = evs
		} else if len(evs) != len(first) {
			t.Fatalf("instances disagree: %d vs %d events", len(first), len(evs))
		}
	}

	// Resume: read part of the deployment's stream, disconnect, resume after the last seq.
	depStream := "deployment:" + dep.ID
	c1, err := eventsclient.Dial(ctx, eventsclient.Options{URL: wsURL(base2), Token: admin.token})
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Subscribe(ctx, depStream, 0); err != nil {
		t.Fatal(err)
	}
	var part []eventsclient.Event
	for len(part) < 4 {
		part = append(part, <-c1.Events())
	}
	_ = c1.Close()
	c2, err := eventsclient.Dial(ctx, eventsclient.Options{URL: wsURL(s.base), Token: admin.token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c2.Close() })
	if err := c2.Subscribe(ctx, depStream, part[len(part)-1].Seq); err != nil {
		t.Fatal(err)
	}
	rest := collect(t, c2, depStream, "deployment.finished", 30*time.Second)
	assertContiguous(t, append(part, rest...), 0)

	// Kill the Postgres listener sessions of both API instances; events still arrive.
	db := openDB(t, s.env)
	var killed int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'platform-event-listener'`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed < 2 {
		t.Fatalf("terminated %d listener sessions, want 2", killed)
	}
	admin.call("PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Live KYC 2"}}, 200, nil)
	admin.deploy(projectID)
	for i, c := range clients {
		evs := collect(t, c, stream, "deployment.finished", 60*time.Second)
		assertContiguous(t, evs, first[len(first)-1].Seq)
		if got := stepEvents(evs); got != want {
			t.Fatalf("after listener kill, client %d saw %s", i+1, got)
		}
	}
}
