//! CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient, DeleteUserPoolClient,
//! ListUserPoolClients.

use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::client::{
    ClientContext, ClientInput, ClientSettings, UserPoolClient, check_client_name,
    check_client_secret,
};
use crate::domain::pool::UserPool;
use crate::domain::validate::Violations;
use crate::services::admin::resource_servers::custom_scopes;
use crate::services::{Services, decode_token, paginate};

/// How a new client gets its secret: none, generated (51 characters), or chosen by the caller.
#[derive(Debug, Clone, Default)]
pub struct SecretChoice {
    /// `GenerateSecret`.
    pub generate: Option<bool>,
    /// `ClientSecret`: a secret of the caller's own (24–64 `[\w+]`).
    pub given: Option<String>,
}

impl SecretChoice {
    fn resolve(self) -> Result<Option<String>, AuthError> {
        let mut v = Violations::new();
        check_client_secret(&mut v, self.given.as_deref());
        v.finish()?;
        match (self.generate, self.given) {
            (Some(false), Some(_)) => Err(AuthError::InvalidParameter(
                "ClientSecret cannot be given when GenerateSecret is false.".into(),
            )),
            (_, Some(secret)) => Ok(Some(secret)),
            (Some(true), None) => Ok(Some(random::client_secret())),
            _ => Ok(None),
        }
    }
}

async fn settings_for(
    svc: &Services,
    pool: &UserPool,
    input: &ClientInput,
    has_secret: bool,
) -> Result<ClientSettings, AuthError> {
    let scopes = custom_scopes(svc, &pool.id).await?;
    let providers: Vec<String> = super::identity_providers::all(svc, &pool.id)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    ClientSettings::from_input(
        input,
        ClientContext {
            identity_providers: &providers,
            pool_id: &pool.id,
            schema: &pool.settings.schema,
            custom_scopes: &scopes,
            has_secret,
        },
    )
}

/// CreateUserPoolClient: a client with a fresh 26-character id.
pub async fn create_client(
    svc: &Services,
    pool_id: &str,
    input: ClientInput,
    secret: SecretChoice,
) -> Result<UserPoolClient, AuthError> {
    let mut v = Violations::new();
    v.required("ClientName", input.client_name.as_ref());
    check_client_name(&mut v, input.client_name.as_deref());
    v.finish()?;
    let pool = svc.require_pool(pool_id).await?;
    let secret = secret.resolve()?;
    let settings = settings_for(svc, &pool, &input, secret.is_some()).await?;
    let now = svc.now();
    for _ in 0..3 {
        let client = UserPoolClient {
            id: random::client_id(),
            pool_id: pool.id.clone(),
            name: input.client_name.clone().unwrap_or_default(),
            secret: secret.clone(),
            settings: settings.clone().into(),
            version: 0,
            created_at: now,
            updated_at: now,
        };
        match svc.store.insert_client(&client).await {
            Ok(()) => {
                tracing::info!(pool_id, client_id = %client.id, "app client created");
                return Ok(client);
            }
            Err(e) if e.is_unique_on("id") || e.is_unique_on("pkey") => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuthError::Internal("could not allocate a client id".into()))
}

/// DescribeUserPoolClient: the client `client_id` of pool `pool_id`.
pub async fn get_client(
    svc: &Services,
    pool_id: &str,
    client_id: &str,
) -> Result<UserPoolClient, AuthError> {
    svc.require_pool(pool_id).await?;
    svc.store
        .get_client(pool_id, client_id)
        .await?
        .ok_or_else(|| AuthError::client_not_found(client_id))
}

/// The client with this id in any pool: the lookup of the user-facing actions (InitiateAuth,
/// SignUp, …), which name only a `ClientId`.
pub async fn find_client(svc: &Services, client_id: &str) -> Result<UserPoolClient, AuthError> {
    svc.store
        .find_client(client_id)
        .await?
        .ok_or_else(|| AuthError::client_not_found(client_id))
}

/// UpdateUserPoolClient: a full replace, as in Cognito. Omitted members return to their
/// defaults; the name is kept when omitted; the id and secret never change.
pub async fn update_client(
    svc: &Services,
    pool_id: &str,
    client_id: &str,
    mut input: ClientInput,
) -> Result<UserPoolClient, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let mut client = svc
        .store
        .get_client(pool_id, client_id)
        .await?
        .ok_or_else(|| AuthError::client_not_found(client_id))?;
    if input.client_name.is_none() {
        input.client_name = Some(client.name.clone());
    }
    client.settings = settings_for(svc, &pool, &input, client.secret.is_some())
        .await?
        .into();
    client.name = input.client_name.unwrap_or_default();
    client.updated_at = svc.now();
    if !svc.store.update_client(&client).await? {
        return match svc.store.get_client(pool_id, client_id).await? {
            Some(_) => Err(AuthError::ConcurrentModification(
                "The app client was changed by another request at the same time; retry.".into(),
            )),
            None => Err(AuthError::client_not_found(client_id)),
        };
    }
    Ok(client)
}

/// DeleteUserPoolClient.
pub async fn delete_client(
    svc: &Services,
    pool_id: &str,
    client_id: &str,
) -> Result<(), AuthError> {
    svc.require_pool(pool_id).await?;
    if !svc.store.delete_client(pool_id, client_id).await? {
        return Err(AuthError::client_not_found(client_id));
    }
    tracing::info!(pool_id, client_id, "app client deleted");
    Ok(())
}

/// ListUserPoolClients: pages of clients in id order.
pub async fn list_clients(
    svc: &Services,
    pool_id: &str,
    max_results: i64,
    next_token: Option<&str>,
) -> Result<(Vec<UserPoolClient>, Option<String>), AuthError> {
    svc.require_pool(pool_id).await?;
    let after = next_token.map(decode_token).transpose()?;
    let clients = svc
        .store
        .list_clients(pool_id, after.as_deref(), max_results + 1)
        .await?;
    Ok(paginate(clients, max_results, |c| c.id.clone()))
}
