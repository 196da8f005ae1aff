-- +goose Up
-- Each API instance keeps the users of live sessions in memory so that
-- signing a request in needs no query (models.sessionCache). These triggers
-- tell every instance what to drop: NOTIFY is delivered when the change
-- commits, whoever made it (the API, a worker, an operator with psql).
-- Payloads: 'user:<id>' for any change to a user, 'session:<id>' when a
-- session is revoked, its expiry moves, or it is deleted. Routine updates
-- (a refresh's last_used_at) send nothing.
-- +goose StatementBegin
CREATE FUNCTION platform_sessions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('platform_sessions', 'user:' || r.id);
    ELSE
        PERFORM pg_notify('platform_sessions', 'session:' || r.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_notify_sessions AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION platform_sessions_notify();
CREATE TRIGGER auth_sessions_notify AFTER UPDATE OF revoked_at, expires_at OR DELETE ON auth_sessions
    FOR EACH ROW EXECUTE FUNCTION platform_sessions_notify();

-- +goose Down
DROP TRIGGER auth_sessions_notify ON auth_sessions;
DROP TRIGGER users_notify_sessions ON users;
DROP FUNCTION platform_sessions_notify();
