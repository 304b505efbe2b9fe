-- Performance (issue 6): a counter per pool, bumped in the same transaction as every change to
-- the pool, its app clients or its signing keys (by triggers, so no write path, the CLI
-- included, can forget it). A node keeps clients, pools and signing keys in memory tagged with
-- the counter they were read under and uses them only while one small query still returns
-- that number: every node sees a change at its next request. The counter only grows: a
-- deleted pool keeps its row (no foreign key), so a number is never reused. Writes that skip
-- triggers (a restore from backup, TRUNCATE, replication with triggers off) must be followed by
-- a restart of the nodes.
CREATE TABLE config_versions (
    pool_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

-- TG_ARGV[0] names the column holding the pool id of the changed row.
CREATE FUNCTION bump_config_version() RETURNS trigger AS $$
DECLARE
    changed JSONB;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    INSERT INTO config_versions (pool_id, version) VALUES (changed ->> TG_ARGV[0], 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = config_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER user_pools_config AFTER INSERT OR UPDATE OR DELETE ON user_pools
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('id');
CREATE TRIGGER user_pool_clients_config AFTER INSERT OR UPDATE OR DELETE ON user_pool_clients
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER signing_keys_config AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
