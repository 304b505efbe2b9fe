//! Passkeys through the JSON API, with a software authenticator (`passkey_helpers`):
//! registration (Start/CompleteWebAuthnRegistration), ListWebAuthnCredentials,
//! GetUserAuthFactors, USER_AUTH's WEB_AUTHN challenge as the whole sign-in, and
//! DeleteWebAuthnCredential; then the refusals: another relying party or origin, a replayed
//! or cloned assertion (the counter), a challenge from another session or registration, a
//! pool that does not allow passkeys or has no relying party, MFA-required pools, and a user
//! that does not exist in a client that hides users.

use crate::api_sign_in_choice::{initiate, respond, set_up};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::passkey_helpers::{Authenticator, from_document, set_relying_party, to_document};
use crate::sign_in_helpers::PASSWORD;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{AuthFactorType, ChallengeNameType};
use serde_json::Value;

both_databases!(
    a_passkey_is_registered_listed_used_and_deleted,
    passkeys_of_another_party_or_origin_are_refused,
    replayed_and_cloned_assertions_are_refused,
    challenges_belong_to_their_session,
    passkeys_need_the_pool_to_allow_them,
    mfa_required_pools_offer_passkeys_only_as_both_factors,
    unknown_users_get_a_passkey_challenge_that_fails,
    a_passkey_survives_export_and_import,
);

const ORIGIN: &str = "http://localhost:3000";
const FACTORS: [AuthFactorType; 2] = [AuthFactorType::Password, AuthFactorType::WebAuthn];

/// A pool allowing passwords and passkeys with relying party `localhost`, its client, and
/// ann's access token.
async fn ready(app: &TestApp, hide: bool) -> (String, String, String) {
    let (pool, client) = set_up(app, &FACTORS, hide).await;
    set_relying_party(app, &pool, "localhost").await;
    let token = password_token(app, &client).await;
    (pool, client, token)
}

