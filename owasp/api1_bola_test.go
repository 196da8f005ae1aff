package owasp_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// target is one of alice's objects an id-bearing route is attacked with,
// and who attacks it: users who have no business with it.
type target struct {
	params    map[string]string
	attackers []*client
}

// targets maps a documented id-bearing route onto alice's objects. A route
// it does not know fails the test, so a new route is attacked as soon as
// it is documented.
func (w *world) targets(op operation) ([]target, bool) {
	others := []*client{w.bob, w.tech}
	p := op.Path
	switch {
	case strings.HasPrefix(p, "/api/projects/{id}"):
		return []target{
			{map[string]string{"id": w.aliceProject}, others},
			{map[string]string{"id": w.aliceLiveProject}, others},
		}, true
	case strings.HasPrefix(p, "/api/deployments/{id}"):
		return []target{
			{map[string]string{"id": w.aliceDeployment}, others},
			{map[string]string{"id": w.aliceLive}, others},
		}, true
	case strings.HasPrefix(p, "/api/approvals/{id}"):
		// tech may decide alice's deployment (technical users approve
		// deployments): only bob has no business with it. Nobody but an
		// admin has any with tech's template.
		return []target{
			{map[string]string{"id": w.aliceApproval}, []*client{w.bob}},
			{map[string]string{"id": w.templateApproval}, []*client{w.bob, w.alice}},
		}, true
	case strings.HasPrefix(p, "/api/chat/sessions/{id}"):
		return []target{{map[string]string{"id": w.aliceChat, "pid": w.aliceProposal}, others}}, true
	case strings.HasPrefix(p, "/api/notifications/{id}"):
		return []target{{map[string]string{"id": w.aliceNotification}, others}}, true
	case strings.HasPrefix(p, "/api/templates/{id}"):
		// A template under review is its submitter's and the admins'.
		return []target{
			{map[string]string{"id": w.pendingTemplate}, []*client{w.bob, w.alice}},
			{map[string]string{"id": w.pendingTemplateSlug}, []*client{w.bob, w.alice}},
		}, true
	case strings.HasPrefix(p, "/api/admin/users/{id}"):
		return []target{{map[string]string{"id": w.alice.user.ID}, others}}, true
	}
	return nil, false
}

// notObjects are id-bearing routes whose parameter names no object: the
// step of the caller's own onboarding.
var notObjects = map[string]bool{"POST /api/onboarding/steps/{step}": true}

// attackBody is a well-formed body for the route, so that what refuses an
// attack is the object's owner check, never the validation of the body.
func (w *world) attackBody(op operation) any {
	switch {
	case op.Method == "PATCH" && op.Path == "/api/projects/{id}":
		return map[string]any{"name": "pwned", "configuration": map[string]any{"appName": "pwned"}}
	case strings.HasSuffix(op.Path, "/rollback"):
		return map[string]string{"deploymentId": w.aliceLive}
	case strings.HasSuffix(op.Path, "/approve"):
		return map[string]string{"comment": "pwned"}
	case strings.HasSuffix(op.Path, "/reject"):
		return map[string]string{"reason": "pwned"}
	case strings.HasSuffix(op.Path, "/decision-token"):
		return map[string]string{"decision": "approve"}
	case strings.HasSuffix(op.Path, "/messages"):
		return map[string]string{"content": "pwned"}
	case strings.HasSuffix(op.Path, "/rating"):
		return map[string]int{"stars": 1}
	}
	return nil
}

// leaks reports which of alice's secrets (and of tech's template under
// review) a body shows.
func (w *world) leaks(body []byte) error {
	return w.leaksTo(nil, body)
}

// leaksTo is leaks for a viewer, who may see what is theirs.
func (w *world) leaksTo(viewer *client, body []byte) error {
	secrets := []string{w.aliceMarker, w.aliceProjectName, "Alice Live", w.alice.user.Email}
	if viewer != w.tech {
		secrets = append(secrets, "OWASP Pending Board")
	}
	for _, secret := range secrets {
		if strings.Contains(string(body), secret) {
			return fmt.Errorf("the answer shows %q: %s", secret, tail(string(body), 300))
		}
	}
	return nil
}

