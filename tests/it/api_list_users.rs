//! ListUsers through the AWS SDK: `=` and `^=` filters on the searchable attributes, status
//! filters, AttributesToGet, pagination chains without duplicates or gaps, bad filters.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{UserType, UsernameConfigurationType};
use std::collections::BTreeSet;

async fn list(app: &TestApp, pool: &str, filter: &str) -> Vec<String> {
    let out = app
        .cognito
        .list_users()
        .user_pool_id(pool)
        .filter(filter)
        .send()
        .await
        .unwrap();
    assert!(out.pagination_token().is_none());
    let mut names: Vec<String> = out
        .users()
        .iter()
        .map(|u| u.username().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Follows a pagination chain and returns every page.
async fn pages(app: &TestApp, pool: &str, filter: Option<&str>, limit: i32) -> Vec<Vec<UserType>> {
    let mut token: Option<String> = None;
    let mut out = Vec::new();
    loop {
        let page = app
            .cognito
            .list_users()
            .user_pool_id(pool)
            .set_filter(filter.map(str::to_string))
            .limit(limit)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        out.push(page.users().to_vec());
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
        assert!(out.len() < 50, "pagination does not end");
    }
}

async fn seed(app: &TestApp, pool: &str) {
    create_user(
        app,
        pool,
        "alice",
        &[
            ("email", "alice@example.com"),
            ("given_name", "Alice"),
            ("family_name", "Smith"),
            ("phone_number", "+15555550101"),
        ],
    )
    .await;
    create_user(
        app,
        pool,
        "albert",
        &[
            ("email", "albert@example.org"),
            ("given_name", "Albert"),
            ("family_name", "O\"Brien"),
            ("name", "Al"),
        ],
    )
    .await;
    create_user(
        app,
        pool,
        "bob",
        &[
            ("email", "bob@example.com"),
            ("family_name", "Smithers"),
            ("preferred_username", "bobby"),
        ],
    )
    .await;
}

async fn filters(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    seed(&app, &pool).await;
    assert_eq!(list(&app, &pool, "").await, ["albert", "alice", "bob"]);
    assert_eq!(
        list(&app, &pool, r#"email = "bob@example.com""#).await,
        ["bob"]
    );
    assert_eq!(
        list(&app, &pool, r#"email ^= "al""#).await,
        ["albert", "alice"]
    );
    assert_eq!(list(&app, &pool, r#"email^="alice@""#).await, ["alice"]);
    assert_eq!(list(&app, &pool, r#"username = "bob""#).await, ["bob"]);
    assert_eq!(
        list(&app, &pool, r#"username = "Bob""#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(&app, &pool, r#"username ^= "al""#).await,
        ["albert", "alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"given_name = "Alice""#).await,
        ["alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"family_name ^= "Smith""#).await,
        ["alice", "bob"]
    );
    assert_eq!(
        list(&app, &pool, r#"family_name = "O\"Brien""#).await,
        ["albert"]
    );
    assert_eq!(list(&app, &pool, r#"name = "Al""#).await, ["albert"]);
    assert_eq!(
        list(&app, &pool, r#"phone_number ^= "+1555""#).await,
        ["alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"preferred_username = "bobby""#).await,
        ["bob"]
    );
    assert_eq!(
        list(&app, &pool, r#"email = "nobody@example.com""#).await,
        Vec::<String>::new()
    );

    let bob = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    let sub = bob
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    assert_eq!(
        list(&app, &pool, &format!(r#"sub = "{sub}""#)).await,
        ["bob"]
    );
    let prefix = &sub[..13];
    assert_eq!(
        list(&app, &pool, &format!(r#"sub ^= "{prefix}""#)).await,
        ["bob"]
    );

    // Status filters.
    app.cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password("Perm4nent!pw")
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        list(&app, &pool, r#"cognito:user_status = "confirmed""#).await,
        ["alice"]
    );
    assert_eq!(
        list(
            &app,
            &pool,
            r#"cognito:user_status = "FORCE_CHANGE_PASSWORD""#
        )
        .await,
        ["albert", "bob"]
    );
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(list(&app, &pool, r#"status = "Disabled""#).await, ["bob"]);
    assert_eq!(
        list(&app, &pool, r#"status = "Enabled""#).await,
        ["albert", "alice"]
    );
}

async fn attributes_to_get(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    seed(&app, &pool).await;
    let out = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("email")
        .send()
        .await
        .unwrap();
    assert_eq!(out.users().len(), 3);
    for u in out.users() {
        let names: Vec<&str> = u.attributes().iter().map(|a| a.name()).collect();
        assert_eq!(names, ["email"]);
        assert!(u.enabled());
        assert!(u.user_create_date().is_some() && u.user_last_modified_date().is_some());
        assert!(u.user_status().is_some());
    }
    let out = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .set_attributes_to_get(Some(vec![]))
        .send()
        .await
        .unwrap();
    assert!(out.users().iter().all(|u| u.attributes().is_empty()));
    let out = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert!(
        out.users()
            .iter()
            .all(|u| u.attributes().iter().any(|a| a.name() == "sub"))
    );
}

async fn pagination_has_no_duplicates_or_gaps(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let mut expected = BTreeSet::new();
    for i in 0..25 {
        let name = format!("user{i:02}");
        let given = if i % 2 == 0 { "Even" } else { "Odd" };
        create_user(
            &app,
            &pool,
            &name,
            &[("given_name", &format!("{given}{}", 30 - i))],
        )
        .await;
        expected.insert(name);
    }
    let all = pages(&app, &pool, None, 7).await;
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [7, 7, 7, 4]);
    let seen: Vec<String> = all
        .iter()
        .flatten()
        .map(|u| u.username().unwrap().to_string())
        .collect();
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), expected);

    // A prefix filter pages in (value, username) order.
    let even = pages(&app, &pool, Some(r#"given_name ^= "Even""#), 3).await;
    let seen: Vec<String> = even
        .iter()
        .flatten()
        .map(|u| u.username().unwrap().to_string())
        .collect();
    assert_eq!(seen.len(), 13);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 13);
    // An exact filter pages too.
    let one = pages(
        &app,
        &pool,
        Some(r#"cognito:user_status = "FORCE_CHANGE_PASSWORD""#),
        10,
    )
    .await;
    assert_eq!(one.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    // Limit 0 means 60.
    let out = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .limit(0)
        .send()
        .await
        .unwrap();
    assert_eq!(out.users().len(), 25);
    assert!(out.pagination_token().is_none());
}

async fn case_insensitive_filters(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("ci")
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    create_user(&app, &pool, "Carol", &[("email", "Carol@Example.com")]).await;
    assert_eq!(list(&app, &pool, r#"email ^= "CAROL""#).await, ["Carol"]);
    assert_eq!(list(&app, &pool, r#"username = "carol""#).await, ["Carol"]);
    let out = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let email = out.users()[0]
        .attributes()
        .iter()
        .find(|a| a.name() == "email")
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    assert_eq!(email, "Carol@Example.com");
}

async fn bad_requests(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    for bad in [
        r#"email = bob"#,
        r#"email == "bob""#,
        r#"custom:tenant = "x""#,
        r#"locale ^= "en""#,
        r#"email = "unterminated"#,
        "email",
    ] {
        let r = app
            .cognito
            .list_users()
            .user_pool_id(&pool)
            .filter(bad)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let r = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .limit(61)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .list_users()
        .user_pool_id(&pool)
        .pagination_token("garbage!")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .list_users()
        .user_pool_id("local_nope12345")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(m, "User pool local_nope12345 does not exist.");
}

both_databases!(
    filters,
    attributes_to_get,
    pagination_has_no_duplicates_or_gaps,
    case_insensitive_filters,
    bad_requests,
);
