//! One-time codes (reference §8.3): issuing a 6-digit code for a purpose, delivering it by
//! email or SMS with the pool's verification template, checking it, and the per-user hourly
//! attempt limits of the code actions.
//!
//! Codes are stored as argon2id hashes, like passwords: a 6-digit code is a 20-bit secret, so
//! a fast hash (even salted HMAC) of a leaked `user_codes` row is reversed in milliseconds,
//! while argon2 at ~24 ms a guess makes the code's own lifetime the shorter of the two. The
//! argon2 verify compares in constant time, and the unknown-user paths do the same verify
//! against a dummy hash so timing does not tell them apart. Each check first reserves an
//! attempt in the same statement that enforces the limit ([`MAX_ATTEMPTS`]); a code is single
//! use (deleted once it has done its work) and a new code replaces the old one.
//! Codes are never logged.

use crate::crypto::random;
use crate::delivery::{Email, Sms};
use crate::domain::mask::{CodeDeliveryDetails, DeliveryMedium};
use crate::domain::messages;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::services::triggers;
use crate::store::codes::CodeAttempt;

/// What a code is for; its `user_codes.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmSignUp,
    ResetPassword,
    VerifyEmail,
    VerifyPhoneNumber,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ConfirmSignUp => "confirm_sign_up",
            Purpose::ResetPassword => "reset_password",
            Purpose::VerifyEmail => "verify_email",
            Purpose::VerifyPhoneNumber => "verify_phone_number",
        }
    }

    /// How long a code is valid: 1 hour for password reset, 24 hours otherwise (§8.3).
    pub fn validity_ms(self) -> i64 {
        match self {
            Purpose::ResetPassword => HOUR_MS,
            _ => 24 * HOUR_MS,
        }
    }

    /// The verification purpose for an attribute (`email` / `phone_number`).
    pub fn verify(attribute: &str) -> Option<Purpose> {
        match attribute {
            "email" => Some(Purpose::VerifyEmail),
            "phone_number" => Some(Purpose::VerifyPhoneNumber),
            _ => None,
        }
    }

    /// The CustomMessage trigger source of a code sent for this purpose.
    fn message_source(self) -> &'static str {
        match self {
            Purpose::ConfirmSignUp => "CustomMessage_SignUp",
            Purpose::ResetPassword => "CustomMessage_ForgotPassword",
            Purpose::VerifyEmail | Purpose::VerifyPhoneNumber => {
                "CustomMessage_VerifyUserAttribute"
            }
        }
    }

    /// The `kind` SMS messages carry to the webhook.
    fn sms_kind(self) -> &'static str {
        match self {
            Purpose::ConfirmSignUp => "sign_up",
            Purpose::ResetPassword => "reset",
            _ => "verification",
        }
    }
}

pub const HOUR_MS: i64 = 60 * 60 * 1000;
/// Wrong guesses a code survives; the next check finds it spent.
pub const MAX_ATTEMPTS: i64 = 5;

/// Cognito's answers to a wrong, and to a used or expired, code.
pub fn code_mismatch() -> AuthError {
    AuthError::CodeMismatch("Invalid verification code provided, please try again.".into())
}
pub fn expired_code() -> AuthError {
    AuthError::ExpiredCode("Invalid code provided, please request a code again.".into())
}
pub fn attempt_limit() -> AuthError {
    AuthError::LimitExceeded("Attempt limit exceeded, please try after some time.".into())
}

/// Where a code goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub medium: DeliveryMedium,
    pub to: String,
}

impl Destination {
    fn of(user: &User, medium: DeliveryMedium) -> Option<Destination> {
        user.attribute(medium.attribute()).map(|to| Destination {
            medium,
            to: to.to_string(),
        })
    }

    /// The masked details Cognito returns for this destination.
    pub fn details(&self) -> CodeDeliveryDetails {
        CodeDeliveryDetails::new(self.medium, &self.to)
    }
}

/// The pool's AccountRecoverySetting in priority order (`verified_phone_number`, then
/// `verified_email` when it has none, Cognito's legacy behaviour).
pub fn recovery_order(pool: &UserPool) -> Vec<String> {
    match &pool.settings.account_recovery_setting {
        Some(r) => {
            let mut m = r.recovery_mechanisms.clone();
            m.sort_by_key(|m| m.priority);
            m.into_iter().map(|m| m.name).collect()
        }
        None => vec!["verified_phone_number".into(), "verified_email".into()],
    }
}

