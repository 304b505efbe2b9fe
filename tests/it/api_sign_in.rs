//! InitiateAuth / AdminInitiateAuth / RespondToAuthChallenge with passwords: flow gating per
//! client, wrong and unknown users (with and without PreventUserExistenceErrors), lockout,
//! user states, NEW_PASSWORD_REQUIRED with its single-use, expiring session, SECRET_HASH, and
//! refresh. SRP is in `api_sign_in_srp`.

use crate::helpers::{Backend, spawn_app};
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, pool_client_user};
use crate::user_helpers::{create_user, status_of};
use crate::{assert_aws_error, both_databases};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{AuthFlowType, ChallengeNameType, UserStatusType};
use tessera::domain::lockout::RESET_AFTER_MS;
use tessera::services::auth::unknown_failures_bucket;
use tessera::services::client_auth::secret_hash;

both_databases!(
    password_sign_in_returns_tokens,
    wrong_and_unknown_users,
    unknown_names_count_failures_as_users_do,
    flows_are_gated_per_client_and_door,
    lockout_backs_off_and_resets,
    user_states_are_refused,
    new_password_required_completes_sign_in,
    new_password_session_expires,
    new_password_session_belongs_to_its_user,
    reset_or_deleted_client_ends_refresh,
    temporary_password_expires,
    required_attributes_in_new_password_challenge,
    secret_hash_is_required_for_secret_clients,
    refresh_token_auth_returns_new_tokens,
    parallel_guesses_do_not_get_past_the_lock,
    user_disabled_during_new_password_challenge,
);

async fn password_sign_in_returns_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_pool, client) = pool_client_user(&app, false).await;
    let out = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
    assert!(out.challenge_name.is_none());
    let r = out.authentication_result.unwrap();
    assert_eq!(r.token_type(), Some("Bearer"));
    assert_eq!(r.expires_in(), 3600);
    assert_eq!(r.access_token().unwrap().split('.').count(), 3);
    assert_eq!(r.id_token().unwrap().split('.').count(), 3);
    assert!(r.refresh_token().is_some_and(|t| t.len() > 40));
    // The sign-in alias (email is not an alias in this pool) does not sign in; the username
    // matching is case-sensitive by default.
    assert_aws_error!(
        password_auth(&app, &client, "Alice", PASSWORD).await,
        "UserNotFoundException"
    );
}

async fn wrong_and_unknown_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, legacy) = pool_client_user(&app, false).await;
    let msg = assert_aws_error!(
        password_auth(&app, &legacy, "alice", "Wrong-Horse-9").await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Incorrect username or password.");
    let msg = assert_aws_error!(
        password_auth(&app, &legacy, "nobody", PASSWORD).await,
        "UserNotFoundException"
    );
    assert_eq!(msg, "User does not exist.");

    let (hiding, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, true).await;
    let wrong = assert_aws_error!(
        password_auth(&app, &hiding, "alice", "Wrong-Horse-9").await,
        "NotAuthorizedException"
    );
    let unknown = assert_aws_error!(
        password_auth(&app, &hiding, "nobody", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(wrong, unknown);
    assert_eq!(unknown, "Incorrect username or password.");
}

/// Through a client that hides users, a name that does not exist costs what a real user's wrong
/// password costs: the hash, a read before it and a failure counted after it (on a counter of
/// its own, which locks nothing). A LEGACY client, which says the user does not exist, counts
/// nothing. (The time itself is measured by benches/timing.py, not here.)
async fn unknown_names_count_failures_as_users_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool_id, legacy) = pool_client_user(&app, false).await;
    let (hiding, _) = client_with(&app, &pool_id, &["ALLOW_USER_PASSWORD_AUTH"], false, true).await;
    let pool = app
        .services
        .store
        .get_pool(&pool_id)
        .await
        .unwrap()
        .unwrap();
    let bucket = unknown_failures_bucket(&pool, "nobody");
    let counted = || async {
        let now = app.services.now();
        app.services
            .store
            .peek_hits(&bucket, now, RESET_AFTER_MS)
            .await
            .unwrap()
    };
    assert_aws_error!(
        password_auth(&app, &legacy, "nobody", PASSWORD).await,
        "UserNotFoundException"
    );
    assert_eq!(counted().await, 0);
    // Past the five failures that lock a real user: still the same answer.
    for n in 1..=6 {
        let msg = assert_aws_error!(
            password_auth(&app, &hiding, "nobody", PASSWORD).await,
            "NotAuthorizedException"
        );
        assert_eq!(msg, "Incorrect username or password.");
        assert_eq!(counted().await, n);
    }
}

