-- +goose Up
-- What a deployment was requested with, pinned so that what is approved is
-- what gets built (see the Postgres migration). Empty on deployments made
-- before they existed (configuration_digest = '').
ALTER TABLE deployments ADD COLUMN configuration TEXT;
ALTER TABLE deployments ADD COLUMN configuration_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN project_name TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN template_id TEXT;
ALTER TABLE deployments ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN template_digest TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE deployments DROP COLUMN template_digest;
ALTER TABLE deployments DROP COLUMN template_version;
ALTER TABLE deployments DROP COLUMN template_id;
ALTER TABLE deployments DROP COLUMN project_name;
ALTER TABLE deployments DROP COLUMN configuration_digest;
ALTER TABLE deployments DROP COLUMN configuration;
