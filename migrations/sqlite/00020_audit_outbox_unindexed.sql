-- +goose Up
-- Postgres drops the outbox's primary key index here. On SQLite seq is the
-- rowid, which costs nothing to keep: nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