async fn flows_are_gated_per_client_and_door(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, _) = pool_client_user(&app, false).await;
    let (srp_only, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, false).await;
    let msg = assert_aws_error!(
        password_auth(&app, &srp_only, "alice", PASSWORD).await,
        "InvalidParameterException"
    );
    assert_eq!(msg, "USER_PASSWORD_AUTH flow not enabled for this client");

    let (admin_client, _) = client_with(
        &app,
        &pool,
        &["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        false,
        false,
    )
    .await;
    // The admin flow is refused on the public door, and works on the admin one.
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&admin_client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    let msg = assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(msg, "Initiate Auth method not supported.");
    let out = app
        .cognito
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&admin_client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());
    // A client of another pool is not found through the admin door.
    let other = app.create_pool("other").await;
    let r = app
        .cognito
        .admin_initiate_auth()
        .user_pool_id(&other)
        .client_id(&admin_client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_aws_error!(r, "ResourceNotFoundException");
    // Unknown client, missing parameter, unknown flow.
    assert_aws_error!(
        password_auth(&app, "nosuchclient", "alice", PASSWORD).await,
        "ResourceNotFoundException"
    );
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&admin_client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await;
    assert_aws_error!(r, "InvalidParameterException");
    let (status, body) = app
        .raw(
            "InitiateAuth",
            &format!(r#"{{"ClientId":"{admin_client}","AuthFlow":"MAGIC","AuthParameters":{{}}}}"#),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
}

async fn lockout_backs_off_and_resets(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_pool, client) = pool_client_user(&app, false).await;
    for _ in 0..5 {
        assert_aws_error!(
            password_auth(&app, &client, "alice", "Wrong-Horse-9").await,
            "NotAuthorizedException"
        );
    }
    // Locked for 1 s after the 5th failure: even the right password is refused, uncounted.
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Password attempts exceeded");
    app.services.clock.advance(1_000);
    // The 6th failure locks for 2 s.
    assert_aws_error!(
        password_auth(&app, &client, "alice", "Wrong-Horse-9").await,
        "NotAuthorizedException"
    );
    app.services.clock.advance(1_500);
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Password attempts exceeded");
    app.services.clock.advance(600);
    assert!(
        password_auth(&app, &client, "alice", PASSWORD)
            .await
            .is_ok()
    );
    // Success cleared the count: four more failures do not lock.
    for _ in 0..4 {
        assert_aws_error!(
            password_auth(&app, &client, "alice", "Wrong-Horse-9").await,
            "NotAuthorizedException"
        );
    }
    assert!(
        password_auth(&app, &client, "alice", PASSWORD)
            .await
            .is_ok()
    );
}

async fn user_states_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "User is disabled.");
    // A wrong password for a disabled user reveals nothing more.
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", "Wrong-Horse-9").await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Incorrect username or password.");
    app.cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    app.cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::user_helpers::attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "PasswordResetRequiredException"
    );
    assert_eq!(msg, "Password reset required for the user");

    // UNCONFIRMED: a user with a password who has not confirmed.
    let mut user = crate::user_helpers::stored(&app, &pool, "alice").await;
    user.status = tessera::domain::user::UserStatus::Unconfirmed;
    let p = app.services.require_pool(&pool).await.unwrap();
    app.services
        .store
        .save_users(&[tessera::store::users::UserWrite {
            user: &user,
            columns: user.columns(&p),
            insert: false,
        }])
        .await
        .unwrap();
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "UserNotConfirmedException"
    );
    assert_eq!(msg, "User is not confirmed.");
}