async fn password_token(app: &TestApp, client: &str) -> String {
    let out = initiate(
        app,
        client,
        "ann",
        &[("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap();
    out.authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string()
}

async fn start(
    app: &TestApp,
    token: &str,
) -> Result<
    Value,
    cognito::error::SdkError<
        cognito::operation::start_web_authn_registration::StartWebAuthnRegistrationError,
    >,
> {
    let out = app
        .cognito
        .start_web_authn_registration()
        .access_token(token)
        .send()
        .await?;
    Ok(from_document(out.credential_creation_options()))
}

async fn complete(
    app: &TestApp,
    token: &str,
    credential: &Value,
) -> Result<
    (),
    cognito::error::SdkError<
        cognito::operation::complete_web_authn_registration::CompleteWebAuthnRegistrationError,
    >,
> {
    app.cognito
        .complete_web_authn_registration()
        .access_token(token)
        .credential(to_document(credential))
        .send()
        .await
        .map(|_| ())
}

/// Registers `key` for the token's user.
async fn register(app: &TestApp, token: &str, key: &Authenticator) {
    let options = start(app, token).await.unwrap();
    complete(app, token, &key.register(&options)).await.unwrap();
}

/// USER_AUTH preferring WEB_AUTHN: the challenge's session and request options.
async fn passkey_challenge(app: &TestApp, client: &str, username: &str) -> (String, Value) {
    let out = initiate(
        app,
        client,
        username,
        &[("PREFERRED_CHALLENGE", "WEB_AUTHN")],
    )
    .await
    .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let params = out.challenge_parameters().unwrap();
    let options: Value = serde_json::from_str(&params["CREDENTIAL_REQUEST_OPTIONS"]).unwrap();
    (out.session().unwrap().to_string(), options)
}

async fn answer(
    app: &TestApp,
    client: &str,
    session: &str,
    credential: &Value,
) -> Result<
    cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cognito::error::SdkError<
        cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
> {
    respond(
        app,
        client,
        ChallengeNameType::WebAuthn,
        session,
        &[("USERNAME", "ann"), ("CREDENTIAL", &credential.to_string())],
    )
    .await
}

async fn factors(app: &TestApp, token: &str) -> Vec<AuthFactorType> {
    app.cognito
        .get_user_auth_factors()
        .access_token(token)
        .send()
        .await
        .unwrap()
        .configured_user_auth_factors()
        .to_vec()
}

async fn a_passkey_is_registered_listed_used_and_deleted(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client, token) = ready(&app, false).await;
    assert_eq!(factors(&app, &token).await, vec![AuthFactorType::Password]);
    // Without a passkey, WEB_AUTHN is not offered: the preference falls back to a choice.
    let out = initiate(
        &app,
        &client,
        "ann",
        &[("PREFERRED_CHALLENGE", "WEB_AUTHN")],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert!(
        !out.available_challenges()
            .contains(&ChallengeNameType::WebAuthn)
    );

    let options = start(&app, &token).await.unwrap();
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], "ann");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut key = Authenticator::new("localhost", ORIGIN);
    complete(&app, &token, &key.register(&options))
        .await
        .unwrap();
    // The same registration cannot be completed twice.
    let again = complete(&app, &token, &key.register(&options)).await;
    assert_eq!(
        error_code(&again.unwrap_err()),
        "WebAuthnChallengeNotFoundException"
    );
    // A second start excludes the passkey the user has.
    let options = start(&app, &token).await.unwrap();
    assert_eq!(options["excludeCredentials"][0]["id"], key.id());

    let listed = app
        .cognito
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let credentials = listed.credentials();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].credential_id(), key.id());
    assert_eq!(credentials[0].relying_party_id(), "localhost");
    assert_eq!(credentials[0].authenticator_attachment(), Some("platform"));
    assert_eq!(credentials[0].authenticator_transports(), ["internal"]);
    assert_eq!(
        factors(&app, &token).await,
        vec![AuthFactorType::Password, AuthFactorType::WebAuthn]
    );

    // The passkey alone signs in, twice (the counter moves on).
    for _ in 0..2 {
        let (session, options) = passkey_challenge(&app, &client, "ann").await;
        assert_eq!(options["rpId"], "localhost");
        assert_eq!(options["allowCredentials"][0]["id"], key.id());
        let out = answer(&app, &client, &session, &key.assert(&options))
            .await
            .unwrap();
        assert!(
            out.authentication_result()
                .unwrap()
                .access_token()
                .is_some()
        );
    }
    // SELECT_CHALLENGE offers it too.
    let out = initiate(&app, &client, "ann", &[]).await.unwrap();
    assert!(
        out.available_challenges()
            .contains(&ChallengeNameType::WebAuthn)
    );

    app.cognito
        .delete_web_authn_credential()
        .access_token(&token)
        .credential_id(key.id())
        .send()
        .await
        .unwrap();
    let gone = app
        .cognito
        .delete_web_authn_credential()
        .access_token(&token)
        .credential_id(key.id())
        .send()
        .await;
    assert_eq!(error_code(&gone.unwrap_err()), "ResourceNotFoundException");
    let listed = app
        .cognito
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(listed.credentials().is_empty());
}

/// A passkey made for another relying party, or reported from an origin outside the relying
/// party, is refused at registration and at sign-in.
async fn passkeys_of_another_party_or_origin_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client, token) = ready(&app, false).await;
    let options = start(&app, &token).await.unwrap();
    let elsewhere = Authenticator::new("example.com", ORIGIN);
    let refused = complete(&app, &token, &elsewhere.register(&options)).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnRelyingPartyMismatchException"
    );
    let options = start(&app, &token).await.unwrap();
    let phishing = Authenticator::new("localhost", "https://login.example.net");
    let refused = complete(&app, &token, &phishing.register(&options)).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnOriginNotAllowedException"
    );

    let mut key = Authenticator::new("localhost", ORIGIN);
    register(&app, &token, &key).await;
    // The same key answering for another relying party, or from another origin.
    for (rp, origin) in [
        ("example.com", ORIGIN),
        ("localhost", "https://evil.example"),
    ] {
        key.rp_id = rp.to_string();
        key.origin = origin.to_string();
        let (session, options) = passkey_challenge(&app, &client, "ann").await;
        let refused = answer(&app, &client, &session, &key.assert(&options)).await;
        assert_eq!(
            error_code(&refused.unwrap_err()),
            "NotAuthorizedException",
            "{rp} {origin}"
        );
    }
    key.rp_id = "localhost".into();
    key.origin = ORIGIN.into();
    let (session, options) = passkey_challenge(&app, &client, "ann").await;
    answer(&app, &client, &session, &key.assert(&options))
        .await
        .unwrap();
}

