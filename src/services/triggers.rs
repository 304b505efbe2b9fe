//! Cognito's triggers as the use cases call them (reference §7): the event of each trigger
//! source, the invocation (`crate::triggers`), the log line, and the function's response read
//! into what the use case does next. A trigger the pool has not set costs nothing: each
//! function returns `None` without building an event.

use crate::domain::pool::UserPool;
use crate::domain::token_overrides::TokenOverrides;
use crate::domain::triggers::{PreTokenVersion, Target, Trigger};
use crate::domain::user::{User, UserStatus};
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::triggers::Failure;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `ClientMetadata` (and `ValidationData`) as the API passes them on: string pairs.
pub type Metadata = BTreeMap<String, String>;

/// What every event says of who asked.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The app client, or None for admin actions without one.
    pub client_id: Option<&'a str>,
    pub client_metadata: Option<&'a Metadata>,
}

impl<'a> Caller<'a> {
    pub fn client(client_id: &'a str) -> Self {
        Caller {
            client_id: Some(client_id),
            client_metadata: None,
        }
    }
}

/// True when the pool sets `trigger`.
pub fn is_set(pool: &UserPool, trigger: Trigger) -> bool {
    pool.settings.lambda_config.target(trigger).is_some()
}

/// The attributes an event shows: every attribute as a string, and the user's status.
pub fn user_attributes(user: &User) -> Map<String, Value> {
    let mut m: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    m.insert(
        "cognito:user_status".into(),
        Value::String(user.status.as_str().into()),
    );
    m
}

fn metadata(m: Option<&Metadata>) -> Value {
    m.map(|m| json!(m)).unwrap_or_else(|| json!({}))
}

/// One invocation: which trigger, its source, the event version, the user it is about.
struct Call<'a> {
    trigger: Trigger,
    source: &'a str,
    version: &'a str,
    user_name: &'a str,
}

impl<'a> Call<'a> {
    /// A version 1 event about `user`.
    fn about(trigger: Trigger, source: &'a str, user: &'a User) -> Self {
        Call {
            trigger,
            source,
            version: "1",
            user_name: &user.username,
        }
    }
}

/// Invokes `trigger` if the pool sets it, and returns the function's `response` (an object).
async fn run(
    svc: &Services,
    pool: &UserPool,
    call: Call<'_>,
    caller: Caller<'_>,
    request: Value,
) -> Result<Option<Map<String, Value>>, AuthError> {
    let Call {
        trigger,
        source,
        version,
        user_name,
    } = call;
    let Some(target) = pool.settings.lambda_config.target(trigger) else {
        return Ok(None);
    };
    let unreachable = |cause: &str| {
        AuthError::UnexpectedLambda(Reason::TriggerUnreachable {
            trigger: trigger.name(),
            cause: cause.to_string(),
        })
    };
    let target = Target::parse(target).map_err(|_| unreachable("InvalidTarget"))?;
    let event = json!({
        "version": version,
        "triggerSource": source,
        "region": svc.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": caller.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "request": request,
        "response": {},
    });
    let started = std::time::Instant::now();
    let result = svc
        .triggers
        .invoke(&target, pool.settings.webhook_secret.as_deref(), &event)
        .await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(Failure::Refused(_)) => "refused",
        Err(Failure::BadOutput) => "bad_output",
        Err(Failure::Unreachable(_)) => "unreachable",
    };
    tracing::info!(
        pool_id = %pool.id,
        trigger = trigger.name(),
        source,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        outcome,
        "trigger invoked"
    );
    crate::metrics::trigger_invoked(trigger.name(), outcome);
    match result {
        Ok(mut answer) => match answer.get_mut("response").map(Value::take) {
            Some(Value::Object(response)) => Ok(Some(response)),
            None | Some(Value::Null) => Ok(Some(Map::new())),
            Some(_) => Err(invalid_output(trigger)),
        },
        Err(Failure::Refused(message)) => {
            Err(AuthError::UserLambdaValidation(Reason::TriggerRefused {
                trigger: trigger.name(),
                message,
            }))
        }
        Err(Failure::BadOutput) => Err(invalid_output(trigger)),
        Err(Failure::Unreachable(cause)) => Err(unreachable(&cause)),
    }
}

