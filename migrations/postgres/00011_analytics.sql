-- +goose Up
-- GET /api/analytics/kpis reads aggregates off these indexes instead of
-- scanning deployments and the audit trail: deployments per day by request
-- time; finished deployments by finish time, carrying status and request
-- time so success rate and median duration read the index alone; and each
-- user's latest deployment request and audit event for active users.
CREATE INDEX deployments_created_idx ON deployments (created_at);
CREATE INDEX deployments_finished_idx ON deployments (finished_at, status, created_at) WHERE finished_at IS NOT NULL;
CREATE INDEX deployments_requester_idx ON deployments (requested_by, created_at);
CREATE INDEX audit_events_actor_at_idx ON audit_events (actor_id, at);

-- +goose Down
DROP INDEX audit_events_actor_at_idx;
DROP INDEX deployments_requester_idx;
DROP INDEX deployments_finished_idx;
DROP INDEX deployments_created_idx;