/// An assertion is good once: sent again in its used session it is refused; a copy of the
/// authenticator answering a new challenge with a counter that did not move on is refused.
async fn replayed_and_cloned_assertions_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client, token) = ready(&app, false).await;
    let mut key = Authenticator::new("localhost", ORIGIN);
    register(&app, &token, &key).await;
    let (session, options) = passkey_challenge(&app, &client, "ann").await;
    let assertion = key.assert(&options);
    answer(&app, &client, &session, &assertion).await.unwrap();
    let replayed = answer(&app, &client, &session, &assertion).await;
    assert_eq!(error_code(&replayed.unwrap_err()), "NotAuthorizedException");
    // The clone signs the new challenge with the counter already used.
    let (session, options) = passkey_challenge(&app, &client, "ann").await;
    let cloned = answer(&app, &client, &session, &key.assert_with_counter(&options)).await;
    assert_eq!(error_code(&cloned.unwrap_err()), "NotAuthorizedException");
    let (session, options) = passkey_challenge(&app, &client, "ann").await;
    answer(&app, &client, &session, &key.assert(&options))
        .await
        .unwrap();
}

/// The challenge of one sign-in cannot answer another's session; a registration answers only
/// the last one started, once.
async fn challenges_belong_to_their_session(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client, token) = ready(&app, false).await;
    let mut key = Authenticator::new("localhost", ORIGIN);
    let first = start(&app, &token).await.unwrap();
    let second = start(&app, &token).await.unwrap();
    let refused = complete(&app, &token, &key.register(&first)).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnChallengeNotFoundException"
    );
    // The failed attempt used the registration up.
    let refused = complete(&app, &token, &key.register(&second)).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnChallengeNotFoundException"
    );
    register(&app, &token, &key).await;

    let (_, options_a) = passkey_challenge(&app, &client, "ann").await;
    let (session_b, _) = passkey_challenge(&app, &client, "ann").await;
    let refused = answer(&app, &client, &session_b, &key.assert(&options_a)).await;
    assert_eq!(error_code(&refused.unwrap_err()), "NotAuthorizedException");
}

/// Without WEB_AUTHN in the pool's SignInPolicy there are no passkeys; without a relying
/// party (no RelyingPartyId, no custom domain, a server reached by IP) neither.
async fn passkeys_need_the_pool_to_allow_them(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app, &[AuthFactorType::Password], false).await;
    let token = password_token(&app, &client).await;
    let refused = start(&app, &token).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnNotEnabledException"
    );
    let refused = complete(
        &app,
        &token,
        &Authenticator::new("localhost", ORIGIN)
            .register(&serde_json::json!({"challenge": "AAAA"})),
    )
    .await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnNotEnabledException"
    );
    let out = initiate(
        &app,
        &client,
        "ann",
        &[("PREFERRED_CHALLENGE", "WEB_AUTHN")],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert!(
        !out.available_challenges()
            .contains(&ChallengeNameType::WebAuthn)
    );

    let (_, client) = set_up(&app, &FACTORS, false).await;
    let token = password_token(&app, &client).await;
    let refused = start(&app, &token).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "WebAuthnConfigurationMissingException"
    );
    let _ = pool;
}

