-- The configuration counter's trigger bumps the number and no longer announces it with
-- NOTIFY: nodes read the counter with plain SQL (store::config_versions), so correctness rests
-- on the table alone and PostgreSQL-compatible engines without LISTEN/NOTIFY stay an option.
CREATE OR REPLACE FUNCTION bump_config_version() RETURNS trigger AS $$
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

-- The counter also counts the pool's domains and resource servers, so the discovery document,
-- which names both, follows it like everything else a node keeps in memory.
CREATE TRIGGER user_pool_domains_config AFTER INSERT OR UPDATE OR DELETE ON user_pool_domains
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER resource_servers_config AFTER INSERT OR UPDATE OR DELETE ON resource_servers
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');

-- A key signs from `signs_from` (epoch ms) until `retired_at`: a rotation publishes the new keys
-- at once and lets them sign only later, so every node's JWKS has a key before any token
-- signed with it exists. Existing keys signed from their creation.
ALTER TABLE signing_keys ADD COLUMN signs_from BIGINT NOT NULL DEFAULT 0;
UPDATE signing_keys SET signs_from = created_at;
