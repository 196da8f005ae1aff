-- +goose Up
-- A sign-in session: one family of refresh tokens. Access tokens name the
-- session (sid), so revoking it here ends every token of the family at once:
-- on logout, on reuse of a rotated refresh token, on deactivation.
CREATE TABLE auth_sessions (
    id             TEXT NOT NULL PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method         TEXT NOT NULL CHECK (method IN ('dev', 'oidc')),
    created_at     DATETIME NOT NULL,
    expires_at     DATETIME NOT NULL,
    last_used_at   DATETIME NOT NULL,
    revoked_at     DATETIME,
    revoked_reason TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX auth_sessions_user_live_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;
-- Refresh tokens are kept as SHA-256 hashes only. used_at marks a rotated
-- token: presenting it again revokes its session.
CREATE TABLE refresh_tokens (
    hash       TEXT NOT NULL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    used_at    DATETIME
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
-- A user signed in through an OpenID Connect provider is found again by the
-- provider's issuer and subject, which never change, not by email.
ALTER TABLE users ADD COLUMN identity_issuer TEXT;
ALTER TABLE users ADD COLUMN identity_subject TEXT;
CREATE UNIQUE INDEX users_identity_idx ON users (identity_issuer, identity_subject) WHERE identity_issuer IS NOT NULL;

-- +goose Down
DROP INDEX users_identity_idx;
ALTER TABLE users DROP COLUMN identity_subject;
ALTER TABLE users DROP COLUMN identity_issuer;
DROP TABLE refresh_tokens;
DROP TABLE auth_sessions;
