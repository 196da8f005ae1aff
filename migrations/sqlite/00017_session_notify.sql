-- +goose Up
-- Postgres only: triggers that NOTIFY API instances of changed users and
-- sessions, for their in-memory sign-in cache. On SQLite (one process, the
-- development setup) the cache stays off, so nothing is needed here.
SELECT 1;

-- +goose Down
SELECT 1;
