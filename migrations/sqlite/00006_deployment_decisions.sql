-- +goose NO TRANSACTION
-- +goose Up
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (the
-- documented 12-step procedure) with foreign keys off while it is swapped.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE deployments_next (
    id              TEXT NOT NULL PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    requested_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
    rollback_of     TEXT REFERENCES deployments (id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending_approval', 'queued', 'generating', 'building',
                        'publishing', 'verifying', 'deployed', 'failed', 'cancelled', 'rolled_back', 'rejected', 'expired')),
    workflow_id     TEXT NOT NULL UNIQUE,
    idempotency_key TEXT,
    source_digest   TEXT NOT NULL DEFAULT '',
    artifact_digest TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    steps           TEXT NOT NULL DEFAULT '[]',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    finished_at     DATETIME,
    approval_id     TEXT,
    UNIQUE (project_id, seq),
    UNIQUE (project_id, requested_by, idempotency_key)
);
INSERT INTO deployments_next (id, project_id, seq, requested_by, kind, rollback_of, status, workflow_id, idempotency_key,
    source_digest, artifact_digest, url, error, steps, created_at, updated_at, finished_at)
SELECT id, project_id, seq, requested_by, kind, rollback_of, status, workflow_id, idempotency_key,
    source_digest, artifact_digest, url, error, steps, created_at, updated_at, finished_at FROM deployments;
DROP TABLE deployments;
ALTER TABLE deployments_next RENAME TO deployments;
CREATE INDEX deployments_project_idx ON deployments (project_id, seq DESC);
CREATE UNIQUE INDEX deployments_one_active_idx ON deployments (project_id)
    WHERE status IN ('pending_approval', 'queued', 'generating', 'building', 'publishing', 'verifying');
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
ALTER TABLE deployments DROP COLUMN approval_id;
