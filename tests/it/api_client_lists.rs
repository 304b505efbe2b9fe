//! App clients through the AWS SDK: unknown pools and clients, delete, pagination, and
//! clients going with their pool.

use crate::api_clients::create;
use crate::both_databases;
use crate::helpers::{Backend, spawn_app};

async fn unknown_pools_and_clients_are_not_found(db: Backend) {
    let app = spawn_app(db).await;
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id("local_nothere1")
        .client_name("x")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, "User pool local_nothere1 does not exist.");
    let pool = app.create_pool("p").await;
    let missing = "abcdefghijklmnopqrstuvwxyz";
    let r = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(missing)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(
        message,
        format!("User pool client {missing} does not exist.")
    );
    let r = app
        .cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(missing)
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");

    let id = create(&app, &pool, "gone").await.client_id.unwrap();
    let other_pool = app.create_pool("other").await;
    let r = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&other_pool)
        .client_id(&id)
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    app.cognito
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, format!("User pool client {id} does not exist."));
    let r = app
        .cognito
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

async fn list_pages_through_every_client(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let other = app.create_pool("other").await;
    create(&app, &other, "elsewhere").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            create(&app, &pool, &format!("c{i}"))
                .await
                .client_id
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .cognito
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        for c in page.user_pool_clients() {
            assert_eq!(c.user_pool_id(), Some(pool.as_str()));
            assert!(c.client_name().unwrap().starts_with('c'));
            seen.push(c.client_id().unwrap().to_string());
        }
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
    let all = app
        .cognito
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(all.user_pool_clients().len(), 7);
    assert!(all.next_token().is_none());
    for bad in [0, 61] {
        let r = app
            .cognito
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(bad)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let r = app
        .cognito
        .list_user_pool_clients()
        .user_pool_id("local_nothere1")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

async fn deleting_a_pool_removes_its_clients(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let id = create(&app, &pool, "web").await.client_id.unwrap();
    let found = tessera::services::admin::clients::find_client(&app.services, &id)
        .await
        .unwrap();
    assert_eq!(found.pool_id, pool);
    app.cognito
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.services.store.get_client(&pool, &id).await.unwrap(),
        None
    );
    let gone = tessera::services::admin::clients::find_client(&app.services, &id).await;
    assert_eq!(
        gone.unwrap_err().to_string(),
        format!("User pool client {id} does not exist.")
    );
    let r = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, format!("User pool {pool} does not exist."));
}

both_databases!(
    unknown_pools_and_clients_are_not_found,
    list_pages_through_every_client,
    deleting_a_pool_removes_its_clients,
);
