//! Concurrent admin writes: never a 500, never a lost update. Memberships all land; racing
//! pool updates either land or are refused with ConcurrentModificationException.

use crate::both_databases;
use crate::helpers::{Backend, error_code, spawn_app};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{AttributeDataType, SchemaAttributeType};
use std::sync::Arc;

async fn concurrent_writes_are_safe(db: Backend) {
    let app = Arc::new(spawn_app(db).await);
    let pool = app.create_pool("busy").await;
    app.cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("g")
        .send()
        .await
        .unwrap();
    for i in 0..16 {
        create_user(&app, &pool, &format!("u{i}"), &[]).await;
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (app, pool) = (app.clone(), pool.clone());
        tasks.push(tokio::spawn(async move {
            app.cognito
                .admin_add_user_to_group()
                .user_pool_id(&pool)
                .username(format!("u{i}"))
                .group_name("g")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_code(&e))
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let members = app
        .cognito
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("g")
        .send()
        .await
        .unwrap();
    assert_eq!(members.users().len(), 16);

    let mut tasks = Vec::new();
    for i in 0..8 {
        let (app, pool) = (app.clone(), pool.clone());
        tasks.push(tokio::spawn(async move {
            let attr = SchemaAttributeType::builder()
                .name(format!("a{i}"))
                .attribute_data_type(AttributeDataType::String)
                .build();
            let result = app
                .cognito
                .add_custom_attributes()
                .user_pool_id(&pool)
                .custom_attributes(attr)
                .send()
                .await;
            (i, result.map(|_| ()).map_err(|e| error_code(&e)))
        }));
    }
    let mut landed = Vec::new();
    for t in tasks {
        let (i, result) = t.await.unwrap();
        match result {
            Ok(()) => landed.push(format!("custom:a{i}")),
            Err(code) => assert_eq!(code, "ConcurrentModificationException"),
        }
    }
    assert!(!landed.is_empty());
    let pool = app.describe_pool(&pool).await;
    let custom: Vec<String> = pool
        .schema_attributes()
        .iter()
        .filter_map(|a| {
            a.name()
                .filter(|n| n.starts_with("custom:"))
                .map(str::to_string)
        })
        .collect();
    landed.sort();
    let mut custom = custom;
    custom.sort();
    assert_eq!(
        custom, landed,
        "every acknowledged change is kept, and only those"
    );
}

both_databases!(concurrent_writes_are_safe);

/// A client saved from a view taken before a resource server was deleted must not bring the
/// deleted scope back: the store re-checks scopes under the pool's lock.
async fn deleted_scopes_do_not_come_back(db: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    app.cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("Read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let created = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("worker")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("api/read")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let stale = app
        .services
        .store
        .get_client(&pool, created.client_id().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.cognito
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .send()
        .await
        .unwrap();

    let err = app.services.store.update_client(&stale).await.unwrap_err();
    assert!(
        matches!(err, tessera::store::StoreError::Conflict(_)),
        "{err}"
    );
    let mut copy = stale.clone();
    copy.id = "x".repeat(26);
    copy.name = "copy".into();
    let err = app.services.store.insert_client(&copy).await.unwrap_err();
    let as_api: tessera::domain::AuthError = err.into();
    assert_eq!(as_api.type_name(), "ConcurrentModificationException");
    let now = app
        .services
        .store
        .get_client(&pool, created.client_id().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        now.settings.allowed_oauth_scopes.is_empty(),
        "the prune removed the scope"
    );
}

mod scopes {
    use super::*;
    both_databases!(deleted_scopes_do_not_come_back);
}
