-- +goose Up
CREATE TABLE event_streams (
    stream     TEXT NOT NULL PRIMARY KEY,
    last_seq   BIGINT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE events (
    stream     TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at DATETIME NOT NULL,
    PRIMARY KEY (stream, seq)
);
CREATE INDEX events_created_idx ON events (created_at);

-- +goose Down
DROP TABLE events;
DROP TABLE event_streams;
