//! Helpers shared by the user tests: attribute builders, creating users without invitations,
//! reading attributes and status back, and reaching into the store for states no admin action
//! produces.

use crate::helpers::TestApp;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, UserStatusType};
use tessera::domain::user::{User, UserStatus};
use tessera::store::users::{UserKey, UserWrite};

pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// Creates a user without an invitation and returns its username as Cognito reports it.
pub async fn create_user(
    app: &TestApp,
    pool: &str,
    username: &str,
    attrs: &[(&str, &str)],
) -> String {
    let mut req = app
        .cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .message_action(MessageActionType::Suppress);
    for (n, v) in attrs {
        req = req.user_attributes(attr(n, v));
    }
    req.send().await.unwrap().user.unwrap().username.unwrap()
}

pub async fn attrs_of(app: &TestApp, pool: &str, username: &str) -> Vec<(String, String)> {
    app.cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .map(|a| {
            (
                a.name().to_string(),
                a.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn value(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

pub async fn status_of(app: &TestApp, pool: &str, username: &str) -> (UserStatusType, bool) {
    let u = app
        .cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
    (u.user_status().unwrap().clone(), u.enabled())
}

/// The stored user with this username key.
pub async fn stored(app: &TestApp, pool: &str, username: &str) -> User {
    app.services
        .store
        .get_user_by(pool, UserKey::Username, username)
        .await
        .unwrap()
        .unwrap()
}

/// Puts a user straight into the store (for states no admin action creates, like UNCONFIRMED).
pub async fn insert_unconfirmed(app: &TestApp, pool: &str, username: &str) {
    let p = app.services.require_pool(pool).await.unwrap();
    let user = User {
        sub: uuid::Uuid::new_v4().to_string(),
        pool_id: pool.to_string(),
        username: username.to_string(),
        status: UserStatus::Unconfirmed,
        enabled: true,
        attributes: Default::default(),
        password_hash: None,
        password_changed_at: None,
        srp_salt: None,
        srp_verifier: None,
        created_at: 0,
        updated_at: 0,
    };
    let columns = user.columns(&p);
    app.services
        .store
        .save_users(&[UserWrite {
            user: &user,
            columns,
            insert: true,
        }])
        .await
        .unwrap();
}