async fn admin_created(app: &crate::helpers::TestApp, pool: &str, username: &str, temp: &str) {
    app.cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password(temp)
        .user_attributes(crate::user_helpers::attr("email", "bob@example.com"))
        .message_action(cognito::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
}

async fn new_password_required_completes_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    admin_created(&app, &pool, "bob", "Temp-Pass-123").await;
    let out = password_auth(&app, &client, "bob", "Temp-Pass-123")
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.authentication_result.is_none());
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["USER_ID_FOR_SRP"], "bob");
    assert_eq!(params["requiredAttributes"], "[]");
    let current: serde_json::Value = serde_json::from_str(&params["userAttributes"]).unwrap();
    assert_eq!(current["email"], "bob@example.com");
    assert!(current.get("sub").is_none());
    let session = out.session().unwrap().to_string();

    let respond = |password: &str| {
        app.cognito
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "bob")
            .challenge_responses("NEW_PASSWORD", password)
            .send()
    };
    // A weak password is refused and the session stays usable.
    assert_aws_error!(respond("weak").await, "InvalidPasswordException");
    let done = respond("Brand-New-Pass-1").await.unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    assert_eq!(
        status_of(&app, &pool, "bob").await.0,
        UserStatusType::Confirmed
    );
    let msg = assert_aws_error!(respond("Other-New-Pass-1").await, "NotAuthorizedException");
    assert_eq!(
        msg,
        "Invalid session for the user, session can only be used once."
    );
    // The new password signs in; the temporary one no longer does.
    assert!(
        password_auth(&app, &client, "bob", "Brand-New-Pass-1")
            .await
            .is_ok()
    );
    assert_aws_error!(
        password_auth(&app, &client, "bob", "Temp-Pass-123").await,
        "NotAuthorizedException"
    );
    // A made-up session.
    let r = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session("a".repeat(40))
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-2")
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "Invalid session for the user."
    );
}

async fn new_password_session_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    admin_created(&app, &pool, "bob", "Temp-Pass-123").await;
    let out = password_auth(&app, &client, "bob", "Temp-Pass-123")
        .await
        .unwrap();
    // AuthSessionValidity defaults to 3 minutes.
    app.services.clock.advance(3 * 60 * 1000 + 1);
    let r = app
        .cognito
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "Invalid session for the user, session is expired."
    );
}

async fn temporary_password_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    admin_created(&app, &pool, "bob", "Temp-Pass-123").await;
    // TemporaryPasswordValidityDays defaults to 7.
    app.services.clock.advance(7 * 24 * 3600 * 1000 + 1000);
    let msg = assert_aws_error!(
        password_auth(&app, &client, "bob", "Temp-Pass-123").await,
        "NotAuthorizedException"
    );
    assert_eq!(
        msg,
        "Temporary password has expired and must be reset by an administrator."
    );
}

async fn required_attributes_in_new_password_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("req")
        .schema(
            cognito::types::SchemaAttributeType::builder()
                .name("name")
                .required(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;
    // The admin gives the required attribute at creation; the challenge lists what is missing
    // only, so it is empty — then a user created with a required attribute removed in the
    // store shows it as required.
    create_user(&app, &pool, "carol", &[("name", "Carol")]).await;
    app.cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("carol")
        .password("Temp-Pass-123")
        .permanent(false)
        .send()
        .await
        .unwrap();
    let mut user = crate::user_helpers::stored(&app, &pool, "carol").await;
    user.attributes.remove("name");
    let p = app.services.require_pool(&pool).await.unwrap();
    app.services
        .store
        .save_users(&[tessera::store::users::UserWrite {
            user: &user,
            columns: user.columns(&p),
            insert: false,
        }])
        .await
        .unwrap();
    let out = password_auth(&app, &client, "carol", "Temp-Pass-123")
        .await
        .unwrap();
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["requiredAttributes"], r#"["userAttributes.name"]"#);
    let session = out.session().unwrap().to_string();
    let r = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .send()
        .await;
    let msg = assert_aws_error!(r, "InvalidParameterException");
    assert!(msg.contains("name: The attribute is required"), "{msg}");
    // The session was used by that attempt; sign in again and give the attribute.
    let out = password_auth(&app, &client, "carol", "Temp-Pass-123")
        .await
        .unwrap();
    let done = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .challenge_responses("userAttributes.name", "Carol C")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    let attrs = crate::user_helpers::attrs_of(&app, &pool, "carol").await;
    assert_eq!(
        crate::user_helpers::value(&attrs, "name").as_deref(),
        Some("Carol C")
    );
}

async fn secret_hash_is_required_for_secret_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, _) = pool_client_user(&app, false).await;
    let (client, secret) =
        client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], true, false).await;
    let secret = secret.unwrap();
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(
        msg,
        format!("Client {client} is configured for secret but secret was not received")
    );
    let with_hash = |hash: String| {
        app.cognito
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let msg = assert_aws_error!(
        with_hash(secret_hash(&secret, "bob", &client)).await,
        "NotAuthorizedException"
    );
    assert_eq!(
        msg,
        format!("Unable to verify secret hash for client {client}")
    );
    let out = with_hash(secret_hash(&secret, "alice", &client))
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());
}

