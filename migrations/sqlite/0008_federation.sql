-- Federation (OIDC and social identity providers). A provider's details, attribute mapping and
-- identifiers are JSON. `user_identities` says which user an upstream account signs in as: the
-- federated user `{ProviderName}_{id}` itself, or a native user it was linked to; the user's
-- `identities` attribute shows the same links, written in the same transaction. A hosted-UI
-- session made by a federated sign-in names its provider, for sign-out at the provider.
CREATE TABLE identity_providers (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    details TEXT NOT NULL,
    attribute_mapping TEXT NOT NULL,
    idp_identifiers TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE user_identities (
    pool_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pool_id, provider_name, provider_user_id)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

ALTER TABLE sso_sessions ADD COLUMN provider TEXT;

-- The `state` of every federated sign-in answered (its SHA-256), until it would have expired:
-- an answer is used once even when a copy of the browser's cookie brings it back.
CREATE TABLE federation_states (
    state_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX federation_states_expiry_idx ON federation_states (expires_at);