/// A boolean member of a response: absent or null is false; anything else but a boolean is
/// a malformed response.
fn flag(response: &Map<String, Value>, name: &str, trigger: Trigger) -> Result<bool, AuthError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid_output(trigger)),
    }
}

/// What PreSignUp decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignUpDecision {
    pub auto_confirm: bool,
    pub auto_verify_email: bool,
    pub auto_verify_phone: bool,
}

/// PreSignUp (`PreSignUp_SignUp`, `PreSignUp_AdminCreateUser`) for a user not yet stored.
/// The function refuses by failing; its decision comes back.
pub async fn pre_sign_up(
    svc: &Services,
    pool: &UserPool,
    source: &str,
    user: &User,
    caller: Caller<'_>,
    validation_data: Option<&Metadata>,
) -> Result<SignUpDecision, AuthError> {
    let mut attributes = user_attributes(user);
    attributes.remove("sub");
    attributes.remove("cognito:user_status");
    let request = json!({
        "userAttributes": attributes,
        "validationData": metadata(validation_data),
        "clientMetadata": metadata(caller.client_metadata),
    });
    let trigger = Trigger::PreSignUp;
    let Some(r) = run(
        svc,
        pool,
        Call::about(trigger, source, user),
        caller,
        request,
    )
    .await?
    else {
        return Ok(SignUpDecision::default());
    };
    Ok(SignUpDecision {
        auto_confirm: flag(&r, "autoConfirmUser", trigger)?,
        auto_verify_email: flag(&r, "autoVerifyEmail", trigger)?,
        auto_verify_phone: flag(&r, "autoVerifyPhone", trigger)?,
    })
}

/// PostConfirmation, after the confirmation is stored.
pub async fn post_confirmation(
    svc: &Services,
    pool: &UserPool,
    source: &str,
    user: &User,
    caller: Caller<'_>,
) -> Result<(), AuthError> {
    if !is_set(pool, Trigger::PostConfirmation) {
        return Ok(());
    }
    let request = json!({
        "userAttributes": user_attributes(user),
        "clientMetadata": metadata(caller.client_metadata),
    });
    let trigger = Trigger::PostConfirmation;
    run(
        svc,
        pool,
        Call::about(trigger, source, user),
        caller,
        request,
    )
    .await?;
    Ok(())
}

/// PreAuthentication, before the password (or SRP proof) is checked: of a known user, or, for
/// clients that hide which users exist, of a name no user has (`userNotFound: true`, no
/// attributes), so that the function's answer cannot tell the two apart either.
pub async fn pre_authentication(
    svc: &Services,
    pool: &UserPool,
    user: Result<&User, &str>,
    caller: Caller<'_>,
    validation_data: Option<&Metadata>,
) -> Result<(), AuthError> {
    if !is_set(pool, Trigger::PreAuthentication) {
        return Ok(());
    }
    let (attributes, user_name) = match user {
        Ok(u) => (user_attributes(u), u.username.as_str()),
        Err(typed) => (Map::new(), typed),
    };
    let request = json!({
        "userAttributes": attributes,
        "validationData": metadata(validation_data),
        "userNotFound": user.is_err(),
    });
    let call = Call {
        trigger: Trigger::PreAuthentication,
        source: "PreAuthentication_Authentication",
        version: "1",
        user_name,
    };
    run(svc, pool, call, caller, request).await?;
    Ok(())
}

/// PostAuthentication, once every factor is proven and before tokens are issued.
pub async fn post_authentication(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    caller: Caller<'_>,
) -> Result<(), AuthError> {
    if !is_set(pool, Trigger::PostAuthentication) {
        return Ok(());
    }
    let request = json!({
        "userAttributes": user_attributes(user),
        "newDeviceUsed": false,
        "clientMetadata": metadata(caller.client_metadata),
    });
    let source = "PostAuthentication_Authentication";
    let trigger = Trigger::PostAuthentication;
    run(
        svc,
        pool,
        Call::about(trigger, source, user),
        caller,
        request,
    )
    .await?;
    Ok(())
}

