//! Sign-in on the hosted pages (reference §1.3): the same password check, lockout, user-state
//! rules and NEW_PASSWORD_REQUIRED challenge as InitiateAuth, for the hosted UI. The hosted UI
//! is Tessera's own first-party page, so it needs neither a SECRET_HASH nor the client's
//! ExplicitAuthFlows; and its sign-in ends in a signed-in user, not in tokens: the
//! authorization request the user came with decides what is issued.

use crate::clock::Millis;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use std::collections::BTreeMap;

/// Where a hosted sign-in step leads.
#[derive(Debug, Clone)]
pub enum HostedStep {
    /// The user is signed in.
    SignedIn { user: User, auth_time: Millis },
    /// A FORCE_CHANGE_PASSWORD user must choose a password (and give the required attributes
    /// still missing, named without the `userAttributes.` prefix) to continue.
    NewPasswordRequired {
        session: String,
        username: String,
        required_attributes: Vec<String>,
    },
}

/// Signs a user in with what they typed on the sign-in page.
pub async fn sign_in(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    username: &str,
    password: &str,
) -> Result<HostedStep, AuthError> {
    let _ = (svc, pool, client, username, password);
    Err(AuthError::Internal("hosted sign-in is being built".into()))
}

/// Answers NEW_PASSWORD_REQUIRED from the new-password page.
pub async fn new_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: &str,
    username: &str,
    new_password: &str,
    attributes: BTreeMap<String, String>,
) -> Result<HostedStep, AuthError> {
    let _ = (
        svc,
        pool,
        client,
        session,
        username,
        new_password,
        attributes,
    );
    Err(AuthError::Internal("hosted sign-in is being built".into()))
}

/// The user who has just confirmed their sign-up in this browser, signed in: the hosted UI
/// signs a user in after sign-up and confirmation without asking for the password again.
/// None unless the user is confirmed and enabled.
pub async fn confirmed_user(
    svc: &Services,
    pool: &UserPool,
    sub: &str,
) -> Result<Option<User>, AuthError> {
    let _ = (svc, pool, sub);
    Err(AuthError::Internal("hosted sign-in is being built".into()))
}
