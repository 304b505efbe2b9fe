//! The second factor of a sign-in (reference §3.2, §5.8), shared by the API and the hosted
//! pages: which challenge follows a proven password, and the answers to SOFTWARE_TOKEN_MFA,
//! SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP. Every answer ends in a [`Step`]: a user
//! with every factor proven, or the next challenge; the door decides what a proven user gets.
//!
//! Which factor: in a pool with MFA OFF, none. Otherwise the user's enabled factors that the
//! pool offers (and that can reach the user); in a pool with MFA ON and nothing enabled, a
//! verified phone number (SMS) or email address (email) counts as Cognito counts it, and
//! failing that the user sets up a factor (MFA_SETUP). One factor is asked for directly;
//! several: the preferred one, else the user chooses (SELECT_MFA_TYPE).
//!
//! SMS and email codes: 6 digits, valid as long as the challenge session, kept as a salted
//! SHA-256, [`MAX_CODE_ATTEMPTS`] tries; every wrong code (or TOTP code) counts toward the
//! lockout like a wrong password.

use super::gate::{self, Step};
use super::session::{self, State};
use super::{Challenge, required};
use crate::crypto::{constant_time_eq, random, totp};
use crate::delivery::{Email, Sms};
use crate::domain::client::UserPoolClient;
use crate::domain::first_factors::SMS_OTP;
use crate::domain::mask::{CodeDeliveryDetails, DeliveryMedium};
use crate::domain::messages;
use crate::domain::mfa::{EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, UserMfa};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::domain::{AuthError, Reason};
use crate::services::admin::users::{SaveMode, save_user};
use crate::services::client_auth::check_secret_hash;
use crate::services::triggers;
use crate::services::{Services, codes};
use crate::store::users::UserKey;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Wrong SMS or email codes allowed in one challenge session; the last one ends it.
pub const MAX_CODE_ATTEMPTS: u32 = 3;

/// After a proven password (and a new password, and a hosted-UI confirmation): the MFA
/// challenge the pool and the user call for, or the user, proven.
pub async fn after_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
) -> Result<Step, AuthError> {
    let settings = &pool.settings;
    if settings.mfa_configuration == "OFF" {
        return Ok(Step::Proven(user.clone()));
    }
    let mfa = svc.store.user_mfa(&user.sub).await?;
    let required = settings.mfa_configuration == "ON";
    let mut factors = enabled_factors(pool, user, &mfa);
    if factors.is_empty() && required {
        factors = verified_contacts(pool, user);
    }
    let challenge = match factors.as_slice() {
        [] if required => setup_challenge(svc, pool, client, user).await?,
        [] => return Ok(Step::Proven(user.clone())),
        [one] => factor_challenge(svc, pool, client, user, one, None).await?,
        several => match mfa.preferred.as_deref().filter(|p| several.contains(p)) {
            Some(preferred) => factor_challenge(svc, pool, client, user, preferred, None).await?,
            None => select_challenge(svc, client, user, several).await?,
        },
    };
    Ok(Step::Challenge(challenge))
}

/// The factors the user enabled that the pool offers and that can reach the user.
fn enabled_factors(pool: &UserPool, user: &User, mfa: &UserMfa) -> Vec<&'static str> {
    let s = &pool.settings;
    let mut out = Vec::new();
    if mfa.sms_enabled && s.sms_mfa_enabled && user.attribute("phone_number").is_some() {
        out.push(SMS_MFA);
    }
    if mfa.totp_active() && s.software_token_mfa_enabled {
        out.push(SOFTWARE_TOKEN_MFA);
    }
    if mfa.email_enabled && s.email_mfa_configuration.is_some() && user.attribute("email").is_some()
    {
        out.push(EMAIL_OTP);
    }
    out
}

