-- +goose Up
CREATE TABLE chat_sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id   TEXT REFERENCES projects (id) ON DELETE SET NULL,
    session_type TEXT NOT NULL CHECK (session_type IN ('onboarding', 'template_config', 'workflow_builder')),
    provider     TEXT NOT NULL,
    model        TEXT NOT NULL,
    context      TEXT NOT NULL DEFAULT '{}',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX chat_sessions_user_idx ON chat_sessions (user_id, created_at DESC);

CREATE TABLE chat_messages (
    id                TEXT NOT NULL PRIMARY KEY,
    session_id        TEXT NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    content           TEXT NOT NULL,
    tool_calls        TEXT NOT NULL DEFAULT '[]',
    tool_call_id      TEXT NOT NULL DEFAULT '',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    provider          TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL
);
CREATE INDEX chat_messages_session_idx ON chat_messages (session_id, id);

CREATE TABLE chat_proposals (
    id          TEXT NOT NULL PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    message_id  TEXT NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    tool_call_id TEXT NOT NULL DEFAULT '',
    patch       TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'invalid', 'superseded')),
    errors      TEXT NOT NULL DEFAULT '[]',
    created_at  DATETIME NOT NULL,
    applied_at  DATETIME
);
CREATE INDEX chat_proposals_session_idx ON chat_proposals (session_id, created_at);

-- +goose Down
DROP TABLE chat_proposals;
DROP TABLE chat_messages;
DROP TABLE chat_sessions;
