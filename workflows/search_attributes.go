// Package workflows holds the deterministic workflow code and everything a
// client needs to start, signal or find workflows: names, IDs, task queues,
// inputs/results and search attributes.
package workflows

import "go.temporal.io/sdk/temporal"

// Task queues. Operators scale workers per queue.
const (
	// PlatformQueue runs workflows and light activities.
	PlatformQueue = "platform"
	// DeployQueue runs code generation, build and publish activities.
	DeployQueue = "deploy"
)

// Search attributes, so deployments and approvals can be found in the
// Temporal UI (the README lists ready-made queries).
var (
	ProjectIDKey        = temporal.NewSearchAttributeKeyKeyword("ProjectId")
	OwnerIDKey          = temporal.NewSearchAttributeKeyKeyword("OwnerId")
	DeploymentStatusKey = temporal.NewSearchAttributeKeyKeyword("DeploymentStatus")
	ApprovalTypeKey     = temporal.NewSearchAttributeKeyKeyword("ApprovalType")
	ApprovalStatusKey   = temporal.NewSearchAttributeKeyKeyword("ApprovalStatus")
	RequesterKey        = temporal.NewSearchAttributeKeyKeyword("Requester")
	// RequesterEmailKey: who asked (a deployment's requester, an approval's
	// requester) or, for an onboarding, whose it is.
	RequesterEmailKey = temporal.NewSearchAttributeKeyKeyword("RequesterEmail")
	// ProjectSlugKey: the project a deployment, or a deployment's approval, is of.
	ProjectSlugKey = temporal.NewSearchAttributeKeyKeyword("ProjectSlug")
	// TemplateSlugKey: the template a deployment builds from, or a
	// template publication would publish.
	TemplateSlugKey = temporal.NewSearchAttributeKeyKeyword("TemplateSlug")
	// ApproversKey: who may decide an approval: its eligible roles and the
	// emails of its eligible users; admin joins on escalation.
	ApproversKey = temporal.NewSearchAttributeKeyKeywordList("Approvers")
	// ApprovalEscalatedKey: the approval escalated (admins may decide too).
	ApprovalEscalatedKey = temporal.NewSearchAttributeKeyBool("ApprovalEscalated")
)

// SearchAttributes lists every custom search attribute the workflows upsert;
// `platform dev` and `platform worker` register them on the namespace.
// Temporal's SQL visibility stores (the dev server's SQLite, Postgres) hold
// at most 10 Keyword, 3 KeywordList and 3 Bool custom attributes per
// namespace (TestSearchAttributesFitSQLVisibility keeps it so).
func SearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		ProjectIDKey.ValueSet(""), OwnerIDKey.ValueSet(""), DeploymentStatusKey.ValueSet(""),
		ApprovalTypeKey.ValueSet(""), ApprovalStatusKey.ValueSet(""), RequesterKey.ValueSet(""),
		RequesterEmailKey.ValueSet(""), ProjectSlugKey.ValueSet(""), TemplateSlugKey.ValueSet(""),
		ApproversKey.ValueSet(nil), ApprovalEscalatedKey.ValueSet(false),
	)
}
