-- +goose Up
CREATE TABLE users (
    id                   TEXT NOT NULL PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    company              TEXT NOT NULL DEFAULT '',
    avatar_url           TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL CHECK (role IN ('business_user', 'technical_user', 'admin')),
    industry             TEXT CHECK (industry IN ('healthcare', 'finance', 'ecommerce')),
    onboarding_state     TEXT NOT NULL DEFAULT '{}',
    onboarding_completed BOOLEAN NOT NULL DEFAULT FALSE,
    preferences          TEXT NOT NULL DEFAULT '{}',
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);

CREATE TABLE templates (
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
    status         TEXT NOT NULL CHECK (status IN ('published', 'pending')),
    source         TEXT NOT NULL CHECK (source IN ('builtin', 'user')),
    created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    rating_avg     REAL NOT NULL DEFAULT 0,
    rating_count   INTEGER NOT NULL DEFAULT 0,
    usage_count    INTEGER NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX templates_industry_idx ON templates (industry, status);

CREATE TABLE template_ratings (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (user_id, template_id)
);
CREATE INDEX template_ratings_template_idx ON template_ratings (template_id);

CREATE TABLE template_favorites (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (user_id, template_id)
);
CREATE INDEX template_favorites_template_idx ON template_favorites (template_id);

CREATE TABLE projects (
    id                 TEXT NOT NULL PRIMARY KEY,
    owner_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id        TEXT NOT NULL REFERENCES templates (id),
    template_version   INTEGER NOT NULL,
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL UNIQUE,
    description        TEXT NOT NULL DEFAULT '',
    configuration      TEXT NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'deploying', 'deployed', 'error')),
    status_message     TEXT NOT NULL DEFAULT '',
    live_deployment_id TEXT,
    deployment_url     TEXT NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX projects_owner_idx ON projects (owner_id, created_at DESC);
CREATE INDEX projects_template_idx ON projects (template_id);

-- +goose Down
DROP TABLE projects;
DROP TABLE template_favorites;
DROP TABLE template_ratings;
DROP TABLE templates;
DROP TABLE users;
