-- +goose Up
-- The reconciler looks every 30 s for deployments whose workflow may never
-- have started; this keeps that look off the rest of the table.
CREATE INDEX deployments_unstarted_idx ON deployments (created_at) WHERE status IN ('queued', 'pending_approval');

-- +goose Down
DROP INDEX deployments_unstarted_idx;
