-- +goose Up
-- An approval whose deployment (or workflow) is cancelled ends cancelled.
ALTER TABLE approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled'));
-- The workflows number their reports, so a retried report is stored once:
-- the approval workflow's reports, the onboarding workflow's steps and reminders.
ALTER TABLE approvals ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN onboarding_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN onboarding_reminders INTEGER NOT NULL DEFAULT 0;
-- The approval reconciler looks every 30 s for pending approvals whose
-- workflow never reported (version 0).
CREATE INDEX approvals_unstarted_idx ON approvals (created_at) WHERE status = 'pending' AND version = 0;

-- +goose Down
DROP INDEX approvals_unstarted_idx;
ALTER TABLE users DROP COLUMN onboarding_reminders;
ALTER TABLE users DROP COLUMN onboarding_version;
ALTER TABLE approvals DROP COLUMN version;
ALTER TABLE approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'expired'));
