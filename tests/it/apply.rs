//! `tessera apply`: the example stack in docs/ creates everything once, changes nothing when
//! applied again, updates what changed, and refuses changes Cognito allows only at creation.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use tessera::domain::stack::{ChangeKind, Stack};
use tessera::services::apply::apply;

const EXAMPLE: &str = include_str!("../../docs/examples/stack.yaml");

fn stack(text: &str) -> Stack {
    serde_saphyr::from_str(text).unwrap()
}

async fn example_stack_is_idempotent(db: Backend) {
    let app = spawn_app(db).await;
    let first = apply(&app.services, stack(EXAMPLE)).await.unwrap();
    assert_eq!(first.len(), 7);
    assert!(
        first.iter().all(|c| c.kind == ChangeKind::Created),
        "{first:?}"
    );
    let pool_id = first[0].id.clone();

    let pool = app.describe_pool(&pool_id).await;
    assert_eq!(pool.domain(), Some("shop-login"));
    assert!(
        pool.schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:tenant"))
    );
    let clients = app
        .cognito
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(clients.user_pool_clients().len(), 2);
    let groups = app
        .cognito
        .list_groups()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups().len(), 2);
    let servers = app
        .cognito
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(servers.resource_servers()[0].scopes().len(), 2);

    let second = apply(&app.services, stack(EXAMPLE)).await.unwrap();
    assert!(
        second.iter().all(|c| c.kind == ChangeKind::Unchanged),
        "{second:?}"
    );
    assert_eq!(second[0].id, pool_id);

    let changed = EXAMPLE
        .replace("MinimumLength: 10", "MinimumLength: 12")
        .replace("Precedence: 10 }", "Precedence: 20 }")
        .replace(
            "LogoutURLs: [https://shop.example/]",
            "LogoutURLs: [https://shop.example/bye]",
        );
    let third = apply(&app.services, stack(&changed)).await.unwrap();
    let kinds: Vec<(&str, ChangeKind)> = third
        .iter()
        .map(|c| (c.name.as_str(), c.kind.clone()))
        .collect();
    assert!(kinds.contains(&("shop", ChangeKind::Updated)), "{kinds:?}");
    assert!(kinds.contains(&("staff", ChangeKind::Updated)), "{kinds:?}");
    assert!(kinds.contains(&("web", ChangeKind::Updated)), "{kinds:?}");
    assert!(
        kinds.contains(&("admins", ChangeKind::Unchanged)),
        "{kinds:?}"
    );
    let policy = app
        .describe_pool(&pool_id)
        .await
        .policies
        .unwrap()
        .password_policy
        .unwrap();
    assert_eq!(policy.minimum_length(), Some(12));
    let group = app
        .cognito
        .get_group()
        .user_pool_id(&pool_id)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    assert_eq!(group.group().unwrap().precedence(), Some(20));
}

async fn creation_only_settings_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    apply(&app.services, stack(EXAMPLE)).await.unwrap();
    let changed = EXAMPLE.replace("CaseSensitive: false", "CaseSensitive: true");
    let err = apply(&app.services, stack(&changed)).await.unwrap_err();
    assert!(err.to_string().contains("CaseSensitive"), "{err}");
    let changed = EXAMPLE.replace("MaxLength: \"64\"", "MaxLength: \"65\"");
    let err = apply(&app.services, stack(&changed)).await.unwrap_err();
    assert!(err.to_string().contains("custom:tenant"), "{err}");
    // A new custom attribute is added, as AddCustomAttributes would.
    let added = EXAMPLE.replace(
        "      - { Name: plan_level,",
        "      - { Name: region, AttributeDataType: String, Mutable: true }\n      - { Name: plan_level,",
    );
    let changes = apply(&app.services, stack(&added)).await.unwrap();
    assert_eq!(changes[0].kind, ChangeKind::Updated);
}

async fn bad_stacks_get_clear_errors(db: Backend) {
    let app = spawn_app(db).await;
    assert!(
        serde_saphyr::from_str::<Stack>("pool: []").is_err(),
        "unknown top-level keys are refused"
    );
    let err = apply(
        &app.services,
        stack("pools:\n  - AutoVerifiedAttributes: [email]\n"),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("PoolName"), "{err}");
    let bad_client = "pools:\n  - PoolName: p\n    Clients:\n      - ClientName: c\n        CallbackURLs: [http://example.com/cb]\n        AllowedOAuthFlows: [code]\n        AllowedOAuthScopes: [openid]\n        AllowedOAuthFlowsUserPoolClient: true\n";
    let err = apply(&app.services, stack(bad_client)).await.unwrap_err();
    assert!(err.to_string().contains("http"), "{err}");
}

