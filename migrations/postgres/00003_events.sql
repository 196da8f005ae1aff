-- +goose Up
-- The durable event log. Each stream's sequence numbers are allocated from
-- its event_streams row inside the transaction of the change they describe,
-- so they are gap-free and commit in order.
CREATE TABLE event_streams (
    stream     TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE events (
    stream     TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    type       TEXT NOT NULL,
    data       JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (stream, seq)
);
CREATE INDEX events_created_idx ON events (created_at);

-- +goose Down
DROP TABLE events;
DROP TABLE event_streams;
