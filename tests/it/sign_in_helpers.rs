//! Helpers for the sign-in tests: a pool with a password-flow client and a user with a known
//! permanent password, and the InitiateAuth calls the tests repeat.

use crate::helpers::TestApp;
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{AuthFlowType, ExplicitAuthFlowsType};

pub const PASSWORD: &str = "Correct-Horse-9";

/// Creates an app client with the given ExplicitAuthFlows (and a secret when asked).
pub async fn client_with(
    app: &TestApp,
    pool: &str,
    flows: &[&str],
    secret: bool,
    hide_users: bool,
) -> (String, Option<String>) {
    let mut req = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .generate_secret(secret)
        .prevent_user_existence_errors(if hide_users {
            cognito::types::PreventUserExistenceErrorTypes::Enabled
        } else {
            cognito::types::PreventUserExistenceErrorTypes::Legacy
        });
    for f in flows {
        req = req.explicit_auth_flows(ExplicitAuthFlowsType::from(*f));
    }
    let c = req.send().await.unwrap().user_pool_client.unwrap();
    (c.client_id.unwrap(), c.client_secret)
}

/// A pool, a client allowing password, admin, SRP and refresh flows, and a CONFIRMED user
/// `alice` with [`PASSWORD`].
pub async fn pool_client_user(app: &TestApp, hide_users: bool) -> (String, String) {
    let pool = app.create_pool("signin").await;
    let (client, _) = client_with(
        app,
        &pool,
        &[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        false,
        hide_users,
    )
    .await;
    create_user(app, &pool, "alice", &[("email", "alice@example.com")]).await;
    set_permanent(app, &pool, "alice", PASSWORD).await;
    (pool, client)
}

pub async fn set_permanent(app: &TestApp, pool: &str, username: &str, password: &str) {
    app.cognito
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

/// InitiateAuth with USER_PASSWORD_AUTH.
pub async fn password_auth(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> Result<
    cognito::operation::initiate_auth::InitiateAuthOutput,
    cognito::error::SdkError<cognito::operation::initiate_auth::InitiateAuthError>,
> {
    app.cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
}
