-- The audit trail: administrators' actions and security events (sign-ins, lockouts, password
-- and MFA changes, revocations), appended, never updated; rows older than the retention are
-- swept. No password, code, token or secret is ever written here.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    category TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    pool_id TEXT,
    actor TEXT,
    target TEXT,
    user_sub TEXT,
    request_id TEXT,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_user_idx ON audit_events (user_sub, id);
