-- +goose Up
-- The audit trail: one row per mutating request, sign-in, approval decision,
-- role change, publication and rollback. Rows are hash-chained (hash covers
-- the row and prev_hash) and append-only: triggers refuse UPDATE and DELETE.
-- id is the chain's position (audit_chain.seq), so ids have no gaps.
CREATE TABLE audit_events (
    id            INTEGER NOT NULL PRIMARY KEY,
    at            DATETIME NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_email   TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT '',
    resource_id   TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
    status        INTEGER NOT NULL DEFAULT 0,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT '',
    metadata      TEXT NOT NULL DEFAULT '{}',
    -- Makes an append idempotent (e.g. one event per approval decision
    -- although the activity that stores it is retried); NULL for requests.
    dedup_key     TEXT UNIQUE,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);

-- The chain's head (SQLite has one writer, so appends are serialised).
CREATE TABLE audit_chain (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    head TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, head) VALUES (1, 0, '');

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_chain;
DROP TABLE audit_events;