/// A stack sets a pool's triggers and its webhook secret: the secret signs the pool's webhooks
/// (the receiver accepts them), is never shown, and applying again changes nothing.
async fn triggers_and_webhook_secrets_are_applied(db: Backend) {
    use crate::trigger_helpers::{Via, WEBHOOK_SECRET, target};
    let app = spawn_app(db).await;
    let text = format!(
        "pools:\n  - PoolName: hooks\n    LambdaConfig:\n      PreSignUp: {}\n    WebhookSecret: {WEBHOOK_SECRET}\n    Clients:\n      - ClientName: app\n",
        target(Via::Webhook, "pre_sign_up")
    );
    let first = apply(&app.services, stack(&text)).await.unwrap();
    let pool_id = first[0].id.clone();
    let client_id = first[1].id.clone();
    let refused = app
        .cognito
        .sign_up()
        .client_id(&client_id)
        .username("mallory")
        .password("Corr3ct-horse!")
        .user_attributes(crate::account_helpers::attr("email", "m@blocked.example"))
        .send()
        .await;
    let m = crate::assert_aws_error!(refused, "UserLambdaValidationException");
    assert_eq!(m, "PreSignUp failed with error Email domain not allowed.");
    let described = format!("{:?}", app.describe_pool(&pool_id).await);
    assert!(!described.contains("whsec_"), "{described}");
    let second = apply(&app.services, stack(&text)).await.unwrap();
    assert!(
        second.iter().all(|c| c.kind == ChangeKind::Unchanged),
        "{second:?}"
    );
}

/// A stack's identity providers are created before the clients that name them, left alone when
/// applied again, and updated when their details change.
async fn identity_providers_are_applied(db: Backend) {
    let app = spawn_app(db).await;
    let text = |scopes: &str| {
        format!(
            "pools:\n  - PoolName: social\n    IdentityProviders:\n      - ProviderName: Google\n        ProviderType: Google\n        ProviderDetails:\n          client_id: g-client\n          client_secret: g-secret\n          authorize_scopes: {scopes}\n        AttributeMapping:\n          email: email\n    Clients:\n      - ClientName: web\n        SupportedIdentityProviders: [COGNITO, Google]\n"
        )
    };
    let first = apply(&app.services, stack(&text("openid email")))
        .await
        .unwrap();
    let kinds: Vec<(&str, ChangeKind)> =
        first.iter().map(|c| (c.resource, c.kind.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            ("pool", ChangeKind::Created),
            ("identity provider", ChangeKind::Created),
            ("client", ChangeKind::Created),
        ]
    );
    let pool_id = first[0].id.clone();
    let second = apply(&app.services, stack(&text("openid email")))
        .await
        .unwrap();
    assert!(
        second.iter().all(|c| c.kind == ChangeKind::Unchanged),
        "{second:?}"
    );
    let third = apply(&app.services, stack(&text("openid email profile")))
        .await
        .unwrap();
    assert_eq!(third[1].kind, ChangeKind::Updated);
    let described = app
        .cognito
        .describe_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    let p = described.identity_provider().unwrap();
    let details = p.provider_details().unwrap();
    assert_eq!(details["authorize_scopes"], "openid email profile");
    assert_eq!(p.attribute_mapping().unwrap()["username"], "sub");
}

/// WebAuthnConfiguration in a stack: set once, then unchanged; a relying party that does not
/// fit the pool is refused.
async fn passkey_relying_party_is_applied(db: Backend) {
    let app = spawn_app(db).await;
    let text = |rp: &str| {
        format!(
            "pools:\n  - PoolName: passkeys\n    WebAuthnConfiguration:\n      RelyingPartyId: {rp}\n      UserVerification: required\n"
        )
    };
    let first = apply(&app.services, stack(&text("localhost")))
        .await
        .unwrap();
    let kinds: Vec<(&str, ChangeKind)> =
        first.iter().map(|c| (c.resource, c.kind.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            ("pool", ChangeKind::Created),
            ("passkeys", ChangeKind::Updated)
        ]
    );
    let second = apply(&app.services, stack(&text("localhost")))
        .await
        .unwrap();
    assert!(
        second.iter().all(|c| c.kind == ChangeKind::Unchanged),
        "{second:?}"
    );
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&first[0].id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.web_authn_configuration().unwrap().relying_party_id(),
        Some("localhost")
    );
    let refused = apply(&app.services, stack(&text("example.org"))).await;
    assert!(
        matches!(
            refused,
            Err(tessera::domain::AuthError::InvalidParameter(_))
        ),
        "{refused:?}"
    );
}

both_databases!(
    passkey_relying_party_is_applied,
    identity_providers_are_applied,
    triggers_and_webhook_secrets_are_applied,
    example_stack_is_idempotent,
    creation_only_settings_are_refused,
    bad_stacks_get_clear_errors,
);
