-- +goose NO TRANSACTION
-- +goose Up
-- An admin deactivates a user instead of deleting them: their projects,
-- approvals and history stay, and every request they make is refused while
-- deactivated_at is set.
-- An admin takes a template out of the gallery; projects made from it keep
-- working, so the row stays. SQLite cannot change a CHECK constraint, so
-- templates is rebuilt (the documented 12-step procedure) with foreign keys
-- off while it is swapped, which keeps ratings, favorites and projects.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE templates_next (
    id             TEXT NOT NULL PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    industry       TEXT NOT NULL CHECK (industry IN ('healthcare', 'finance', 'ecommerce')),
    category       TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    complexity     TEXT NOT NULL DEFAULT 'medium',
    compliance     TEXT NOT NULL DEFAULT '[]',
    features       TEXT NOT NULL DEFAULT '[]',
    roi            TEXT NOT NULL DEFAULT '{}',
    config_schema  TEXT NOT NULL,
    scaffold       TEXT NOT NULL DEFAULT '[]',
    content_digest TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    status         TEXT NOT NULL CHECK (status IN ('published', 'pending', 'unpublished')),
    source         TEXT NOT NULL CHECK (source IN ('builtin', 'user')),
    created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    rating_avg     REAL NOT NULL DEFAULT 0,
    rating_count   INTEGER NOT NULL DEFAULT 0,
    usage_count    INTEGER NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
INSERT INTO templates_next (id, slug, name, industry, category, description, complexity, compliance, features, roi,
    config_schema, scaffold, content_digest, version, status, source, created_by, rating_avg, rating_count, usage_count,
    created_at, updated_at)
SELECT id, slug, name, industry, category, description, complexity, compliance, features, roi,
    config_schema, scaffold, content_digest, version, status, source, created_by, rating_avg, rating_count, usage_count,
    created_at, updated_at FROM templates;
DROP TABLE templates;
ALTER TABLE templates_next RENAME TO templates;
CREATE INDEX templates_industry_idx ON templates (industry, status);
ALTER TABLE users ADD COLUMN deactivated_at DATETIME;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- The wider CHECK stays (SQLite cannot narrow it without another rebuild);
-- unpublished templates go back to pending, out of the gallery either way.
UPDATE templates SET status = 'pending' WHERE status = 'unpublished';
ALTER TABLE users DROP COLUMN deactivated_at;
