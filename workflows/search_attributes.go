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

// Search attributes, so deployments and approvals can be found in the Temporal UI.
var (
	ProjectIDKey        = temporal.NewSearchAttributeKeyKeyword("ProjectId")
	OwnerIDKey          = temporal.NewSearchAttributeKeyKeyword("OwnerId")
	DeploymentStatusKey = temporal.NewSearchAttributeKeyKeyword("DeploymentStatus")
	ApprovalTypeKey     = temporal.NewSearchAttributeKeyKeyword("ApprovalType")
	ApprovalStatusKey   = temporal.NewSearchAttributeKeyKeyword("ApprovalStatus")
	RequesterKey        = temporal.NewSearchAttributeKeyKeyword("Requester")
)

// SearchAttributes lists every custom search attribute the workflows upsert;
// `platform dev` and `platform worker` register them on the namespace.
func SearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		ProjectIDKey.ValueSet(""), OwnerIDKey.ValueSet(""), DeploymentStatusKey.ValueSet(""),
		ApprovalTypeKey.ValueSet(""), ApprovalStatusKey.ValueSet(""), RequesterKey.ValueSet(""),
	)
}