/// In a pool with MFA ON, a user with no factor enabled gets codes at a verified phone
/// number or email address the pool can send MFA codes to.
fn verified_contacts(pool: &UserPool, user: &User) -> Vec<&'static str> {
    let s = &pool.settings;
    let verified = |name: &str| user.attribute(&format!("{name}_verified")) == Some("true");
    let mut out = Vec::new();
    if s.sms_mfa_enabled && verified("phone_number") && user.attribute("phone_number").is_some() {
        out.push(SMS_MFA);
    }
    if s.email_mfa_configuration.is_some() && verified("email") && user.attribute("email").is_some()
    {
        out.push(EMAIL_OTP);
    }
    out
}

/// The factors a user without any can set up during sign-in (`MFAS_CAN_SETUP`).
pub fn can_set_up(pool: &UserPool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if pool.settings.software_token_mfa_enabled {
        out.push(SOFTWARE_TOKEN_MFA);
    }
    if pool.settings.email_mfa_configuration.is_some() {
        out.push(EMAIL_OTP);
    }
    out
}

fn json_list(names: &[&str]) -> Result<String, AuthError> {
    serde_json::to_string(names).map_err(|e| AuthError::Internal(e.to_string()))
}

fn user_parameters(user: &User) -> BTreeMap<String, String> {
    BTreeMap::from([("USER_ID_FOR_SRP".to_string(), user.username.clone())])
}

async fn challenge(
    svc: &Services,
    client: &UserPoolClient,
    name: &str,
    parameters: BTreeMap<String, String>,
    state: &State,
) -> Result<Challenge, AuthError> {
    let token = session::new_token();
    session::save(svc, client, &token, state).await?;
    Ok(Challenge {
        name: name.to_string(),
        parameters,
        session: Some(token),
        available: Vec::new(),
    })
}

/// MFA_SETUP: the user has no factor and the pool requires one.
async fn setup_challenge(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
) -> Result<Challenge, AuthError> {
    let can = can_set_up(pool);
    if can.is_empty() {
        return Err(AuthError::MfaMethodNotFound(
            "The user pool requires MFA, and the user has no MFA method nor one to set up.".into(),
        ));
    }
    let mut parameters = user_parameters(user);
    parameters.insert("MFAS_CAN_SETUP".into(), json_list(&can)?);
    let state = State::MfaSetup {
        user_sub: user.sub.clone(),
        secret: None,
        verified: false,
    };
    challenge(svc, client, "MFA_SETUP", parameters, &state).await
}

