-- +goose Up
-- An event waiting in the outbox is kept as one JSON document
-- (models.outboxEvent) instead of a column per field. Only the chainer reads
-- it back; the INSERT every audited request sends with its COMMIT then binds
-- one text and updates one index, which costs the server about half of what
-- thirteen columns, their checks and a unique index over NULL keys did.
-- The dedup key stays a column, unique where set. Events waiting at the
-- upgrade are carried over in their order.
CREATE TABLE audit_outbox_document (
    seq       BIGSERIAL PRIMARY KEY,
    event     TEXT NOT NULL,
    dedup_key TEXT
);
CREATE UNIQUE INDEX audit_outbox_dedup_key ON audit_outbox_document (dedup_key) WHERE dedup_key IS NOT NULL;
INSERT INTO audit_outbox_document (event, dedup_key)
SELECT json_build_object('at', at, 'actorId', actor_id, 'actorEmail', actor_email, 'action', action,
        'resourceType', resource_type, 'resourceId', resource_id, 'outcome', outcome, 'status', status,
        'ip', ip, 'userAgent', user_agent, 'requestId', request_id, 'metadata', metadata)::text,
    dedup_key
FROM audit_outbox ORDER BY seq;
DROP TABLE audit_outbox;
ALTER TABLE audit_outbox_document RENAME TO audit_outbox;
ALTER TABLE audit_outbox RENAME CONSTRAINT audit_outbox_document_pkey TO audit_outbox_pkey;
ALTER SEQUENCE audit_outbox_document_seq_seq RENAME TO audit_outbox_seq_seq;
CREATE TRIGGER audit_outbox_immutable BEFORE UPDATE ON audit_outbox
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
REVOKE UPDATE ON audit_outbox FROM PUBLIC;
REVOKE UPDATE ON audit_outbox FROM CURRENT_USER;

-- +goose Down
CREATE TABLE audit_outbox_columns (
    seq           BIGSERIAL PRIMARY KEY,
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
    metadata      TEXT NOT NULL DEFAULT '{}',
    dedup_key     TEXT UNIQUE
);
INSERT INTO audit_outbox_columns (at, actor_id, actor_email, action, resource_type, resource_id, outcome,
    status, ip, user_agent, request_id, metadata, dedup_key)
SELECT (e->>'at')::timestamptz, e->>'actorId', e->>'actorEmail', e->>'action', e->>'resourceType',
    e->>'resourceId', e->>'outcome', (e->>'status')::int, e->>'ip', e->>'userAgent', e->>'requestId',
    e->>'metadata', dedup_key
FROM (SELECT seq, event::json AS e, dedup_key FROM audit_outbox) o ORDER BY seq;
DROP TABLE audit_outbox;
ALTER TABLE audit_outbox_columns RENAME TO audit_outbox;
ALTER TABLE audit_outbox RENAME CONSTRAINT audit_outbox_columns_pkey TO audit_outbox_pkey;
ALTER SEQUENCE audit_outbox_columns_seq_seq RENAME TO audit_outbox_seq_seq;
CREATE TRIGGER audit_outbox_immutable BEFORE UPDATE ON audit_outbox
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
REVOKE UPDATE ON audit_outbox FROM PUBLIC;
REVOKE UPDATE ON audit_outbox FROM CURRENT_USER;
