//! RespondToAuthChallenge / AdminRespondToAuthChallenge: PASSWORD_VERIFIER (the second SRP
//! step), NEW_PASSWORD_REQUIRED, and the MFA challenges (`second_factor`).

use super::session::{self, State};
use super::{Door, Outcome, client_for, gate, required, second_factor};
use crate::crypto::{constant_time_eq, srp};
use crate::domain::attributes::{self, WriteKind};
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User, UserStatus};
use crate::domain::{AuthError, Reason};
use crate::services::admin::users::{SaveMode, save_user};
use crate::services::client_auth::check_secret_hash;
use crate::services::tokens::TokenSource;
use crate::services::{Services, passwords};
use crate::store::users::UserKey;
use std::collections::BTreeMap;

/// How far a TIMESTAMP may be from the server's time.
const TIMESTAMP_SKEW_MS: i64 = 5 * 60 * 1000;

/// What RespondToAuthChallenge and AdminRespondToAuthChallenge ask.
#[derive(Debug, Clone)]
pub struct RespondInput {
    pub client_id: String,
    pub door: Door,
    pub challenge_name: String,
    pub session: Option<String>,
    pub responses: BTreeMap<String, String>,
    /// `ClientMetadata`, for the triggers.
    pub client_metadata: crate::services::triggers::Metadata,
}

/// Answers a challenge (counted in the metrics).
pub async fn respond(svc: &Services, input: RespondInput) -> Result<Outcome, AuthError> {
    let flow = input.challenge_name.clone();
    let client_id = input.client_id.clone();
    let username = input.responses.get("USERNAME").cloned();
    let result = answer(svc, input).await;
    let of = super::StepOf::Client(&client_id);
    let challenge = super::initiate::challenge_name;
    super::count(svc, &flow, of, username.as_deref(), &result, challenge);
    result
}

async fn answer(svc: &Services, input: RespondInput) -> Result<Outcome, AuthError> {
    let ctx = client_for(svc, &input.client_id, &input.door).await?;
    let (pool, client) = (&ctx.pool, &ctx.client);
    let step = match input.challenge_name.as_str() {
        "SELECT_CHALLENGE" => {
            let session = input.session.as_deref();
            let responses = &input.responses;
            let metadata = &input.client_metadata;
            return super::choice::answer(svc, pool, client, session, responses, metadata).await;
        }
        "DEVICE_SRP_AUTH" => {
            let session = input.session.as_deref();
            return super::device::start(svc, pool, client, session, &input.responses).await;
        }
        "DEVICE_PASSWORD_VERIFIER" => {
            super::device::verify(
                svc,
                pool,
                client,
                input.session.as_deref(),
                &input.responses,
            )
            .await?
        }
        "CUSTOM_CHALLENGE" => {
            let session = input.session.as_deref();
            let responses = &input.responses;
            let metadata = &input.client_metadata;
            return super::custom::answer(svc, pool, client, session, responses, metadata).await;
        }
        "PASSWORD_VERIFIER" => match password_verifier(svc, pool, client, &input).await? {
            Proof::Step(step) => step,
            Proof::Custom(user, history) => {
                let metadata = &input.client_metadata;
                return super::custom::after_password(svc, pool, client, &user, history, metadata)
                    .await;
            }
        },
        "NEW_PASSWORD_REQUIRED" => {
            let user = set_new_password(
                svc,
                pool,
                client,
                input.session.as_deref(),
                &input.responses,
            )
            .await?;
            second_factor::after_password(svc, pool, client, &user).await?
        }
        other => {
            answer_mfa(
                svc,
                pool,
                client,
                other,
                input.session.as_deref(),
                &input.responses,
            )
            .await?
        }
    };
    let source = match input.challenge_name.as_str() {
        "NEW_PASSWORD_REQUIRED" => TokenSource::NewPasswordChallenge,
        _ => TokenSource::Authentication,
    };
    let device = input.responses.get("DEVICE_KEY").map(String::as_str);
    gate::finish(
        svc,
        pool,
        client,
        step,
        source,
        &input.client_metadata,
        device,
    )
    .await
}

