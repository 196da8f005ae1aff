package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
)

// approvalWhat says what an approval asks for, in one line of Markdown.
func approvalWhat(in ApprovalInput) string {
	ab := aboutOf(in.About)
	switch in.Type {
	case models.ApprovalTypeDeployment:
		if ab.ProjectSlug == "" && ab.ProjectName == "" {
			return "deploy " + code(in.SubjectID)
		}
		return "deploy project " + projectName(ab)
	case models.ApprovalTypeTemplate:
		if ab.TemplateSlug == "" && ab.TemplateName == "" {
			return "publish template " + code(in.SubjectID)
		}
		return "publish template " + templateName(ab)
	case models.ApprovalTypeRoleChange:
		if ab.Role == "" {
			return "change the role of " + who(ab.RequesterEmail, in.SubjectID)
		}
		return "make " + who(ab.RequesterEmail, in.SubjectID) + " a " + code(ab.Role)
	}
	return code(in.Type) + " " + code(in.SubjectID)
}

func projectName(ab About) string {
	switch {
	case ab.ProjectName != "" && ab.ProjectSlug != "":
		return text(ab.ProjectName) + " (" + code(ab.ProjectSlug) + ")"
	case ab.ProjectName != "":
		return text(ab.ProjectName)
	}
	return code(ab.ProjectSlug)
}

func templateName(ab About) string {
	switch {
	case ab.TemplateName != "" && ab.TemplateSlug != "":
		return text(ab.TemplateName) + " (" + code(ab.TemplateSlug) + ")"
	case ab.TemplateName != "":
		return text(ab.TemplateName)
	}
	return code(ab.TemplateSlug)
}

func aboutOf(ab *About) About {
	if ab == nil {
		return About{}
	}
	return *ab
}

// ApprovalSummary is the approval's one-line summary in the Temporal UI's
// list: what is asked, for whom.
func ApprovalSummary(in ApprovalInput) string {
	ab := aboutOf(in.About)
	return summaryLine("Approve: " + approvalWhat(in) + ", asked by " + who(ab.RequesterEmail, in.RequesterID))
}

// approvers are the roles and the users (by email when known) who may
// decide; admins join once it escalated.
func approvers(in ApprovalInput, escalated bool) []string {
	out := slices.Clone(in.EligibleRoles)
	ab := aboutOf(in.About)
	if len(ab.EligibleUserEmails) > 0 {
		out = append(out, ab.EligibleUserEmails...)
	} else {
		out = append(out, in.EligibleUsers...)
	}
	if escalated && !slices.Contains(out, models.RoleAdmin) {
		out = append(out, models.RoleAdmin)
	}
	return out
}

// whoDecides says who may decide, in words.
func whoDecides(in ApprovalInput) string {
	var names []string
	for _, r := range in.EligibleRoles {
		names = append(names, code(r))
	}
	ab := aboutOf(in.About)
	users := ab.EligibleUserEmails
	if len(users) == 0 {
		users = in.EligibleUsers
	}
	for _, u := range users {
		names = append(names, text(u))
	}
	need := max(in.Required, 1)
	s := fmt.Sprintf("%d approval", need)
	if need > 1 {
		s += "s"
	}
	s += " by any " + orList(names) + " (never the requester)"
	if in.EscalateAfter > 0 && in.EscalateAfter < in.Timeout && !slices.Contains(in.EligibleRoles, models.RoleAdmin) {
		s += "; admins too once it escalates"
	}
	return s
}

// approvalHow says how to decide: on the platform's page, or in Temporal with a decision token.
func approvalHow(in ApprovalInput) []string {
	ab := aboutOf(in.About)
	page := link(ab.PlatformURL, routeApprovals, "Approvals page")
	tokenURL := strings.TrimRight(ab.PlatformURL, "/") + "/api/approvals/" + in.ApprovalID + "/decision-token"
	if ab.PlatformURL == "" {
		tokenURL = "/api/approvals/" + in.ApprovalID + "/decision-token"
	}
	var lines []string
	if page != "" {
		lines = append(lines, "- In the platform: the "+page+" (tab *Decide*) shows what is under review; approve with a comment or reject with a reason.")
	}
	lines = append(lines,
		"- Here in Temporal: get a decision token (10 minutes, single use; only who may decide gets one): "+
			"**Decide in Temporal** on the Approvals page, or "+
			code(`curl -X POST `+tokenURL+` -H "Authorization: Bearer $TOKEN"`)+
			". It answers the ready-to-paste "+code("temporal workflow signal")+" command, and "+code("uiInput")+
			" for this page's **Send a Signal**: signal "+code(SignalApprove)+" or "+code(SignalReject)+
			" with "+code(`{"token":"…","comment":"…"}`)+" (a rejection needs a reason).",
		"- A signal without a valid token is recorded as ignored, never applied.")
	return lines
}

