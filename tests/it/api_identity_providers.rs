//! Identity providers through the AWS SDK: create (an OIDC provider's endpoints found by
//! discovery from a fake OP), describe, list with pagination, update, delete, find by
//! identifier; the rules on names, `ProviderDetails`, attribute mapping and identifiers; Apple's
//! private key never shown; clients naming providers; and the errors of linking upstream
//! accounts to users.

use crate::both_databases;
use crate::federation_helpers::{FakeOp, create_oidc_provider};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, IdentityProviderType, IdentityProviderTypeType as Kind,
    ProviderUserIdentifierType, SchemaAttributeType,
};

const APPLE_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----";

async fn describe(app: &TestApp, pool: &str, name: &str) -> IdentityProviderType {
    app.cognito
        .describe_identity_provider()
        .user_pool_id(pool)
        .provider_name(name)
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap()
}

/// A `ProviderDetails` value.
fn detail<'a>(p: &'a IdentityProviderType, key: &str) -> Option<&'a str> {
    p.provider_details()
        .and_then(|d| d.get(key))
        .map(String::as_str)
}

/// CreateIdentityProvider for an OIDC provider at `issuer`, with `extra` details, not sent.
fn oidc(
    app: &TestApp,
    pool: &str,
    name: &str,
    issuer: &str,
) -> aws_sdk_cognitoidentityprovider::operation::create_identity_provider::builders::CreateIdentityProviderFluentBuilder{
    app.cognito
        .create_identity_provider()
        .user_pool_id(pool)
        .provider_name(name)
        .provider_type(Kind::Oidc)
        .provider_details("client_id", "tessera")
        .provider_details("client_secret", "tessera-secret")
        .provider_details("authorize_scopes", "openid email")
        .provider_details("oidc_issuer", issuer)
}

async fn lifecycle(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let op = FakeOp::start("tessera").await;
    let created = oidc(&app, &pool, "Corp", &op.issuer)
        .attribute_mapping("email", "mail")
        .idp_identifiers("corp.example.com")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(created.provider_name(), Some("Corp"));
    assert_eq!(created.provider_type(), Some(&Kind::Oidc));
    assert_eq!(created.idp_identifiers(), ["corp.example.com"]);
    // Discovery filled the endpoints.
    let issuer = &op.issuer;
    assert_eq!(
        detail(&created, "authorize_url"),
        Some(format!("{issuer}/authorize").as_str())
    );
    assert_eq!(
        detail(&created, "token_url"),
        Some(format!("{issuer}/token").as_str())
    );
    assert_eq!(
        detail(&created, "attributes_url"),
        Some(format!("{issuer}/userinfo").as_str())
    );
    assert_eq!(
        detail(&created, "jwks_uri"),
        Some(format!("{issuer}/jwks").as_str())
    );
    assert_eq!(detail(&created, "client_secret"), Some("tessera-secret"));
    let mapping = created.attribute_mapping().unwrap();
    assert_eq!(mapping.get("email").map(String::as_str), Some("mail"));
    assert_eq!(mapping.get("username").map(String::as_str), Some("sub"));
    assert_eq!(describe(&app, &pool, "Corp").await, created);

    oidc(&app, &pool, "Other", &op.issuer).send().await.unwrap();
    let first = app
        .cognito
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.providers().len(), 1);
    assert_eq!(first.providers()[0].provider_name(), Some("Corp"));
    assert_eq!(first.providers()[0].provider_type(), Some(&Kind::Oidc));
    let second = app
        .cognito
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(1)
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.providers().len(), 1);
    assert_eq!(second.providers()[0].provider_name(), Some("Other"));
    assert_eq!(second.next_token(), None);

    // A new issuer: its endpoints are found again.
    let moved = FakeOp::start("tessera").await;
    let mut details = created.provider_details().unwrap().clone();
    details.insert("oidc_issuer".into(), moved.issuer.clone());
    let updated = app
        .cognito
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .set_provider_details(Some(details))
        .attribute_mapping("given_name", "given_name")
        .idp_identifiers("corp.example.org")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(
        detail(&updated, "token_url"),
        Some(format!("{}/token", moved.issuer).as_str())
    );
    assert_eq!(
        detail(&updated, "jwks_uri"),
        Some(format!("{}/jwks", moved.issuer).as_str())
    );
    let mapping = updated.attribute_mapping().unwrap();
    assert_eq!(mapping.get("email"), None);
    assert_eq!(
        mapping.get("given_name").map(String::as_str),
        Some("given_name")
    );
    assert_eq!(describe(&app, &pool, "Corp").await, updated);

    let found = app
        .cognito
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example.org")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(found.provider_name(), Some("Corp"));
    let r = app
        .cognito
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example.com")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");

    app.cognito
        .delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Other")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Other")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let r = app
        .cognito
        .delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Other")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let r = app
        .cognito
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Other")
        .attribute_mapping("email", "email")
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let left = app
        .cognito
        .list_identity_providers()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(left.providers().len(), 1);
}

