-- Hosted UI and OAuth (issue 4): authorization codes, hosted-UI sign-in sessions (SSO), UI
-- customization, and server-wide generated secrets. Times are epoch milliseconds. Codes and
-- session ids are stored only as SHA-256 hashes.

-- Codes of /oauth2/authorize: single use, 5 minutes, bound to the client, the redirect URI,
-- the PKCE challenge, the nonce and the scopes. `origin_jti` is the sign-in the code was
-- exchanged for (a replayed code revokes it); `replayed_at` marks a replay that came before
-- the first exchange had recorded it, so that exchange revokes its own sign-in.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    origin_jti TEXT,
    replayed_at BIGINT
);
CREATE INDEX oauth_codes_expiry_idx ON oauth_codes (expires_at);

-- Hosted-UI sign-in sessions: the encrypted cookie holds the id, this row says whose session
-- it is and until when. /logout and GlobalSignOut end it (ended_at) for every node.
CREATE TABLE sso_sessions (
    id_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX sso_sessions_user_idx ON sso_sessions (user_id);
CREATE INDEX sso_sessions_expiry_idx ON sso_sessions (expires_at);

-- SetUICustomization: one row for the pool (client_id 'ALL') and one per client at most.
-- The logo is stored base64-encoded.
CREATE TABLE ui_customizations (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    css TEXT,
    image_base64 TEXT,
    image_type TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (pool_id, client_id)
);

-- Secrets the server generates once and every node shares (the hosted-UI cookie key).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
