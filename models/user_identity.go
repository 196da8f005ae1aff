package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Identity is a user as an OpenID Connect provider vouches for them.
type Identity struct {
	Issuer, Subject string
	Email, Name     string
	// Role is what the provider's role claim maps to; "" leaves the role alone.
	Role string
}

// IdentityUser finds the user the provider's identity belongs to, by issuer
// and subject; else links the user with the identity's (verified) email;
// else creates one. The provider's name and email are kept up to date, and
// a mapped role replaces the user's with a role-change audit event in the
// same transaction. created reports a new user.
func (s *Store) IdentityUser(ctx context.Context, id Identity) (u User, created bool, err error) {
	email := strings.ToLower(strings.TrimSpace(id.Email))
	// Not withEvents: the request's own audit event (the sign-in) is
	// written with the session this leads to, not here.
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockFirstLogin(tx, s.dialect); err != nil {
			return err
		}
		err := lockRow(tx, s.dialect).Where("identity_issuer = ? AND identity_subject = ?", id.Issuer, id.Subject).Take(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			err = lockRow(tx, s.dialect).Where("email = ? AND identity_issuer IS NULL", email).Take(&u).Error
		}
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			created = true
			u, err = createUser(tx, User{Email: email, Name: strings.TrimSpace(id.Name), Role: id.Role,
				IdentityIssuer: &id.Issuer, IdentitySubject: &id.Subject})
			if err != nil || id.Role == "" {
				return err
			}
			return s.outboxAudit(tx, []AuditEvent{roleFromClaim(u, id.Role, "")})
		case err != nil:
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		updates := map[string]any{"identity_issuer": id.Issuer, "identity_subject": id.Subject, "email": email, "updated_at": now}
		if name := strings.TrimSpace(id.Name); name != "" {
			updates["name"] = name
			u.Name = name
		}
		if id.Role != "" && id.Role != u.Role {
			if err := s.outboxAudit(tx, []AuditEvent{roleFromClaim(User{ID: u.ID, Email: email}, id.Role, u.Role)}); err != nil {
				return err
			}
			updates["role"] = id.Role
			u.Role = id.Role
		}
		u.IdentityIssuer, u.IdentitySubject, u.Email, u.UpdatedAt = &id.Issuer, &id.Subject, email, now
		return tx.Model(&User{}).Where("id = ?", u.ID).Updates(updates).Error
	})
	if u.ID != "" {
		s.sessions.forget("", u.ID)
	}
	if err != nil {
		return User{}, false, translate("identity user", err)
	}
	return u, created, nil
}

// roleFromClaim is the audit event of a role the provider's claim gave u.
func roleFromClaim(u User, role, previous string) AuditEvent {
	return AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: AuditRoleChange, ResourceType: "users",
		ResourceID: u.ID, Outcome: AuditAllowed,
		Metadata: AuditMetadata(map[string]any{"role": role, "previous": previous, "source": "oidc_role_claim"})}
}