/// True for pools whose recovery is `admin_only`.
pub fn admin_only_recovery(pool: &UserPool) -> bool {
    recovery_order(pool).iter().any(|n| n == "admin_only")
}

/// Where a password-reset code goes: the first verified contact in the pool's recovery order;
/// `Ok(None)` for `admin_only` pools; InvalidParameterException when the user has none.
pub fn recovery_destination(
    pool: &UserPool,
    user: &User,
) -> Result<Option<Destination>, AuthError> {
    let order = recovery_order(pool);
    if order.iter().any(|n| n == "admin_only") {
        return Ok(None);
    }
    for name in &order {
        let found = match name.as_str() {
            "verified_email" if user.is_verified("email_verified") => {
                Destination::of(user, DeliveryMedium::Email)
            }
            "verified_phone_number" if user.is_verified("phone_number_verified") => {
                Destination::of(user, DeliveryMedium::Sms)
            }
            _ => None,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Err(AuthError::InvalidParameter(Reason::NoRecoveryDestination))
}

/// Where a sign-up confirmation code goes: per AutoVerifiedAttributes, SMS when the pool
/// verifies phone numbers and the user has one, else email; None when nothing is
/// auto-verified (no code is sent).
pub fn sign_up_destination(pool: &UserPool, user: &User) -> Option<Destination> {
    let auto = &pool.settings.auto_verified_attributes;
    let phone = auto
        .iter()
        .any(|a| a == "phone_number")
        .then(|| Destination::of(user, DeliveryMedium::Sms))
        .flatten();
    phone.or_else(|| {
        auto.iter()
            .any(|a| a == "email")
            .then(|| Destination::of(user, DeliveryMedium::Email))
            .flatten()
    })
}

/// A new code for `purpose`, hashed: (code, hash).
pub async fn new_code(svc: &Services) -> Result<(String, String), AuthError> {
    let code = random::numeric_code(6);
    let hash = svc.hasher.hash(&code).await.map_err(AuthError::from)?;
    Ok((code, hash))
}

/// Whether the caller waits for the message to be handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// Wait; a failure is CodeDeliveryFailureException and the code is withdrawn.
    Wait,
    /// Hand over in the background (clients that hide whether a user exists: an unknown
    /// user's answer cannot wait for a mail server, so a real one does not either). A failure
    /// is logged.
    Background,
}

/// Issues a code for `purpose` (replacing the user's previous one) and sends it to `to`.
/// `pending_value` is the new attribute value the code will verify, when the old one stays
/// until then. Nothing is left behind when delivery fails (CodeDeliveryFailureException).
pub async fn issue(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    purpose: Purpose,
    to: &Destination,
    pending_value: Option<&str>,
) -> Result<CodeDeliveryDetails, AuthError> {
    let code = Issue {
        purpose,
        pending_value,
        sending: Sending::Wait,
        link: None,
    };
    issue_code(svc, pool, user, to, code).await
}

/// As [`issue`], sending as `sending` says.
pub async fn issue_with(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    purpose: Purpose,
    to: &Destination,
    sending: Sending,
) -> Result<CodeDeliveryDetails, AuthError> {
    let code = Issue {
        purpose,
        pending_value: None,
        sending,
        link: None,
    };
    issue_code(svc, pool, user, to, code).await
}

/// Where the confirmation link of a CONFIRM_WITH_LINK pool's sign-up email points:
/// `{base}/confirmUser?client_id=…&user_name=…&confirmation_code=…` (reference §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmLink {
    /// The pool's public base URL (its domain, or `{PUBLIC_URL}/{poolId}`).
    pub base: String,
    /// The client the user signed up through.
    pub client_id: String,
}

impl ConfirmLink {
    /// The link for `username` and `code`.
    pub fn url(&self, username: &str, code: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("client_id", &self.client_id);
        q.append_pair("user_name", username);
        q.append_pair("confirmation_code", code);
        format!("{}/confirmUser?{}", self.base, q.finish())
    }
}