/// Why tokens are being issued: the PreTokenGeneration trigger source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// A sign-in through the hosted UI or the OAuth endpoints.
    HostedAuth,
    /// A sign-in through the JSON API.
    Authentication,
    /// A sign-in that ended by setting a new password.
    NewPasswordChallenge,
    /// A refresh.
    RefreshTokens,
}

impl TokenSource {
    fn trigger_source(self) -> &'static str {
        match self {
            TokenSource::HostedAuth => "TokenGeneration_HostedAuth",
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// PreTokenGeneration for a user's tokens: the changes the function asks for, if the pool
/// sets the trigger.
pub async fn pre_token_generation(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    groups: &[String],
    scopes: &[String],
    source: TokenSource,
    caller: Caller<'_>,
) -> Result<Option<TokenOverrides>, AuthError> {
    if !is_set(pool, Trigger::PreTokenGeneration) {
        return Ok(None);
    }
    let version = pool.settings.lambda_config.pre_token_version();
    let mut request = json!({
        "userAttributes": user_attributes(user),
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": [],
            "preferredRole": null,
        },
        "clientMetadata": metadata(caller.client_metadata),
    });
    if version >= PreTokenVersion::V2 {
        request["scopes"] = json!(scopes);
    }
    let trigger = Trigger::PreTokenGeneration;
    let call = Call {
        trigger,
        source: source.trigger_source(),
        version: version.event_version(),
        user_name: &user.username,
    };
    let Some(response) = run(svc, pool, call, caller, request).await? else {
        return Ok(None);
    };
    TokenOverrides::from_response(version, &Value::Object(response))
        .map(Some)
        .map_err(|_| invalid_output(trigger))
}

/// PreTokenGeneration V3 for a client_credentials token (`TokenGeneration_ClientCredentials`):
/// the changes the function asks for, if the pool sets a V3 trigger.
pub async fn pre_token_generation_for_client(
    svc: &Services,
    pool: &UserPool,
    client_id: &str,
    scopes: &[String],
) -> Result<Option<TokenOverrides>, AuthError> {
    let config = &pool.settings.lambda_config;
    if config.pre_token_version() != PreTokenVersion::V3
        || !is_set(pool, Trigger::PreTokenGeneration)
    {
        return Ok(None);
    }
    let request = json!({
        "userAttributes": {},
        "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null},
        "scopes": scopes,
        "clientMetadata": {},
    });
    let trigger = Trigger::PreTokenGeneration;
    let call = Call {
        trigger,
        source: "TokenGeneration_ClientCredentials",
        version: "3",
        user_name: client_id,
    };
    let Some(response) = run(svc, pool, call, Caller::client(client_id), request).await? else {
        return Ok(None);
    };
    TokenOverrides::from_response(PreTokenVersion::V3, &Value::Object(response))
        .map(Some)
        .map_err(|_| invalid_output(trigger))
}

/// What UserMigration returned for an unknown user.
#[derive(Debug, Clone, PartialEq)]
pub struct Migrated {
    pub attributes: BTreeMap<String, String>,
    pub status: UserStatus,
    /// `messageAction: SUPPRESS`.
    pub suppress_message: bool,
}

/// UserMigration for a user this pool does not know: `UserMigration_Authentication` (with the
/// password the person typed) or `UserMigration_ForgotPassword` (without). None when the pool
/// sets no such trigger.
pub async fn user_migration(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    password: Option<&str>,
    caller: Caller<'_>,
    validation_data: Option<&Metadata>,
) -> Result<Option<Migrated>, AuthError> {
    if !is_set(pool, Trigger::UserMigration) {
        return Ok(None);
    }
    let mut request = json!({
        "validationData": metadata(validation_data),
        "clientMetadata": metadata(caller.client_metadata),
    });
    let source = match password {
        Some(p) => {
            request["password"] = json!(p);
            "UserMigration_Authentication"
        }
        None => "UserMigration_ForgotPassword",
    };
    let trigger = Trigger::UserMigration;
    let Some(r) = run(
        svc,
        pool,
        Call {
            trigger,
            source,
            version: "1",
            user_name: username,
        },
        caller,
        request,
    )
    .await?
    else {
        return Ok(None);
    };
    let invalid = || invalid_output(trigger);
    let attributes = match r.get("userAttributes") {
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                _ => Err(invalid()),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?,
        // A function that does not know the user answers without attributes.
        None | Some(Value::Null) => {
            return Err(AuthError::UserNotFound(
                "Exception migrating user in app client".into(),
            ));
        }
        Some(_) => return Err(invalid()),
    };
    let status = match r.get("finalUserStatus").and_then(Value::as_str) {
        None => {
            if password.is_some() {
                UserStatus::Confirmed
            } else {
                UserStatus::ResetRequired
            }
        }
        Some("CONFIRMED") => UserStatus::Confirmed,
        Some("RESET_REQUIRED") => UserStatus::ResetRequired,
        Some(_) => return Err(invalid()),
    };
    Ok(Some(Migrated {
        attributes,
        status,
        suppress_message: r.get("messageAction").and_then(Value::as_str) == Some("SUPPRESS"),
    }))
}

/// One challenge of a CUSTOM_AUTH sign-in, as DefineAuthChallenge sees it in `session`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResult {
    pub challenge_name: String,
    pub challenge_result: bool,
    pub challenge_metadata: Option<String>,
}

