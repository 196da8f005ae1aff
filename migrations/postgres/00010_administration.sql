-- +goose Up
-- An admin deactivates a user instead of deleting them: their projects,
-- approvals and history stay, and every request they make is refused while
-- deactivated_at is set.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMPTZ;
-- An admin takes a template out of the gallery; projects made from it keep
-- working, so the row stays.
ALTER TABLE templates DROP CONSTRAINT templates_status_check;
ALTER TABLE templates ADD CONSTRAINT templates_status_check CHECK (status IN ('published', 'pending', 'unpublished'));

-- +goose Down
UPDATE templates SET status = 'pending' WHERE status = 'unpublished';
ALTER TABLE templates DROP CONSTRAINT templates_status_check;
ALTER TABLE templates ADD CONSTRAINT templates_status_check CHECK (status IN ('published', 'pending'));
ALTER TABLE users DROP COLUMN deactivated_at;
