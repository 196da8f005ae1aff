package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

const platformURL = "https://platform.example.test"

// hostile is what a user may type into a project name, a template name or
// a reason: Markdown links, images, HTML, headings, autolinks, code spans.
const hostile = "[Approve here](https://evil.example/x) ![i](https://evil.example/i.png) <a href=\"https://evil.example\">x</a>\n# Approved `code` https://evil.example www.evil.example a@evil.example"

// links returns the destinations of the Markdown links in md: each "]("
// whose "]" is not backslash-escaped, up to the closing ")".
func links(md string) []string {
	var out []string
	for i := 0; i < len(md); i++ {
		if !strings.HasPrefix(md[i:], "](") || escaped(md, i) {
			continue
		}
		end := strings.IndexByte(md[i+2:], ')')
		if end < 0 {
			out = append(out, md[i+2:])
			break
		}
		out = append(out, md[i+2:i+2+end])
	}
	return out
}

// escaped reports whether md[i] is preceded by an odd number of backslashes.
func escaped(md string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// unescaped reports whether md holds c without a backslash before it.
func unescaped(md string, c byte) bool {
	for i := 0; i < len(md); i++ {
		if md[i] == c && !escaped(md, i) {
			return true
		}
	}
	return false
}

func hostileAbout() *workflows.About {
	return &workflows.About{
		PlatformURL: platformURL, RequesterEmail: "dana@example.com", RequesterName: hostile,
		ProjectID: "p1", ProjectName: hostile, ProjectSlug: "riverside-intake", OwnerEmail: "dana@example.com", OwnerName: hostile,
		Kind: models.KindDeploy, ConfigurationDigest: "sha256:aaaa", TemplateSlug: "patient-intake", TemplateName: hostile,
		TemplateVersion: 3, TemplateDigest: "sha256:bbbb", Role: "technical_user", RoleFrom: "business_user", Reason: hostile,
	}
}

// What people type shows as text in the Temporal UI: it never adds a link,
// an image, HTML or a heading to what an approver reads; the only links go
// to the platform (and a deployment's live URL).
func TestAboutShowsUserTextAsTextOnly(t *testing.T) {
	ab := hostileAbout()
	deployment := workflows.DeploymentInput{DeploymentID: "d1", ProjectID: "p1", OwnerID: "u1", ApprovalID: "a1",
		ApprovalEscalateAfter: 24 * time.Hour, ApprovalTimeout: 72 * time.Hour, About: ab}
	texts := map[string]string{"deployment summary": workflows.DeploymentSummary(deployment), "deployment details": workflows.DeploymentDetails(deployment),
		"onboarding summary": workflows.OnboardingSummary(workflows.OnboardingInput{UserID: "u1", About: ab}),
		"onboarding details": workflows.OnboardingDetails(workflows.OnboardingInput{UserID: "u1", About: ab})}
	for _, typ := range models.ApprovalTypes {
		in := workflows.ApprovalInput{ApprovalID: "a1", Type: typ, SubjectID: "s1", RequesterID: "u1",
			EligibleRoles: []string{models.RoleAdmin}, Required: 1, EscalateAfter: time.Hour, Timeout: 2 * time.Hour, About: ab}
		texts[typ+" summary"], texts[typ+" details"] = workflows.ApprovalSummary(in), workflows.ApprovalDetails(in)
	}
	for name, md := range texts {
		if !strings.Contains(md, "Approve here") && strings.Contains(name, "details") && !strings.HasPrefix(name, "onboarding") {
			t.Errorf("%s does not show the name at all:\n%s", name, md)
		}
		for _, dest := range links(md) {
			if !strings.HasPrefix(dest, platformURL+"/") {
				t.Errorf("%s links to %q:\n%s", name, dest, md)
			}
		}
		for _, c := range []byte{'<', '>', '`'} {
			if c == '`' {
				// code spans are ours (slugs, digests, ids): the hostile backticks must be escaped
				if strings.Contains(md, "`code`") {
					t.Errorf("%s shows the user's code span unescaped:\n%s", name, md)
				}
				continue
			}
			if unescaped(md, c) {
				t.Errorf("%s holds an unescaped %q:\n%s", name, c, md)
			}
		}
		if strings.Contains(md, "\n# ") || strings.Contains(md, "\n\\# Approved") && strings.Contains(name, "summary") {
			t.Errorf("%s starts a heading:\n%s", name, md)
		}
		if strings.Contains(name, "summary") && strings.Contains(md, "\n") {
			t.Errorf("%s is not one line: %q", name, md)
		}
	}
}

// A summary fits the Temporal UI's list (200 bytes as a JSON payload)
// however long the names are; details stay under 20 KB.
func TestSummariesFitTheirLimits(t *testing.T) {
	long := strings.Repeat("Ünïcödé name & <more> ", 40)
	ab := &workflows.About{PlatformURL: platformURL, RequesterEmail: strings.Repeat("x", 200) + "@example.com",
		ProjectName: long, ProjectSlug: "a-slug", TemplateName: long, Reason: long, OwnerName: long}
	in := workflows.ApprovalInput{ApprovalID: "a1", Type: models.ApprovalTypeDeployment, SubjectID: "d1", RequesterID: "u1",
		EligibleRoles: []string{models.RoleTechnicalUser, models.RoleAdmin}, Timeout: time.Hour, About: ab}
	dep := workflows.DeploymentInput{DeploymentID: "d1", ProjectID: "p1", OwnerID: "u1", About: ab}
	for name, s := range map[string]string{"approval": workflows.ApprovalSummary(in), "deployment": workflows.DeploymentSummary(dep),
		"onboarding": workflows.OnboardingSummary(workflows.OnboardingInput{UserID: "u1", About: ab})} {
		raw, _ := json.Marshal(s)
		if len(raw) > 200 || !strings.HasSuffix(s, "…") {
			t.Errorf("%s summary is %d bytes (want at most 200, cut with …): %s", name, len(raw), s)
		}
	}
	for name, s := range map[string]string{"approval": workflows.ApprovalDetails(in), "deployment": workflows.DeploymentDetails(dep)} {
		if raw, _ := json.Marshal(s); len(raw) > 20000 {
			t.Errorf("%s details are %d bytes", name, len(raw))
		}
	}
}

// Without an About (executions started before it, or a store that could
// not be read) the texts name the ids.
func TestAboutFallsBackToIDs(t *testing.T) {
	got := workflows.DeploymentSummary(workflows.DeploymentInput{DeploymentID: "d1", ProjectID: "p1", OwnerID: "u1"})
	if got != "Deploy project `p1` for user `u1`" {
		t.Errorf("deployment summary without About: %q", got)
	}
	got = workflows.ApprovalSummary(workflows.ApprovalInput{ApprovalID: "a1", Type: models.ApprovalTypeRoleChange, SubjectID: "u1", RequesterID: "u1"})
	if got != "Approve: change the role of user `u1`, asked by user `u1`" {
		t.Errorf("approval summary without About: %q", got)
	}
	details := workflows.ApprovalDetails(workflows.ApprovalInput{ApprovalID: "a1", Type: models.ApprovalTypeRoleChange, SubjectID: "u1",
		RequesterID: "u1", EligibleRoles: []string{models.RoleAdmin}, Timeout: 72 * time.Hour})
	for _, want := range []string{"after 3 days", "/api/approvals/a1/decision-token -H \"Authorization: Bearer $TOKEN\"`", "`approve`", "`reject`", "1 approval by any `admin` (never the requester)"} {
		if !strings.Contains(details, want) {
			t.Errorf("approval details without About lack %q:\n%s", want, details)
		}
	}
}

func TestDurationAsText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "never", 45 * time.Second: "45 seconds", time.Minute: "1 minute", 90 * time.Minute: "1 hour 30 minutes",
		24 * time.Hour: "1 day", 72 * time.Hour: "3 days", 36 * time.Hour: "1 day 12 hours",
		72*time.Hour - 400*time.Millisecond: "3 days", 25*time.Hour + 3*time.Minute: "1 day 1 hour",
	} {
		if got := workflows.Duration(d); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// Temporal's SQL visibility (the dev server's SQLite, Postgres) has 10
// Keyword, 3 KeywordList and 3 Bool columns for custom search attributes:
// one more and registering them fails.
func TestSearchAttributesFitSQLVisibility(t *testing.T) {
	count := map[enumspb.IndexedValueType]int{}
	for key := range workflows.SearchAttributes().GetUntypedValues() {
		count[key.GetValueType()]++
	}
	limits := map[enumspb.IndexedValueType]int{enumspb.INDEXED_VALUE_TYPE_KEYWORD: 10, enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST: 3,
		enumspb.INDEXED_VALUE_TYPE_BOOL: 3, enumspb.INDEXED_VALUE_TYPE_TEXT: 3, enumspb.INDEXED_VALUE_TYPE_INT: 3,
		enumspb.INDEXED_VALUE_TYPE_DOUBLE: 3, enumspb.INDEXED_VALUE_TYPE_DATETIME: 3}
	for typ, n := range count {
		if n > limits[typ] {
			t.Errorf("%d custom %s search attributes; SQL visibility holds %d", n, typ, limits[typ])
		}
	}
}

// currentDetails asks the workflow in env what the Temporal UI shows as its
// current details (the SDK's metadata query).
func currentDetails(t *testing.T, env *testsuite.TestWorkflowEnvironment) string {
	t.Helper()
	v, err := env.QueryWorkflow("__temporal_workflow_metadata")
	if err != nil {
		t.Fatal(err)
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	return md.GetCurrentDetails()
}

// A deployment's current details end with the live URL and the project's page.
func TestDeploymentCurrentDetailsFollowThePipeline(t *testing.T) {
	env, _ := newEnv(t)
	happyActivities(env)
	in := input()
	in.About = &workflows.About{PlatformURL: platformURL, ProjectName: "Riverside Intake", ProjectSlug: "riverside-intake",
		OwnerEmail: "dana@example.com", OwnerName: "Dana"}
	env.OnActivity(a.Verify, mock.Anything, mock.Anything).Return(nil)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	done := currentDetails(t, env)
	for _, want := range []string{"**Deployed**: live at [", "(" + liveURL + ")", "[project page](" + platformURL + "/projects/p1)", "Dana (dana@example.com)"} {
		if !strings.Contains(done, want) {
			t.Errorf("current details once deployed lack %q:\n%s", want, done)
		}
	}
}

// An approval's current details and search attributes follow it: pending,
// escalated (admins join the approvers), then who decided.
func TestApprovalCurrentDetailsAndSearchAttributes(t *testing.T) {
	env, rec := approvalEnv(t)
	in := approvalInput(1)
	in.EligibleRoles = []string{models.RoleTechnicalUser}
	in.About = &workflows.About{PlatformURL: platformURL, RequesterEmail: requester.Email, ProjectName: "Riverside Intake", ProjectSlug: "riverside-intake"}
	var pending, afterEscalation, refused string
	env.RegisterDelayedCallback(func() { pending = currentDetails(t, env) }, time.Minute)
	env.RegisterDelayedCallback(func() { afterEscalation = currentDetails(t, env) }, 2*time.Hour)
	decide(env, 3*time.Hour, tech1, true, "ship it", &refused)
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, in)
	st := result(t, env)
	if st.Status != models.ApprovalApproved || refused != "" {
		t.Fatalf("approval = %+v, refused %q", st, refused)
	}
	for _, want := range []string{"**Pending**: 0 of 1 approval; deploy project Riverside Intake", "[Approvals page](" + platformURL + "/approvals)",
		platformURL + "/api/approvals/a1/decision-token", "Send a Signal"} {
		if !strings.Contains(pending, want) {
			t.Errorf("pending details lack %q:\n%s", want, pending)
		}
	}
	if !strings.Contains(afterEscalation, "**Escalated**") {
		t.Errorf("details after escalation:\n%s", afterEscalation)
	}
	done := currentDetails(t, env)
	if !strings.Contains(done, "**Approved**") || !strings.Contains(done, "approved by t1@example.com") || !strings.Contains(done, "ship it") ||
		strings.Contains(done, "How to decide") {
		t.Errorf("details once approved:\n%s", done)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.escalated) < 3 || rec.escalated[0] || !rec.escalated[1] || strings.Join(rec.approvers[0], ",") != "technical_user" ||
		strings.Join(rec.approvers[1], ",") != "technical_user,admin" {
		t.Errorf("ApprovalEscalated upserts %v, Approvers upserts %v", rec.escalated, rec.approvers)
	}
}
