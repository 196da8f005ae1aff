package e2e_test

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fault matrix: with the real Temporal dev server, Postgres, api and
// worker processes, deployments are held at each pipeline step (a business
// user's waits for approval; the others are held inside the step's activity
// by the `faults` build's hook) while a fault hits the running platform.
// Then the holds are lifted and every deployment must end exactly once, in
// the expected state, with the invariants of checkInvariants.
//
// `make test` runs one round of every fault; `make chaos` runs
// FAULT_ROUNDS rounds (default 5).

var matrixSteps = []string{"approval", "generate", "build", "publish", "live", "verify"}

// stepActivity is where the faults hook holds a step: the start of the
// step's activity, or (live) inside Publish once the release is live.
var stepActivity = map[string]string{"generate": "GenerateSource", "build": "Build", "publish": "Publish", "live": "PublishLive", "verify": "Verify"}

// fault is one way the platform breaks while deployments are in flight.
type fault struct {
	name   string
	want   string // the terminal status each deployment must reach
	inject func(s *faultStack, held []*heldDeployment)
}

var faultKinds = []fault{
	{"worker SIGKILL", "deployed", func(s *faultStack, _ []*heldDeployment) {
		kill(s.worker)
		s.startWorker()
	}},
	{"api SIGKILL", "deployed", func(s *faultStack, _ []*heldDeployment) {
		kill(s.api)
		s.startAPI()
	}},
	{"temporal restart", "deployed", func(s *faultStack, _ []*heldDeployment) {
		s.restartTemporal()
	}},
	{"postgres connections terminated", "deployed", func(s *faultStack, _ []*heldDeployment) {
		// Twice, a moment apart, so pools that reconnected at once lose
		// their new sessions too while the holds are lifted.
		n := s.terminateConnections()
		time.Sleep(300 * time.Millisecond)
		n += s.terminateConnections()
		s.t.Logf("terminated %d platform sessions", n)
	}},
	{"cancel", "cancelled", func(s *faultStack, held []*heldDeployment) {
		for _, h := range held {
			h.owner.call("POST", "/api/deployments/"+h.id+"/cancel", nil, http.StatusAccepted, nil)
		}
	}},
}

// heldDeployment is one deployment of a round, stopped at its step.
type heldDeployment struct {
	step       string
	owner      *apiClient
	projectID  string
	id         string
	approvalID string
}

// matrixCell counts the outcomes of one fault at one step.
type matrixCell map[string]int

func TestFaultMatrix(t *testing.T) {
	rounds := 1
	if v := os.Getenv("FAULT_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FAULT_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
	}
	s := newFaultStack(t)
	results := map[string]map[string]matrixCell{}
	var all []*heldDeployment
	for r := range rounds {
		for _, f := range faultKinds {
			held := s.faultRound(f, r)
			row := results[f.name]
			if row == nil {
				row = map[string]matrixCell{}
				results[f.name] = row
			}
			for _, h := range held {
				d := h.owner.waitStatus(h.id, 3*time.Minute, "deployed", "failed", "cancelled", "rejected", "expired")
				if row[h.step] == nil {
					row[h.step] = matrixCell{}
				}
				row[h.step][d.Status]++
				if d.Status != f.want {
					t.Errorf("%s at %s: deployment %s ended %s (%s), want %s", f.name, h.step, h.id, d.Status, d.Error, f.want)
				}
			}
			all = append(all, held...)
		}
		for _, row := range s.apiKillAfterInsert(r) {
			cell := results["api SIGKILL after insert"]
			if cell == nil {
				cell = map[string]matrixCell{}
				results["api SIGKILL after insert"] = cell
			}
			d := row.owner.waitStatus(row.id, 3*time.Minute, "deployed", "failed", "cancelled", "rejected", "expired")
			if cell["request"] == nil {
				cell["request"] = matrixCell{}
			}
			cell["request"][d.Status]++
			if d.Status != "deployed" {
				t.Errorf("api SIGKILL after insert (%s): deployment %s ended %s (%s), want deployed", row.step, row.id, d.Status, d.Error)
			}
			all = append(all, row)
		}
	}
	t.Log("\n" + formatMatrix(results))
	s.checkInvariants(all)
}