async fn details_are_checked(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let op = FakeOp::start("tessera").await;
    oidc(&app, &pool, "Corp", &op.issuer).send().await.unwrap();
    let r = oidc(&app, &pool, "Corp", &op.issuer).send().await;
    crate::assert_aws_error!(r, "DuplicateProviderException");

    let r = oidc(&app, &pool, "Plain", "http://idp.example.com")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("must be an https URL"), "{message}");
    let r = oidc(&app, &pool, "Extra", &op.issuer)
        .provider_details("favourite_colour", "blue")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(
        message.contains("favourite_colour is not a valid ProviderDetails key"),
        "{message}"
    );
    // Nothing listens on port 1: discovery fails.
    let r = oidc(&app, &pool, "Gone", "http://127.0.0.1:1").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("discovery document"), "{message}");

    let google = |name: &str| {
        app.cognito
            .create_identity_provider()
            .user_pool_id(&pool)
            .provider_name(name)
            .provider_type(Kind::Google)
            .provider_details("client_id", "google-client")
            .provider_details("authorize_scopes", "openid email")
    };
    let r = google("Google").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("client_secret is required"), "{message}");
    let r = google("MyGoogle")
        .provider_details("client_secret", "s")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("must be Google"), "{message}");
    let made = google("Google")
        .provider_details("client_secret", "s")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    // Cognito shows a social provider's client secret.
    assert_eq!(detail(&made, "client_secret"), Some("s"));

    let r = app
        .cognito
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Saml")
        .provider_type(Kind::Saml)
        .provider_details("MetadataURL", "https://idp.example.com/metadata")
        .send()
        .await;
    crate::assert_aws_error!(r, "UnsupportedOperationException");
    let listed = app
        .cognito
        .list_identity_providers()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed
        .providers()
        .iter()
        .filter_map(|p| p.provider_name())
        .collect();
    assert_eq!(names, ["Corp", "Google"]);
}

async fn mapping_and_identifiers_are_checked(db: Backend) {
    let app = spawn_app(db).await;
    let op = FakeOp::start("tessera").await;
    let pool = app.create_pool("p").await;
    let r = oidc(&app, &pool, "Corp", &op.issuer)
        .attribute_mapping("nickname2", "nick")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("not in the user pool"), "{message}");

    oidc(&app, &pool, "Corp", &op.issuer)
        .idp_identifiers("corp.example.com")
        .send()
        .await
        .unwrap();
    let r = oidc(&app, &pool, "Other", &op.issuer)
        .idp_identifiers("corp.example.com")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(
        message.contains("already used by another provider"),
        "{message}"
    );
    oidc(&app, &pool, "Other", &op.issuer)
        .idp_identifiers("other.example.com")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Other")
        .idp_identifiers("corp.example.com")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(
        message.contains("already used by another provider"),
        "{message}"
    );

    // A pool where email is written once: no provider may map it.
    let fixed = app
        .cognito
        .create_user_pool()
        .pool_name("fixed-email")
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .attribute_data_type(AttributeDataType::String)
                .mutable(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let schema = app.describe_pool(&fixed).await;
    let email = schema
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("email"))
        .unwrap();
    assert_eq!(email.mutable(), Some(false));
    let r = oidc(&app, &fixed, "Corp", &op.issuer)
        .attribute_mapping("email", "email")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("cannot be mapped"), "{message}");
    oidc(&app, &fixed, "Corp", &op.issuer)
        .attribute_mapping("given_name", "given_name")
        .send()
        .await
        .unwrap();
}

