-- +goose Up
-- The audit trail: one row per mutating request, sign-in, approval decision,
-- role change, publication and rollback. Rows are hash-chained (hash covers
-- the row and prev_hash) and append-only: a trigger refuses UPDATE and
-- DELETE for every role, the owner included, and the privileges are revoked.
-- id is the chain's position (audit_chain.seq), so ids have no gaps.
CREATE TABLE audit_events (
    id            BIGINT PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
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
    -- TEXT, not JSONB: the hash covers the exact bytes written.
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

-- The chain's head: appends lock this row, so the chain has no forks.
CREATE TABLE audit_chain (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    head TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, head) VALUES (1, 0, '');

-- +goose StatementBegin
CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER;

-- +goose Down
DROP TABLE audit_chain;
DROP TABLE audit_events;
DROP FUNCTION audit_events_immutable();