// faultRound starts one deployment per step, holds each at its step,
// injects the fault, lifts the holds and approves the approval.
func (s *faultStack) faultRound(f fault, round int) []*heldDeployment {
	s.t.Helper()
	s.touch("hold-GenerateSource-ALL")
	var held []*heldDeployment
	for _, step := range matrixSteps {
		owner := s.adminUser
		if step == "approval" {
			owner = s.bizUser
		}
		name := fmt.Sprintf("Fault %d %s %s", round, strings.Fields(f.name)[0], step)
		h := &heldDeployment{step: step, owner: owner}
		h.projectID = owner.project(name, "order-tracking", map[string]any{"appName": name})
		var d struct {
			ID         string
			ApprovalID *string
		}
		owner.call("POST", "/api/projects/"+h.projectID+"/deployments", nil, http.StatusAccepted, &d)
		h.id = d.ID
		if d.ApprovalID != nil {
			h.approvalID = *d.ApprovalID
		}
		held = append(held, h)
	}
	for _, h := range held {
		switch h.step {
		case "approval":
			waitApprovalOpen(s.t, s.adminUser, h.approvalID)
			s.touch("pass-GenerateSource-" + h.id) // once approved, it runs on
		case "generate":
			s.waitFile("at-GenerateSource-"+h.id, 60*time.Second)
		default:
			s.waitFile("at-GenerateSource-"+h.id, 60*time.Second)
			s.touch("hold-" + stepActivity[h.step] + "-" + h.id)
			s.touch("pass-GenerateSource-" + h.id)
			s.waitFile("at-"+stepActivity[h.step]+"-"+h.id, 60*time.Second)
			if h.step == "live" {
				var live *string
				if err := s.db.QueryRow(`SELECT live_deployment_id FROM projects WHERE id = $1`, h.projectID).Scan(&live); err != nil || live == nil || *live != h.id {
					s.t.Fatalf("held at live, deployment %s is not live (%v, %v)", h.id, live, err)
				}
			}
		}
	}
	s.t.Logf("round %d: %s with deployments held at %v", round, f.name, matrixSteps)
	f.inject(s, held)
	s.remove("hold-GenerateSource-ALL")
	for _, h := range held {
		s.remove("hold-" + stepActivity[h.step] + "-" + h.id)
		if h.step == "approval" && f.want != "cancelled" {
			s.approve(h.approvalID)
		}
	}
	return held
}

// apiKillAfterInsert kills the API between storing a deployment and
// starting its workflow, for an admin's and a business user's deployment;
// the restarted API's reconciler must start both.
func (s *faultStack) apiKillAfterInsert(round int) []*heldDeployment {
	s.t.Helper()
	var out []*heldDeployment
	for _, who := range []string{"admin", "business"} {
		owner := s.adminUser
		if who == "business" {
			owner = s.bizUser
		}
		name := fmt.Sprintf("Fault %d insert %s", round, who)
		h := &heldDeployment{step: who, owner: owner}
		h.projectID = owner.project(name, "order-tracking", map[string]any{"appName": name})
		s.touch("kill-api.after_insert")
		req, _ := http.NewRequest(http.MethodPost, s.base+"/api/projects/"+h.projectID+"/deployments", nil)
		req.Header.Set("Authorization", "Bearer "+owner.token)
		if resp, err := httpClient.Do(req); err == nil {
			resp.Body.Close()
			s.t.Fatalf("the API answered %d instead of dying after the insert", resp.StatusCode)
		}
		<-s.api.done
		s.startAPI()
		var list []struct {
			ID         string
			ApprovalID *string
		}
		owner.call("GET", "/api/projects/"+h.projectID+"/deployments", nil, http.StatusOK, &list)
		if len(list) != 1 {
			s.t.Fatalf("%d deployments stored for the killed request, want 1", len(list))
		}
		h.id = list[0].ID
		if who == "business" {
			if list[0].ApprovalID == nil {
				s.t.Fatal("the business user's deployment has no approval")
			}
			h.approvalID = *list[0].ApprovalID
			waitApprovalOpen(s.t, s.adminUser, h.approvalID)
			s.approve(h.approvalID)
		}
		out = append(out, h)
	}
	return out
}

// approve decides as the admin would in the web app: while the workers
// reconnect after a fault the API answers 503 worker_unavailable, and the
// admin tries again until the approval is decided.
func (s *faultStack) approve(approvalID string) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, raw := s.adminUser.send("POST", "/api/approvals/"+approvalID+"/approve", map[string]string{"comment": "go"})
		body := string(raw)
		if status == http.StatusOK || (status == http.StatusConflict && strings.Contains(body, "already approved")) {
			return // an earlier try, answered 503, went through after all
		}
		var a approval
		s.adminUser.call("GET", "/api/approvals/"+approvalID, nil, http.StatusOK, &a)
		if a.Status == "approved" {
			return
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			s.t.Fatalf("approve %s: %d %s (approval %s)", approvalID, status, body, a.Status)
		}
		time.Sleep(time.Second)
	}
}

