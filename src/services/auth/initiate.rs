//! InitiateAuth / AdminInitiateAuth: which flows each door and client allow, then the first
//! step of each flow.

use super::session::{self, State};
use super::{Challenge, Door, Outcome, client_for, gate, lookup, required, unknown_user};
use crate::crypto::srp;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::UserStatus;
use crate::services::client_auth::check_secret_hash;
use crate::services::client_cache::ClientContext;
use crate::services::triggers::{self, Caller, Metadata};
use crate::services::{Services, cognito_migration, passwords, tokens};
use std::collections::BTreeMap;

/// What InitiateAuth and AdminInitiateAuth ask.
#[derive(Debug, Clone)]
pub struct InitiateInput {
    pub client_id: String,
    pub door: Door,
    pub auth_flow: String,
    pub parameters: BTreeMap<String, String>,
    /// `ClientMetadata`, for the triggers.
    pub client_metadata: Metadata,
    /// `Session`: USER_AUTH right after ConfirmSignUp.
    pub session: Option<String>,
}

/// Every `AuthFlowType` value.
pub const AUTH_FLOWS: &[&str] = &[
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_AUTH",
];

fn not_supported() -> AuthError {
    AuthError::InvalidParameter("Initiate Auth method not supported.".into())
}

/// Runs the first step of a sign-in (counted in the metrics).
pub async fn initiate(svc: &Services, input: InitiateInput) -> Result<Outcome, AuthError> {
    let flow = input.auth_flow.clone();
    let client_id = input.client_id.clone();
    let username = input.parameters.get("USERNAME").cloned();
    let result = first_step(svc, input).await;
    let of = super::StepOf::Client(&client_id);
    super::count(svc, &flow, of, username.as_deref(), &result, challenge_name);
    result
}

/// The challenge an outcome asks for, if any.
pub(crate) fn challenge_name(o: &Outcome) -> Option<String> {
    match o {
        Outcome::Challenge(c) => Some(c.name.clone()),
        Outcome::Tokens(_) => None,
    }
}

async fn first_step(svc: &Services, input: InitiateInput) -> Result<Outcome, AuthError> {
    let ctx = client_for(svc, &input.client_id, &input.door).await?;
    let (pool, client) = (&ctx.pool, &ctx.client);
    let admin = matches!(input.door, Door::Admin { .. });
    let flow = input.auth_flow.as_str();
    match (flow, admin) {
        ("USER_PASSWORD_AUTH", true)
        | ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", false) => {
            return Err(not_supported());
        }
        _ => {}
    }
    client.require_auth_flow(flow)?;
    let params = &input.parameters;
    match flow {
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            let step = check_password(svc, pool, client, params, &input.client_metadata).await?;
            gate::finish(
                svc,
                pool,
                client,
                step,
                crate::services::tokens::TokenSource::Authentication,
                &input.client_metadata,
                params.get("DEVICE_KEY").map(String::as_str),
            )
            .await
        }
        "USER_SRP_AUTH" => {
            srp_first_step(svc, pool, client, params, &input.client_metadata, None).await
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            refresh_flow(svc, &ctx, params, &input.client_metadata).await
        }
        "CUSTOM_AUTH" => {
            super::custom::start(svc, pool, client, params, &input.client_metadata).await
        }
        "USER_AUTH" => match input.session.as_deref().filter(|s| !s.is_empty()) {
            Some(session) => {
                let md = &input.client_metadata;
                super::choice::after_sign_up(svc, pool, client, params, session, md).await
            }
            None => super::choice::start(svc, pool, client, params, &input.client_metadata).await,
        },
        _ => Err(not_supported()),
    }
}