/// With MFA ON, a passkey is a way to sign in only where the pool counts it as both factors
/// (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION).
async fn mfa_required_pools_offer_passkeys_only_as_both_factors(db: Backend) {
    use cognito::types::{
        SoftwareTokenMfaConfigType, UserPoolMfaType, UserVerificationType,
        WebAuthnConfigurationType, WebAuthnFactorConfigurationType,
    };
    let app = spawn_app(db).await;
    let (pool, client, token) = ready(&app, false).await;
    let mut key = Authenticator::new("localhost", ORIGIN);
    register(&app, &token, &key).await;
    let set = |factor: WebAuthnFactorConfigurationType| {
        app.cognito
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder().enabled(true).build(),
            )
            .web_authn_configuration(
                WebAuthnConfigurationType::builder()
                    .relying_party_id("localhost")
                    .user_verification(UserVerificationType::Required)
                    .factor_configuration(factor)
                    .build(),
            )
            .send()
    };
    set(WebAuthnFactorConfigurationType::SingleFactor)
        .await
        .unwrap();
    let out = initiate(&app, &client, "ann", &[]).await.unwrap();
    assert!(
        !out.available_challenges()
            .contains(&ChallengeNameType::WebAuthn)
    );
    set(WebAuthnFactorConfigurationType::MultiFactorWithUserVerification)
        .await
        .unwrap();
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.web_authn_configuration()
            .unwrap()
            .factor_configuration(),
        Some(&WebAuthnFactorConfigurationType::MultiFactorWithUserVerification)
    );
    let (session, options) = passkey_challenge(&app, &client, "ann").await;
    let out = answer(&app, &client, &session, &key.assert(&options))
        .await
        .unwrap();
    assert!(out.authentication_result().is_some());
}

/// A client that hides users gives a name without passkeys the same challenge each time (an
/// allowed credential derived from the name), and every answer fails as a wrong password.
async fn unknown_users_get_a_passkey_challenge_that_fails(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client, _) = ready(&app, true).await;
    let (session, options) = passkey_challenge(&app, &client, "nobody").await;
    let (_, again) = passkey_challenge(&app, &client, "nobody").await;
    assert_eq!(options["allowCredentials"], again["allowCredentials"]);
    assert_eq!(options["rpId"], "localhost");
    let mut key = Authenticator::new("localhost", ORIGIN);
    let refused = respond(
        &app,
        &client,
        ChallengeNameType::WebAuthn,
        &session,
        &[
            ("USERNAME", "nobody"),
            ("CREDENTIAL", &key.assert(&options).to_string()),
        ],
    )
    .await;
    assert_eq!(error_code(&refused.unwrap_err()), "NotAuthorizedException");
    // ann, who has no passkey, gets the same kind of challenge.
    let (_, ann) = passkey_challenge(&app, &client, "ann").await;
    assert_eq!(ann["allowCredentials"].as_array().unwrap().len(), 1);
}

/// `tessera users export` / `users import` keep a user's passkeys: on another server with the
/// same relying party, the passkey signs the user in.
async fn a_passkey_survives_export_and_import(db: Backend) {
    use tessera::crypto::vault::{Key, Vault};
    use tessera::services::user_transfer::{export, import};
    let a = spawn_app(db).await;
    let (pool, _, token) = ready(&a, false).await;
    let mut key = Authenticator::new("localhost", ORIGIN);
    register(&a, &token, &key).await;
    let vault = Vault::new(&Key::generate());
    let mut file = Vec::new();
    export(&a.services, &pool, &vault, &mut file).await.unwrap();

    let b = spawn_app(db).await;
    let (pool_b, client_b, _) = ready(&b, false).await;
    b.cognito
        .admin_delete_user()
        .user_pool_id(&pool_b)
        .username("ann")
        .send()
        .await
        .unwrap();
    let done = import(&b.services, &pool_b, Some(&vault), file.as_slice())
        .await
        .unwrap();
    assert_eq!((done.imported, done.failed.len()), (1, 0), "{done:?}");
    let (session, options) = passkey_challenge(&b, &client_b, "ann").await;
    let out = answer(&b, &client_b, &session, &key.assert(&options))
        .await
        .unwrap();
    assert!(out.authentication_result().is_some());
}