func formatMatrix(results map[string]map[string]matrixCell) string {
	cols := append(append([]string{}, matrixSteps...), "request")
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s", "fault \\ step")
	for _, c := range cols {
		fmt.Fprintf(&b, "| %-14s", c)
	}
	b.WriteString("\n")
	rows := []string{}
	for _, f := range faultKinds {
		rows = append(rows, f.name)
	}
	rows = append(rows, "api SIGKILL after insert")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-34s", r)
		for _, c := range cols {
			cell := results[r][c]
			txt := "-"
			if len(cell) > 0 {
				var parts []string
				for _, status := range slices.Sorted(maps.Keys(cell)) {
					parts = append(parts, fmt.Sprintf("%d %s", cell[status], status))
				}
				txt = strings.Join(parts, ", ")
			}
			fmt.Fprintf(&b, "| %-14s", txt)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkInvariants asserts, from the database and Temporal, what must hold
// after every fault: each deployment ended once; a deployed one has exactly
// one release and is live; a cancelled or failed one never stayed live; no
// project is left with an active deployment; no approval is pending without
// a workflow; each deployment's event stream has no gap and no duplicate.
func (s *faultStack) checkInvariants(all []*heldDeployment) {
	s.t.Helper()
	for _, h := range all {
		var status string
		var live *string
		var releases int
		err := s.db.QueryRow(`SELECT d.status, p.live_deployment_id,
			(SELECT count(*) FROM releases r WHERE r.deployment_id = d.id)
			FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1`, h.id).Scan(&status, &live, &releases)
		if err != nil {
			s.t.Fatalf("deployment %s: %v", h.id, err)
		}
		isLive := live != nil && *live == h.id
		switch status {
		case "deployed":
			if releases != 1 || !isLive {
				s.t.Errorf("deployed %s (%s): %d releases, live=%v; want 1 release, live", h.id, h.step, releases, isLive)
			}
		default:
			if releases != 0 || isLive {
				s.t.Errorf("%s %s (%s): %d releases, live=%v; want none, not live", status, h.id, h.step, releases, isLive)
			}
		}
		s.checkStream(h)
		if h.approvalID != "" {
			var astatus string
			if err := s.db.QueryRow(`SELECT status FROM approvals WHERE id = $1`, h.approvalID).Scan(&astatus); err != nil {
				s.t.Fatalf("approval %s: %v", h.approvalID, err)
			}
			want := map[string]string{"deployed": "approved", "cancelled": "cancelled"}[status]
			if astatus != want {
				s.t.Errorf("approval %s of %s deployment %s is %s, want %s", h.approvalID, status, h.id, astatus, want)
			}
		}
	}
	var active int
	if err := s.db.QueryRow(`SELECT count(*) FROM deployments WHERE status NOT IN ('deployed','failed','cancelled','rolled_back','rejected','expired')`).Scan(&active); err != nil {
		s.t.Fatal(err)
	}
	if active != 0 {
		s.t.Errorf("%d deployments are still active: their projects are blocked", active)
	}
	var pending int
	if err := s.db.QueryRow(`SELECT count(*) FROM approvals WHERE status = 'pending'`).Scan(&pending); err != nil {
		s.t.Fatal(err)
	}
	if pending != 0 {
		s.t.Errorf("%d approvals are still pending after every deployment ended", pending)
	}
}

// checkStream asserts the deployment's stream is 1..n without a gap and
// records each step start, step end, publication and finish at most once
// (the finish exactly once).
func (s *faultStack) checkStream(h *heldDeployment) {
	s.t.Helper()
	rows, err := s.db.Query(`SELECT seq, type, coalesce(data->>'step', '') FROM events WHERE stream = $1 ORDER BY seq`, "deployment:"+h.id)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]int{}
	var want int64 = 1
	for rows.Next() {
		var seq int64
		var typ, step string
		if err := rows.Scan(&seq, &typ, &step); err != nil {
			s.t.Fatal(err)
		}
		if seq != want {
			s.t.Errorf("deployment %s (%s): event seq %d, want %d (a gap)", h.id, h.step, seq, want)
		}
		want = seq + 1
		if typ != "deployment.generation_progress" {
			seen[typ+" "+step]++
		}
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	for k, n := range seen {
		if n > 1 {
			s.t.Errorf("deployment %s (%s): %q recorded %d times", h.id, h.step, k, n)
		}
	}
	if seen["deployment.finished "] != 1 {
		s.t.Errorf("deployment %s (%s): finished %d times, want exactly once", h.id, h.step, seen["deployment.finished "])
	}
}
