package scaleout_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// deployments is how many deployments go live, alternating between the two
// API instances; the first is the one whose deploy worker is killed in its
// build step.
const deployments = 20

// figures are what the run measured, for the summary line.
type figures struct {
	live, kills                       int
	killedAfter, victimLive, takeover time.Duration
	deltas, allowed, refused          int
}

func TestScaleOutNoSharedDisk(t *testing.T) {
	start := time.Now()
	c := startCluster(t)
	t.Logf("cluster started in %s", time.Since(start).Round(10*time.Millisecond))
	var f figures
	admin := devLogin(t, c.api[0].base, "admin@scaleout.test")
	if !t.Run("DeploymentsSurviveADeployWorkerKilledInBuild", func(t *testing.T) { c.deployments(t, admin, &f) }) {
		return
	}
	t.Run("ChatDeltasReachTheOtherInstance", func(t *testing.T) { c.chatDeltas(t, admin.as(t, c.api[0].base), &f) })
	t.Run("RateLimitHoldsAcrossInstances", func(t *testing.T) { c.rateLimit(t, &f) })
	t.Run("OneReconcilerLeaderTakenOverOnKill", func(t *testing.T) { c.reconcilerLeader(t, &f) })
	t.Run("NothingOnDisk", c.nothingOnDisk)

	wall := time.Since(start)
	t.Logf("deployments live: %d of %d through 2 api instances (each served byte for byte by both)", f.live, deployments)
	t.Logf("kills survived: %d (a deploy worker SIGKILLed %s into its build; that deployment live %s after the kill; the reconciler's leader api)",
		f.kills, f.killedAfter.Round(10*time.Millisecond), f.victimLive.Round(100*time.Millisecond))
	t.Logf("chat deltas heard on the other instance: %d of %d; rate limit: %d allowed (limit %d), %d refused, over both instances",
		f.deltas, len(chatWords), f.allowed, chatPerMinute, f.refused)
	t.Logf("reconciler takeover after the leader's SIGKILL: %s; wall time %s", f.takeover.Round(10*time.Millisecond), wall.Round(100*time.Millisecond))
	fmt.Printf("scaleout: %d/%d deployments live on 2 api + 1 platform + 2 deploy workers (no shared disk, S3, Redis), kills survived %d, victim live %s after its worker's kill, reconciler takeover %s, chat deltas across instances %d/%d, rate limit %d/%d allowed across instances, wall %s\n",
		f.live, deployments, f.kills, f.victimLive.Round(100*time.Millisecond), f.takeover.Round(10*time.Millisecond),
		f.deltas, len(chatWords), f.allowed, chatPerMinute, wall.Round(100*time.Millisecond))
}

