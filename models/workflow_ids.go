package models

import "errors"

// WorkflowIDs names the Temporal workflows of stored rows. Package
// workflows builds every workflow id (workflows.IDs); the store only records
// the id it is given in the row it creates.
type WorkflowIDs struct {
	Deployment func(deploymentID string) string
	Approval   func(approvalID string) string
}

func (w WorkflowIDs) check() error {
	if w.Deployment == nil || w.Approval == nil {
		return errors.New("open database: the store needs the workflow ids of deployments and approvals")
	}
	return nil
}