/// SELECT_MFA_TYPE among `choices`.
async fn select_challenge(
    svc: &Services,
    client: &UserPoolClient,
    user: &User,
    choices: &[&str],
) -> Result<Challenge, AuthError> {
    let mut parameters = user_parameters(user);
    parameters.insert("MFAS_CAN_CHOOSE".into(), json_list(choices)?);
    let state = State::SelectMfaType {
        user_sub: user.sub.clone(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
    };
    challenge(svc, client, "SELECT_MFA_TYPE", parameters, &state).await
}

/// The challenge for one factor: SOFTWARE_TOKEN_MFA, or a code sent by SMS or email (to
/// `email_to` when an MFA_SETUP answer named the address, else to the user's own).
async fn factor_challenge(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    factor: &str,
    email_to: Option<&str>,
) -> Result<Challenge, AuthError> {
    factor_challenge_sending(svc, pool, client, user, factor, email_to, false).await
}

async fn factor_challenge_sending(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    factor: &str,
    email_to: Option<&str>,
    background: bool,
) -> Result<Challenge, AuthError> {
    let medium = match factor {
        SOFTWARE_TOKEN_MFA => {
            let state = State::SoftwareTokenMfa {
                user_sub: user.sub.clone(),
            };
            return challenge(svc, client, factor, user_parameters(user), &state).await;
        }
        SMS_MFA | SMS_OTP => DeliveryMedium::Sms,
        _ => DeliveryMedium::Email,
    };
    let to = match email_to {
        Some(address) => address.to_string(),
        None => user
            .attribute(medium.attribute())
            .map(str::to_string)
            .ok_or_else(|| {
                AuthError::MfaMethodNotFound(
                    format!(
                        "The user has no {} to send the code to.",
                        medium.attribute()
                    )
                    .into(),
                )
            })?,
    };
    // Each message costs money and reaches a person: a stolen password must not become a way
    // to send them without end.
    if codes::limit(svc, user, codes::Limited::MfaCode)
        .await
        .is_err()
    {
        return Err(too_many_codes());
    }
    let code = random::numeric_code(6);
    let salt = random::base64_token(16);
    if background {
        let (svc, pool, user, to, code) = (
            svc.clone(),
            pool.clone(),
            user.clone(),
            to.clone(),
            code.clone(),
        );
        // `send_code` logs a failure.
        tokio::spawn(async move {
            let _ = send_code(&svc, &pool, &user, medium, &to, &code).await;
        });
    } else {
        send_code(svc, pool, user, medium, &to, &code).await?;
    }
    let details = CodeDeliveryDetails::new(medium, &to);
    let mut parameters = user_parameters(user);
    parameters.insert(
        "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
        medium.as_str().to_string(),
    );
    parameters.insert("CODE_DELIVERY_DESTINATION".into(), details.destination);
    let state = State::CodeMfa {
        user_sub: user.sub.clone(),
        factor: match factor {
            SMS_OTP => SMS_OTP,
            _ if medium == DeliveryMedium::Sms => SMS_MFA,
            _ => EMAIL_OTP,
        }
        .to_string(),
        code_hash: code_hash(&salt, &code),
        salt,
        attempts: 0,
        setup_email: email_to.map(str::to_string),
    };
    let name = state.challenge();
    challenge(svc, client, name, parameters, &state).await
}

/// USER_AUTH's one-time code as the first factor (`EMAIL_OTP` or `SMS_OTP`): sent to the
/// user's verified address, answered like the MFA code and, once right, the whole sign-in.
/// `background`: the code is handed over without waiting (a client that hides users: an
/// unknown user's answer does not wait for a mail server, so a real one does not either).
pub(crate) async fn first_factor_code(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    factor: &str,
    background: bool,
) -> Result<Challenge, AuthError> {
    factor_challenge_sending(svc, pool, client, user, factor, None, background).await
}

/// The same challenge for a user that does not exist (or cannot receive the code), in a
/// client that hides which users exist: nothing is sent, the destination is what
/// ForgotPassword shows such a user, the per-name hourly limit counts as for a real user, and
/// every answer is a wrong code.
pub(crate) async fn first_factor_code_for_nobody(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    username: &str,
    internal_username: &str,
    factor: &str,
) -> Result<Challenge, AuthError> {
    let medium = if factor == SMS_OTP {
        DeliveryMedium::Sms
    } else {
        DeliveryMedium::Email
    };
    if codes::limit_unknown(svc, pool, username, codes::Limited::MfaCode)
        .await
        .is_err()
    {
        return Err(too_many_codes());
    }
    let details = codes::simulated_details(svc, pool, username, &[medium]).await?;
    let mut parameters =
        BTreeMap::from([("USER_ID_FOR_SRP".to_string(), internal_username.to_string())]);
    parameters.insert(
        "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
        medium.as_str().to_string(),
    );
    parameters.insert("CODE_DELIVERY_DESTINATION".into(), details.destination);
    let salt = random::base64_token(16);
    let state = State::CodeMfa {
        user_sub: String::new(),
        factor: factor.to_string(),
        code_hash: code_hash(&salt, &random::base64_token(16)),
        salt,
        attempts: 0,
        setup_email: None,
    };
    challenge(svc, client, state.challenge(), parameters, &state).await
}

fn too_many_codes() -> AuthError {
    AuthError::TooManyRequests("Too many MFA codes were sent to this user; try again later.".into())
}

fn code_hash(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

async fn send_code(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    medium: DeliveryMedium,
    to: &str,
    code: &str,
) -> Result<(), AuthError> {
    let custom =
        triggers::custom_message(svc, pool, user, "CustomMessage_Authentication", false).await?;
    let custom = custom.unwrap_or_default();
    let fill = |m: &str| {
        m.replace("{####}", code)
            .replace("{username}", &user.username)
    };
    let sent = match medium {
        DeliveryMedium::Sms => {
            svc.delivery
                .send_sms(Sms {
                    to: to.to_string(),
                    message: match custom.sms_message.as_deref() {
                        Some(m) => fill(m),
                        None => messages::mfa_sms(pool, &user.username, code),
                    },
                    pool_id: pool.id.clone(),
                    kind: "mfa".into(),
                })
                .await
        }
        DeliveryMedium::Email => {
            let m = messages::mfa_email(pool, &user.username, code);
            svc.delivery
                .send_email(Email {
                    to: to.to_string(),
                    subject: custom.email_subject.unwrap_or(m.subject),
                    text: match custom.email_message.as_deref() {
                        Some(message) => fill(message),
                        None => m.body,
                    },
                    html: None,
                })
                .await
        }
    };
    sent.map_err(|e| {
        tracing::warn!(pool_id = %pool.id, sub = %user.sub, error = %e, "MFA code not delivered");
        AuthError::CodeDeliveryFailure("Unable to deliver the authentication code.".into())
    })
}

/// The challenge's session, taken, and its user, checked: SECRET_HASH, lockout, enabled.
pub(crate) async fn take_for_user(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
    challenge_name: &str,
) -> Result<(String, State, User), AuthError> {
    let username = required(responses, "USERNAME")?;
    let token = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AuthError::InvalidParameter("Missing required parameter Session".into()))?;
    let state = session::take(svc, client, token, challenge_name).await?;
    let sub = match &state {
        State::SoftwareTokenMfa { user_sub }
        | State::MfaSetup { user_sub, .. }
        | State::CodeMfa { user_sub, .. }
        | State::SelectMfaType { user_sub, .. }
        | State::CustomChallenge { user_sub, .. }
        | State::DeviceSrpAuth { user_sub, .. }
        | State::DevicePasswordVerifier { user_sub, .. } => user_sub.clone(),
        _ => {
            return Err(AuthError::invalid_session());
        }
    };
    let Some(user) = svc.store.get_user_by(&pool.id, UserKey::Sub, &sub).await? else {
        check_secret_hash(
            client,
            &[username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        return Err(match state {
            State::CodeMfa { .. } if sub.is_empty() => {
                wrong_code_for_nobody(svc, token, state).await
            }
            _ => AuthError::invalid_session(),
        });
    };
    check_secret_hash(
        client,
        &[username, user.username.as_str()],
        responses.get("SECRET_HASH").map(String::as_str),
    )?;
    gate::check_not_locked(svc, &user).await?;
    if !user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    Ok((token.to_string(), state, user))
}

/// A code for a user that does not exist (see [`first_factor_code_for_nobody`]): counted and
/// answered like a wrong code for a real user.
async fn wrong_code_for_nobody(svc: &Services, token: &str, state: State) -> AuthError {
    let State::CodeMfa {
        user_sub,
        factor,
        salt,
        code_hash,
        attempts,
        setup_email,
    } = state
    else {
        return AuthError::invalid_session();
    };
    if attempts + 1 >= MAX_CODE_ATTEMPTS {
        return AuthError::NotAuthorized(Reason::TooManyCodeAttempts);
    }
    let state = State::CodeMfa {
        user_sub,
        factor,
        salt,
        code_hash,
        attempts: attempts + 1,
        setup_email,
    };
    match session::release_with(svc, token, &state).await {
        Ok(()) => mismatch(),
        Err(e) => e,
    }
}

fn mismatch() -> AuthError {
    AuthError::CodeMismatch("Invalid code received for user".into())
}

/// A wrong code: counted toward the lockout; the answer to give.
async fn wrong_code(svc: &Services, user: &User) -> Result<(), AuthError> {
    match gate::wrong_password(svc, user).await {
        AuthError::NotAuthorized(Reason::IncorrectCredentials) => Ok(()),
        other => Err(other),
    }
}

/// The user, every factor proven: the failure count is cleared.
async fn proven(svc: &Services, user: User) -> Result<Step, AuthError> {
    svc.store.clear_sign_in_failures(&user.sub).await?;
    tracing::info!(pool_id = %user.pool_id, sub = %user.sub, "second factor proven");
    Ok(Step::Proven(user))
}

/// SOFTWARE_TOKEN_MFA: `SOFTWARE_TOKEN_MFA_CODE` from the user's verified software token. A
/// code of a time step already used is refused (replay). After a wrong or used code the
/// session stays usable until it expires.
pub async fn software_token(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    r: &BTreeMap<String, String>,
) -> Result<Step, AuthError> {
    let code = required(r, "SOFTWARE_TOKEN_MFA_CODE")?;
    let (token, _, user) =
        take_for_user(svc, pool, client, session, r, "SOFTWARE_TOKEN_MFA").await?;
    let mfa = svc.store.user_mfa(&user.sub).await?;
    let secret = mfa
        .totp_secret
        .as_deref()
        .filter(|_| mfa.totp_active())
        .ok_or_else(|| {
            AuthError::SoftwareTokenMfaNotFound("The user has no software token.".into())
        })?;
    let now = svc.now();
    let Some(step) = totp::verify(secret, code, now.div_euclid(1000)) else {
        wrong_code(svc, &user).await?;
        session::release(svc, &token).await?;
        return Err(mismatch());
    };
    // Parallel guesses all pass the check made when the session was taken; a right one must
    // not get through a lock its siblings' failures set meanwhile.
    gate::check_not_locked(svc, &user).await?;
    if !svc.store.accept_totp_step(&user.sub, step, now).await? {
        session::release(svc, &token).await?;
        return Err(mismatch());
    }
    proven(svc, user).await
}

/// SMS_MFA (`SMS_MFA_CODE`) and EMAIL_OTP (`EMAIL_OTP_CODE`, or `EMAIL_MFA_CODE`): the code
/// sent for this session. Answered after an MFA_SETUP that named an email address, it also
/// enables email MFA for that address (verified by the code).
pub async fn code(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    challenge_name: &str,
    session: Option<&str>,
    r: &BTreeMap<String, String>,
) -> Result<Step, AuthError> {
    let given = if challenge_name == SMS_MFA {
        required(r, "SMS_MFA_CODE")?
    } else if challenge_name == SMS_OTP {
        required(r, "SMS_OTP_CODE")?
    } else {
        match r.get("EMAIL_MFA_CODE") {
            Some(c) if !r.contains_key("EMAIL_OTP_CODE") => c.as_str(),
            _ => required(r, "EMAIL_OTP_CODE")?,
        }
    };
    let (token, state, mut user) =
        take_for_user(svc, pool, client, session, r, challenge_name).await?;
    let State::CodeMfa {
        user_sub,
        factor,
        salt,
        code_hash: expected,
        attempts,
        setup_email,
    } = state
    else {
        return Err(AuthError::invalid_session());
    };
    let right = constant_time_eq(code_hash(&salt, given).as_bytes(), expected.as_bytes());
    if !right {
        wrong_code(svc, &user).await?;
        let attempts = attempts + 1;
        if attempts >= MAX_CODE_ATTEMPTS {
            return Err(AuthError::NotAuthorized(Reason::TooManyCodeAttempts));
        }
        let state = State::CodeMfa {
            user_sub,
            factor,
            salt,
            code_hash: expected,
            attempts,
            setup_email,
        };
        session::release_with(svc, &token, &state).await?;
        return Err(mismatch());
    }
    gate::check_not_locked(svc, &user).await?;
    if let Some(address) = setup_email {
        if user.attribute("email") != Some(address.as_str()) {
            user.attributes.insert("email".into(), address);
        }
        user.attributes
            .insert("email_verified".into(), "true".into());
        user.updated_at = svc.now();
        save_user(svc, pool, &user, SaveMode::Update, false).await?;
        let mut mfa = svc.store.user_mfa(&user.sub).await?;
        mfa.email_enabled = true;
        svc.store
            .set_mfa_preference(&user.sub, &mfa, svc.now())
            .await?;
        tracing::info!(pool_id = %pool.id, sub = %user.sub, "email MFA set up at sign-in");
    }
    proven(svc, user).await
}

/// SELECT_MFA_TYPE: `ANSWER` names one of `MFAS_CAN_CHOOSE` (`EMAIL_MFA` is taken for
/// EMAIL_OTP); that factor's challenge follows. A choice not offered can be corrected in the
/// same session.
pub async fn select(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    r: &BTreeMap<String, String>,
) -> Result<Step, AuthError> {
    let answer = required(r, "ANSWER")?;
    let answer = if answer == "EMAIL_MFA" {
        EMAIL_OTP
    } else {
        answer
    };
    let (token, state, user) =
        take_for_user(svc, pool, client, session, r, "SELECT_MFA_TYPE").await?;
    let State::SelectMfaType { choices, .. } = state else {
        return Err(AuthError::invalid_session());
    };
    if !choices.iter().any(|c| c == answer) {
        session::release(svc, &token).await?;
        return Err(AuthError::InvalidParameter(
            format!("ANSWER must be one of {}.", choices.join(", ")).into(),
        ));
    }
    let next = factor_challenge(svc, pool, client, &user, answer, None).await?;
    Ok(Step::Challenge(next))
}

/// MFA_SETUP: after AssociateSoftwareToken and VerifySoftwareToken with the session, the
/// sign-in ends; or `EMAIL` names the address for email MFA and an EMAIL_OTP challenge
/// follows. Anything else leaves the session usable.
pub async fn setup(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    r: &BTreeMap<String, String>,
) -> Result<Step, AuthError> {
    let (token, state, user) = take_for_user(svc, pool, client, session, r, "MFA_SETUP").await?;
    let State::MfaSetup { verified, .. } = state else {
        return Err(AuthError::invalid_session());
    };
    if verified {
        if !svc.store.user_mfa(&user.sub).await?.totp_active() {
            return Err(AuthError::SoftwareTokenMfaNotFound(
                "The user has no verified software token.".into(),
            ));
        }
        return proven(svc, user).await;
    }
    let email = r.get("EMAIL").map(|e| e.trim()).filter(|e| !e.is_empty());
    match email {
        Some(address) if can_set_up(pool).contains(&EMAIL_OTP) => {
            if !crate::domain::attributes::is_email(address) {
                session::release(svc, &token).await?;
                return Err(AuthError::InvalidParameter(Reason::MfaEmailInvalid));
            }
            // A user with an address on file sets up email MFA for that address: a password
            // alone must not move the account's email (and its recovery) elsewhere.
            if let Some(own) = user.attribute("email")
                && !own.eq_ignore_ascii_case(address)
            {
                session::release(svc, &token).await?;
                return Err(AuthError::InvalidParameter(
                    "EMAIL must be the email address the user already has.".into(),
                ));
            }
            let next = factor_challenge(svc, pool, client, &user, EMAIL_OTP, Some(address)).await?;
            Ok(Step::Challenge(next))
        }
        _ => {
            session::release(svc, &token).await?;
            Err(AuthError::InvalidParameter(
                "Set up a software token (AssociateSoftwareToken, VerifySoftwareToken) with this \
                 session, or answer with EMAIL where email MFA is offered, before MFA_SETUP."
                    .into(),
            ))
        }
    }
}
