//! User states through the AWS SDK: AdminDisableUser / AdminEnableUser / AdminDeleteUser,
//! AdminSetUserPassword, AdminResetUserPassword (code stored hashed, sent by email) and
//! AdminConfirmSignUp.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::user_helpers::{create_user, insert_unconfirmed, status_of};
use aws_sdk_cognitoidentityprovider::types::UserStatusType;
use tessera::store::users::UserKey;

async fn enable_disable_delete(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert!(!status_of(&app, &pool, "jane").await.1);
    app.cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert!(status_of(&app, &pool, "jane").await.1);
    let r = app
        .cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    app.cognito
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn set_password(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    let set = |password: &str, permanent: bool| {
        app.cognito
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username("jane")
            .password(password)
            .permanent(permanent)
            .send()
    };
    let m = crate::assert_aws_error!(
        set("alllowercase1!", true).await,
        "InvalidPasswordException"
    );
    assert_eq!(
        m,
        "Password did not conform with policy: Password must have uppercase characters"
    );
    set("Perm4nent!pw", true).await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::Confirmed
    );
    let user = app
        .services
        .store
        .get_user_by(&pool, UserKey::Username, "jane")
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.services
            .hasher
            .verify("Perm4nent!pw", &user.password_hash.unwrap())
            .await
            .unwrap()
    );
    set("Temp0rary!pw", false).await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::ForceChangePassword
    );
    let r = app
        .cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("ghost")
        .password("Perm4nent!pw")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn reset_password(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(
        &app,
        &pool,
        "nocontact",
        &[("email", "unverified@example.com")],
    )
    .await;
    let r = app
        .cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("nocontact")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        m,
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );
    assert_eq!(
        status_of(&app, &pool, "nocontact").await.0,
        UserStatusType::ForceChangePassword
    );

    create_user(
        &app,
        &pool,
        "jane",
        &[("email", "jane@example.com"), ("email_verified", "true")],
    )
    .await;
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::ResetRequired
    );
    let mails = app.smtp.to("jane@example.com");
    assert_eq!(mails.len(), 1);
    let text = mails[0].text();
    let code: String = text
        .split("Your verification code is ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    let user = app
        .services
        .store
        .get_user_by(&pool, UserKey::Username, "jane")
        .await
        .unwrap()
        .unwrap();
    let (hash, expires_at, attempts) = app
        .services
        .store
        .get_code(&user.sub, "reset_password")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(hash, code);
    assert!(app.services.hasher.verify(&code, &hash).await.unwrap());
    assert_eq!(expires_at, app.services.now() + 3_600_000);
    assert_eq!(attempts, 0);
    let r = app
        .cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn confirm_sign_up(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    insert_unconfirmed(&app, &pool, "newbie").await;
    assert_eq!(
        status_of(&app, &pool, "newbie").await.0,
        UserStatusType::Unconfirmed
    );
    let confirm = |name: &str| {
        app.cognito
            .admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username(name)
            .send()
    };
    confirm("newbie").await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "newbie").await.0,
        UserStatusType::Confirmed
    );
    let m = crate::assert_aws_error!(confirm("newbie").await, "NotAuthorizedException");
    assert_eq!(m, "User cannot be confirmed. Current status is CONFIRMED");
    create_user(&app, &pool, "invited", &[]).await;
    let m = crate::assert_aws_error!(confirm("invited").await, "NotAuthorizedException");
    assert_eq!(
        m,
        "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD"
    );
    crate::assert_aws_error!(confirm("ghost").await, "UserNotFoundException");
}

both_databases!(
    enable_disable_delete,
    set_password,
    reset_password,
    confirm_sign_up
);
