package workflows

import (
	"fmt"
	"slices"
	"strings"

	"github.com/forgeai/platform/activities"
)

// OnboardingSummary is the onboarding's one-line summary in the Temporal UI's list.
func OnboardingSummary(in OnboardingInput) string {
	ab := aboutOf(in.About)
	return summaryLine("Onboarding of " + person(ab.RequesterName, ab.RequesterEmail, in.UserID))
}

// OnboardingDetails is the onboarding's static details: whose it is, its
// steps, its reminder, and where to look in the platform.
func OnboardingDetails(in OnboardingInput) string {
	ab := aboutOf(in.About)
	reminder := ab.ReminderAfter
	if reminder == "" {
		reminder = Duration(in.ReminderAfter)
	}
	lines := []string{
		field("User", person(ab.RequesterName, ab.RequesterEmail, in.UserID)),
		field("Steps", strings.Join(OnboardingSteps, " → ")+" (each an update the platform sends)"),
		field("Reminder", "after "+reminder+" without progress"),
	}
	if in.Bootstrap {
		lines = append(lines, field("Bootstrap admin", "choosing a role needs no approval"))
	}
	if l := link(ab.PlatformURL, routeAdminUsers, "Users (admin)"); l != "" {
		lines = append(lines, field("In the platform", "the user's own page "+code(routeOnboarding)+"; "+l))
	}
	lines = append(lines, field("Operate", "terminating it is safe: the user's next step starts it again from the state stored on the user"),
		field("User id", code(in.UserID)))
	return detailsText(lines)
}

// onboardingReached names the step an onboarding has reached and what comes next.
func onboardingReached(st activities.OnboardingState) (reached, next string) {
	switch {
	case st.Completed:
		return StepFirstProject, ""
	case st.Industry != "":
		if len(st.BrowsedTemplates) > 0 {
			return StepTemplateBrowsing, StepFirstProject
		}
		return StepIndustry, StepTemplateBrowsing + " or " + StepFirstProject
	case st.Role != "":
		return StepRole, StepIndustry
	}
	return "", StepRole
}

// onboardingCurrent is the onboarding's current details: the step reached
// and the choices made.
func onboardingCurrent(in OnboardingInput, st activities.OnboardingState) string {
	ab := aboutOf(in.About)
	reached, next := onboardingReached(st)
	var head string
	switch {
	case st.Completed:
		head = "**Completed**: first project " + code(st.FirstProjectID)
	case reached == "":
		head = "**Not started**: next step " + code(next)
	default:
		head = fmt.Sprintf("**Step %d of %d reached**: %s; next %s", slices.Index(OnboardingSteps, reached)+1, len(OnboardingSteps),
			code(reached), next)
	}
	lines := []string{head, "", field("User", person(ab.RequesterName, ab.RequesterEmail, in.UserID))}
	if st.Role != "" {
		role := code(st.Role)
		if st.RoleApprovalID != "" {
			role += " (asked for: " + code(ApprovalWorkflowID(st.RoleApprovalID)) + ")"
		}
		lines = append(lines, field("Role", role))
	}
	if st.Industry != "" {
		lines = append(lines, field("Industry", code(st.Industry)))
	}
	if n := len(st.BrowsedTemplates); n > 0 {
		lines = append(lines, field("Templates browsed", fmt.Sprint(n)))
	}
	if st.FirstProjectID != "" {
		if l := link(ab.PlatformURL, routeProjects+st.FirstProjectID, "first project"); l != "" {
			lines = append(lines, field("Project", l))
		}
	}
	if st.Reminders > 0 {
		lines = append(lines, field("Reminders sent", fmt.Sprint(st.Reminders)))
	}
	return detailsText(lines)
}
