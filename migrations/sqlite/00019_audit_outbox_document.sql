-- +goose Up
-- An event waiting in the outbox is kept as one JSON document
-- (models.outboxEvent) instead of a column per field, as on Postgres; the
-- dedup key stays a column, unique where set. Events waiting at the upgrade
-- are carried over in their order, their time as SQLite stored it.
CREATE TABLE audit_outbox_document (
    seq       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    event     TEXT NOT NULL,
    dedup_key TEXT
);
CREATE UNIQUE INDEX audit_outbox_dedup_key ON audit_outbox_document (dedup_key) WHERE dedup_key IS NOT NULL;
INSERT INTO audit_outbox_document (event, dedup_key)
SELECT json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', at), 'actorId', actor_id, 'actorEmail', actor_email,
        'action', action, 'resourceType', resource_type, 'resourceId', resource_id, 'outcome', outcome,
        'status', status, 'ip', ip, 'userAgent', user_agent, 'requestId', request_id, 'metadata', metadata),
    dedup_key
FROM audit_outbox ORDER BY seq;
DROP TABLE audit_outbox;
ALTER TABLE audit_outbox_document RENAME TO audit_outbox;
-- +goose StatementBegin
CREATE TRIGGER audit_outbox_no_update BEFORE UPDATE ON audit_outbox
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE audit_outbox RENAME TO audit_outbox_document;
DROP TRIGGER audit_outbox_no_update;
CREATE TABLE audit_outbox (
    seq           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    dedup_key     TEXT UNIQUE
);
INSERT INTO audit_outbox (at, actor_id, actor_email, action, resource_type, resource_id, outcome, status, ip,
    user_agent, request_id, metadata, dedup_key)
SELECT json_extract(event, '$.at'), json_extract(event, '$.actorId'), json_extract(event, '$.actorEmail'),
    json_extract(event, '$.action'), json_extract(event, '$.resourceType'), json_extract(event, '$.resourceId'),
    json_extract(event, '$.outcome'), json_extract(event, '$.status'), json_extract(event, '$.ip'),
    json_extract(event, '$.userAgent'), json_extract(event, '$.requestId'), json_extract(event, '$.metadata'),
    dedup_key
FROM audit_outbox_document ORDER BY seq;
DROP TABLE audit_outbox_document;
-- +goose StatementBegin
CREATE TRIGGER audit_outbox_no_update BEFORE UPDATE ON audit_outbox
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
END;
-- +goose StatementEnd
