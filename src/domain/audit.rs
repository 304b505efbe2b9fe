//! The audit trail's records (DESIGN §2 Operations): what an administrator did, and the
//! security events of users (sign-ins with their outcome, lockouts, password and MFA changes,
//! revocations). A record names who, what, on what, how it ended and from where; it never
//! holds a password, code, token or secret. Pure.

use serde::Serialize;

/// An administrator's action (a SigV4-signed API call).
pub const ADMIN: &str = "admin";
/// Something that happened to a user's account.
pub const SECURITY: &str = "security";

/// One record of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Assigned by the store, in order of writing (0 before).
    pub id: i64,
    /// Epoch milliseconds.
    pub at: i64,
    /// [`ADMIN`] or [`SECURITY`].
    pub category: &'static str,
    /// The admin action (`AdminDisableUser`) or the security event (`SignIn`, `Lockout`,
    /// `PasswordChange`, `ForgotPassword`, `MfaChange`, `TokenRevoked`, `GlobalSignOut`,
    /// `SignUp`).
    pub event: String,
    /// `success`, `failure` or `challenge` (a sign-in step that asks for more).
    pub outcome: String,
    /// Why it failed (the Cognito exception), or the flow or challenge of a sign-in step.
    pub reason: Option<String>,
    pub pool_id: Option<String>,
    /// Who acted: the access key id of an administrator, else none (the user themselves).
    pub actor: Option<String>,
    /// What it was about: the username as given, a client id, a group name…
    pub target: Option<String>,
    /// The user's sub, when the user is known.
    pub user_sub: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl AuditEvent {
    /// A record of `event` with nothing else known yet.
    pub fn new(category: &'static str, event: &str, outcome: &str) -> AuditEvent {
        AuditEvent {
            id: 0,
            at: 0,
            category,
            event: event.to_string(),
            outcome: outcome.to_string(),
            reason: None,
            pool_id: None,
            actor: None,
            target: None,
            user_sub: None,
            request_id: None,
            ip: None,
            user_agent: None,
        }
    }
}

/// AdminListUserAuthEvents' `EventType` of a security event, for the events it lists.
pub fn auth_event_type(event: &str) -> Option<&'static str> {
    match event {
        "SignIn" => Some("SignIn"),
        "SignUp" => Some("SignUp"),
        "ForgotPassword" => Some("ForgotPassword"),
        "PasswordChange" => Some("PasswordChange"),
        _ => None,
    }
}

/// How far a user-agent string is kept.
pub const USER_AGENT_MAX: usize = 256;

/// Where an admin action's target is found in its request: the first of these members given.
pub const TARGET_MEMBERS: [&str; 8] = [
    "Username",
    "ClientId",
    "GroupName",
    "ProviderName",
    "Identifier",
    "Domain",
    "PoolName",
    "ClientName",
];
