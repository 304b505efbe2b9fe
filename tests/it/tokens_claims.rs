//! ID and access tokens issued for an AdminCreateUser'd user verify with an independent JWT
//! library against the JWKS served over HTTP, and carry Cognito's claims.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_helpers::*;
use serde_json::json;
use tessera::domain::group::GroupInput;
use tessera::services::admin::groups;

async fn tokens_carry_cognitos_claims(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    for (name, precedence) in [("staff", Some(5)), ("admins", Some(1))] {
        join_group(&app, &fx, name, precedence).await;
    }
    let client = client(&app, &fx.pool_id).await;
    let result = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    assert_eq!(result.expires_in, 3600);
    let refresh = result.refresh_token.clone().unwrap();
    assert!(refresh.len() >= 40);
    assert!(
        refresh
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=.".contains(c))
    );

    let keys = jwks(&app, &fx.pool_id).await;
    assert_eq!(keys.len(), 2);
    assert_ne!(kid_of(&result.id_token), kid_of(&result.access_token));
    let iss = issuer(&app, &fx.pool_id);
    let (_, user) = pool_and_user(&app, &fx.pool_id, &fx.username).await;

    let id = verify(&result.id_token, &keys, &iss, Some(&client.id)).unwrap();
    let header = jsonwebtoken::decode_header(&result.id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(id["sub"], json!(user.sub));
    assert_eq!(id["aud"], json!(client.id));
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["iss"], json!(iss));
    assert_eq!(id["cognito:username"], json!(fx.username));
    assert_eq!(id["email"], "jane@example.com");
    assert_eq!(id["email_verified"], json!(true));
    assert_eq!(id["phone_number"], "+15555550100");
    assert_eq!(id["phone_number_verified"], json!(false));
    assert_eq!(id["name"], "Jane Doe");
    assert_eq!(
        id["custom:tier"],
        json!("5"),
        "custom attributes are strings"
    );
    assert_eq!(id["cognito:groups"], json!(["admins", "staff"]));
    assert_eq!(
        id["cognito:roles"],
        json!([
            "arn:aws:iam::000000000000:role/admins",
            "arn:aws:iam::000000000000:role/staff"
        ])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::000000000000:role/admins"
    );
    let now = app.services.now() / 1000;
    assert_eq!(id["iat"], json!(now));
    assert_eq!(id["auth_time"], json!(now));
    assert_eq!(id["exp"], json!(now + 3600));
    for claim in ["origin_jti", "jti", "event_id"] {
        assert!(id[claim].as_str().is_some_and(|v| v.len() == 36), "{claim}");
    }
    assert!(id.get("nonce").is_none());

    let access = verify(&result.access_token, &keys, &iss, None).unwrap();
    assert_eq!(access["sub"], json!(user.sub));
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], json!(client.id));
    assert_eq!(access["username"], json!(fx.username));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["version"], json!(2));
    assert_eq!(access["cognito:groups"], json!(["admins", "staff"]));
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert_ne!(access["jti"], id["jti"]);
    assert_eq!(access["exp"], json!(now + 3600));
    assert!(access.get("aud").is_none(), "access tokens have no aud");
    assert!(access.get("email").is_none());
    assert!(access.get("cognito:roles").is_none());

    // The access token authenticates its user.
    let ctx = tessera::services::tokens::authenticate(&app.services, &result.access_token)
        .await
        .unwrap();
    assert_eq!(ctx.user.sub, user.sub);
    assert_eq!(ctx.client_id, client.id);
    assert_eq!(ctx.scopes, vec!["aws.cognito.signin.user.admin"]);

    // A refresh reads the groups with the refresh token (one query): the same claims, and a
    // membership added since shows, in precedence order (no precedence last).
    let refreshed = refresh_tokens(&app, &client, &refresh).await;
    let id2 = verify(&refreshed.id_token, &keys, &iss, Some(&client.id)).unwrap();
    let access2 = verify(&refreshed.access_token, &keys, &iss, None).unwrap();
    for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
        assert_eq!(id2[claim], id[claim], "{claim}");
    }
    assert_eq!(access2["cognito:groups"], access["cognito:groups"]);
    for (name, precedence) in [("owners", Some(0)), ("guests", None)] {
        join_group(&app, &fx, name, precedence).await;
    }
    let refreshed = refresh_tokens(&app, &client, &refresh).await;
    let id3 = verify(&refreshed.id_token, &keys, &iss, Some(&client.id)).unwrap();
    assert_eq!(
        id3["cognito:groups"],
        json!(["owners", "admins", "staff", "guests"])
    );
    assert_eq!(
        id3["cognito:preferred_role"],
        "arn:aws:iam::000000000000:role/owners"
    );
    let access3 = verify(&refreshed.access_token, &keys, &iss, None).unwrap();
    assert_eq!(access3["cognito:groups"], id3["cognito:groups"]);
}

/// Creates group `name` (role `arn:aws:iam::000000000000:role/{name}`) and adds the fixture's
/// user to it.
pub(crate) async fn join_group(
    app: &crate::helpers::TestApp,
    fx: &Fixture,
    name: &str,
    precedence: Option<i64>,
) {
    let input = GroupInput {
        description: Some(format!("the {name}")),
        role_arn: Some(format!("arn:aws:iam::000000000000:role/{name}")),
        precedence,
    };
    let svc = &app.services;
    groups::create_group(svc, &fx.pool_id, name, input)
        .await
        .unwrap();
    groups::add_user_to_group(svc, &fx.pool_id, &fx.username, name)
        .await
        .unwrap();
}

async fn refresh_tokens(
    app: &crate::helpers::TestApp,
    client: &tessera::domain::client::UserPoolClient,
    refresh_token: &str,
) -> tessera::services::tokens::AuthenticationResult {
    let ctx = tessera::services::client_cache::client_context(&app.services, &client.id)
        .await
        .unwrap();
    tessera::services::tokens::refresh(&app.services, &ctx, refresh_token, false, None, None)
        .await
        .unwrap()
}

async fn read_attributes_and_validity_follow_the_client(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client_with(
        &app,
        &fx.pool_id,
        |c| {
            c.read_attributes = Some(vec!["email".into(), "email_verified".into()]);
            c.access_token_validity = Some(2);
            c.id_token_validity = Some(30);
            c.token_validity_units =
                Some(tessera::domain::token_validity::TokenValidityUnitsInput {
                    access_token: Some("hours".into()),
                    id_token: Some("minutes".into()),
                    refresh_token: None,
                });
        },
        false,
    )
    .await;
    let result = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    assert_eq!(result.expires_in, 7200);
    let keys = jwks(&app, &fx.pool_id).await;
    let iss = issuer(&app, &fx.pool_id);
    let id = verify(&result.id_token, &keys, &iss, Some(&client.id)).unwrap();
    assert_eq!(id["email"], "jane@example.com");
    assert_eq!(id["email_verified"], json!(true));
    for hidden in ["phone_number", "name", "custom:tier", "cognito:groups"] {
        assert!(id.get(hidden).is_none(), "{hidden} is not readable");
    }
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        1800
    );
    let access = verify(&result.access_token, &keys, &iss, None).unwrap();
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        7200
    );
}

both_databases!(
    tokens_carry_cognitos_claims,
    read_attributes_and_validity_follow_the_client,
);