/// What DefineAuthChallenge decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Fail,
    IssueTokens,
    /// The next challenge's name.
    Challenge(String),
}

/// What CreateAuthChallenge made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub public: BTreeMap<String, String>,
    pub private: BTreeMap<String, String>,
    pub metadata: Option<String>,
}

fn invalid_output(trigger: Trigger) -> AuthError {
    AuthError::InvalidLambdaResponse(Reason::TriggerOutputInvalid {
        trigger: trigger.name(),
    })
}

/// A map of strings in a response (absent or null: empty). Numbers and booleans are taken as
/// their text, as Cognito passes them on as strings.
fn string_map(
    response: &Map<String, Value>,
    name: &str,
    trigger: Trigger,
) -> Result<BTreeMap<String, String>, AuthError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                _ => Err(invalid_output(trigger)),
            })
            .collect(),
        Some(_) => Err(invalid_output(trigger)),
    }
}

/// Runs one of CUSTOM_AUTH's functions (`<Trigger>_Authentication`) about `user`: the request
/// is `extra` with the attributes, the caller's metadata and `userNotFound`. CUSTOM_AUTH runs
/// only in pools that set all three, so a missing function is a malformed configuration.
async fn custom_auth_step(
    svc: &Services,
    pool: &UserPool,
    trigger: Trigger,
    user: &User,
    caller: Caller<'_>,
    extra: Value,
) -> Result<Map<String, Value>, AuthError> {
    let mut request = json!({
        "userAttributes": user_attributes(user),
        "clientMetadata": metadata(caller.client_metadata),
        "userNotFound": false,
    });
    if let (Value::Object(into), Value::Object(from)) = (&mut request, extra) {
        into.extend(from);
    }
    let source = format!("{}_Authentication", trigger.name());
    run(
        svc,
        pool,
        Call::about(trigger, &source, user),
        caller,
        request,
    )
    .await?
    .ok_or_else(|| invalid_output(trigger))
}

