-- The configuration counter (0005) also counts the pool's domains and resource servers, so the
-- discovery document, which names both, follows it like everything else a node keeps in memory.
-- (On PostgreSQL this migration also stops the counter's NOTIFY of 0006: nodes read the counter
-- with plain SQL on both databases.)
CREATE TRIGGER user_pool_domains_config_insert AFTER INSERT ON user_pool_domains BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pool_domains_config_update AFTER UPDATE ON user_pool_domains BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pool_domains_config_delete AFTER DELETE ON user_pool_domains BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (OLD.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER resource_servers_config_insert AFTER INSERT ON resource_servers BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER resource_servers_config_update AFTER UPDATE ON resource_servers BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER resource_servers_config_delete AFTER DELETE ON resource_servers BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (OLD.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;

-- A key signs from `signs_from` (epoch ms) until `retired_at`: a rotation publishes the new keys
-- at once and lets them sign only later, so every node's JWKS has a key before any token
-- signed with it exists. Existing keys signed from their creation.
ALTER TABLE signing_keys ADD COLUMN signs_from INTEGER NOT NULL DEFAULT 0;
UPDATE signing_keys SET signs_from = created_at;
