package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// OpenRoleRequestError refuses a second open role change request: the user
// already waits for the decision on ApprovalID.
type OpenRoleRequestError struct{ ApprovalID string }

func (e *OpenRoleRequestError) Error() string {
	return "you already have an open role change request (" + e.ApprovalID + "); wait for its decision"
}

// OpenRoleRequest returns the user's pending role change request, if any
// (ErrNotFound otherwise).
func (s *Store) OpenRoleRequest(ctx context.Context, userID string) (Approval, error) {
	return openRoleRequest(s.db.WithContext(ctx), userID)
}

func openRoleRequest(db *gorm.DB, userID string) (Approval, error) {
	var a Approval
	err := db.Where("type = ? AND requester_id = ? AND status = ?", ApprovalTypeRoleChange, userID, ApprovalPending).
		Order("created_at, id").Take(&a).Error
	return a, translate("find open role request", err)
}

// CreateRoleRequest stores a (a user_role_change request by a.RequesterID)
// unless its requester already has one open: then *OpenRoleRequestError
// names that one. The requester's row is locked while it looks, so two
// requests at once store one.
func (s *Store) CreateRoleRequest(ctx context.Context, a Approval) (Approval, error) {
	if a.Type != ApprovalTypeRoleChange {
		return Approval{}, fmt.Errorf("create role request: type %q is not %s", a.Type, ApprovalTypeRoleChange)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", a.RequesterID).Take(&User{}).Error; err != nil {
			return err
		}
		open, err := openRoleRequest(tx, a.RequesterID)
		switch {
		case err == nil:
			return &OpenRoleRequestError{ApprovalID: open.ID}
		case !errors.Is(err, ErrNotFound):
			return err
		}
		a = s.newApproval(a)
		return tx.Create(&a).Error
	})
	var dup *OpenRoleRequestError
	if errors.As(err, &dup) {
		return Approval{}, err
	}
	if err != nil {
		return Approval{}, translate("create role request", err)
	}
	return a, nil
}
