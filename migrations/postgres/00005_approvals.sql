-- +goose Up
CREATE TABLE approvals (
    id             UUID PRIMARY KEY,
    type           TEXT NOT NULL CHECK (type IN ('project_deployment', 'template_publication', 'user_role_change')),
    subject_id     TEXT NOT NULL,
    requester_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    eligible_roles JSONB NOT NULL DEFAULT '[]',
    eligible_users JSONB NOT NULL DEFAULT '[]',
    required       INTEGER NOT NULL DEFAULT 1,
    decisions      JSONB NOT NULL DEFAULT '[]',
    ignored        JSONB NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    reason         TEXT NOT NULL DEFAULT '',
    escalated      BOOLEAN NOT NULL DEFAULT FALSE,
    workflow_id    TEXT NOT NULL UNIQUE,
    payload        JSONB NOT NULL DEFAULT '{}',
    deadline       TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    resolved_at    TIMESTAMPTZ
);
CREATE INDEX approvals_status_idx ON approvals (status, created_at);
CREATE INDEX approvals_requester_idx ON approvals (requester_id, created_at);

-- +goose Down
DROP TABLE approvals;
