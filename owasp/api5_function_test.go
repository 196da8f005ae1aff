package owasp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// adminOnly are the functions no business or technical user may reach.
var adminOnly = []string{"/api/admin/", "/api/audit", "/api/analytics/", "/unpublish"}

// functionBody is a well-formed body for an operation, so that only the
// caller's permission can refuse it.
func (w *world) functionBody(op operation) any {
	switch op.String() {
	case "POST /api/templates":
		return scaffoldTemplate("Function Level "+runID, nil, boardPage)
	case "POST /api/projects":
		return map[string]any{"name": "Function Level " + runID, "templateId": w.pendingTemplate, "configuration": map[string]any{}}
	case "POST /api/chat/sessions":
		return map[string]string{"sessionType": "onboarding"}
	}
	return w.attackBody(op)
}

func TestAPI5_BrokenFunctionLevelAuthorization(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	ops := spec(t, p.base)
	ids := map[string]string{"id": w.aliceProject, "pid": w.aliceProposal}

	t.Run("the spec keeps admin functions behind admin permissions", func(t *testing.T) {
		for _, op := range ops {
			for _, prefix := range adminOnly {
				if !strings.Contains(op.Path, prefix) {
					continue
				}
				if op.Permission == "" || slices.Contains(w.tech.user.Permissions, op.Permission) || slices.Contains(w.bob.user.Permissions, op.Permission) {
					t.Errorf("%s is an admin function but needs %q, which a business or technical user holds", op, op.Permission)
				}
			}
		}
	})

	t.Run("each role on every function it lacks the permission for", func(t *testing.T) {
		n := 0
		for _, op := range ops {
			if op.Permission == "" {
				continue
			}
			path := op.Path
			if strings.Contains(path, "{") {
				tg, ok := w.targets(op)
				if !ok {
					t.Errorf("%s: no object to call it with", op)
					continue
				}
				path = fill(path, tg[0].params)
			}
			path = fill(path, ids)
			for _, c := range []*client{w.bob, w.tech} {
				if slices.Contains(c.user.Permissions, op.Permission) {
					continue
				}
				n++
				attack(t, API5, fmt.Sprintf("%s as %s (%s)", op, c.user.Role, op.Permission), func() error {
					r := c.do(t, op.Method, path, w.functionBody(op))
					if err := r.is(403); err != nil {
						return err
					}
					return w.leaksTo(c, r.Body)
				})
			}
		}
		if n < 15 {
			t.Errorf("only %d function-level attacks", n)
		}
	})

	t.Run("anonymous on every signed-in function", func(t *testing.T) {
		anon := anonymous(p.base)
		for _, op := range ops {
			if !op.Bearer {
				continue
			}
			path := op.Path
			if strings.Contains(path, "{") {
				if tg, ok := w.targets(op); ok {
					path = fill(path, tg[0].params)
				}
				path = fill(path, map[string]string{"id": w.aliceProject, "pid": w.aliceProposal, "step": "industry"})
			}
			attack(t, API5, op.String()+" anonymously", func() error {
				return unauthenticated(anon.do(t, op.Method, path, w.functionBody(op)), w.alice.user.Email)
			})
		}
	})

	t.Run("admin functions through other spellings and methods", func(t *testing.T) {
		variants := []struct{ method, path string }{
			{"GET", "/API/ADMIN/USERS"}, {"GET", "/api/admin/users/"}, {"GET", "/api//admin/users"}, {"GET", "/api/admin/./users"},
			{"GET", "/api/admin/%75sers"}, {"GET", "/api/admin/users;x=1"}, {"GET", "/api/admin/users%2f"}, {"GET", "/api/audit/../admin/users"},
			{"GET", "/api/admin/users?role=admin&as=admin"}, {"HEAD", "/api/admin/users"}, {"HEAD", "/api/audit"}, {"OPTIONS", "/api/admin/users"},
			{"GET", "/Api/Audit/Report?format=csv"}, {"GET", "/api/audit/verify/"}, {"GET", "/api/analytics/kpis/"},
			{"POST", "/api/admin/users/" + w.alice.user.ID + "/deactivate/"}, {"POST", "/API/TEMPLATES/" + w.pendingTemplate + "/UNPUBLISH"},
		}
		for _, v := range variants {
			for _, c := range []*client{w.bob, w.tech} {
				attack(t, API5, fmt.Sprintf("%s %s as %s", v.method, v.path, c.user.Role), func() error {
					r := c.do(t, v.method, v.path, nil)
					if r.Status/100 == 2 || r.Status/100 == 3 {
						return fmt.Errorf("answered %s", r)
					}
					if strings.Contains(string(r.Body), w.admin.user.Email) || strings.Contains(string(r.Body), `"ownerId"`) {
						return fmt.Errorf("shows admin data: %s", r)
					}
					return nil
				})
			}
		}
		for _, h := range []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"} {
			attack(t, API5, h+": GET on a POST to /api/admin/users", func() error {
				r := w.bob.do(t, "POST", "/api/admin/users", nil, h, "GET")
				if r.Status/100 == 2 {
					return fmt.Errorf("answered %s", r)
				}
				return nil
			})
		}
	})

	t.Run("nobody decides their own request", func(t *testing.T) {
		var own struct{ ID string }
		w.admin.call(t, "POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "self-approval attempt"}, 202, &own)
		var mine struct{ ID string }
		climber, err := p.newUser("climber")
		if err != nil {
			t.Fatal(err)
		}
		climber.call(t, "POST", "/api/user/role-requests", map[string]string{"role": "admin", "reason": "let me in"}, 202, &mine)
		cases := []struct {
			name     string
			c        *client
			approval string
		}{
			{"the admin approves their own role change", w.admin, own.ID},
			{"a business user approves their own promotion to admin", climber, mine.ID},
			{"a technical user approves the template they submitted", w.tech, w.templateApproval},
			{"a technical user approves a promotion to admin", w.tech, mine.ID},
			{"another business user approves a promotion to admin", w.bob, mine.ID},
		}
		for _, tc := range cases {
			attack(t, API5, tc.name, func() error {
				r, err := tc.c.decide(tc.approval, true, map[string]string{"comment": "me"})
				if err != nil {
					return err
				}
				return r.is(403, 404)
			})
			attack(t, API5, tc.name+" with a decision token", func() error {
				return tc.c.do(t, "POST", "/api/approvals/"+tc.approval+"/decision-token", map[string]string{}).is(403, 404)
			})
		}
		for _, tc := range cases {
			var a struct{ Status string }
			w.admin.call(t, "GET", "/api/approvals/"+tc.approval, nil, 200, &a)
			if a.Status != "pending" {
				t.Errorf("%s: the approval is %s", tc.name, a.Status)
			}
		}
		var me user
		w.admin.call(t, "GET", "/api/user/profile", nil, 200, &me)
		climber.call(t, "GET", "/api/user/profile", nil, 200, &climber.user)
		if me.Role != "admin" || climber.user.Role != "business_user" {
			t.Errorf("roles changed: admin is %s, climber is %s", me.Role, climber.user.Role)
		}
	})
}