/// The user named by USERNAME (None if unknown), after the client proved its secret: a
/// SECRET_HASH of what the caller typed or of the internal username.
async fn lookup_proving_client(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    username: &str,
) -> Result<Option<crate::domain::user::User>, AuthError> {
    let user = lookup(svc, pool, username).await?;
    let internal = user
        .as_ref()
        .map(|u| u.username.as_str())
        .unwrap_or(username);
    check_secret_hash(
        client,
        &[username, internal],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    Ok(user)
}

/// USERNAME + PASSWORD (and SECRET_HASH), checked here: the password flows of the API and the
/// hosted UI's sign-in. A known user passes the PreAuthentication trigger first; an unknown
/// one may be brought in by the UserMigration trigger.
pub(crate) async fn check_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<gate::Step, AuthError> {
    let username = required(params, "USERNAME")?;
    let password = required(params, "PASSWORD")?;
    // Shed before the reads and triggers when the password check would be shed anyway.
    svc.hasher.admit().await?;
    let device = params.get("DEVICE_KEY").map(String::as_str);
    let user = lookup_proving_client(svc, pool, client, params, username).await?;
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    match &user {
        Some(u) => {
            gate::check_not_locked(svc, u).await?;
            triggers::pre_authentication(svc, pool, Ok(u), caller, Some(client_metadata)).await?;
        }
        None if super::hides_users(client) => {
            gate::check_unknown_not_locked(svc, pool, username).await?;
            let unknown = Err(username);
            triggers::pre_authentication(svc, pool, unknown, caller, Some(client_metadata)).await?;
        }
        None => {}
    }
    // Unknown users cost the same hash check as known ones, and (for a client that hides
    // them) the same reads and writes of a failure count.
    let ok = passwords::verify_password(svc, user.as_ref(), password).await?;
    let Some(user) = user else {
        if let Some(user) = migrate(svc, pool, username, password, caller).await? {
            return gate::password_proven(svc, pool, client, &user, device).await;
        }
        if super::hides_users(client) {
            return Err(gate::unknown_failed(svc, pool, username, unknown_user(client)).await);
        }
        return Err(unknown_user(client));
    };
    if !ok && user.password_hash.is_none() && pool.settings.migration_source.is_some() {
        // A user copied from the migration source without a password: the source checks it.
        match cognito_migration::on_sign_in(svc, pool, username, password, Some(&user)).await {
            Ok(Some(user)) => return gate::password_proven(svc, pool, client, &user, device).await,
            Ok(None) => {}
            Err(AuthError::NotAuthorized(_)) => return Err(gate::wrong_password(svc, &user).await),
            Err(e) => return Err(e),
        }
    }
    if !ok {
        // A user whose password must be reset (an imported one has none) is told so whatever
        // was typed, as in Cognito, unless the client hides users.
        if user.status == UserStatus::ResetRequired && user.enabled && !super::hides_users(client) {
            return Err(AuthError::PasswordResetRequired(
                "Password reset required for the user".into(),
            ));
        }
        return Err(gate::wrong_password(svc, &user).await);
    }
    let user = passwords::upgrade_hash(svc, pool, user, password).await;
    gate::password_proven(svc, pool, client, &user, device).await
}

/// UserMigration_Authentication: the user the pool's function vouches for with this password,
/// stored with it; None when the pool has no such trigger.
async fn migrate(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    password: &str,
    caller: Caller<'_>,
) -> Result<Option<crate::domain::user::User>, AuthError> {
    let migrated = triggers::user_migration(
        svc,
        pool,
        username,
        Some(password),
        caller,
        caller.client_metadata,
    )
    .await?;
    match migrated {
        Some(m) => {
            crate::services::migration::store_migrated(svc, pool, username, m, Some(password))
                .await
                .map(Some)
        }
        // Without a trigger, the pool's migration source (if any) answers.
        None => cognito_migration::on_sign_in(svc, pool, username, password, None).await,
    }
}

/// USER_SRP_AUTH's first step, as a step of CUSTOM_AUTH (DefineAuthChallenge asked for
/// PASSWORD_VERIFIER after SRP_A): `history` travels in the session.
pub(crate) async fn srp_within_custom_auth(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
    history: Vec<triggers::ChallengeResult>,
) -> Result<Outcome, AuthError> {
    srp_first_step(svc, pool, client, params, client_metadata, Some(history)).await
}

/// USER_SRP_AUTH, first step: USERNAME + SRP_A → PASSWORD_VERIFIER with SALT, SRP_B and
/// SECRET_BLOCK. An unknown user (or one without a verifier) gets a challenge that looks the
/// same — a salt that stays the same for the same name — and fails at the second step.
pub(crate) async fn srp_first_step(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
    custom: Option<Vec<triggers::ChallengeResult>>,
) -> Result<Outcome, AuthError> {
    let username = required(params, "USERNAME")?;
    let a = required(params, "SRP_A")?;
    srp::check_a(a).map_err(|_| AuthError::InvalidParameter("SRP_A is invalid.".into()))?;
    let user = lookup_proving_client(svc, pool, client, params, username).await?;
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    // Within CUSTOM_AUTH, PreAuthentication ran when the sign-in started.
    let pre_authentication = custom.is_none();
    let user = match user {
        Some(u) => {
            gate::check_not_locked(svc, &u).await?;
            if pre_authentication {
                let known = Ok(&u);
                triggers::pre_authentication(svc, pool, known, caller, Some(client_metadata))
                    .await?;
            }
            Some(u)
        }
        None if super::hides_users(client) => {
            gate::check_unknown_not_locked(svc, pool, username).await?;
            if pre_authentication {
                let unknown = Err(username);
                triggers::pre_authentication(svc, pool, unknown, caller, Some(client_metadata))
                    .await?;
            }
            None
        }
        None => return Err(unknown_user(client)),
    };
    let pool_name = srp::pool_name(&pool.id);
    let stored = user
        .as_ref()
        .and_then(|u| match (&u.srp_salt, &u.srp_verifier) {
            (Some(salt), Some(verifier)) => Some(srp::Verifier {
                salt: salt.clone(),
                verifier: verifier.clone(),
            }),
            _ => None,
        });
    let key = crate::services::pool_secret::key(svc, pool).await?;
    let verifier = match stored {
        Some(v) => v,
        None => srp::Verifier {
            // The same work as for a real user: a stored-like verifier (no extra modpow), under
            // a salt that is stable for this name.
            salt: srp::fake_salt(&key, &pool.id, username),
            verifier: dummy_verifier(pool_name).verifier,
        },
    };
    let srp_username = match &user {
        Some(u) => u.username.clone(),
        None if pool.settings.username_attributes.is_empty() => username.to_string(),
        None => fake_user_id(&key, username),
    };
    let ephemeral =
        srp::server_ephemeral(&verifier).map_err(|e| AuthError::Internal(format!("SRP: {e}")))?;
    // SECRET_BLOCK is also the session key: clients that do not echo Session (most SRP
    // clients) send it back as PASSWORD_CLAIM_SECRET_BLOCK.
    let secret_block = session::new_token();
    let state = State::PasswordVerifier {
        user_sub: user.as_ref().map(|u| u.sub.clone()),
        srp_username: srp_username.clone(),
        a: a.to_string(),
        b_secret: ephemeral.secret,
        b_public: ephemeral.public.clone(),
        custom,
    };
    session::save(svc, client, &secret_block, &state).await?;
    let parameters = BTreeMap::from([
        ("SALT".to_string(), verifier.salt),
        ("SRP_B".to_string(), ephemeral.public),
        ("SECRET_BLOCK".to_string(), secret_block.clone()),
        ("USERNAME".to_string(), srp_username.clone()),
        ("USER_ID_FOR_SRP".to_string(), srp_username),
    ]);
    Ok(Outcome::Challenge(Challenge {
        name: "PASSWORD_VERIFIER".into(),
        parameters,
        session: Some(secret_block),
        available: Vec::new(),
    }))
}

/// A verifier for a random password, made once per process and used for users that do not
/// exist (or have no SRP verifier), so that both steps cost what they cost for a real user.
pub(crate) fn dummy_verifier(pool_name: &str) -> srp::Verifier {
    static DUMMY: std::sync::OnceLock<srp::Verifier> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            srp::make_verifier(pool_name, "tessera-dummy", &crate::crypto::random::uuid())
        })
        .clone()
}

