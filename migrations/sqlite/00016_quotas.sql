-- +goose Up
-- AI tokens (prompt and completion) each user used per UTC day, by chat and
-- code generation: the daily token budget (QUOTA_AI_TOKENS_PER_DAY) reads it
-- before a call, and each call adds what it used after it ran. Kept in the
-- database so the budget holds across restarts and API instances.
CREATE TABLE ai_usage (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day        TEXT NOT NULL CHECK (length(day) = 10), -- YYYY-MM-DD, UTC
    tokens     INTEGER NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE ai_usage;
