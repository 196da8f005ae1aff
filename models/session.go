package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Sign-in methods a session records.
const (
	SessionDev  = "dev"
	SessionOIDC = "oidc"
)

// Why a session was revoked.
const (
	RevokedLogout      = "logout"
	RevokedReuse       = "refresh_token_reuse"
	RevokedDeactivated = "user_deactivated"
)

var (
	// ErrSessionEnded means the session was revoked, has expired, or its
	// user is deactivated: the client must sign in again.
	ErrSessionEnded = errors.New("session ended")
	// ErrRefreshReused means a refresh token was presented after it had
	// been rotated: its session has been revoked.
	ErrRefreshReused = errors.New("refresh token reused")
)

// Session is a row of auth_sessions: one sign-in and its family of refresh
// tokens. Access tokens name it, so revoking it ends them all.
type Session struct {
	ID            string
	UserID        string
	Method        string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	LastUsedAt    time.Time
	RevokedAt     *time.Time
	RevokedReason string
	IP            string `gorm:"column:ip"`
	UserAgent     string
}

// TableName is auth_sessions.
func (Session) TableName() string { return "auth_sessions" }

// Live reports whether the session may still be used at now.
func (s Session) Live(now time.Time) bool { return s.RevokedAt == nil && now.Before(s.ExpiresAt) }

// refreshToken is a row of refresh_tokens; only the hash is stored.
type refreshToken struct {
	Hash      string `gorm:"primaryKey"`
	SessionID string
	CreatedAt time.Time
	UsedAt    *time.Time
}

func (refreshToken) TableName() string { return "refresh_tokens" }

// CreateSession stores a new session with its first refresh token (by hash).
// It is the sign-in's change, so the request's audit event is written with it.
func (s *Store) CreateSession(ctx context.Context, sess Session, refreshHash string) (Session, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess.ID, sess.CreatedAt, sess.LastUsedAt = newID(), now, now
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return tx.Create(&refreshToken{Hash: refreshHash, SessionID: sess.ID, CreatedAt: now}).Error
	})
	return sess, translate("create session", err)
}

// sessionUser is a session joined with its user, read in one query.
type sessionUser struct {
	User
	SessionExpiresAt time.Time
	SessionRevokedAt *time.Time
}

// SessionUser returns the session's user if the session is live at now:
// one indexed query per authenticated request, or none when the session
// cache holds it (see sessionCache). ErrSessionEnded (with the user) if it
// was revoked or has expired, ErrNotFound if there is no such session.
// The user's maps may be shared with the cache: read them, never modify.
func (s *Store) SessionUser(ctx context.Context, sessionID string, now time.Time) (User, error) {
	if !isUUID(sessionID) {
		return User{}, fmt.Errorf("session user: %w", ErrNotFound)
	}
	if u, ok := s.sessions.get(sessionID, now); ok {
		return u, nil
	}
	gen, caching := s.sessions.generation()
	u, expiresAt, err := s.loadSessionUser(ctx, sessionID, now)
	if err == nil && caching {
		s.sessions.put(gen, sessionID, u, expiresAt, now)
	}
	return u, err
}

