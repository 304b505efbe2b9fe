//! Resource servers through the AWS SDK: create, describe, update, delete, list with
//! pagination, the rules and limits, and clients losing scopes that no longer exist.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(format!("{name} access"))
        .build()
        .unwrap()
}

async fn create(app: &TestApp, pool: &str, identifier: &str, scopes: &[&str]) {
    let mut request = app
        .cognito
        .create_resource_server()
        .user_pool_id(pool)
        .identifier(identifier)
        .name("My API");
    for s in scopes {
        request = request.scopes(scope(s));
    }
    request.send().await.unwrap();
}

async fn lifecycle(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let created = app
        .cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .name("My API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(created.user_pool_id(), Some(pool.as_str()));
    assert_eq!(created.identifier(), Some("https://api.example.com"));
    assert_eq!(created.name(), Some("My API"));
    assert_eq!(created.scopes().len(), 2);
    assert_eq!(created.scopes()[1].scope_description(), "write access");
    let described = app
        .cognito
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(described, created);
    let updated = app
        .cognito
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .name("Renamed")
        .scopes(scope("admin"))
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(updated.name(), Some("Renamed"));
    assert_eq!(updated.scopes().len(), 1);
    assert_eq!(updated.scopes()[0].scope_name(), "admin");
    app.cognito
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .describe_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let r = app
        .cognito
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let r = app
        .cognito
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier("nothere")
        .name("x")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

async fn rules_and_limits(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create(&app, &pool, "api", &["read"]).await;
    let r = app
        .cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("again")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("already exists"), "{message}");
    let other = app.create_pool("other").await;
    create(&app, &other, "api", &[]).await;
    let new = |id: &str| {
        app.cognito
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(id)
            .name("n")
    };
    let message =
        crate::assert_aws_error!(new("has space").send().await, "InvalidParameterException");
    assert!(message.contains("identifier"), "{message}");
    let message = crate::assert_aws_error!(
        new("x").scopes(scope("a/b")).send().await,
        "InvalidParameterException"
    );
    assert!(message.contains("scopeName"), "{message}");
    crate::assert_aws_error!(new("y").name("").send().await, "InvalidParameterException");
    let mut many = new("z");
    for i in 0..101 {
        many = many.scopes(scope(&format!("s{i}")));
    }
    crate::assert_aws_error!(many.send().await, "InvalidParameterException");
    let r = app
        .cognito
        .create_resource_server()
        .user_pool_id("local_nothere1")
        .identifier("api")
        .name("n")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, "User pool local_nothere1 does not exist.");
    for i in 1..25 {
        create(&app, &pool, &format!("api{i:02}"), &[]).await;
    }
    let message =
        crate::assert_aws_error!(new("one-too-many").send().await, "LimitExceededException");
    assert!(message.contains("25"), "{message}");
}

async fn list_pages_through_every_server(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let mut ids: Vec<String> = (0..7)
        .map(|i| format!("https://api{i}.example.com"))
        .collect();
    for id in &ids {
        create(&app, &pool, id, &["read"]).await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .cognito
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(
            page.resource_servers()
                .iter()
                .map(|s| s.identifier().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let count = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count, "no duplicates");
    ids.sort();
    assert_eq!(seen, ids);
    for bad in [0, 51] {
        let r = app
            .cognito
            .list_resource_servers()
            .user_pool_id(&pool)
            .max_results(bad)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
}

async fn clients_lose_scopes_that_are_removed(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create(&app, &pool, "api", &["read", "write"]).await;
    let client = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("api/read")
        .allowed_o_auth_scopes("api/write")
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls("https://app.example.com/cb")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = client.client_id().unwrap();
    let scopes = |app: &TestApp| {
        let pool = pool.clone();
        let cognito = app.cognito.clone();
        let id = id.to_string();
        async move {
            cognito
                .describe_user_pool_client()
                .user_pool_id(pool)
                .client_id(id)
                .send()
                .await
                .unwrap()
                .user_pool_client
                .unwrap()
                .allowed_o_auth_scopes()
                .to_vec()
        }
    };
    app.cognito
        .update_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(scope("read"))
        .send()
        .await
        .unwrap();
    assert_eq!(scopes(&app).await, vec!["openid", "api/read"]);
    app.cognito
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .send()
        .await
        .unwrap();
    assert_eq!(scopes(&app).await, vec!["openid"]);
}

both_databases!(
    lifecycle,
    rules_and_limits,
    list_pages_through_every_server,
    clients_lose_scopes_that_are_removed,
);
