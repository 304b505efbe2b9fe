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

CREATE TRIGGER user_pools_config_insert AFTER INSERT ON user_pools BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pools_config_update AFTER UPDATE ON user_pools BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pools_config_delete AFTER DELETE ON user_pools BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (OLD.id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER user_pool_clients_config_insert AFTER INSERT ON user_pool_clients BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pool_clients_config_update AFTER UPDATE ON user_pool_clients BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER user_pool_clients_config_delete AFTER DELETE ON user_pool_clients BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (OLD.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER signing_keys_config_insert AFTER INSERT ON signing_keys BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER signing_keys_config_update AFTER UPDATE ON signing_keys BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (NEW.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER signing_keys_config_delete AFTER DELETE ON signing_keys BEGIN
    INSERT INTO config_versions (pool_id, version) VALUES (OLD.pool_id, 1)
    ON CONFLICT (pool_id) DO UPDATE SET version = version + 1;
END;