/// The confirmation link of sign-up emails for `client_id`, in pools whose
/// VerificationMessageTemplate.DefaultEmailOption is CONFIRM_WITH_LINK; None otherwise.
pub async fn confirm_link(
    svc: &Services,
    pool: &UserPool,
    client_id: &str,
) -> Result<Option<ConfirmLink>, AuthError> {
    if !messages::confirms_with_link(pool) {
        return Ok(None);
    }
    Ok(Some(ConfirmLink {
        base: crate::services::oauth::site::public_base(svc, &pool.id).await?,
        client_id: client_id.to_string(),
    }))
}

/// Issues a sign-up confirmation code, worded as a link when `link` is given (emails only).
pub async fn issue_sign_up(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    to: &Destination,
    sending: Sending,
    link: Option<&ConfirmLink>,
) -> Result<CodeDeliveryDetails, AuthError> {
    let code = Issue {
        purpose: Purpose::ConfirmSignUp,
        pending_value: None,
        sending,
        link,
    };
    issue_code(svc, pool, user, to, code).await
}

/// What [`issue_code`] issues, and how it sends it.
struct Issue<'a> {
    purpose: Purpose,
    pending_value: Option<&'a str>,
    sending: Sending,
    link: Option<&'a ConfirmLink>,
}

async fn issue_code(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    to: &Destination,
    issue: Issue<'_>,
) -> Result<CodeDeliveryDetails, AuthError> {
    let purpose = issue.purpose;
    let (code, hash) = new_code(svc).await?;
    let now = svc.now();
    svc.store
        .put_code(
            &user.sub,
            purpose.as_str(),
            &hash,
            now + purpose.validity_ms(),
            now,
            issue.pending_value,
        )
        .await?;
    if issue.sending == Sending::Wait {
        if let Err(e) = send_code(svc, pool, user, purpose, to, &code, issue.link).await {
            svc.store.delete_code(&user.sub, purpose.as_str()).await?;
            return Err(e);
        }
        return Ok(to.details());
    }
    let (svc, pool, user, to_owned) = (svc.clone(), pool.clone(), user.clone(), to.clone());
    let link = issue.link.cloned();
    tokio::spawn(async move {
        // `send_code` logs a failure; the code stays (it was never shown to anyone).
        let _ = send_code(&svc, &pool, &user, purpose, &to_owned, &code, link.as_ref()).await;
    });
    Ok(to.details())
}

/// Sends `code` with the pool's verification message template.
pub async fn send(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    purpose: Purpose,
    to: &Destination,
    code: &str,
) -> Result<(), AuthError> {
    send_code(svc, pool, user, purpose, to, code, None).await
}

async fn send_code(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    purpose: Purpose,
    to: &Destination,
    code: &str,
    link: Option<&ConfirmLink>,
) -> Result<(), AuthError> {
    // The pool's CustomMessage function words the message, when the pool sets one.
    let source = purpose.message_source();
    let custom = triggers::custom_message(svc, pool, user, source, link.is_some()).await?;
    let fill = |m: &str| {
        m.replace("{####}", code)
            .replace("{username}", &user.username)
    };
    let sent = match to.medium {
        DeliveryMedium::Email => {
            let email = match link {
                None if custom.as_ref().is_some_and(|c| c.email_message.is_some()) => {
                    let c = custom.as_ref();
                    let m = messages::code_email(pool, &user.username, code);
                    Email {
                        to: to.to.clone(),
                        subject: c.and_then(|c| c.email_subject.clone()).unwrap_or(m.subject),
                        text: fill(c.and_then(|c| c.email_message.as_deref()).unwrap_or("")),
                        html: None,
                    }
                }
                Some(link) => {
                    let url = link.url(&user.username, code);
                    let m = match custom.as_ref().and_then(|c| c.email_message.as_deref()) {
                        Some(template) => {
                            let default = messages::confirm_link_email(pool, &url).subject;
                            let subject = custom.as_ref().and_then(|c| c.email_subject.clone());
                            messages::link_email(template, subject.unwrap_or(default), &url)
                        }
                        None => messages::confirm_link_email(pool, &url),
                    };
                    Email {
                        to: to.to.clone(),
                        subject: m.subject,
                        text: m.text,
                        html: Some(m.html),
                    }
                }
                None => {
                    let m = messages::code_email(pool, &user.username, code);
                    Email {
                        to: to.to.clone(),
                        subject: m.subject,
                        text: m.body,
                        html: None,
                    }
                }
            };
            svc.delivery.send_email(email).await
        }
        DeliveryMedium::Sms => {
            svc.delivery
                .send_sms(Sms {
                    to: to.to.clone(),
                    message: match custom.as_ref().and_then(|c| c.sms_message.as_deref()) {
                        Some(m) => fill(m),
                        None => messages::code_sms(pool, &user.username, code),
                    },
                    pool_id: pool.id.clone(),
                    kind: purpose.sms_kind().into(),
                })
                .await
        }
    };
    sent.map_err(|e| {
        tracing::warn!(pool_id = %pool.id, sub = %user.sub, error = %e, "code not delivered");
        AuthError::CodeDeliveryFailure("Unable to deliver the verification code.".into())
    })
}

