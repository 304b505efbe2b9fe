//! CUSTOM_AUTH (reference §3.1, §7): sign-in by challenges the pool's functions define.
//! DefineAuthChallenge reads the history of the sign-in so far and decides — another
//! challenge, tokens, or failure; CreateAuthChallenge makes a CUSTOM_CHALLENGE (public
//! parameters to the client, private ones kept in the session); VerifyAuthChallengeResponse
//! judges the ANSWER. The history travels in the single-use session, so any node continues it.

use super::session::{self, State};
use super::{Challenge, Outcome, gate, lookup, required, unknown_user};
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::triggers::Trigger;
use crate::domain::user::User;
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::services::client_auth::check_secret_hash;
use crate::services::triggers::{self, Caller, ChallengeResult, Decision, Metadata};
use std::collections::BTreeMap;

/// Cognito's limit on the challenges of one custom sign-in.
const MAX_ROUNDS: usize = 20;

fn not_configured() -> AuthError {
    AuthError::InvalidParameter(
        "Custom auth lambda trigger is not configured for the user pool.".into(),
    )
}

/// InitiateAuth with CUSTOM_AUTH: USERNAME (and SECRET_HASH); the first decision.
pub async fn start(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    if !pool.settings.lambda_config.has_custom_auth() {
        return Err(not_configured());
    }
    let username = required(params, "USERNAME")?;
    let Some(user) = lookup(svc, pool, username).await? else {
        return Err(unknown_user(client));
    };
    check_secret_hash(
        client,
        &[username, user.username.as_str()],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    triggers::pre_authentication(svc, pool, Ok(&user), caller, Some(client_metadata)).await?;
    if !params.contains_key("SRP_A") {
        return next(svc, pool, client, &user, Vec::new(), client_metadata).await;
    }
    // "SRP then custom challenges": the client starts with SRP_A; if DefineAuthChallenge asks
    // for PASSWORD_VERIFIER, the SRP step runs and its result joins the history.
    let history = vec![ChallengeResult {
        challenge_name: "SRP_A".into(),
        challenge_result: true,
        challenge_metadata: None,
    }];
    match triggers::define_auth_challenge(svc, pool, &user, &history, caller).await? {
        Decision::Challenge(name) if name == "PASSWORD_VERIFIER" => {
            let mut history = history;
            history.push(ChallengeResult {
                challenge_name: name,
                challenge_result: false,
                challenge_metadata: None,
            });
            super::initiate::srp_within_custom_auth(
                svc,
                pool,
                client,
                params,
                client_metadata,
                history,
            )
            .await
        }
        decision => decide(svc, pool, client, &user, history, client_metadata, decision).await,
    }
}

/// PASSWORD_VERIFIER proven within CUSTOM_AUTH: DefineAuthChallenge decides what follows.
pub(crate) async fn after_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    history: Vec<ChallengeResult>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    next(svc, pool, client, user, history, client_metadata).await
}

/// RespondToAuthChallenge with CUSTOM_CHALLENGE: the ANSWER judged, then the next decision.
pub async fn answer(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let answer = required(responses, "ANSWER")?;
    let (_, state, user) = super::second_factor::take_for_user(
        svc,
        pool,
        client,
        session,
        responses,
        "CUSTOM_CHALLENGE",
    )
    .await?;
    let State::CustomChallenge {
        history, private, ..
    } = state
    else {
        return Err(AuthError::invalid_session());
    };
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    let correct =
        triggers::verify_auth_challenge(svc, pool, &user, &private, answer, caller).await?;
    let mut history = history;
    if let Some(last) = history.last_mut() {
        last.challenge_result = correct;
    }
    next(svc, pool, client, &user, history, client_metadata).await
}

/// Asks DefineAuthChallenge what follows `history`, and does it.
async fn next(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    history: Vec<ChallengeResult>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    let decision = triggers::define_auth_challenge(svc, pool, user, &history, caller).await?;
    decide(svc, pool, client, user, history, client_metadata, decision).await
}

/// Does what DefineAuthChallenge decided.
async fn decide(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    mut history: Vec<ChallengeResult>,
    client_metadata: &Metadata,
    decision: Decision,
) -> Result<Outcome, AuthError> {
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    match decision {
        Decision::Fail => Err(AuthError::incorrect_credentials()),
        Decision::IssueTokens => {
            let step = gate::custom_auth_proven(user)?;
            gate::finish(
                svc,
                pool,
                client,
                step,
                crate::services::tokens::TokenSource::Authentication,
                client_metadata,
                None,
            )
            .await
        }
        Decision::Challenge(name) if name == "CUSTOM_CHALLENGE" => {
            if history.len() >= MAX_ROUNDS {
                return Err(AuthError::incorrect_credentials());
            }
            let created =
                triggers::create_auth_challenge(svc, pool, user, &name, &history, caller).await?;
            history.push(ChallengeResult {
                challenge_name: name.clone(),
                challenge_result: false,
                challenge_metadata: created.metadata,
            });
            let token = session::new_token();
            let state = State::CustomChallenge {
                user_sub: user.sub.clone(),
                history,
                private: created.private,
            };
            session::save(svc, client, &token, &state).await?;
            let mut parameters = created.public;
            parameters.insert("USERNAME".into(), user.username.clone());
            Ok(Outcome::Challenge(Challenge {
                name,
                parameters,
                session: Some(token),
                available: Vec::new(),
            }))
        }
        Decision::Challenge(_) => Err(AuthError::InvalidLambdaResponse(
            Reason::TriggerOutputInvalid {
                trigger: Trigger::DefineAuthChallenge.name(),
            },
        )),
    }
}
