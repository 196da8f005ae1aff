-- +goose Up
ALTER TABLE projects ADD COLUMN deploy_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE deployments (
    id              UUID PRIMARY KEY,
    project_id      UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    requested_by    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
    rollback_of     UUID REFERENCES deployments (id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending_approval', 'queued', 'generating', 'building',
                        'publishing', 'verifying', 'deployed', 'failed', 'cancelled', 'rolled_back')),
    workflow_id     TEXT NOT NULL UNIQUE,
    idempotency_key TEXT,
    source_digest   TEXT NOT NULL DEFAULT '',
    artifact_digest TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    steps           JSONB NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    UNIQUE (project_id, seq),
    UNIQUE (project_id, requested_by, idempotency_key)
);
CREATE INDEX deployments_project_idx ON deployments (project_id, seq DESC);
-- At most one deployment of a project is in flight at a time.
CREATE UNIQUE INDEX deployments_one_active_idx ON deployments (project_id)
    WHERE status IN ('pending_approval', 'queued', 'generating', 'building', 'publishing', 'verifying');

-- Every publication of a project, newest last; the project's live release is
-- projects.live_deployment_id, and the previous one stays here for rollback.
CREATE TABLE releases (
    deployment_id   UUID PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    project_id      UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    artifact_digest TEXT NOT NULL,
    previous_deployment_id UUID,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX releases_project_idx ON releases (project_id, created_at);

-- +goose Down
DROP TABLE releases;
DROP TABLE deployments;
ALTER TABLE projects DROP COLUMN deploy_seq;
