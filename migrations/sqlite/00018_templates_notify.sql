-- +goose Up
-- Postgres only: a trigger that NOTIFYs API instances of changed templates,
-- for their in-memory template cache. On SQLite (one process, the
-- development setup) the cache stays off, so nothing is needed here.
SELECT 1;

-- +goose Down
SELECT 1;