/// A UUID-shaped USER_ID_FOR_SRP for an unknown user of an email/phone-as-username pool.
pub(crate) fn fake_user_id(key: &[u8], username: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(key);
    h.update(username.as_bytes());
    let b = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&b[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// REFRESH_TOKEN_AUTH: new ID and access tokens (no new refresh token through this flow).
/// A client with a secret proves it with SECRET_HASH of the user's internal username, checked
/// before the refresh token is used (using it can revoke its sign-in as a replay).
async fn refresh_flow(
    svc: &Services,
    ctx: &ClientContext,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let client = &ctx.client;
    let token = required(params, "REFRESH_TOKEN")?;
    let given = params.get("SECRET_HASH").map(String::as_str);
    if client.secret.is_some() && given.is_none_or(str::is_empty) {
        check_secret_hash(client, &[], None)?;
    }
    // Read once: the owner for SECRET_HASH, then the refresh itself.
    let found = tokens::find_refresh(svc, token).await?;
    // A token that is unknown or not this client's has no owner; the refresh refuses it.
    if client.secret.is_some()
        && let Some(owner) = found.username_for(client)
    {
        check_secret_hash(client, &[owner], given)?;
    }
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let result =
        tokens::refresh_found(svc, ctx, found, false, Some(client_metadata), device_key).await?;
    Ok(Outcome::Tokens(result))
}
