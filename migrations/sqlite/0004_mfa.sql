-- Multi-factor authentication (issue 5): one row per user holding the software token (TOTP)
-- secret (verified) and the one waiting for VerifySoftwareToken (pending, so a new association
-- does not drop the working factor), the last time step accepted
-- (a code is accepted once and never again: a step is taken only if greater than this one),
-- which factors the user enabled and which is preferred. Times are epoch milliseconds.
CREATE TABLE user_mfa (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_verified BOOLEAN NOT NULL DEFAULT FALSE,
    totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    totp_device_name TEXT,
    sms_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    email_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    preferred TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
