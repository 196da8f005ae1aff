-- +goose Up
CREATE TABLE users (
    id                   UUID PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    company              TEXT NOT NULL DEFAULT '',
    avatar_url           TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL CHECK (role IN ('business_user', 'technical_user', 'admin')),
    industry             TEXT CHECK (industry IN ('healthcare', 'finance', 'ecommerce')),
    onboarding_state     JSONB NOT NULL DEFAULT '{}',
    onboarding_completed BOOLEAN NOT NULL DEFAULT FALSE,
    preferences          JSONB NOT NULL DEFAULT '{}',
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE templates (
    id             UUID PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    industry       TEXT NOT NULL CHECK (industry IN ('healthcare', 'finance', 'ecommerce')),
    category       TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    complexity     TEXT NOT NULL DEFAULT 'medium',
    compliance     JSONB NOT NULL DEFAULT '[]',
    features       JSONB NOT NULL DEFAULT '[]',
    roi            JSONB NOT NULL DEFAULT '{}',
    config_schema  JSONB NOT NULL,
    scaffold       JSONB NOT NULL DEFAULT '[]',
    content_digest TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    status         TEXT NOT NULL CHECK (status IN ('published', 'pending')),
    source         TEXT NOT NULL CHECK (source IN ('builtin', 'user')),
    created_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    rating_avg     DOUBLE PRECISION NOT NULL DEFAULT 0,
    rating_count   INTEGER NOT NULL DEFAULT 0,
    usage_count    INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX templates_industry_idx ON templates (industry, status);
CREATE INDEX templates_search_idx ON templates
    USING GIN (to_tsvector('english', name || ' ' || description));

CREATE TABLE template_ratings (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id UUID NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, template_id)
);
CREATE INDEX template_ratings_template_idx ON template_ratings (template_id);

CREATE TABLE template_favorites (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id UUID NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, template_id)
);
CREATE INDEX template_favorites_template_idx ON template_favorites (template_id);

CREATE TABLE projects (
    id                 UUID PRIMARY KEY,
    owner_id           UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id        UUID NOT NULL REFERENCES templates (id),
    template_version   INTEGER NOT NULL,
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL UNIQUE,
    description        TEXT NOT NULL DEFAULT '',
    configuration      JSONB NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'deploying', 'deployed', 'error')),
    status_message     TEXT NOT NULL DEFAULT '',
    live_deployment_id UUID,
    deployment_url     TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX projects_owner_idx ON projects (owner_id, created_at DESC);
CREATE INDEX projects_template_idx ON projects (template_id);

-- +goose Down
DROP TABLE projects;
DROP TABLE template_favorites;
DROP TABLE template_ratings;
DROP TABLE templates;
DROP TABLE users;
