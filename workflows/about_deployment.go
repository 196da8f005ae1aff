package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/models"
)

// deploymentKind is deploy or rollback: the About's, else the input's.
func deploymentKind(in DeploymentInput) string {
	if in.RollbackArtifact != "" {
		return models.KindRollback
	}
	if ab := aboutOf(in.About); ab.Kind != "" {
		return ab.Kind
	}
	return models.KindDeploy
}

// DeploymentSummary is the deployment's one-line summary in the Temporal
// UI's list: the kind, the project, its owner.
func DeploymentSummary(in DeploymentInput) string {
	ab := aboutOf(in.About)
	verb := "Deploy"
	if deploymentKind(in) == models.KindRollback {
		verb = "Roll back"
	}
	project := "project " + code(in.ProjectID)
	if ab.ProjectName != "" || ab.ProjectSlug != "" {
		project = projectName(ab)
	}
	owner := ab.OwnerEmail
	if owner == "" {
		owner = ab.RequesterEmail
	}
	return summaryLine(verb + " " + project + " for " + who(owner, in.OwnerID))
}

// pipelineSteps are the steps a deployment of this kind runs.
func pipelineSteps(in DeploymentInput) []string {
	if deploymentKind(in) == models.KindRollback {
		return []string{StepPublish, StepVerify}
	}
	return []string{StepGenerate, StepBuild, StepPublish, StepVerify}
}

// DeploymentDetails is the deployment's static details: the project, its
// owner, the kind, what it builds, its approval, and where to operate it.
func DeploymentDetails(in DeploymentInput) string {
	ab := aboutOf(in.About)
	project := "project " + code(in.ProjectID)
	if ab.ProjectName != "" || ab.ProjectSlug != "" {
		project = projectName(ab)
	}
	if l := link(ab.PlatformURL, routeProjects+in.ProjectID, "project page"); l != "" {
		project += " · " + l
	}
	lines := []string{field("Project", project), field("Owner", person(ab.OwnerName, ab.OwnerEmail, in.OwnerID))}
	if ab.RequesterEmail != "" && ab.RequesterEmail != ab.OwnerEmail {
		lines = append(lines, field("Requested by", person(ab.RequesterName, ab.RequesterEmail, "")))
	}
	kind := code(deploymentKind(in))
	if deploymentKind(in) == models.KindRollback {
		kind += ": re-publishes the artifact " + code(in.RollbackArtifact)
		if ab.RollbackOf != "" {
			kind += " of deployment " + code(ab.RollbackOf)
		}
		kind += ", nothing is generated or built"
	}
	lines = append(lines, field("Kind", kind))
	if ab.TemplateSlug != "" || ab.TemplateDigest != "" {
		lines = append(lines, field("Template", templateLine(ab)))
	}
	if ab.ConfigurationDigest != "" {
		lines = append(lines, field("Configuration snapshot", "digest "+code(ab.ConfigurationDigest)))
	}
	lines = append(lines, field("Steps", strings.Join(pipelineSteps(in), " → ")))
	if in.ApprovalID != "" {
		a := "waits for " + code(ApprovalWorkflowID(in.ApprovalID)) + " (a technical user or an admin decides)"
		if in.ApprovalTimeout > 0 {
			a += ", which expires " + after(ab.Timeout, in.ApprovalTimeout, "")
		}
		if l := link(ab.PlatformURL, routeApprovals, "Approvals page"); l != "" {
			a += " · " + l
		}
		lines = append(lines, field("Approval", a))
	}
	lines = append(lines, field("Operate",
		"cancel it on the project page, or cancel this workflow here (the same: the running step learns of it at its "+
			"next heartbeat, a publication is undone, the deployment ends "+code(models.DeployCancelled)+"). "+
			"Terminating skips the workflow's own cleanup: the platform's reconciler ends the deployment "+
			code(models.DeployFailed)+" a minute or two later and takes back a release it published. "+
			"To retry, deploy again: a reset cannot revive a deployment that ended."),
		field("Deployment", code(in.DeploymentID)))
	return detailsText(lines)
}

