-- Sign-in (issue 3): SRP verifiers on users, per-pool signing keys, token families and
-- refresh tokens, challenge sessions, sign-in failure counters (lockout) and rate-limit
-- windows. Times are epoch milliseconds. Secrets (refresh tokens, session strings) are stored
-- only as SHA-256 hashes; private keys as PKCS#8 DER in base64.

ALTER TABLE users ADD COLUMN srp_salt TEXT;
ALTER TABLE users ADD COLUMN srp_verifier TEXT;

-- Two keys sign at any time per pool: purpose 'id' and purpose 'access'. A rotated key stops
-- signing (retired_at) and stays in the JWKS until publish_until.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    publish_until BIGINT
);
CREATE INDEX signing_keys_pool_idx ON signing_keys (pool_id, purpose, created_at);

-- One row per sign-in: the `origin_jti` every token of that sign-in carries. Revoking it
-- (RevokeToken, GlobalSignOut) ends its refresh tokens and its access tokens.
CREATE TABLE token_origins (
    origin_jti TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time BIGINT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX token_origins_user_idx ON token_origins (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    origin_jti TEXT NOT NULL REFERENCES token_origins (origin_jti) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX refresh_tokens_origin_idx ON refresh_tokens (origin_jti);

-- Challenge sessions (the `Session` string of InitiateAuth / RespondToAuthChallenge): single
-- use, short-lived. `state` is JSON owned by the auth service.
CREATE TABLE auth_sessions (
    id_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    challenge TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX auth_sessions_expiry_idx ON auth_sessions (expires_at);

-- Failed sign-ins per user, for lockout with backoff.
CREATE TABLE sign_in_failures (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

-- Fixed-window counters (per client IP and action, per user and action), shared by all nodes.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);

-- A verification code for a changed email / phone number that must be verified before it
-- replaces the old one (UserAttributeUpdateSettings) carries the new value here until then.
ALTER TABLE user_codes ADD COLUMN pending_value TEXT;

-- A random secret per pool, made on first need. It keys the simulated answers given for
-- users that do not exist (fake SRP salts, simulated delivery destinations), so they are
-- stable for a name yet cannot be computed by anyone else.
CREATE TABLE pool_secrets (
    pool_id TEXT PRIMARY KEY REFERENCES user_pools (id) ON DELETE CASCADE,
    secret TEXT NOT NULL
);
