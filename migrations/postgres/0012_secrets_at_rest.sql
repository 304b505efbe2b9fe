-- Secrets at rest (issue 23): the data key that seals the secret columns (SRP and device
-- verifiers, TOTP secrets, signing keys, client, admin-key, pool and server secrets, identity
-- provider details, webhook secrets), itself sealed by the master key (TESSERA_MASTER_KEY or the
-- data directory's key file). One row; the secret columns are sealed in the transaction that
-- inserts it, so a database holds either no data key and no sealed value, or both.
CREATE TABLE data_keys (
    id INTEGER PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