async fn apple_private_key_is_never_returned(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let details = |scopes: &str| {
        [
            ("client_id", "com.example.web"),
            ("team_id", "TEAM123456"),
            ("key_id", "KEY1234567"),
            ("authorize_scopes", scopes),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<std::collections::HashMap<_, _>>()
    };
    let mut with_key = details("email name");
    with_key.insert("private_key".into(), APPLE_KEY.into());
    let created = app
        .cognito
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("SignInWithApple")
        .provider_type(Kind::SignInWithApple)
        .set_provider_details(Some(with_key))
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(detail(&created, "private_key"), None);
    assert_eq!(detail(&created, "team_id"), Some("TEAM123456"));
    let described = describe(&app, &pool, "SignInWithApple").await;
    assert_eq!(detail(&described, "private_key"), None);
    // An update that leaves the key out keeps it.
    let updated = app
        .cognito
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("SignInWithApple")
        .set_provider_details(Some(details("email")))
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(detail(&updated, "private_key"), None);
    assert_eq!(detail(&updated, "authorize_scopes"), Some("email"));
    let stored = app
        .services
        .store
        .get_identity_provider(&pool, "SignInWithApple")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.details.get("private_key").map(String::as_str),
        Some(APPLE_KEY)
    );
}

async fn client_providers_follow_the_pool(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let op = FakeOp::start("tessera").await;
    create_oidc_provider(&app, &pool, "Corp", &op).await;
    let client = |providers: &[&str]| {
        let mut r = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web");
        for p in providers {
            r = r.supported_identity_providers(*p);
        }
        r.send()
    };
    let r = client(&["COGNITO", "Nope"]).await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let made = client(&["COGNITO", "Corp"])
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(made.supported_identity_providers(), ["COGNITO", "Corp"]);
    let client_id = made.client_id.unwrap();

    app.cognito
        .delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let described = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(described.supported_identity_providers(), ["COGNITO"]);
    let r = client(&["COGNITO", "Corp"]).await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

fn native(username: &str) -> ProviderUserIdentifierType {
    ProviderUserIdentifierType::builder()
        .provider_name("Cognito")
        .provider_attribute_value(username)
        .build()
}

fn upstream(provider: &str, subject: &str) -> ProviderUserIdentifierType {
    ProviderUserIdentifierType::builder()
        .provider_name(provider)
        .provider_attribute_name("Cognito_Subject")
        .provider_attribute_value(subject)
        .build()
}

/// The `identities` attribute of `username`, if it has one.
async fn identities_of(app: &TestApp, pool: &str, username: &str) -> Option<serde_json::Value> {
    crate::user_helpers::attrs_of(app, pool, username)
        .await
        .into_iter()
        .find(|(name, _)| name == "identities")
        .map(|(_, value)| serde_json::from_str(&value).unwrap())
}

async fn linking_rules(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let op = FakeOp::start("tessera").await;
    create_oidc_provider(&app, &pool, "Corp", &op).await;
    create_user(&app, &pool, "bob", &[("email", "bob@example.com")]).await;
    create_user(&app, &pool, "alice", &[("email", "alice@example.com")]).await;
    let link = |destination: &str, provider: &str, subject: &str| {
        app.cognito
            .admin_link_provider_for_user()
            .user_pool_id(&pool)
            .destination_user(native(destination))
            .source_user(upstream(provider, subject))
            .send()
    };
    let r = link("nobody", "Corp", "u-1").await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = link("bob", "Nope", "u-1").await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");

    link("bob", "Corp", "u-1").await.unwrap();
    let identities = identities_of(&app, &pool, "bob").await.expect("identities");
    assert_eq!(identities[0]["providerName"], "Corp");
    assert_eq!(identities[0]["userId"], "u-1");
    // The same upstream account again, to another user or the same one.
    let r = link("alice", "Corp", "u-1").await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(
        message.contains("Merging is not currently supported"),
        "{message}"
    );
    let r = link("bob", "Corp", "u-1").await;
    crate::assert_aws_error!(r, "InvalidParameterException");

    let disable = |subject: &str| {
        app.cognito
            .admin_disable_provider_for_user()
            .user_pool_id(&pool)
            .user(upstream("Corp", subject))
            .send()
    };
    let r = disable("u-404").await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    disable("u-1").await.unwrap();
    assert_eq!(identities_of(&app, &pool, "bob").await, None);
    let r = disable("u-1").await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    // Unlinked, the account may be linked again.
    link("alice", "Corp", "u-1").await.unwrap();
}

both_databases!(
    lifecycle,
    details_are_checked,
    mapping_and_identifiers_are_checked,
    apple_private_key_is_never_returned,
    client_providers_follow_the_pool,
    linking_rules,
);