async fn refresh_token_auth_returns_new_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_pool, client) = pool_client_user(&app, false).await;
    let first = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    app.services.clock.advance(5_000);
    let out = app
        .cognito
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", first.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    let r = out.authentication_result.unwrap();
    assert!(r.refresh_token.is_none());
    assert_ne!(r.access_token(), first.access_token());
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshToken)
        .auth_parameters("REFRESH_TOKEN", "not-a-token")
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "Invalid Refresh Token"
    );
}

/// Guesses sent in parallel all pass the lock check made before hashing; the ones that finish
/// after the 5th failure must still be refused by the lock (uncounted), and a right password
/// among them too. Before the fix every one of them was answered as a counted wrong password.
async fn parallel_guesses_do_not_get_past_the_lock(backend: Backend) {
    let app = std::sync::Arc::new(spawn_app(backend).await);
    let (_pool, client) = pool_client_user(&app, false).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (app, client) = (app.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            password_auth(&app, &client, "alice", "Wrong-Horse-9")
                .await
                .map(|_| ())
                .map_err(|e| crate::helpers::error_message(&e))
        }));
    }
    let mut incorrect = 0;
    for t in tasks {
        match t.await.unwrap() {
            Err(m) if m == "Incorrect username or password." => incorrect += 1,
            Err(m) => assert_eq!(m, "Password attempts exceeded"),
            Ok(()) => panic!("a wrong password signed in"),
        }
    }
    assert!(incorrect >= 5, "{incorrect}");
    assert!(
        incorrect < 16,
        "every parallel guess was checked and counted"
    );
    let msg = assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Password attempts exceeded");
}

/// A user disabled after proving the temporary password gets no tokens from the
/// NEW_PASSWORD_REQUIRED answer (and keeps the temporary password).
async fn user_disabled_during_new_password_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    admin_created(&app, &pool, "bob", "Temp-Pass-123").await;
    let out = password_auth(&app, &client, "bob", "Temp-Pass-123")
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "User is disabled."
    );
    assert_eq!(
        status_of(&app, &pool, "bob").await.0,
        UserStatusType::ForceChangePassword
    );
}

async fn new_password_session_belongs_to_its_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    admin_created(&app, &pool, "bob", "Temp-Pass-123").await;
    let out = password_auth(&app, &client, "bob", "Temp-Pass-123")
        .await
        .unwrap();
    // Bob's session cannot set a password naming another user.
    let r = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "Invalid session for the user."
    );
    assert!(
        password_auth(&app, &client, "alice", PASSWORD)
            .await
            .is_ok()
    );
    assert_eq!(
        status_of(&app, &pool, "bob").await.0,
        UserStatusType::ForceChangePassword
    );
}

async fn reset_or_deleted_client_ends_refresh(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    let refresh = |token: String, client: String| {
        app.cognito
            .initiate_auth()
            .client_id(client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", token)
            .send()
    };
    let tokens = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    // AdminResetUserPassword: refresh stops until the user sets a new password.
    app.cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::user_helpers::attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = refresh(tokens.refresh_token.clone().unwrap(), client.clone()).await;
    assert_eq!(
        assert_aws_error!(r, "PasswordResetRequiredException"),
        "Password reset required for the user"
    );

    // Deleting the app client ends its sign-ins: access tokens and refresh tokens.
    let (other, _) = client_with(
        &app,
        &pool,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        false,
        false,
    )
    .await;
    crate::sign_in_helpers::set_permanent(&app, &pool, "alice", PASSWORD).await;
    let tokens = password_auth(&app, &other, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let access = tokens.access_token.clone().unwrap();
    app.cognito
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    app.cognito
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&other)
        .send()
        .await
        .unwrap();
    let r = app.cognito.get_user().access_token(&access).send().await;
    assert_eq!(
        assert_aws_error!(r, "NotAuthorizedException"),
        "Access Token has been revoked"
    );
    let r = refresh(tokens.refresh_token.unwrap(), other).await;
    assert_aws_error!(r, "ResourceNotFoundException");
}
