-- +goose NO TRANSACTION
-- +goose Up
-- An approval whose deployment (or workflow) is cancelled ends cancelled.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (the
-- documented 12-step procedure) with foreign keys off while it is swapped.
-- The workflows number their reports, so a retried report is stored once:
-- the approval workflow's reports (version), the onboarding workflow's steps
-- and reminders.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE approvals_next (
    id             TEXT NOT NULL PRIMARY KEY,
    type           TEXT NOT NULL CHECK (type IN ('project_deployment', 'template_publication', 'user_role_change')),
    subject_id     TEXT NOT NULL,
    requester_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    eligible_roles TEXT NOT NULL DEFAULT '[]',
    eligible_users TEXT NOT NULL DEFAULT '[]',
    required       INTEGER NOT NULL DEFAULT 1,
    decisions      TEXT NOT NULL DEFAULT '[]',
    ignored        TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    reason         TEXT NOT NULL DEFAULT '',
    escalated      BOOLEAN NOT NULL DEFAULT FALSE,
    workflow_id    TEXT NOT NULL UNIQUE,
    payload        TEXT NOT NULL DEFAULT '{}',
    deadline       DATETIME NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    resolved_at    DATETIME,
    version        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO approvals_next (id, type, subject_id, requester_id, eligible_roles, eligible_users, required, decisions,
    ignored, status, reason, escalated, workflow_id, payload, deadline, created_at, updated_at, resolved_at)
SELECT id, type, subject_id, requester_id, eligible_roles, eligible_users, required, decisions,
    ignored, status, reason, escalated, workflow_id, payload, deadline, created_at, updated_at, resolved_at FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_next RENAME TO approvals;
CREATE INDEX approvals_status_idx ON approvals (status, created_at);
CREATE INDEX approvals_requester_idx ON approvals (requester_id, created_at);
-- The approval reconciler looks every 30 s for pending approvals whose
-- workflow never reported (version 0).
CREATE INDEX approvals_unstarted_idx ON approvals (created_at) WHERE status = 'pending' AND version = 0;
ALTER TABLE users ADD COLUMN onboarding_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN onboarding_reminders INTEGER NOT NULL DEFAULT 0;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
DROP INDEX approvals_unstarted_idx;
ALTER TABLE users DROP COLUMN onboarding_reminders;
ALTER TABLE users DROP COLUMN onboarding_version;
ALTER TABLE approvals DROP COLUMN version;