// ApprovalDetails is the approval's static details: what is asked, who
// asked, who may decide, the escalation and the deadline, how to decide and
// where to look in the platform.
func ApprovalDetails(in ApprovalInput) string {
	ab := aboutOf(in.About)
	// The UI shows the first lines of the details without scrolling: what,
	// who asked, who decides, by when; then what exactly is under review.
	lines := []string{
		field("Asks to", approvalWhat(in)),
		field("Asked by", person(ab.RequesterName, ab.RequesterEmail, in.RequesterID)),
		field("Who may decide", whoDecides(in)),
		field("Deadline", after(ab.Timeout, in.Timeout, ab.Deadline)+": then the request expires"),
	}
	if in.EscalateAfter > 0 && in.EscalateAfter < in.Timeout {
		lines = append(lines, field("Escalates", after(ab.EscalateAfter, in.EscalateAfter, ab.EscalatesAt)+": admins are notified and may decide"))
	}
	switch in.Type {
	case models.ApprovalTypeDeployment:
		if ab.ConfigurationDigest != "" {
			lines = append(lines, field("Configuration snapshot", "digest "+code(ab.ConfigurationDigest)+
				" (what is approved is what is built)"))
		}
		if ab.TemplateSlug != "" || ab.TemplateDigest != "" {
			lines = append(lines, field("Template", templateLine(ab)))
		}
		if l := link(ab.PlatformURL, routeProjects+ab.ProjectID, "project page"); l != "" && ab.ProjectID != "" {
			lines = append(lines, field("Project", l))
		}
		lines = append(lines, field("Deployment", code(in.SubjectID)))
	case models.ApprovalTypeTemplate:
		lines = append(lines, field("Template", templateLine(ab)))
		if ab.ScaffoldFiles > 0 {
			lines = append(lines, field("Scaffold", fmt.Sprintf("%d files, %d bytes, covered by the digest above", ab.ScaffoldFiles, ab.ScaffoldBytes)))
		}
	case models.ApprovalTypeRoleChange:
		if ab.RoleFrom != "" {
			lines = append(lines, field("Role now", code(ab.RoleFrom)))
		}
		if ab.Reason != "" {
			lines = append(lines, field("Reason given", text(ab.Reason)))
		}
	}
	lines = append(lines, "**How to decide**\n")
	lines = append(lines, approvalHow(in)...)
	lines = append(lines, "", field("Approval", code(in.ApprovalID)+" (type "+code(in.Type)+")"))
	return detailsText(lines)
}

func templateLine(ab About) string {
	s := templateName(ab)
	if ab.TemplateVersion > 0 {
		s += fmt.Sprintf(" version %d", ab.TemplateVersion)
	}
	if ab.TemplateDigest != "" {
		s += ", digest " + code(ab.TemplateDigest) + " (its name, configuration schema and scaffold)"
	}
	return s
}

// after says when a timer fires: "after 1 day (2026-01-02 10:00 UTC)".
func after(label string, d time.Duration, at string) string {
	if label == "" {
		label = Duration(d)
	}
	s := "after " + label
	if at != "" {
		s += " (" + readableStamp(at) + ")"
	}
	return s
}

// approvalCurrent is the approval's current details: where it stands now.
func approvalCurrent(in ApprovalInput, st *activities.ApprovalState) string {
	var lines []string
	approvals := 0
	for _, d := range st.Decisions {
		if d.Approve {
			approvals++
		}
	}
	switch st.Status {
	case models.ApprovalPending:
		s := fmt.Sprintf("**Pending**: %d of %d approval", approvals, max(st.Required, 1))
		if st.Required > 1 {
			s += "s"
		}
		s += "; " + approvalWhat(in)
		lines = append(lines, s)
		if st.Escalated {
			lines = append(lines, "", "**Escalated**: admins may decide too.")
		}
		if !st.Deadline.IsZero() {
			lines = append(lines, "", field("Expires", readableStamp(stamp(st.Deadline))))
		}
	default:
		s := "**" + strings.ToUpper(st.Status[:1]) + st.Status[1:] + "**"
		if st.Reason != "" {
			s += ": " + text(st.Reason)
		}
		lines = append(lines, s, "")
	}
	for _, d := range st.Decisions {
		verb := "approved"
		if !d.Approve {
			verb = "rejected"
		}
		line := "- " + verb + " by " + text(d.Email) + " (" + code(d.Via) + ", " + readableStamp(stamp(d.At)) + ")"
		if d.Comment != "" {
			line += ": " + text(d.Comment)
		}
		lines = append(lines, line)
	}
	if n := len(st.Ignored); n > 0 {
		last := st.Ignored[n-1]
		lines = append(lines, "", fmt.Sprintf("**Ignored signals**: %d; the last: %s", n, text(last.Reason)))
	}
	if st.Status == models.ApprovalPending {
		lines = append(lines, "", "**How to decide**", "")
		lines = append(lines, approvalHow(in)...)
	}
	return detailsText(lines)
}

// approvalSearch is what an approval starts with in the search attributes
// an approver filters on (README, "The Temporal UI").
func approvalSearch(in ApprovalInput) temporal.SearchAttributes {
	ab := aboutOf(in.About)
	updates := []temporal.SearchAttributeUpdate{
		ApprovalTypeKey.ValueSet(in.Type), ApprovalStatusKey.ValueSet(models.ApprovalPending), RequesterKey.ValueSet(in.RequesterID),
		ApproversKey.ValueSet(approvers(in, false)), ApprovalEscalatedKey.ValueSet(false),
	}
	for _, kv := range []struct {
		key temporal.SearchAttributeKeyKeyword
		v   string
	}{
		{RequesterEmailKey, ab.RequesterEmail}, {ProjectSlugKey, ab.ProjectSlug}, {TemplateSlugKey, ab.TemplateSlug},
	} {
		if kv.v != "" {
			updates = append(updates, kv.key.ValueSet(kv.v))
		}
	}
	return temporal.NewSearchAttributes(updates...)
}
