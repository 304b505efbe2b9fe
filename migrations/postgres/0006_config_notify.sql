-- Performance (issue 6): the counter's trigger also announces the new number, as
-- NOTIFY tessera_config '<version> <pool id>'. PostgreSQL delivers it when the transaction
-- commits, in commit order, to every session listening on this database: a server node keeps
-- the counters it hears of in memory (store::config_watch) instead of reading the table on
-- every request. The table stays the truth: a node that is not listening reads it.
-- (SQLite has no notifications; there the counter is read on every use.)
CREATE OR REPLACE FUNCTION bump_config_version() RETURNS trigger AS $$
DECLARE
    changed JSONB;
    pool TEXT;
    bumped BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    pool := changed ->> TG_ARGV[0];
    INSERT INTO config_versions (pool_id, version) VALUES (pool, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = config_versions.version + 1
    RETURNING version INTO bumped;
    PERFORM pg_notify('tessera_config', bumped::text || ' ' || pool);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