/// Answers an MFA challenge (SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE,
/// MFA_SETUP) for either door and the hosted pages.
pub(crate) async fn answer_mfa(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    challenge_name: &str,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
) -> Result<gate::Step, AuthError> {
    match challenge_name {
        "SOFTWARE_TOKEN_MFA" => {
            second_factor::software_token(svc, pool, client, session, responses).await
        }
        "SMS_MFA" | "EMAIL_OTP" | "SMS_OTP" => {
            second_factor::code(svc, pool, client, challenge_name, session, responses).await
        }
        "SELECT_MFA_TYPE" => second_factor::select(svc, pool, client, session, responses).await,
        "MFA_SETUP" => second_factor::setup(svc, pool, client, session, responses).await,
        "WEB_AUTHN" => super::passkey::answer(svc, pool, client, session, responses).await,
        other => Err(AuthError::InvalidParameter(
            format!("The challenge {other} is not supported by Tessera.").into(),
        )),
    }
}

async fn user_by_sub(
    svc: &Services,
    pool: &UserPool,
    sub: &str,
) -> Result<Option<User>, AuthError> {
    Ok(svc.store.get_user_by(&pool.id, UserKey::Sub, sub).await?)
}

/// What a proven PASSWORD_VERIFIER leads to.
enum Proof {
    /// A USER_SRP_AUTH sign-in: the gate's next step.
    Step(gate::Step),
    /// A CUSTOM_AUTH sign-in: DefineAuthChallenge decides, with this history.
    Custom(User, Vec<crate::services::triggers::ChallengeResult>),
}

