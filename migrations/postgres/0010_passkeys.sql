-- Passkeys (reference §5.8): WebAuthn credentials registered by signed-in users
-- (StartWebAuthnRegistration, CompleteWebAuthnRegistration). `passkey` is webauthn-rs's record
-- of the credential as JSON: its public key, sign counter and backup flags; no secret.
CREATE TABLE webauthn_credentials (
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relying_party_id TEXT NOT NULL,
    friendly_name TEXT,
    attachment TEXT,
    transports TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    PRIMARY KEY (pool_id, credential_id)
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id, created_at);

-- A registration under way: the challenge webauthn-rs issued (its state, as JSON), one per
-- user, taken once by CompleteWebAuthnRegistration.
CREATE TABLE webauthn_registrations (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