// deploymentCurrent is the deployment's current details: where it stands.
func deploymentCurrent(in DeploymentInput, status, url, reason string) string {
	ab := aboutOf(in.About)
	steps := pipelineSteps(in)
	var head string
	switch status {
	case models.DeployPendingApproval:
		head = "**Waiting for approval** " + code(ApprovalWorkflowID(in.ApprovalID))
		if l := link(ab.PlatformURL, routeApprovals, "Approvals page"); l != "" {
			head += " · " + l
		}
	case models.DeployQueued:
		head = "**Queued**"
	case SearchStatusRunning:
		head = "**Running**"
	case models.DeployGenerating, models.DeployBuilding, models.DeployPublishing, models.DeployVerifying:
		step := map[string]string{models.DeployGenerating: StepGenerate, models.DeployBuilding: StepBuild,
			models.DeployPublishing: StepPublish, models.DeployVerifying: StepVerify}[status]
		head = fmt.Sprintf("**%s** (step %d of %d: %s)", capitalize(status), slices.Index(steps, step)+1, len(steps), step)
	case models.DeployDeployed:
		head = "**Deployed**"
		if url != "" {
			head += ": live at " + liveLink(url)
		}
	default:
		head = "**" + capitalize(status) + "**"
		if reason != "" {
			head += ": " + text(reason)
		}
	}
	lines := []string{head, ""}
	project := "project " + code(in.ProjectID)
	if ab.ProjectName != "" || ab.ProjectSlug != "" {
		project = projectName(ab)
	}
	lines = append(lines, field(capitalize(deploymentKind(in))+" of", project+" for "+person(ab.OwnerName, ab.OwnerEmail, in.OwnerID)))
	if l := link(ab.PlatformURL, routeProjects+in.ProjectID, "project page"); l != "" {
		lines = append(lines, field("Steps, logs and cancel", l))
	}
	return detailsText(lines)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
}

// show sets the deployment's current details in the Temporal UI. It is not
// a command: it changes nothing in the workflow's history. It is set on the
// workflow's own context, where the UI's metadata query reads it (a context
// with activity or child options holds a copy).
func (p *pipeline) show(status, url, reason string) {
	workflow.SetCurrentDetails(p.root, deploymentCurrent(p.in, status, url, reason))
}

// deploymentSearch is what a deployment starts with in the search
// attributes an operator filters on (README, "The Temporal UI").
func deploymentSearch(in DeploymentInput) temporal.SearchAttributes {
	ab := aboutOf(in.About)
	updates := []temporal.SearchAttributeUpdate{
		ProjectIDKey.ValueSet(in.ProjectID), OwnerIDKey.ValueSet(in.OwnerID), DeploymentStatusKey.ValueSet(models.DeployQueued),
	}
	requester := ab.RequesterEmail
	if requester == "" {
		requester = ab.OwnerEmail
	}
	for _, kv := range []struct {
		key temporal.SearchAttributeKeyKeyword
		v   string
	}{
		{RequesterEmailKey, requester}, {ProjectSlugKey, ab.ProjectSlug}, {TemplateSlugKey, ab.TemplateSlug},
	} {
		if kv.v != "" {
			updates = append(updates, kv.key.ValueSet(kv.v))
		}
	}
	return temporal.NewSearchAttributes(updates...)
}

// childApprovalAbout describes the approval a deployment waits for, from
// the deployment's own About; its escalation and deadline fall from now
// (the workflow's time, so replay computes the same).
func childApprovalAbout(in DeploymentInput, now time.Time) *About {
	ab := aboutOf(in.About)
	requesterEmail, requesterName := ab.RequesterEmail, ab.RequesterName
	if requesterEmail == "" {
		requesterEmail, requesterName = ab.OwnerEmail, ab.OwnerName
	}
	out := &About{
		PlatformURL: ab.PlatformURL, RequesterEmail: requesterEmail, RequesterName: requesterName,
		ProjectID: in.ProjectID, ProjectName: ab.ProjectName, ProjectSlug: ab.ProjectSlug, OwnerEmail: ab.OwnerEmail, OwnerName: ab.OwnerName,
		Kind: deploymentKind(in), ConfigurationDigest: ab.ConfigurationDigest,
		TemplateSlug: ab.TemplateSlug, TemplateName: ab.TemplateName, TemplateVersion: ab.TemplateVersion, TemplateDigest: ab.TemplateDigest,
		Timeout: Duration(in.ApprovalTimeout), Deadline: stamp(now.Add(in.ApprovalTimeout)),
	}
	if in.ApprovalEscalateAfter > 0 && in.ApprovalEscalateAfter < in.ApprovalTimeout {
		out.EscalateAfter, out.EscalatesAt = Duration(in.ApprovalEscalateAfter), stamp(now.Add(in.ApprovalEscalateAfter))
	}
	return out
}