// refusedWithout checks an answer is 403 or 404 and shows nothing of alice's.
func (w *world) refusedWithout(r reply) error {
	if err := r.is(403, 404); err != nil {
		return err
	}
	return w.leaks(r.Body)
}

func TestAPI1_BrokenObjectLevelAuthorization(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })

	t.Run("every id-bearing route of the spec, with another user's ids", func(t *testing.T) {
		attacked := 0
		for _, op := range spec(t, p.base) {
			if !strings.Contains(op.Path, "{") || notObjects[op.String()] {
				continue
			}
			targets, ok := w.targets(op)
			if !ok {
				t.Errorf("%s names an object the suite does not attack yet: map it in targets", op)
				continue
			}
			for _, tg := range targets {
				path := fill(op.Path, tg.params)
				for _, attacker := range tg.attackers {
					attacked++
					attack(t, API1, fmt.Sprintf("%s as %s (%s)", op, attacker.who(), path), func() error {
						return w.refusedWithout(attacker.do(t, op.Method, path, w.attackBody(op)))
					})
				}
			}
		}
		if attacked < 40 {
			t.Errorf("only %d route attacks", attacked)
		}
	})

	t.Run("lists show only the caller's objects", func(t *testing.T) {
		for _, c := range []*client{w.bob, w.tech} {
			for _, path := range []string{"/api/projects?pageSize=100", "/api/chat/sessions?pageSize=100",
				"/api/notifications?pageSize=100", "/api/approvals?mine=requested", "/api/approvals?mine=decided",
				"/api/templates?pageSize=100&q=OWASP", "/api/notifications/unread-count"} {
				attack(t, API1, "list "+path+" as "+c.who(), func() error {
					r := c.do(t, "GET", path, nil)
					if err := r.is(200); err != nil {
						return err
					}
					ids := []string{w.aliceProject, w.aliceLiveProject, w.aliceChat, w.aliceNotification}
					if c != w.tech { // tech decides deployments: he is told of alice's approval
						ids = append(ids, w.aliceApproval)
					}
					for _, id := range ids {
						if strings.Contains(string(r.Body), id) {
							return fmt.Errorf("lists alice's %s", id)
						}
					}
					return w.leaksTo(c, r.Body)
				})
			}
		}
		attack(t, API1, "bob lists the approvals he may decide", func() error {
			r := w.bob.do(t, "GET", "/api/approvals?mine=decidable", nil)
			if err := r.is(200); err != nil {
				return err
			}
			if strings.Contains(string(r.Body), w.aliceApproval) || strings.Contains(string(r.Body), w.templateApproval) {
				return fmt.Errorf("lists approvals bob may not decide: %s", r)
			}
			return w.leaks(r.Body)
		})
	})

	streams := map[string]string{
		"project":    "project:" + w.aliceProject,
		"deployment": "deployment:" + w.aliceDeployment,
		"user":       "user:" + w.alice.user.ID,
		"approval":   "approval:" + w.aliceApproval,
		"chat":       "chat:" + w.aliceChat,
	}
	var names []string
	for kind, s := range streams {
		_, id, _ := strings.Cut(s, ":")
		names = append(names, s, kind+":"+strings.ToUpper(id), s+":x", " "+s, strings.ToUpper(kind)+":"+id)
	}
	names = append(names, "project:*", "user:*", "deployment:")
	slices.Sort(names)

	t.Run("every stream kind over WebSocket", func(t *testing.T) {
		if len(streams) != 5 {
			t.Fatal("the suite must attack every stream kind")
		}
		for _, c := range []*client{w.bob, w.tech} {
			s, _, err := dialSocket(p.base, c.token, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ready(); err != nil {
				t.Fatal(err)
			}
			for _, name := range names {
				attack(t, API1, fmt.Sprintf("subscribe to %q as %s", name, c.who()), func() error {
					if err := s.send(map[string]any{"type": "subscribe", "stream": name, "after": 0}); err != nil {
						return fmt.Errorf("send: %w", err)
					}
					for {
						f, err := s.next(10 * time.Second)
						if err != nil {
							return fmt.Errorf("no answer: %w", err)
						}
						switch f.Type {
						case "error":
							if f.Code != "forbidden" && f.Code != "bad_request" {
								return fmt.Errorf("refused with %q (%s)", f.Code, f.Message)
							}
							return nil
						case "subscribed", "event":
							return fmt.Errorf("got %+v", f)
						}
					}
				})
			}
			// Nothing of alice's arrives afterwards either.
			attack(t, API1, "no event of alice's reaches "+c.who()+"'s socket", func() error {
				if f, err := s.next(500 * time.Millisecond); err == nil {
					return fmt.Errorf("got %+v", f)
				}
				return nil
			})
			s.close()
		}
	})

	t.Run("every stream kind over Server-Sent Events", func(t *testing.T) {
		for _, c := range []*client{w.bob, w.tech} {
			for _, name := range names {
				attack(t, API1, fmt.Sprintf("GET /api/events?stream=%q as %s", name, c.who()), func() error {
					r, err := c.peek("/api/events?after=0&stream="+url.QueryEscape(name), 3*time.Second)
					if err != nil {
						return err
					}
					if err := r.is(400, 403, 404); err != nil {
						return err
					}
					return w.leaks(r.Body)
				})
			}
		}
	})

	t.Run("the apps host serves no artifact that is not live", func(t *testing.T) {
		origin := func(label string) string { return strings.Replace(p.apps, "://", "://"+label+".", 1) + "/" }
		for _, u := range []string{origin("d--" + w.aliceDeployment), origin("t--" + w.pendingTemplateSlug),
			origin("d--" + w.aliceDeployment + "--" + w.aliceLiveSlug)} {
			for _, c := range []*client{anonymous(p.base), w.bob} {
				attack(t, API1, "GET "+u+" as "+c.who(), func() error {
					r := c.do(t, "GET", u, nil)
					if err := r.is(404); err != nil {
						return err
					}
					return w.leaks(r.Body)
				})
			}
		}
	})

	t.Run("alice's objects are as she left them", func(t *testing.T) {
		var proj struct {
			Name          string
			Configuration map[string]any
		}
		w.alice.call(t, "GET", "/api/projects/"+w.aliceProject, nil, 200, &proj)
		if proj.Name != w.aliceProjectName || proj.Configuration["appName"] != w.aliceMarker {
			t.Errorf("alice's project changed: %+v", proj)
		}
		w.alice.call(t, "GET", "/api/projects/"+w.aliceLiveProject, nil, 200, nil)
		var d deployment
		w.alice.call(t, "GET", "/api/deployments/"+w.aliceDeployment, nil, 200, &d)
		if d.Status != "pending_approval" {
			t.Errorf("alice's deployment is %s", d.Status)
		}
		w.alice.call(t, "GET", "/api/deployments/"+w.aliceLive, nil, 200, &d)
		if d.Status != "deployed" {
			t.Errorf("alice's live deployment is %s", d.Status)
		}
		var a struct{ Status string }
		w.alice.call(t, "GET", "/api/approvals/"+w.aliceApproval, nil, 200, &a)
		if a.Status != "pending" {
			t.Errorf("alice's approval is %s", a.Status)
		}
		var cs struct{ Proposals []struct{ ID, Status string } }
		w.alice.call(t, "GET", "/api/chat/sessions/"+w.aliceChat, nil, 200, &cs)
		if len(cs.Proposals) != 1 || cs.Proposals[0].Status != "pending" {
			t.Errorf("alice's proposals: %+v", cs.Proposals)
		}
		var ns []struct {
			ID     string
			ReadAt *time.Time
		}
		w.alice.call(t, "GET", "/api/notifications?pageSize=100", nil, 200, &ns)
		for _, n := range ns {
			if n.ID == w.aliceNotification && n.ReadAt != nil {
				t.Errorf("alice's notification was marked read")
			}
		}
		var tpl struct {
			Subject struct{ Template struct{ Status string } }
		}
		w.admin.call(t, "GET", "/api/approvals/"+w.templateApproval, nil, 200, &tpl)
		if tpl.Subject.Template.Status != "pending" {
			t.Errorf("tech's template is %q", tpl.Subject.Template.Status)
		}
		var me user
		w.alice.call(t, "GET", "/api/user/profile", nil, 200, &me)
		if me.Role != "business_user" {
			t.Errorf("alice is %s", me.Role)
		}
	})
}