/// A code that matched: its hash (to consume it) and the value it verifies, if pending.
#[derive(Debug, Clone)]
pub struct Matched {
    hash: String,
    pub pending_value: Option<String>,
}

/// Checks `given` against the user's live code for `purpose`, counting the attempt. Wrong:
/// CodeMismatchException; none, used or expired: ExpiredCodeException; tried
/// [`MAX_ATTEMPTS`] times: TooManyFailedAttemptsException (LimitExceededException for
/// attribute verification, which has no such error).
pub async fn check(
    svc: &Services,
    user: &User,
    purpose: Purpose,
    given: &str,
) -> Result<Matched, AuthError> {
    let attempt = svc
        .store
        .attempt_code(&user.sub, purpose.as_str(), svc.now(), MAX_ATTEMPTS)
        .await?;
    match attempt {
        CodeAttempt::Missing | CodeAttempt::Expired => {
            // As long as a real check, so a stale code is not told apart by timing.
            check_nothing(svc, given).await?;
            Err(expired_code())
        }
        CodeAttempt::Exhausted => {
            check_nothing(svc, given).await?;
            Err(match purpose {
                Purpose::VerifyEmail | Purpose::VerifyPhoneNumber => attempt_limit(),
                _ => AuthError::TooManyFailedAttempts(
                    "Too many failed attempts, please request a code again.".into(),
                ),
            })
        }
        CodeAttempt::Ready {
            code_hash,
            pending_value,
        } => {
            let ok = svc
                .hasher
                .verify(given, &code_hash)
                .await
                .map_err(AuthError::from)?;
            if ok {
                Ok(Matched {
                    hash: code_hash,
                    pending_value,
                })
            } else {
                Err(code_mismatch())
            }
        }
    }
}

/// The work of a code check with no code to check against (unknown users, stale codes).
pub async fn check_nothing(svc: &Services, given: &str) -> Result<(), AuthError> {
    svc.hasher
        .verify_or_dummy(None, given)
        .await
        .map_err(AuthError::from)?;
    Ok(())
}

/// Uses up a matched code. False when a parallel request used or replaced it first.
pub async fn consume(
    svc: &Services,
    user: &User,
    purpose: Purpose,
    matched: &Matched,
) -> Result<bool, AuthError> {
    Ok(svc
        .store
        .consume_code(&user.sub, purpose.as_str(), &matched.hash)
        .await?)
}

/// Per-user hourly call limits (§8.3), counted in the database so every node agrees.
#[derive(Debug, Clone, Copy)]
pub enum Limited {
    ConfirmSignUp,
    ResendConfirmationCode,
    ForgotPassword,
    ConfirmForgotPassword,
    ChangePassword,
    GetUserAttributeVerificationCode,
    VerifyUserAttribute,
    /// SMS and email MFA codes sent at sign-in (each needs the right password first).
    MfaCode,
}

impl Limited {
    fn bucket(self) -> (&'static str, i64) {
        match self {
            Limited::ConfirmSignUp => ("confirm_sign_up", 15),
            Limited::ResendConfirmationCode => ("resend_confirmation_code", 5),
            Limited::ForgotPassword => ("forgot_password", 10),
            Limited::ConfirmForgotPassword => ("confirm_forgot_password", 10),
            Limited::ChangePassword => ("change_password", 5),
            Limited::GetUserAttributeVerificationCode => {
                ("get_user_attribute_verification_code", 5)
            }
            Limited::VerifyUserAttribute => ("verify_user_attribute", 15),
            Limited::MfaCode => ("mfa_code", 20),
        }
    }

