-- +goose Up
-- A change's audit event is written in the change's transaction into this
-- outbox, which takes no lock; the chainer (models.Store.ChainAudit, run by
-- every API instance and before every read of the trail) moves committed
-- events onto the hash chain in audit_events, in outbox order, under the
-- chain head's lock. So requests never wait for one another's commit on the
-- chain head, and nothing is lost: an event commits with its change.
-- Rows may be inserted, read and deleted (by the chainer), never updated.
CREATE TABLE audit_outbox (
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
CREATE TRIGGER audit_outbox_immutable BEFORE UPDATE ON audit_outbox
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
REVOKE UPDATE ON audit_outbox FROM PUBLIC;
REVOKE UPDATE ON audit_outbox FROM CURRENT_USER;

-- +goose Down
DROP TABLE audit_outbox;
