//! Groups through the AWS SDK: create / get / update / delete / list with Cognito's errors,
//! membership both ways, precedence order for token claims, and memberships removed with the
//! group or the user.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::user_helpers::create_user;
use tessera::services::admin::groups;
use tessera::store::users::UserKey;

const ROLE: &str = "arn:aws:iam::123456789012:role/Admins";

async fn create_group(app: &TestApp, pool: &str, name: &str, precedence: Option<i32>) {
    app.cognito
        .create_group()
        .user_pool_id(pool)
        .group_name(name)
        .set_precedence(precedence)
        .send()
        .await
        .unwrap();
}

async fn members(app: &TestApp, pool: &str, group: &str) -> Vec<String> {
    let out = app
        .cognito
        .list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .send()
        .await
        .unwrap();
    out.users()
        .iter()
        .map(|u| u.username().unwrap().to_string())
        .collect()
}

async fn groups_of(app: &TestApp, pool: &str, user: &str) -> Vec<String> {
    let out = app
        .cognito
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .unwrap();
    out.groups()
        .iter()
        .map(|g| g.group_name().unwrap().to_string())
        .collect()
}

async fn crud(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let g = app
        .cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("The admins")
        .role_arn(ROLE)
        .precedence(3)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(g.group_name(), Some("admins"));
    assert_eq!(g.user_pool_id(), Some(pool.as_str()));
    assert_eq!(g.role_arn(), Some(ROLE));
    assert_eq!(g.precedence(), Some(3));
    assert!(g.creation_date().is_some() && g.last_modified_date().is_some());

    let r = app
        .cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "GroupExistsException");
    assert_eq!(m, "A group with the name admins already exists.");
    let r = app
        .cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("x")
        .role_arn("not-an-arn")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("x")
        .precedence(-1)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("x".repeat(129))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .create_group()
        .user_pool_id("local_nope12345")
        .group_name("x")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");

    let updated = app
        .cognito
        .update_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .precedence(1)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(updated.precedence(), Some(1));
    assert_eq!(updated.description(), Some("The admins"));
    assert_eq!(updated.role_arn(), Some(ROLE));
    let got = app
        .cognito
        .get_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(got.precedence(), Some(1));
    assert_eq!(got.description(), Some("The admins"));

    let r = app
        .cognito
        .get_group()
        .user_pool_id(&pool)
        .group_name("ghosts")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(m, "Group not found.");
    let r = app
        .cognito
        .update_group()
        .user_pool_id(&pool)
        .group_name("ghosts")
        .description("d")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");

    app.cognito
        .delete_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .delete_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

async fn list_groups_pages(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    for name in ["e", "a", "d", "b", "c"] {
        create_group(&app, &pool, name, None).await;
    }
    let mut token = None;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let out = app
            .cognito
            .list_groups()
            .user_pool_id(&pool)
            .limit(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        sizes.push(out.groups().len());
        seen.extend(
            out.groups()
                .iter()
                .map(|g| g.group_name().unwrap().to_string()),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    let r = app
        .cognito
        .list_groups()
        .user_pool_id(&pool)
        .limit(61)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

async fn membership(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    create_user(&app, &pool, "john", &[]).await;
    create_group(&app, &pool, "readers", None).await;
    create_group(&app, &pool, "writers", Some(5)).await;
    create_group(&app, &pool, "admins", Some(1)).await;
    let add = |user: &str, group: &str| {
        app.cognito
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username(user)
            .group_name(group)
            .send()
    };
    for g in ["readers", "writers", "admins"] {
        add("jane", g).await.unwrap();
    }
    add("jane", "admins").await.unwrap();
    add("john", "readers").await.unwrap();
    assert_eq!(
        groups_of(&app, &pool, "jane").await,
        ["admins", "readers", "writers"]
    );
    assert_eq!(members(&app, &pool, "readers").await, ["jane", "john"]);
    assert_eq!(members(&app, &pool, "admins").await, ["jane"]);

    let user = app
        .services
        .store
        .get_user_by(&pool, UserKey::Username, "jane")
        .await
        .unwrap()
        .unwrap();
    let ordered: Vec<String> = groups::groups_for_claims(&app.services, &user)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(ordered, ["admins", "writers", "readers"]);

    let page = app
        .cognito
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("readers")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.users().len(), 1);
    let next = page.next_token().unwrap().to_string();
    let page2 = app
        .cognito
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("readers")
        .limit(1)
        .next_token(next)
        .send()
        .await
        .unwrap();
    assert_eq!(page2.users()[0].username(), Some("john"));
    assert!(page2.next_token().is_none());

    app.cognito
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("jane")
        .group_name("writers")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of(&app, &pool, "jane").await, ["admins", "readers"]);

    crate::assert_aws_error!(add("ghost", "readers").await, "UserNotFoundException");
    let m = crate::assert_aws_error!(add("jane", "ghosts").await, "ResourceNotFoundException");
    assert_eq!(m, "Group not found.");
    let r = app
        .cognito
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("ghost")
        .group_name("readers")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("ghosts")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

async fn deletes_remove_memberships(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    create_user(&app, &pool, "john", &[]).await;
    create_group(&app, &pool, "team", None).await;
    for u in ["jane", "john"] {
        app.cognito
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username(u)
            .group_name("team")
            .send()
            .await
            .unwrap();
    }
    app.cognito
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("john")
        .send()
        .await
        .unwrap();
    assert_eq!(members(&app, &pool, "team").await, ["jane"]);

    app.cognito
        .delete_group()
        .user_pool_id(&pool)
        .group_name("team")
        .send()
        .await
        .unwrap();
    assert!(groups_of(&app, &pool, "jane").await.is_empty());
    create_group(&app, &pool, "team", None).await;
    assert!(members(&app, &pool, "team").await.is_empty());
}

async fn at_most_100_groups_per_user(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    crate::user_helpers::create_user(&app, &pool, "busy", &[]).await;
    for i in 0..101 {
        create_group(&app, &pool, &format!("g{i:03}"), None).await;
    }
    for i in 0..100 {
        app.cognito
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("busy")
            .group_name(format!("g{i:03}"))
            .send()
            .await
            .unwrap();
    }
    // Adding again to a group the user is in is still fine; a 101st group is not.
    app.cognito
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("busy")
        .group_name("g000")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("busy")
        .group_name("g100")
        .send()
        .await;
    crate::assert_aws_error!(r, "LimitExceededException");
}

both_databases!(
    at_most_100_groups_per_user,
    crud,
    list_groups_pages,
    membership,
    deletes_remove_memberships
);