    /// Calls allowed per hour.
    pub fn per_hour(self) -> i64 {
        self.bucket().1
    }
}

/// The limit of [`limit`] for a username that matches no user (PreventUserExistenceErrors):
/// the same count and the same database write, so an unknown name is refused, and answers,
/// just like a real one. Keyed by a hash of the name, so no typed name is stored.
pub async fn limit_unknown(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    action: Limited,
) -> Result<(), AuthError> {
    use sha2::{Digest, Sha256};
    let (name, per_hour) = action.bucket();
    let key = hex::encode(Sha256::digest(pool.username_key(username).as_bytes()));
    let bucket = format!("unknown:{}:{key}:{name}", pool.id);
    let hits = svc.store.count_hit(&bucket, svc.now(), HOUR_MS).await?;
    if hits > per_hour {
        return Err(attempt_limit());
    }
    // Stands in for the write a real user's request makes to its code row.
    svc.store
        .count_hit(&format!("{bucket}:code"), svc.now(), HOUR_MS)
        .await?;
    Ok(())
}

/// Counts a call of `action` by `user`; over the hourly limit: LimitExceededException
/// "Attempt limit exceeded, please try after some time.".
pub async fn limit(svc: &Services, user: &User, action: Limited) -> Result<(), AuthError> {
    let (name, per_hour) = action.bucket();
    let bucket = format!("user:{}:{name}", user.sub);
    let hits = svc.store.count_hit(&bucket, svc.now(), HOUR_MS).await?;
    if hits > per_hour {
        tracing::info!(sub = %user.sub, action = name, "per-user attempt limit reached");
        return Err(attempt_limit());
    }
    Ok(())
}

/// The CodeDeliveryDetails a user that does not exist gets when the client prevents
/// user-existence errors (reference §5.7): the medium a real user would most likely get from
/// `mediums` (in preference order), and a destination that is the masked username when the
/// username is itself the email / phone a real user's code would go to, else a plausible fake
/// that is the same on every repetition.
pub async fn simulated_details(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    mediums: &[DeliveryMedium],
) -> Result<CodeDeliveryDetails, AuthError> {
    use crate::domain::attributes::{is_e164, is_email};
    use crate::domain::mask::simulated_destination;
    use sha2::{Digest, Sha256};
    let s = &pool.settings;
    let identifies = |attribute: &str| {
        s.username_attributes.iter().any(|a| a == attribute)
            || s.alias_attributes.iter().any(|a| a == attribute)
    };
    for medium in mediums {
        let own = match medium {
            DeliveryMedium::Email => identifies("email") && is_email(username),
            DeliveryMedium::Sms => identifies("phone_number") && is_e164(username),
        };
        if own {
            return Ok(CodeDeliveryDetails::new(*medium, username));
        }
    }
    let medium = mediums.first().copied().unwrap_or(DeliveryMedium::Email);
    // Keyed by the pool's secret, so the fake cannot be recomputed from the username alone.
    let seed = Sha256::new()
        .chain_update(crate::services::pool_secret::key(svc, pool).await?)
        .chain_update(pool.username_key(username).as_bytes())
        .finalize();
    Ok(CodeDeliveryDetails {
        destination: simulated_destination(medium, &seed),
        medium,
        attribute_name: medium.attribute().to_string(),
    })
}

/// The mediums of the pool's recovery order (ForgotPassword).
pub fn recovery_mediums(pool: &UserPool) -> Vec<DeliveryMedium> {
    recovery_order(pool)
        .iter()
        .filter_map(|n| match n.as_str() {
            "verified_email" => Some(DeliveryMedium::Email),
            "verified_phone_number" => Some(DeliveryMedium::Sms),
            _ => None,
        })
        .collect()
}

/// The mediums of the pool's AutoVerifiedAttributes, SMS first (sign-up codes).
pub fn sign_up_mediums(pool: &UserPool) -> Vec<DeliveryMedium> {
    let auto = &pool.settings.auto_verified_attributes;
    [DeliveryMedium::Sms, DeliveryMedium::Email]
        .into_iter()
        .filter(|m| auto.iter().any(|a| a == m.attribute()))
        .collect()
}
