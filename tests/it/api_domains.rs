//! User pool domains through the AWS SDK: prefix and custom domains, describe (also as
//! DescribeUserPool reports them), update, delete, and the naming and ownership rules.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app, spawn_app_with};
use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainStatusType};

fn certificate(name: &str) -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn(format!(
            "arn:aws:acm:us-east-1:000000000000:certificate/{name}"
        ))
        .build()
        .unwrap()
}

async fn pool_domains(app: &TestApp, pool: &str) -> (Option<String>, Option<String>) {
    let p = app
        .cognito
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    (
        p.domain().map(str::to_string),
        p.custom_domain().map(str::to_string),
    )
}

async fn prefix_domain_lifecycle(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let created = app
        .cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    assert_eq!(created.cloud_front_domain(), None);
    let d = app
        .cognito
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.user_pool_id(), Some(pool.as_str()));
    assert_eq!(d.aws_account_id(), Some("000000000000"));
    assert_eq!(d.domain(), Some("my-app"));
    assert_eq!(d.cloud_front_distribution(), Some("my-app"));
    assert_eq!(d.status(), Some(&DomainStatusType::Active));
    assert_eq!(d.s3_bucket(), None);
    assert_eq!(d.managed_login_version(), Some(1));
    assert!(d.custom_domain_config().is_none());
    assert_eq!(
        pool_domains(&app, &pool).await,
        (Some("my-app".into()), None)
    );

    let updated = app
        .cognito
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.managed_login_version(), Some(2));
    let d = app
        .cognito
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.managed_login_version(), Some(2));
    let r = app
        .cognito
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .custom_domain_config(certificate("x"))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");

    app.cognito
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = app
        .cognito
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.domain(), None);
    assert_eq!(d.user_pool_id(), None);
    assert_eq!(pool_domains(&app, &pool).await, (None, None));
    let r = app
        .cognito
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

async fn custom_domain_lifecycle(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let r = app
        .cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("CertificateArn"), "{message}");
    let created = app
        .cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(certificate("one"))
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(created.cloud_front_domain(), Some("auth.example.com"));
    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-prefix")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pool_domains(&app, &pool).await,
        (Some("my-prefix".into()), Some("auth.example.com".into()))
    );
    app.cognito
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(certificate("two"))
        .send()
        .await
        .unwrap();
    let d = app
        .cognito
        .describe_user_pool_domain()
        .domain("auth.example.com")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(d.cloud_front_distribution(), Some("auth.example.com"));
    assert_eq!(d.managed_login_version(), Some(2));
    assert!(
        d.custom_domain_config()
            .unwrap()
            .certificate_arn()
            .ends_with("/two")
    );
}

async fn naming_and_ownership_rules(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let other = app.create_pool("other").await;
    let new = |pool: &str, domain: &str| {
        app.cognito
            .create_user_pool_domain()
            .user_pool_id(pool)
            .domain(domain)
    };
    for bad in [
        "My-App",
        "-app",
        "app-",
        "my_app",
        "my-aws-app",
        "amazon1",
        "cognito",
    ] {
        let r = new(&pool, bad).send().await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let r = new(&pool, &"a".repeat(64)).send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    new(&pool, "shop").send().await.unwrap();
    let r = new(&pool, "shop-two").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("already has"), "{message}");
    let r = new(&other, "shop").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(message, "Domain already associated with another user pool.");
    new(&other, "auth.shop.example")
        .custom_domain_config(certificate("c"))
        .send()
        .await
        .unwrap();
    let r = new(&other, "login.shop.example")
        .custom_domain_config(certificate("c"))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = new(&pool, "auth.shop.example")
        .custom_domain_config(certificate("c"))
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(message, "Domain already associated with another user pool.");
    let r = new("local_nothere1", "free-name").send().await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, "User pool local_nothere1 does not exist.");
    let r = app
        .cognito
        .delete_user_pool_domain()
        .user_pool_id(&other)
        .domain("shop")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = new(&pool, "x").managed_login_version(3).send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

async fn prefix_domains_live_under_the_auth_domain(db: Backend) {
    let app = spawn_app_with(
        db,
        AppOptions {
            env: vec![("TESSERA_AUTH_DOMAIN".into(), "auth.tessera.test".into())],
            ..Default::default()
        },
    )
    .await;
    let pool = app.create_pool("p").await;
    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = app
        .cognito
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(
        d.cloud_front_distribution(),
        Some("my-app.auth.tessera.test")
    );
    app.cognito
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(app.services.store.get_domain("my-app").await.unwrap(), None);
}

both_databases!(
    prefix_domain_lifecycle,
    custom_domain_lifecycle,
    naming_and_ownership_rules,
    prefix_domains_live_under_the_auth_domain,
);
