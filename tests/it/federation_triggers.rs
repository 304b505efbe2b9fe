//! Triggers on a federated sign-in: the first sign-in of an upstream account runs PreSignUp
//! (`PreSignUp_ExternalProvider`, with the mapped attributes) and PostConfirmation; a refusal
//! goes back to the app as `invalid_request` and leaves no user; later sign-ins run neither.
//! A required attribute the upstream does not give refuses the first sign-in the same way.

use crate::both_databases;
use crate::federation_helpers::*;
use crate::helpers::Backend;
use crate::trigger_helpers::{Via, events, pool_with_triggers, target, trigger_app};
use crate::ui_helpers::{browser, get};
use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;

async fn first_federated_sign_ins_run_pre_sign_up_and_post_confirmation(db: Backend) {
    let app = trigger_app(db).await;
    let config = LambdaConfigType::builder()
        .pre_sign_up(target(Via::Webhook, "pre_sign_up"))
        .post_confirmation(target(Via::Webhook, "record"))
        .build();
    let pool_id = pool_with_triggers(&app, config).await;
    let op = FakeOp::start("tessera-OpA").await;
    create_oidc_provider(&app, &pool_id, "OpA", &op).await;
    let client_id = federated_client(&app, &pool_id, &["OpA"]).await;
    let fed = Federation {
        app,
        pool_id: pool_id.clone(),
        client_id,
        names: vec!["OpA".into()],
        ops: vec![op],
    };

    // PreSignUp refuses the blocked domain: back to the app, and no user.
    let mut blocked = Account::new("u-9", "Bo");
    blocked.email = "bo@blocked.example".into();
    let b = browser();
    let upstream = fed.start(&b, "OpA", &fed.ops[0], &[]).await;
    let code = fed.ops[0].issue_code(&upstream, &blocked, &Tamper::default());
    let page = get(&fed.app, &b, &upstream.callback(&code)).await;
    back_with_error(&page, "invalid_request");
    assert!(
        page.location().contains("Email+domain+not+allowed"),
        "{}",
        page.location()
    );
    assert_eq!(fed.user_count().await, 0);

    // An accepted account: PreSignUp saw it as an external provider's, PostConfirmation ran.
    fed.sign_in(&Account::new("u-1", "Ann")).await;
    let seen = events("pre_sign_up", &pool_id).await;
    let last = seen.last().unwrap();
    assert_eq!(last["triggerSource"], "PreSignUp_ExternalProvider");
    assert_eq!(last["userName"], "OpA_u-1");
    assert_eq!(
        last["request"]["userAttributes"]["email"],
        "u-1@upstream.example"
    );
    let confirmed = events("record", &pool_id).await;
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
    assert_eq!(
        confirmed[0]["triggerSource"],
        "PostConfirmation_ConfirmSignUp"
    );

    // The next sign-in of the same account runs neither.
    fed.sign_in(&Account::new("u-1", "Ann")).await;
    assert_eq!(events("pre_sign_up", &pool_id).await.len(), seen.len());
    assert_eq!(events("record", &pool_id).await.len(), 1);
}

/// A pool attribute that is required but not given by the upstream (or not mapped) refuses the
/// first sign-in, back to the app, as Cognito does; nothing is stored.
async fn required_attributes_must_come_from_the_upstream(db: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{AttributeDataType, SchemaAttributeType};
    let app = crate::oauth_helpers::spawn_oauth_app(db, &[]).await;
    let pool_id = app
        .cognito
        .create_user_pool()
        .pool_name("required")
        .schema(
            SchemaAttributeType::builder()
                .name("family_name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let op = FakeOp::start("tessera-OpA").await;
    create_oidc_provider(&app, &pool_id, "OpA", &op).await;
    let client_id = federated_client(&app, &pool_id, &["OpA"]).await;
    let fed = Federation {
        app,
        pool_id,
        client_id,
        names: vec!["OpA".into()],
        ops: vec![op],
    };
    let b = browser();
    let upstream = fed.start(&b, "OpA", &fed.ops[0], &[]).await;
    let code = fed.ops[0].issue_code(&upstream, &Account::new("u-1", "Ann"), &Tamper::default());
    let page = get(&fed.app, &b, &upstream.callback(&code)).await;
    back_with_error(&page, "invalid_request");
    assert!(
        page.location().contains("family_name"),
        "{}",
        page.location()
    );
    assert_eq!(fed.user_count().await, 0);
}

both_databases!(
    first_federated_sign_ins_run_pre_sign_up_and_post_confirmation,
    required_attributes_must_come_from_the_upstream,
);