// deployments deploys through both API instances while a deploy worker is
// killed with SIGKILL in the first deployment's build step; all go live
// and both instances serve each app byte for byte the same.
func (c *cluster) deployments(t *testing.T, admin *apiClient, f *figures) {
	clients := [2]*apiClient{admin.as(t, c.api[0].base), admin.as(t, c.api[1].base)}
	projects := make([]string, deployments)
	names := make([]string, deployments)
	for i := range projects {
		names[i] = fmt.Sprintf("Scale Out App %02d", i)
		projects[i] = clients[i%2].project(names[i], "patient-intake", names[i]+" "+randomHex(3))
	}

	// The first deployment's build is held at its first read from S3, on
	// whichever deploy worker takes it.
	caught := make(chan string, 2)
	for _, g := range c.gate {
		g.arm(caught)
	}
	ids := make([]string, deployments)
	ids[0] = clients[0].deploy(projects[0]).ID
	var victim int
	select {
	case name := <-caught:
		if name == c.gate[1].name {
			victim = 1
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("the first deployment's build never read from S3: %+v", clients[0].deployment(ids[0]))
	}
	for _, g := range c.gate {
		g.disarm()
	}
	survivor := 1 - victim
	// The API shows the deployment in its build step.
	deadline := time.Now().Add(30 * time.Second)
	for d := clients[1].deployment(ids[0]); d.step("build") != "running"; d = clients[1].deployment(ids[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("deployment %s held in its build shows %+v", ids[0], d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	buildSeen := time.Now()
	t.Logf("deployment %s is in its build step on %s", ids[0], c.deployWorker[victim].name)

	// The others start through both instances; once some are under way,
	// the worker holding the build dies (well within the minute the S3
	// client waits for an answer, so the held read is still held).
	for i := 1; i < deployments; i++ {
		ids[i] = clients[i%2].deploy(projects[i]).ID
	}
	deadline = time.Now().Add(40 * time.Second)
	for {
		started := 0
		for i, id := range ids[1:] {
			if len(clients[i%2].deployment(id).Steps) > 0 {
				started++
			}
		}
		if started >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d deployments started within 40s", started)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d := clients[0].deployment(ids[0]); d.step("build") != "running" {
		t.Fatalf("the held deployment left its build step: %+v", d)
	}
	c.deployWorker[victim].kill()
	killed := time.Now()
	f.kills++
	f.killedAfter = killed.Sub(buildSeen)
	t.Logf("SIGKILLed %s %s after its build started; %s goes on", c.deployWorker[victim].name,
		f.killedAfter.Round(10*time.Millisecond), c.deployWorker[survivor].name)

	// Every deployment goes live: the killed build again on the other worker.
	live := make([]deployment, deployments)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clients[(i+1)%2] // read through the other instance
			deadline := time.Now().Add(150 * time.Second)
			for {
				d, err := cl.getDeployment(id)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Status == "deployed" || d.Status == "failed" || d.Status == "cancelled" || time.Now().After(deadline) {
					mu.Lock()
					live[i] = d
					if i == 0 {
						f.victimLive = time.Since(killed)
					}
					mu.Unlock()
					return
				}
				time.Sleep(250 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	digests := map[string]bool{}
	for i, d := range live {
		if d.Status != "deployed" {
			t.Errorf("deployment %d (%s) is %q: %s", i, ids[i], d.Status, d.Error)
			continue
		}
		digests[d.ArtifactDigest] = true
		f.live++
	}
	if t.Failed() {
		t.FailNow()
	}
	if len(digests) != deployments {
		t.Fatalf("%d distinct artifacts for %d different apps", len(digests), deployments)
	}
	t.Logf("%d deployments live; the killed build's deployment %s after the kill", f.live, f.victimLive.Round(100*time.Millisecond))

	// Each live app, by its own origin, from both apps hosts: byte for byte the same.
	for i, d := range live {
		u, err := url.Parse(d.URL)
		if err != nil || u.Host == "" {
			t.Fatalf("deployment %s URL %q", d.ID, d.URL)
		}
		code1, etag1, body1 := fetchApp(t, c.api[0].apps, u.Host)
		code2, etag2, body2 := fetchApp(t, c.api[1].apps, u.Host)
		if code1 != 200 || code2 != 200 || !bytes.Equal(body1, body2) || etag1 != etag2 {
			t.Fatalf("%s: api-1 answers %d (ETag %s, %d bytes), api-2 %d (ETag %s, %d bytes)", d.URL, code1, etag1, len(body1), code2, etag2, len(body2))
		}
		if !bytes.Contains(body1, []byte(names[i])) {
			t.Fatalf("%s is not %s's app:\n%s", d.URL, names[i], body1)
		}
	}
}

// chatDeltas sends a chat message to one instance while a WebSocket of
// the other is subscribed to the session's stream: every delta reaches
// it, once and in order.
func (c *cluster) chatDeltas(t *testing.T, admin *apiClient, f *figures) {
	project := admin.project("Scale Out Chat", "patient-intake", "Chat App")
	var cs struct{ ID, Stream string }
	admin.call("POST", "/api/chat/sessions", map[string]any{"projectId": project, "sessionType": "template_config"}, 201, &cs)
	ws := dialSocket(t, c.api[1].base, admin.token, cs.Stream)
	// Sent through api-1, heard on api-2.

	status, text, refusal, _ := admin.chat(cs.ID, "Hello from the other instance")
	if status != 200 || text != chatAnswer() || refusal != "" {
		t.Fatalf("chat on api-1: %d %q %s", status, text, refusal)
	}
	var got []string
	timeout := time.After(10 * time.Second)
	for strings.Join(got, "") != chatAnswer() {
		select {
		case fr, ok := <-ws.frames:
			if !ok {
				t.Fatalf("the WebSocket on api-2 closed after deltas %q", got)
			}
			if fr.Type == "chat.delta" && fr.Stream == cs.Stream {
				got = append(got, fr.Delta)
			}
		case <-timeout:
			f.deltas = len(got)
			t.Fatalf("the WebSocket on api-2 got deltas %q within 10s, want %q", got, chatWords)
		}
	}
	f.deltas = len(got)
	if len(got) != len(chatWords) {
		t.Fatalf("deltas on api-2: %q, want each of %q once", got, chatWords)
	}
	// Nothing more: no delta twice.
	select {
	case fr := <-ws.frames:
		if fr.Type == "chat.delta" {
			t.Fatalf("a delta came again: %+v", fr)
		}
	case <-time.After(500 * time.Millisecond):
	}
}

// rateLimit spends a user's chat messages through both instances at once:
// exactly the limit is allowed in all, and then either instance refuses.
func (c *cluster) rateLimit(t *testing.T, f *figures) {
	user := devLogin(t, c.api[0].base, "quota-"+randomHex(3)+"@scaleout.test")
	clients := [2]*apiClient{user, user.as(t, c.api[1].base)}
	project := user.project("Quota Project", "patient-intake", "Quota App")
	const tries = 8
	sessions := make([]string, tries+2)
	for i := range sessions {
		var cs struct{ ID string }
		clients[i%2].call("POST", "/api/chat/sessions", map[string]any{"projectId": project, "sessionType": "template_config"}, 201, &cs)
		sessions[i] = cs.ID
	}
	chatsBefore := c.ai.chats.Load()
	began := time.Now()
	statuses := make([]int, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _, _ = clients[i%2].chat(sessions[i], fmt.Sprintf("message %d", i))
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		switch s {
		case 200:
			f.allowed++
		case 429:
			f.refused++
		default:
			t.Fatalf("chat message %d answered %d", i, s)
		}
	}
	// One more through each instance: refused by both.
	for i := range 2 {
		status, _, body, retryAfter := clients[i].chat(sessions[tries+i], "one more")
		if status != 429 || !strings.Contains(body, "chat_per_minute") || retryAfter == "" {
			t.Fatalf("one more message on api-%d: %d %s (Retry-After %q)", i+1, status, body, retryAfter)
		}
		f.refused++
	}
	took := time.Since(began)
	if refill := time.Minute / chatPerMinute; took >= refill {
		t.Fatalf("the burst took %s, longer than the bucket takes to refill one message (%s): the count below means nothing", took, refill)
	}
	if f.allowed != chatPerMinute {
		t.Fatalf("%d of %d messages allowed over both instances, want the limit %d", f.allowed, tries, chatPerMinute)
	}
	if n := int(c.ai.chats.Load() - chatsBefore); n != chatPerMinute {
		t.Fatalf("the model was asked %d times, want %d", n, chatPerMinute)
	}
}

// reconcilerLeader checks that exactly one instance runs the reconciler,
// kills it, and times the other's takeover.
func (c *cluster) reconcilerLeader(t *testing.T, f *figures) {
	const name = "platform_reconciler_leader"
	read := func(a *apiNode) float64 {
		v, found, err := gauge(a.metrics, name)
		if err != nil {
			t.Fatalf("%s metrics: %v", a.name, err)
		}
		if !found {
			t.Fatalf("%s serves no %s on METRICS_ADDR", a.name, name)
		}
		return v
	}
	leader := -1
	deadline := time.Now().Add(30 * time.Second)
	for leader < 0 {
		v0, v1 := read(c.api[0]), read(c.api[1])
		switch {
		case v0 == 1 && v1 == 0:
			leader = 0
		case v0 == 0 && v1 == 1:
			leader = 1
		case v0 == 1 && v1 == 1:
			t.Fatalf("both api instances report %s 1", name)
		case time.Now().After(deadline):
			t.Fatalf("no reconciler leader within 30s: %s %v and %v", name, v0, v1)
		default:
			time.Sleep(100 * time.Millisecond)
		}
	}
	other := c.api[1-leader]
	t.Logf("%s leads the reconciler", c.api[leader].name)
	c.api[leader].kill()
	killed := time.Now()
	f.kills++
	for read(other) != 1 {
		// The lock is free once Postgres sees the connection gone; the
		// follower tries every leaderRetry and waits one more with the lock.
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("%s did not take the reconciler over within 10s of the leader's SIGKILL", other.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.takeover = time.Since(killed)
	t.Logf("%s took the reconciler over %s after the leader's SIGKILL", other.name, f.takeover.Round(10*time.Millisecond))
	if !strings.Contains(other.logs(), "reconciler leadership acquired") {
		t.Errorf("%s did not log \"reconciler leadership acquired\"", other.name)
	}
	// The survivor keeps serving.
	if err := waitReady(other.base, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// nothingOnDisk checks that no process put an artifact in its private
// folder: they share them only through S3.
func (c *cluster) nothingOnDisk(t *testing.T) {
	for _, p := range c.procs {
		var files []string
		_ = filepath.WalkDir(filepath.Join(p.dir, "artifacts"), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if len(files) > 0 {
			t.Errorf("%s stored %d files in its ARTIFACTS_DIR, e.g. %s", p.name, len(files), files[0])
		}
		if _, err := os.Stat(filepath.Join(p.dir, "data")); err == nil {
			t.Errorf("%s made a data folder in its working directory", p.name)
		}
	}
}
