package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

type approvalSubjectOut struct {
	ID      string `json:"id"`
	Subject *struct {
		Project *struct {
			ID            string         `json:"id"`
			Name          string         `json:"name"`
			Configuration map[string]any `json:"configuration"`
		} `json:"project"`
		Template *struct {
			Slug         string          `json:"slug"`
			Version      int             `json:"version"`
			ConfigSchema json.RawMessage `json:"configSchema"`
			Scaffold     []struct {
				Path  string `json:"path"`
				Bytes int    `json:"bytes"`
			} `json:"scaffold"`
		} `json:"template"`
	} `json:"subject"`
}

// Whoever may decide a deployment's approval reads the project, its template
// and its configuration; other users do not learn the approval exists.
func TestApprovalShowsTheDeploymentUnderReview(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		tokens := roleTokens(t, h)
		stranger, _, _ := h.login("stranger@example.com")
		business := tokens[models.RoleBusinessUser]
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", business, map[string]any{"name": "Riverside", "templateId": tpl.ID,
			"configuration": map[string]any{"appName": "Riverside Intake"}}).expect(t, 201).data(t, &p)
		var dep struct {
			ApprovalID *string `json:"approvalId"`
		}
		h.do("POST", "/api/projects/"+p.ID+"/deployments", business, nil).expect(t, 202).data(t, &dep)
		if dep.ApprovalID == nil {
			t.Fatal("a business user's deployment has no approval")
		}
		for _, who := range []string{models.RoleBusinessUser, models.RoleTechnicalUser, models.RoleAdmin} {
			var a approvalSubjectOut
			h.do("GET", "/api/approvals/"+*dep.ApprovalID, tokens[who], nil).expect(t, 200).data(t, &a)
			if a.Subject == nil || a.Subject.Project == nil || a.Subject.Project.ID != p.ID || a.Subject.Project.Name != "Riverside" ||
				a.Subject.Project.Configuration["appName"] != "Riverside Intake" {
				t.Fatalf("%s sees subject %+v", who, a.Subject)
			}
			if a.Subject.Template == nil || a.Subject.Template.Slug != "patient-intake" || a.Subject.Template.Version != p.TemplateVersion {
				t.Fatalf("%s sees template %+v", who, a.Subject.Template)
			}
		}
		h.do("GET", "/api/approvals/"+*dep.ApprovalID, stranger, nil).expect(t, 404)
	})
}

// A template publication shows its eligible approvers (admins) and its
// requester the submitted schema and scaffold files; a technical user who
// may not decide it gets 404.
func TestApprovalShowsTheTemplateUnderReview(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		tokens := roleTokens(t, h)
		other, otherID, _ := h.login("other-tech@example.com")
		promote(t, h, otherID, models.RoleTechnicalUser)
		var requesterID string
		var profile struct {
			ID string `json:"id"`
		}
		h.do("GET", "/api/user/profile", tokens[models.RoleTechnicalUser], nil).expect(t, 200).data(t, &profile)
		requesterID = profile.ID
		tpl, err := h.store.CreateUserTemplate(t.Context(), models.Template{
			Slug: "claims-desk", Name: "Claims desk", Industry: "finance", Description: "A desk for insurance claims, under review.",
			Complexity: "low", Compliance: models.NewJSON([]string{}), Features: models.NewJSON([]string{}), ROI: models.NewJSON(map[string]any{}),
			ConfigSchema:  models.NewJSON(json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"}}}`)),
			Scaffold:      models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<h1>{{title}}</h1>"}}),
			ContentDigest: "digest", CreatedBy: &requesterID,
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := h.store.CreateApproval(t.Context(), models.Approval{
			Type: models.ApprovalTypeTemplate, SubjectID: tpl.ID, RequesterID: requesterID,
			EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
			Payload: models.NewJSON(map[string]any{}), Deadline: time.Now().Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{models.RoleTechnicalUser, models.RoleAdmin} {
			var out approvalSubjectOut
			h.do("GET", "/api/approvals/"+a.ID, tokens[who], nil).expect(t, 200).data(t, &out)
			if out.Subject == nil || out.Subject.Template == nil {
				t.Fatalf("%s sees no template: %+v", who, out.Subject)
			}
			tp := out.Subject.Template
			if tp.Slug != "claims-desk" || len(tp.Scaffold) != 1 ||
				tp.Scaffold[0].Path != "index.html" || tp.Scaffold[0].Bytes != len("<h1>{{title}}</h1>") {
				t.Fatalf("%s sees %+v", who, tp)
			}
			var schema map[string]any
			if json.Unmarshal(tp.ConfigSchema, &schema) != nil || schema["type"] != "object" {
				t.Fatalf("%s sees schema %s", who, tp.ConfigSchema)
			}
		}
		h.do("GET", "/api/approvals/"+a.ID, other, nil).expect(t, 404)
		h.do("GET", "/api/approvals/"+a.ID, tokens[models.RoleBusinessUser], nil).expect(t, 404)
	})
}
