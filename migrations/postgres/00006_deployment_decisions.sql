-- +goose Up
-- Deployments that waited for an approval can end rejected or expired.
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN ('pending_approval', 'queued',
    'generating', 'building', 'publishing', 'verifying', 'deployed', 'failed', 'cancelled', 'rolled_back', 'rejected', 'expired'));
ALTER TABLE deployments ADD COLUMN approval_id UUID;

-- +goose Down
ALTER TABLE deployments DROP COLUMN approval_id;
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN ('pending_approval', 'queued',
    'generating', 'building', 'publishing', 'verifying', 'deployed', 'failed', 'cancelled', 'rolled_back'));
