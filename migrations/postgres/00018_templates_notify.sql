-- +goose Up
-- Each API instance keeps the published templates it answered in memory
-- (api/templates_cache.go), valid while nothing in templates changed. This
-- trigger tells every instance that something did: NOTIFY is delivered when
-- the change commits, whoever made it (the API, a worker publishing an
-- approved template, an operator with psql). One notification per
-- statement, without a payload: the instances drop everything they kept.
-- +goose StatementBegin
CREATE FUNCTION platform_templates_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_templates', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER templates_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON templates
    FOR EACH STATEMENT EXECUTE FUNCTION platform_templates_notify();

-- +goose Down
DROP TRIGGER templates_notify ON templates;
DROP FUNCTION platform_templates_notify();
