package owasp_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	temporal "go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/golang-jwt/jwt/v5"
)

type approvalView struct {
	ID, Status    string
	SubjectDigest string
	Ignored       []struct{ Signal, Reason string } `json:"ignoredSignals"`
	Decisions     []struct{ Email string }
}

// signal sends an approve or reject signal straight to an approval's
// workflow, as anyone who can reach Temporal (its UI or CLI) can.
func signal(t *testing.T, tc temporal.Client, approvalID, name string, input any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tc.SignalWorkflow(ctx, "approval-"+approvalID, "", name, input); err != nil {
		t.Fatalf("signal %s: %v", name, err)
	}
}

func TestAPI6_UnrestrictedAccessToSensitiveBusinessFlows(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	grace, err := p.newUser("grace")
	if err != nil {
		t.Fatal(err)
	}
	projectID, err := grace.newProject("Grace Clinic "+runID, "Grace Approved")
	if err != nil {
		t.Fatal(err)
	}
	// A colour other than the default, so that restoring the default is a change.
	grace.call(t, "PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"primaryColor": "#123456"}}, 200, nil)
	session, proposal, err := grace.chatProposal(projectID, "rename it please")
	if err != nil {
		t.Fatal(err)
	}
	key := "owasp-key-" + runID
	var d deployment
	r := grace.do(t, "POST", "/api/projects/"+projectID+"/deployments", nil, "Idempotency-Key", key)
	if err := r.decode(&d); err != nil || r.Status != 202 || d.ApprovalID == nil {
		t.Fatalf("grace's deployment: %s", r)
	}
	approvalID := *d.ApprovalID
	liveURL := ""

	t.Run("what waits for approval cannot change", func(t *testing.T) {
		attack(t, API6, "change the configuration of a deployment waiting for approval", func() error {
			r := grace.do(t, "PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Swapped After Request"}})
			if err := r.is(409); err != nil {
				return err
			}
			if r.code() != "deployment_in_progress" {
				return fmt.Errorf("code %q", r.code())
			}
			return nil
		})
		attack(t, API6, "restore a default of the configuration while waiting", func() error {
			return grace.do(t, "PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"primaryColor": nil}}).is(409)
		})
		attack(t, API6, "apply an AI proposal while waiting", func() error {
			return grace.do(t, "POST", "/api/chat/sessions/"+session+"/proposals/"+proposal+"/apply", nil).is(409)
		})
		attack(t, API6, "request a second deployment while one waits", func() error {
			return grace.do(t, "POST", "/api/projects/"+projectID+"/deployments", nil, "Idempotency-Key", key+"-2").is(409)
		})
		attack(t, API6, "another user replays grace's Idempotency-Key", func() error {
			bobProject, err := w.bob.newProject("Bob Replay "+runID, "Bob")
			if err != nil {
				return err
			}
			r := w.bob.do(t, "POST", "/api/projects/"+bobProject+"/deployments", nil, "Idempotency-Key", key)
			if strings.Contains(string(r.Body), d.ID) || strings.Contains(string(r.Body), "Grace") {
				return fmt.Errorf("bob got grace's deployment: %s", r)
			}
			return nil
		})
	})

	t.Run("self-approval and approval with a stale digest", func(t *testing.T) {
		attack(t, API6, "the requester approves their own deployment", func() error {
			r, err := grace.decide(approvalID, true, map[string]string{"comment": "mine"})
			if err != nil {
				return err
			}
			return r.is(403, 404)
		})
		attack(t, API6, "the requester asks for a decision token", func() error {
			return grace.do(t, "POST", "/api/approvals/"+approvalID+"/decision-token", map[string]string{}).is(403, 404)
		})
		var other approvalView
		w.tech.call(t, "GET", "/api/approvals/"+w.aliceApproval, nil, 200, &other)
		for name, digest := range map[string]string{
			"a made-up digest":                      strings.Repeat("0", 64),
			"the digest of another approval":        other.SubjectDigest,
			"the digest with a character changed":   "",
			"the digest in another case (checksum)": "",
		} {
			var mine approvalView
			w.tech.call(t, "GET", "/api/approvals/"+approvalID, nil, 200, &mine)
			switch name {
			case "the digest with a character changed":
				digest = mine.SubjectDigest[:len(mine.SubjectDigest)-1] + "x"
			case "the digest in another case (checksum)":
				digest = strings.ToUpper(mine.SubjectDigest)
			}
			attack(t, API6, "approve with "+name, func() error {
				r, err := w.tech.decide(approvalID, true, map[string]string{"comment": "ok", "digest": digest})
				if err != nil {
					return err
				}
				if err := r.is(409); err != nil {
					return err
				}
				if r.code() != "subject_changed" {
					return fmt.Errorf("code %q", r.code())
				}
				return nil
			})
		}
		var tpl approvalView
		w.admin.call(t, "GET", "/api/approvals/"+w.templateApproval, nil, 200, &tpl)
		attack(t, API6, "publish a template with another digest than the one under review", func() error {
			r, err := w.admin.decide(w.templateApproval, true, map[string]string{"digest": strings.Repeat("f", 64)})
			if err != nil {
				return err
			}
			return r.is(409)
		})
	})

	t.Run("decisions sent straight to Temporal", func(t *testing.T) {
		tc, err := temporal.Dial(temporal.Options{HostPort: p.temporal.Address(), Namespace: "default",
			Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
		if err != nil {
			t.Fatal(err)
		}
		defer tc.Close()
		key, kid := derivedKey("a-secret-the-platform-does-not-have-0123456789", decisionPurpose)
		forgedToken := forge(t, jwt.SigningMethodHS256, key, kid, jwt.MapClaims{"approval": approvalID, "approver": w.admin.user.ID,
			"sub": w.admin.user.ID, "aud": []string{"forgeai-approval-decision"}, "exp": time.Now().Add(5 * time.Minute).Unix(),
			"iat": time.Now().Unix(), "jti": "forged"})
		var foreign struct{ Token string }
		w.tech.call(t, "POST", "/api/approvals/"+w.aliceApproval+"/decision-token", map[string]string{}, 200, &foreign)
		var rejectOnly struct{ Token string }
		w.tech.call(t, "POST", "/api/approvals/"+approvalID+"/decision-token", map[string]string{"decision": "reject"}, 200, &rejectOnly)
		signals := []struct {
			name  string
			input any
		}{
			{"an approve signal naming the admin's email", map[string]any{"approverEmail": w.admin.user.Email, "comment": "trust me"}},
			{"an approve signal naming the admin's id", map[string]any{"approverId": w.admin.user.ID}},
			{"an approve signal with a token signed by another key", map[string]any{"token": forgedToken}},
			{"an approve signal with a real token for another approval", map[string]any{"token": foreign.Token}},
			{"an approve signal with a reject-only token", map[string]any{"token": rejectOnly.Token}},
			{"an approve signal that is not an object", "approve it"},
		}
		var before approvalView
		w.tech.call(t, "GET", "/api/approvals/"+approvalID, nil, 200, &before)
		for _, s := range signals {
			signal(t, tc, approvalID, "approve", s.input)
		}
		// Each is recorded as ignored, with its reason, and nothing is decided.
		deadline := time.Now().Add(20 * time.Second)
		var after approvalView
		for {
			w.tech.call(t, "GET", "/api/approvals/"+approvalID, nil, 200, &after)
			if len(after.Ignored) >= len(before.Ignored)+len(signals) || after.Status != "pending" || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		for i, s := range signals {
			attack(t, API6, "Temporal: "+s.name, func() error {
				if after.Status != "pending" || len(after.Decisions) > 0 {
					return fmt.Errorf("the approval is %s with decisions %+v", after.Status, after.Decisions)
				}
				if len(after.Ignored) < len(before.Ignored)+i+1 {
					return fmt.Errorf("not recorded as ignored (%d ignored)", len(after.Ignored))
				}
				return nil
			})
		}
		var dd deployment
		grace.call(t, "GET", "/api/deployments/"+d.ID, nil, 200, &dd)
		if dd.Status != "pending_approval" {
			t.Errorf("grace's deployment is %s after the signals", dd.Status)
		}
	})

	t.Run("what was approved is what goes live, once", func(t *testing.T) {
		var a approvalView
		w.tech.call(t, "GET", "/api/approvals/"+approvalID, nil, 200, &a)
		r, err := w.tech.decide(approvalID, true, map[string]string{"comment": "ok", "digest": a.SubjectDigest})
		if err != nil || r.Status != 200 {
			t.Fatalf("approve with the digest read: %v %s", err, r)
		}
		done, err := grace.waitDeployment(d.ID, 120*time.Second, "deployed", "failed")
		if err != nil {
			t.Fatal(err)
		}
		liveURL = done.URL
		if done.Status != "deployed" {
			t.Fatalf("the approved deployment %s: %s", done.Status, done.Error)
		}
		code, page := getPage(t, done.URL)
		if code != 200 || !strings.Contains(page, "Grace Approved") || strings.Contains(page, "Fake AI Name") {
			t.Errorf("the live page is not the approved snapshot (%d): %s", code, tail(page, 300))
		}
		for _, c := range []*client{w.tech, w.admin} {
			attack(t, API6, "approve again once decided, as "+c.user.Role, func() error {
				r, err := c.decide(approvalID, true, map[string]string{})
				if err != nil {
					return err
				}
				return r.is(409)
			})
			attack(t, API6, "reject once decided, as "+c.user.Role, func() error {
				r, err := c.decide(approvalID, false, map[string]string{"reason": "too late"})
				if err != nil {
					return err
				}
				return r.is(409)
			})
			attack(t, API6, "a decision token once decided, as "+c.user.Role, func() error {
				return c.do(t, "POST", "/api/approvals/"+approvalID+"/decision-token", map[string]string{}).is(409)
			})
		}
	})

	t.Run("a cancelled request cannot be approved or rolled back to", func(t *testing.T) {
		grace.call(t, "PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Grace Second"}}, 200, nil)
		second, err := grace.deploy(projectID)
		if err != nil {
			t.Fatal(err)
		}
		grace.call(t, "POST", "/api/deployments/"+second.ID+"/cancel", nil, 202, nil)
		if _, err := grace.waitDeployment(second.ID, 60*time.Second, "cancelled"); err != nil {
			t.Fatal(err)
		}
		// Cancelled at once, before its approval opened: the reconciler
		// resolves the approval (RECONCILE_AFTER), which no approver may
		// decide meanwhile either.
		if err := eventually(60*time.Second, func() error {
			var ca approvalView
			grace.call(t, "GET", "/api/approvals/"+*second.ApprovalID, nil, 200, &ca)
			if ca.Status != "cancelled" {
				return fmt.Errorf("the approval of a cancelled deployment is %s", ca.Status)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		attack(t, API6, "approve a cancelled deployment", func() error {
			r := w.tech.do(t, "POST", "/api/approvals/"+*second.ApprovalID+"/approve", map[string]string{})
			return r.is(409)
		})
		attack(t, API6, "another user rolls grace's project back to a cancelled deployment", func() error {
			return w.admin.do(t, "POST", "/api/projects/"+projectID+"/rollback", map[string]string{"deploymentId": second.ID}).is(404, 409, 422)
		})
		attack(t, API6, "roll back another project's deployment into one's own", func() error {
			techProject, err := w.tech.newProject("Tech Rollback "+runID, "Tech")
			if err != nil {
				return err
			}
			return w.tech.do(t, "POST", "/api/projects/"+techProject+"/rollback", map[string]string{"deploymentId": d.ID}).is(404, 409)
		})
		attack(t, API6, "roll back to a deployment that never went live", func() error {
			failing, err := w.tech.newProject("owasp ai remote-script rollback "+runID, "Never Live")
			if err != nil {
				return err
			}
			fd, err := w.tech.deploy(failing)
			if err != nil {
				return err
			}
			if fd, err = w.tech.waitDeployment(fd.ID, 120*time.Second, "failed", "deployed"); err != nil {
				return err
			}
			if fd.Status != "failed" {
				return fmt.Errorf("the deployment meant to fail is %s", fd.Status)
			}
			r := w.tech.do(t, "POST", "/api/projects/"+failing+"/rollback", map[string]string{"deploymentId": fd.ID})
			if err := r.is(409); err != nil {
				return err
			}
			if r.code() != "not_deployable" {
				return fmt.Errorf("code %q", r.code())
			}
			return nil
		})
		attack(t, API6, "a business user rolls back (no approval on rollbacks)", func() error {
			return grace.do(t, "POST", "/api/projects/"+projectID+"/rollback", map[string]string{"deploymentId": d.ID}).is(403)
		})
		var dd deployment
		grace.call(t, "GET", "/api/deployments/"+second.ID, nil, 200, &dd)
		if dd.Status != "cancelled" || dd.ArtifactDigest != "" {
			t.Errorf("the cancelled deployment: %+v", dd)
		}
		if code, page := getPage(t, liveURL); code != 200 || !strings.Contains(page, "Grace Approved") {
			t.Errorf("the live page changed (%d): %s", code, tail(page, 300))
		}
	})

	t.Run("one open role request per user", func(t *testing.T) {
		grace.call(t, "POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "first"}, 202, nil)
		attack(t, API6, "a second open role request", func() error {
			r := grace.do(t, "POST", "/api/user/role-requests", map[string]string{"role": "admin", "reason": "second"})
			if err := r.is(409); err != nil {
				return err
			}
			if r.code() != "role_request_open" {
				return fmt.Errorf("code %q", r.code())
			}
			return nil
		})
	})
}

// getPage fetches a published app's page as a visitor.
func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	r := anonymous("").do(t, "GET", url, nil)
	return r.Status, string(r.Body)
}
