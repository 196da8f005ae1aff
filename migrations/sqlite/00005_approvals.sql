-- +goose Up
CREATE TABLE approvals (
    id             TEXT NOT NULL PRIMARY KEY,
    type           TEXT NOT NULL CHECK (type IN ('project_deployment', 'template_publication', 'user_role_change')),
    subject_id     TEXT NOT NULL,
    requester_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    eligible_roles TEXT NOT NULL DEFAULT '[]',
    eligible_users TEXT NOT NULL DEFAULT '[]',
    required       INTEGER NOT NULL DEFAULT 1,
    decisions      TEXT NOT NULL DEFAULT '[]',
    ignored        TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    reason         TEXT NOT NULL DEFAULT '',
    escalated      BOOLEAN NOT NULL DEFAULT FALSE,
    workflow_id    TEXT NOT NULL UNIQUE,
    payload        TEXT NOT NULL DEFAULT '{}',
    deadline       DATETIME NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    resolved_at    DATETIME
);
CREATE INDEX approvals_status_idx ON approvals (status, created_at);
CREATE INDEX approvals_requester_idx ON approvals (requester_id, created_at);

-- +goose Down
DROP TABLE approvals;
