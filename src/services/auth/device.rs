//! A remembered device in place of MFA (reference §3.2): after the password, DEVICE_SRP_AUTH
//! asks the client to start an SRP proof of the device's secret (`DEVICE_KEY`, `SRP_A`);
//! DEVICE_PASSWORD_VERIFIER checks it (the device group key as SRP's pool name, the device
//! key as its username). A wrong proof counts toward the lockout like a wrong password.

use super::gate::{self, Step};
use super::session::{self, State};
use super::{Challenge, Outcome, required, second_factor};
use crate::crypto::{constant_time_eq, srp};
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::devices::Device;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::{Services, devices};
use std::collections::BTreeMap;

/// The DEVICE_SRP_AUTH challenge for `user` on `device`.
pub async fn challenge(
    svc: &Services,
    client: &UserPoolClient,
    user: &User,
    device: &Device,
) -> Result<Challenge, AuthError> {
    let token = session::new_token();
    let state = State::DeviceSrpAuth {
        user_sub: user.sub.clone(),
        device_key: device.key.clone(),
    };
    session::save(svc, client, &token, &state).await?;
    Ok(Challenge {
        name: "DEVICE_SRP_AUTH".into(),
        parameters: BTreeMap::from([("USERNAME".to_string(), user.username.clone())]),
        session: Some(token),
        available: Vec::new(),
    })
}

/// The device this state and the answer's DEVICE_KEY agree on.
async fn device_of(
    svc: &Services,
    user: &User,
    expected: &str,
    responses: &BTreeMap<String, String>,
) -> Result<Device, AuthError> {
    let given = required(responses, "DEVICE_KEY")?;
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AuthError::invalid_session());
    }
    svc.store
        .get_device(expected)
        .await?
        .filter(|d| d.user_sub == user.sub && d.confirmed() && d.remembered)
        .ok_or_else(|| AuthError::ResourceNotFound("Device does not exist.".into()))
}

/// DEVICE_SRP_AUTH answered with SRP_A: DEVICE_PASSWORD_VERIFIER with the device's salt, SRP_B
/// and a SECRET_BLOCK (also the next session).
pub async fn start(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
) -> Result<Outcome, AuthError> {
    let a = required(responses, "SRP_A")?;
    srp::check_a(a).map_err(|_| AuthError::InvalidParameter("SRP_A is invalid.".into()))?;
    let (_, state, user) =
        second_factor::take_for_user(svc, pool, client, session, responses, "DEVICE_SRP_AUTH")
            .await?;
    let State::DeviceSrpAuth { device_key, .. } = state else {
        return Err(AuthError::invalid_session());
    };
    let device = device_of(svc, &user, &device_key, responses).await?;
    let verifier = devices::verifier(&device)?;
    let ephemeral =
        srp::server_ephemeral(&verifier).map_err(|e| AuthError::Internal(format!("SRP: {e}")))?;
    let secret_block = session::new_token();
    let next = State::DevicePasswordVerifier {
        user_sub: user.sub.clone(),
        device_key: device.key.clone(),
        a: a.to_string(),
        b_secret: ephemeral.secret,
        b_public: ephemeral.public.clone(),
    };
    session::save(svc, client, &secret_block, &next).await?;
    Ok(Outcome::Challenge(Challenge {
        name: "DEVICE_PASSWORD_VERIFIER".into(),
        parameters: BTreeMap::from([
            ("SALT".to_string(), verifier.salt),
            ("SRP_B".to_string(), ephemeral.public),
            ("SECRET_BLOCK".to_string(), secret_block.clone()),
            ("USERNAME".to_string(), user.username.clone()),
        ]),
        session: Some(secret_block),
        available: Vec::new(),
    }))
}

/// DEVICE_PASSWORD_VERIFIER: the device's proof. Right, the user is signed in without MFA.
pub async fn verify(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
) -> Result<Step, AuthError> {
    let secret_block = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = required(responses, "TIMESTAMP")?;
    if let Some(s) = session.filter(|s| !s.is_empty())
        && !constant_time_eq(s.as_bytes(), secret_block.as_bytes())
    {
        return Err(AuthError::invalid_session());
    }
    let (_, state, user) = second_factor::take_for_user(
        svc,
        pool,
        client,
        Some(secret_block),
        responses,
        "DEVICE_PASSWORD_VERIFIER",
    )
    .await?;
    let State::DevicePasswordVerifier {
        device_key,
        a,
        b_secret,
        b_public,
        ..
    } = state
    else {
        return Err(AuthError::invalid_session());
    };
    let mut device = device_of(svc, &user, &device_key, responses).await?;
    let fresh =
        srp::parse_timestamp(timestamp).is_some_and(|t| (t - svc.now()).abs() <= 5 * 60 * 1000);
    let proven = fresh
        && srp::verify_claim(&srp::Claim {
            pool_name: &device.group_key,
            username: &device.key,
            verifier: &devices::verifier(&device)?,
            a: &a,
            ephemeral: &srp::ServerEphemeral {
                secret: b_secret,
                public: b_public,
            },
            secret_block,
            timestamp,
            signature,
        })
        .map_err(|e| AuthError::Internal(format!("SRP: {e}")))?;
    if !proven {
        return Err(gate::wrong_password(svc, &user).await);
    }
    gate::check_not_locked(svc, &user).await?;
    svc.store.clear_sign_in_failures(&user.sub).await?;
    device.last_authenticated_at = Some(svc.now());
    svc.store.update_device(&device).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "remembered device proven");
    Ok(Step::Proven(user))
}
