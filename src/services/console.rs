//! The admin console's operators (DESIGN §2 Operations): a user pool of their own, created on
//! the first start with one app client (the console, a public client with PKCE) and a first
//! operator whose temporary password is shown once. Operators sign in through that pool's
//! hosted pages like any user: the pool requires TOTP, so the first sign-in sets the password
//! and an authenticator. The pool is a pool like any other; operators manage it, and its
//! operators, from the console itself.

use crate::domain::AuthError;
use crate::domain::client::{ClientInput, UserPoolClient};
use crate::domain::password_policy::PasswordPolicyInput;
use crate::domain::pool::{AdminCreateUserConfigInput, PoliciesInput, PoolInput};
use crate::domain::pool_mfa::{MfaConfigInput, SoftwareTokenMfaConfig};
use crate::domain::token_validity::TokenValidityUnitsInput;
use crate::services::Services;
use crate::services::admin::create_user::{MessageAction, NewUser};
use crate::services::admin::{clients, create_user, mfa_config, pools};

/// The `server_secrets` entry naming the operators' pool: every node finds the same one.
const POOL_ENTRY: &str = "console_pool_id";
/// The operators' pool's name.
pub const POOL_NAME: &str = "tessera-operators";
/// The console's app client in that pool.
pub const CLIENT_NAME: &str = "tessera-console";
/// The first operator's username.
pub const FIRST_OPERATOR: &str = "admin";
/// Where the console lives under PUBLIC_URL.
pub const PATH: &str = "/admin";

/// The operators' pool and the console's client in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    pub pool_id: String,
    pub client_id: String,
    /// `{PUBLIC_URL}/admin/callback`: where the hosted pages send an operator back.
    pub callback_url: String,
    /// `{PUBLIC_URL}/admin/`: where sign-out ends.
    pub home_url: String,
}

/// The first operator, created on this start: shown once, like the first admin key.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub username: String,
    pub temporary_password: crate::config::Secret,
    pub url: String,
}

/// Finds the operators' pool and the console's client, creating them (and the first
/// operator) on the first start. The client's callback follows PUBLIC_URL, so a server moved
/// to another address keeps a working console.
pub async fn ensure(svc: &Services) -> Result<(Console, Option<Invitation>), AuthError> {
    let base = svc.public_url.trim_end_matches('/');
    let callback_url = format!("{base}{PATH}/callback");
    let home_url = format!("{base}{PATH}/");
    let recorded = svc.store.server_secret(POOL_ENTRY).await?;
    let (pool_id, created) = match recorded {
        Some(id) if svc.store.get_pool(&id).await?.is_some() => (id, false),
        _ => create_pool(svc).await?,
    };
    let client = ensure_client(svc, &pool_id, &callback_url, &home_url).await?;
    let invitation = if created {
        Some(invite_first_operator(svc, &pool_id, &home_url).await?)
    } else {
        None
    };
    Ok((
        Console {
            pool_id,
            client_id: client.id,
            callback_url,
            home_url,
        },
        invitation,
    ))
}

/// Creates the operators' pool: invitation only, deletion protection on, TOTP required.
/// Two nodes starting at once agree through `server_secrets`; the loser removes its pool and
/// uses the winner's (false: not created here, so no first operator either).
async fn create_pool(svc: &Services) -> Result<(String, bool), AuthError> {
    let pool = pools::create_pool(
        svc,
        PoolInput {
            pool_name: Some(POOL_NAME.into()),
            deletion_protection: Some("ACTIVE".into()),
            policies: Some(PoliciesInput {
                password_policy: Some(PasswordPolicyInput {
                    minimum_length: Some(12),
                    require_uppercase: Some(false),
                    require_lowercase: Some(false),
                    require_numbers: Some(false),
                    require_symbols: Some(false),
                    ..Default::default()
                }),
                sign_in_policy: None,
            }),
            admin_create_user_config: Some(AdminCreateUserConfigInput {
                allow_admin_create_user_only: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await?;
    mfa_config::set_mfa_config(
        svc,
        &pool.id,
        &MfaConfigInput {
            software_token_mfa_configuration: Some(SoftwareTokenMfaConfig {
                enabled: Some(true),
            }),
            mfa_configuration: Some("ON".into()),
            ..Default::default()
        },
    )
    .await?;
    let winner = svc
        .store
        .server_secret_or_insert(POOL_ENTRY, &pool.id, svc.now())
        .await?;
    if winner != pool.id {
        svc.store.delete_pool(&pool.id).await?;
        return Ok((winner, false));
    }
    tracing::info!(pool_id = %winner, "operators' pool for the admin console created");
    Ok((winner, true))
}

/// The console's client, created or brought in line with PUBLIC_URL.
async fn ensure_client(
    svc: &Services,
    pool_id: &str,
    callback_url: &str,
    home_url: &str,
) -> Result<UserPoolClient, AuthError> {
    let input = ClientInput {
        client_name: Some(CLIENT_NAME.into()),
        callback_urls: Some(vec![callback_url.into()]),
        logout_urls: Some(vec![home_url.into()]),
        allowed_oauth_flows: Some(vec!["code".into()]),
        allowed_oauth_scopes: Some(vec!["openid".into()]),
        allowed_oauth_flows_user_pool_client: Some(true),
        supported_identity_providers: Some(vec!["COGNITO".into()]),
        explicit_auth_flows: Some(vec![
            "ALLOW_USER_SRP_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]),
        prevent_user_existence_errors: Some("ENABLED".into()),
        enable_token_revocation: Some(true),
        // A console session lasts a working day at most.
        refresh_token_validity: Some(12),
        token_validity_units: Some(TokenValidityUnitsInput {
            refresh_token: Some("hours".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (existing, _) = clients::list_clients(svc, pool_id, 60, None).await?;
    match existing.into_iter().find(|c| c.name == CLIENT_NAME) {
        Some(client)
            if client.settings.callback_urls == [callback_url]
                && client.settings.logout_urls == [home_url] =>
        {
            Ok(client)
        }
        Some(client) => clients::update_client(svc, pool_id, &client.id, input).await,
        None => clients::create_client(svc, pool_id, input, clients::SecretChoice::default()).await,
    }
}

/// Creates the first operator with a generated temporary password (no message is sent: the
/// caller shows the invitation once).
async fn invite_first_operator(
    svc: &Services,
    pool_id: &str,
    home_url: &str,
) -> Result<Invitation, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let password = pool.settings.password_policy.generate(&mut rand::rng());
    create_user::create_user(
        svc,
        pool_id,
        NewUser {
            username: FIRST_OPERATOR.into(),
            attributes: Default::default(),
            temporary_password: Some(password.clone()),
            force_alias_creation: false,
            message_action: MessageAction::Suppress,
            mediums: Vec::new(),
            validation_data: Default::default(),
            client_metadata: Default::default(),
        },
    )
    .await?;
    Ok(Invitation {
        username: FIRST_OPERATOR.into(),
        temporary_password: crate::config::Secret::new(password),
        url: home_url.into(),
    })
}