/// DefineAuthChallenge: what follows the challenges so far.
pub async fn define_auth_challenge(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    history: &[ChallengeResult],
    caller: Caller<'_>,
) -> Result<Decision, AuthError> {
    let trigger = Trigger::DefineAuthChallenge;
    let extra = json!({ "session": history });
    let r = custom_auth_step(svc, pool, trigger, user, caller, extra).await?;
    if flag(&r, "failAuthentication", trigger)? {
        return Ok(Decision::Fail);
    }
    if flag(&r, "issueTokens", trigger)? {
        return Ok(Decision::IssueTokens);
    }
    match r.get("challengeName") {
        Some(Value::String(name)) if !name.is_empty() => Ok(Decision::Challenge(name.clone())),
        _ => Err(invalid_output(trigger)),
    }
}

/// CreateAuthChallenge: the challenge named `name`.
pub async fn create_auth_challenge(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    name: &str,
    history: &[ChallengeResult],
    caller: Caller<'_>,
) -> Result<Created, AuthError> {
    let trigger = Trigger::CreateAuthChallenge;
    let extra = json!({ "challengeName": name, "session": history });
    let r = custom_auth_step(svc, pool, trigger, user, caller, extra).await?;
    let metadata = match r.get("challengeMetadata") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid_output(trigger)),
    };
    Ok(Created {
        public: string_map(&r, "publicChallengeParameters", trigger)?,
        private: string_map(&r, "privateChallengeParameters", trigger)?,
        metadata,
    })
}

/// VerifyAuthChallengeResponse: whether `answer` is right.
pub async fn verify_auth_challenge(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    private: &BTreeMap<String, String>,
    answer: &str,
    caller: Caller<'_>,
) -> Result<bool, AuthError> {
    let trigger = Trigger::VerifyAuthChallengeResponse;
    let extra = json!({ "privateChallengeParameters": private, "challengeAnswer": answer });
    let r = custom_auth_step(svc, pool, trigger, user, caller, extra).await?;
    flag(&r, "answerCorrect", trigger)
}

/// The messages a CustomMessage function wrote; each None keeps the pool's template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomMessage {
    pub sms_message: Option<String>,
    pub email_message: Option<String>,
    pub email_subject: Option<String>,
}

/// CustomMessage for a code about to be sent: the function's wording, if the pool sets the
/// trigger. A message must keep the code placeholder `{####}` (else the response is refused:
/// the person could not receive the code); an invitation (`CustomMessage_AdminCreateUser`)
/// also `{username}`; a confirmation link email (`link`) the link placeholder `{##text##}`
/// instead of the code.
pub async fn custom_message(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    source: &str,
    link: bool,
) -> Result<Option<CustomMessage>, AuthError> {
    if !is_set(pool, Trigger::CustomMessage) {
        return Ok(None);
    }
    let trigger = Trigger::CustomMessage;
    let invitation = source == "CustomMessage_AdminCreateUser";
    let request = json!({
        "userAttributes": user_attributes(user),
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": if invitation { json!("{username}") } else { Value::Null },
        "clientMetadata": {},
    });
    let call = Call::about(trigger, source, user);
    let caller = Caller {
        client_id: None,
        client_metadata: None,
    };
    let Some(r) = run(svc, pool, call, caller, request).await? else {
        return Ok(None);
    };
    let text = |name: &str| match r.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_output(trigger)),
    };
    let message = CustomMessage {
        sms_message: text("smsMessage")?,
        email_message: text("emailMessage")?,
        email_subject: text("emailSubject")?,
    };
    let keeps_code = |m: &Option<String>| {
        m.as_ref()
            .is_none_or(|m| m.contains("{####}") && (!invitation || m.contains("{username}")))
    };
    // A confirmation link email carries the link (`{##text##}`) where others carry the code.
    let keeps_link = |m: &Option<String>| {
        m.as_ref().is_none_or(|m| {
            m.split_once("{##")
                .is_some_and(|(_, rest)| rest.contains("##}"))
        })
    };
    let email_ok = match link {
        true => keeps_link(&message.email_message),
        false => keeps_code(&message.email_message),
    };
    if !keeps_code(&message.sms_message) || !email_ok {
        return Err(invalid_output(trigger));
    }
    Ok(Some(message))
}