/// SRP, second step: the client's proof that it knows the password.
async fn password_verifier(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    input: &RespondInput,
) -> Result<Proof, AuthError> {
    let r = &input.responses;
    let username = required(r, "USERNAME")?;
    let secret_block = required(r, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = required(r, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = required(r, "TIMESTAMP")?;
    // The SECRET_BLOCK is the session key; a Session, when sent, must be the same string.
    if let Some(s) = input.session.as_deref().filter(|s| !s.is_empty())
        && !constant_time_eq(s.as_bytes(), secret_block.as_bytes())
    {
        return Err(AuthError::invalid_session());
    }
    let state = session::take(svc, client, secret_block, "PASSWORD_VERIFIER").await?;
    let State::PasswordVerifier {
        user_sub,
        srp_username,
        a,
        b_secret,
        b_public,
        custom,
    } = state
    else {
        return Err(AuthError::invalid_session());
    };
    let user = match &user_sub {
        Some(sub) => user_by_sub(svc, pool, sub).await?,
        None => {
            // The read a real user's claim makes (a name that is no user's sub finds nothing).
            user_by_sub(svc, pool, &srp_username).await?;
            None
        }
    };
    let internal = user
        .as_ref()
        .map(|u| u.username.as_str())
        .unwrap_or(username);
    check_secret_hash(
        client,
        &[username, internal],
        r.get("SECRET_HASH").map(String::as_str),
    )?;
    // Checked before the user's existence matters, so that a stale TIMESTAMP gets the same
    // answer for unknown users as for real ones (PreventUserExistenceErrors).
    let fresh =
        srp::parse_timestamp(timestamp).is_some_and(|t| (t - svc.now()).abs() <= TIMESTAMP_SKEW_MS);
    if !fresh {
        return Err(AuthError::NotAuthorized(
            "TIMESTAMP is missing, malformed or too far from the server's time.".into(),
        ));
    }
    let Some(user) = user else {
        // As much work as checking a real claim (the lock's read, the claim, the failure's
        // write), then the answer a wrong password gets.
        gate::check_unknown_not_locked(svc, pool, username).await?;
        let dummy = super::initiate::dummy_verifier(srp::pool_name(&pool.id));
        let _ = srp::verify_claim(&srp::Claim {
            pool_name: srp::pool_name(&pool.id),
            username: &srp_username,
            verifier: &dummy,
            a: &a,
            ephemeral: &srp::ServerEphemeral {
                secret: b_secret,
                public: b_public,
            },
            secret_block,
            timestamp,
            signature,
        });
        return Err(gate::unknown_failed(svc, pool, username, super::unknown_user(client)).await);
    };
    gate::check_not_locked(svc, &user).await?;
    // A user without a verifier (an imported hash not yet upgraded by a sign-in with the
    // password, a federated user) cannot prove a password by SRP; no guess is tried, so none
    // counts towards a lockout.
    let (Some(salt), Some(verifier)) = (user.srp_salt.clone(), user.srp_verifier.clone()) else {
        return Err(AuthError::incorrect_credentials());
    };
    let verifier = srp::Verifier { salt, verifier };
    let ephemeral = srp::ServerEphemeral {
        secret: b_secret,
        public: b_public,
    };
    let proven = username == srp_username
        && srp::verify_claim(&srp::Claim {
            pool_name: srp::pool_name(&pool.id),
            username: &srp_username,
            verifier: &verifier,
            a: &a,
            ephemeral: &ephemeral,
            secret_block,
            timestamp,
            signature,
        })
        .map_err(|e| AuthError::Internal(format!("SRP: {e}")))?;
    if !proven {
        return Err(gate::wrong_password(svc, &user).await);
    }
    match custom {
        Some(mut history) => {
            gate::check_not_locked(svc, &user).await?;
            svc.store.clear_sign_in_failures(&user.sub).await?;
            if let Some(last) = history.last_mut() {
                last.challenge_result = true;
            }
            Ok(Proof::Custom(user, history))
        }
        None => Ok(Proof::Step(
            gate::password_proven(
                svc,
                pool,
                client,
                &user,
                r.get("DEVICE_KEY").map(String::as_str),
            )
            .await?,
        )),
    }
}

/// NEW_PASSWORD_REQUIRED: a new password (and any missing required attributes) for a user
/// who signed in with a temporary password; returns the user, now CONFIRMED. The session
/// stays usable when the new password or the attributes are refused, so the user can try
/// again.
pub(crate) async fn set_new_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    r: &BTreeMap<String, String>,
) -> Result<User, AuthError> {
    let username = required(r, "USERNAME")?;
    let password = required(r, "NEW_PASSWORD")?;
    let token = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AuthError::InvalidParameter("Missing required parameter Session".into()))?;
    pool.settings.password_policy.check(password)?;
    let mut given = BTreeMap::new();
    for (key, value) in r {
        if let Some(name) = key.strip_prefix("userAttributes.") {
            if !client.can_write(name) {
                return Err(AuthError::NotAuthorized(Reason::UnauthorizedAttributeWrite));
            }
            given.insert(name.to_string(), value.clone());
        }
    }
    attributes::check_values(&pool.settings.schema, &given, WriteKind::Update)?;
    let state = session::take(svc, client, token, "NEW_PASSWORD_REQUIRED").await?;
    let State::NewPasswordRequired { user_sub } = state else {
        return Err(AuthError::invalid_session());
    };
    let Some(mut user) = user_by_sub(svc, pool, &user_sub).await? else {
        return Err(AuthError::incorrect_credentials());
    };
    // USERNAME must name the session's user (its username, or an alias / sub of it).
    if username != user.username
        && super::lookup(svc, pool, username).await?.map(|u| u.sub) != Some(user.sub.clone())
    {
        return Err(AuthError::invalid_session());
    }
    check_secret_hash(
        client,
        &[username, user.username.as_str()],
        r.get("SECRET_HASH").map(String::as_str),
    )?;
    if user.status != UserStatus::ForceChangePassword {
        return Err(AuthError::invalid_session());
    }
    // Disabled since the temporary password was proven: no new password, no tokens.
    if !user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    // A temporary password must not redirect an enabled SMS or email factor: its codes would
    // go wherever the holder of the temporary password says.
    let mfa = svc.store.user_mfa(&user.sub).await?;
    for (name, enabled) in [
        ("phone_number", mfa.sms_enabled),
        ("email", mfa.email_enabled),
    ] {
        if enabled
            && let (Some(new), Some(old)) = (given.get(name), user.attribute(name))
            && new != old
        {
            session::release(svc, token).await?;
            return Err(AuthError::InvalidParameter(
                format!("Cannot change {name} while it receives MFA codes.").into(),
            ));
        }
    }
    let required_names = attributes::required_names(&pool.settings.schema);
    for (name, value) in &given {
        if let Some(existing) = user.attribute(name)
            && required_names.contains(name)
            && existing != value
        {
            return Err(AuthError::InvalidParameter(
                format!("Cannot modify an already provided {name}").into(),
            ));
        }
        let changed = user.attribute(name) != Some(value.as_str());
        user.attributes.insert(name.clone(), value.clone());
        // A changed contact is no longer verified.
        if changed && (name == "email" || name == "phone_number") {
            user.attributes
                .insert(format!("{name}_verified"), "false".into());
        }
    }
    user::check_required(pool, &user.attributes)?;
    passwords::set_password(svc, pool, &mut user, password).await?;
    user.status = UserStatus::Confirmed;
    user.updated_at = svc.now();
    save_user(svc, pool, &user, SaveMode::Update, false).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "temporary password replaced");
    Ok(user)
}