// loadSessionUser reads a session and its user in one query.
func (s *Store) loadSessionUser(ctx context.Context, sessionID string, now time.Time) (User, time.Time, error) {
	var row sessionUser
	res := s.db.WithContext(ctx).Raw(`SELECT users.*, auth_sessions.expires_at AS session_expires_at, auth_sessions.revoked_at AS session_revoked_at
		FROM auth_sessions JOIN users ON users.id = auth_sessions.user_id WHERE auth_sessions.id = ?`, sessionID).Scan(&row)
	if res.Error != nil {
		return User{}, time.Time{}, translate("session user", res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, time.Time{}, fmt.Errorf("session user: %w", ErrNotFound)
	}
	if row.SessionRevokedAt != nil || !now.Before(row.SessionExpiresAt) {
		// The user comes along, so a caller can say why (deactivated).
		return row.User, time.Time{}, fmt.Errorf("session user: %w", ErrSessionEnded)
	}
	return row.User, row.SessionExpiresAt, nil
}

// RotateRefresh exchanges a refresh token (by hash) for a new one in the same
// session and returns the session and its user. A token presented again
// after it was rotated revokes the whole session (ErrRefreshReused), unless
// it comes within grace of its rotation: two tabs refreshing at once both
// get a token. ErrNotFound for an unknown token; ErrSessionEnded for a
// revoked or expired session or a deactivated user.
func (s *Store) RotateRefresh(ctx context.Context, oldHash, newHash string, grace time.Duration) (Session, User, error) {
	var sess Session
	var u User
	now := time.Now().UTC().Truncate(time.Microsecond)
	reused := false
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		var tok refreshToken
		if err := lockRow(tx, s.dialect).Where("hash = ?", oldHash).Take(&tok).Error; err != nil {
			return err
		}
		if err := lockRow(tx, s.dialect).Where("id = ?", tok.SessionID).Take(&sess).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", sess.UserID).Take(&u).Error; err != nil {
			return err
		}
		switch {
		case !sess.Live(now) || u.DeactivatedAt != nil:
			return ErrSessionEnded
		case tok.UsedAt != nil && now.Sub(*tok.UsedAt) > grace:
			reused = true
			return ErrRefreshReused
		}
		if tok.UsedAt == nil {
			if err := tx.Model(&refreshToken{}).Where("hash = ?", oldHash).Update("used_at", now).Error; err != nil {
				return err
			}
		}
		sess.LastUsedAt = now
		if err := tx.Model(&Session{}).Where("id = ?", sess.ID).Update("last_used_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&refreshToken{Hash: newHash, SessionID: sess.ID, CreatedAt: now}).Error
	})
	if reused {
		// Revoked in a transaction of its own: the request fails (and is
		// audited as denied), the revocation stands.
		if rerr := s.RevokeSession(context.WithoutCancel(ctx), sess.ID, RevokedReuse, false); rerr != nil {
			return Session{}, User{}, fmt.Errorf("rotate refresh token: %w (and revoking its session: %w)", ErrRefreshReused, rerr)
		}
	}
	switch {
	case errors.Is(err, ErrSessionEnded), errors.Is(err, ErrRefreshReused):
		return Session{}, User{}, fmt.Errorf("rotate refresh token: %w", err)
	case err != nil:
		return Session{}, User{}, translate("rotate refresh token", err)
	}
	return sess, u, nil
}

// SessionOfRefresh returns the session a refresh token (by hash) belongs to,
// without using it: logout and the CSRF check of refresh read it.
func (s *Store) SessionOfRefresh(ctx context.Context, hash string) (Session, error) {
	var sess Session
	err := s.db.WithContext(ctx).Where("id = (SELECT session_id FROM refresh_tokens WHERE hash = ?)", hash).Take(&sess).Error
	return sess, translate("session of refresh token", err)
}

// RevokeSession ends a session and so every token of its family. As the
// request's change (logout) it carries the request's audit event; as a
// consequence of a refused request (reuse) it does not (audited = false).
// Revoking a revoked session changes nothing.
func (s *Store) RevokeSession(ctx context.Context, sessionID, reason string, audited bool) error {
	if !isUUID(sessionID) {
		return fmt.Errorf("revoke session: %w", ErrNotFound)
	}
	revoke := func(tx *gorm.DB) error {
		return tx.Model(&Session{}).Where("id = ? AND revoked_at IS NULL", sessionID).
			Updates(map[string]any{"revoked_at": time.Now().UTC().Truncate(time.Microsecond), "revoked_reason": reason}).Error
	}
	var err error
	if audited {
		err = s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error { return revoke(tx) })
	} else {
		err = s.db.WithContext(ctx).Transaction(revoke)
	}
	s.sessions.forget(sessionID, "")
	return translate("revoke session", err)
}

// revokeUserSessions ends every live session of a user in tx.
func revokeUserSessions(tx *gorm.DB, userID, reason string, now time.Time) error {
	return tx.Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": now, "revoked_reason": reason}).Error
}

// PruneSessions deletes sessions that ended before cutoff (their refresh
// tokens go with them); the audit trail keeps the sign-ins.
func (s *Store) PruneSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ? OR revoked_at < ?", cutoff, cutoff).Delete(&Session{})
	return res.RowsAffected, translate("prune sessions", res.Error)
}
