-- Remembered devices (reference §5.9): a device is made at a sign-in of a pool that tracks
-- devices (NewDeviceMetadata), confirmed with its SRP verifier (ConfirmDevice), and then
-- remembered or not (UpdateDeviceStatus). `verifier` and `salt` are hex, like a password's SRP
-- verifier: nothing stored lets anyone prove the device's secret.
CREATE TABLE devices (
    device_key TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_key TEXT NOT NULL,
    salt TEXT,
    verifier TEXT,
    name TEXT,
    remembered BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_authenticated_at BIGINT
);
CREATE INDEX devices_user_idx ON devices (user_id, created_at);

-- The device a sign-in was made on: its refresh tokens work only with that DEVICE_KEY, and only
-- while the device is remembered by the pool.
ALTER TABLE token_origins ADD COLUMN device_key TEXT;
