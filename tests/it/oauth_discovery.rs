//! Each pool is an OpenID issuer: `{iss}/.well-known/openid-configuration` and
//! `{iss}/.well-known/jwks.json`, served from memory; unknown pools are a JSON 404. The
//! document names the pool's endpoints on its domain when it has one (and forgets the old
//! names at once when the domain changes); the `openidconnect` crate discovers it.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::oauth_helpers::{ClientOptions, discover, oauth_client, post_form, spawn_oauth_app};
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
use openidconnect::Scope;
use serde_json::{Value, json};

async fn discovery_document_names_the_pool_endpoints(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("oidc").await;
    let iss = format!("{}/{pool}", app.services.public_url);
    let response = app
        .http
        .get(format!(
            "{}/{pool}/.well-known/openid-configuration",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["issuer"], json!(iss));
    assert_eq!(
        doc["jwks_uri"],
        json!(format!("{iss}/.well-known/jwks.json"))
    );
    assert_eq!(
        doc["authorization_endpoint"],
        json!(format!("{iss}/oauth2/authorize"))
    );
    assert_eq!(doc["token_endpoint"], json!(format!("{iss}/oauth2/token")));
    assert_eq!(
        doc["userinfo_endpoint"],
        json!(format!("{iss}/oauth2/userInfo"))
    );
    assert_eq!(
        doc["revocation_endpoint"],
        json!(format!("{iss}/oauth2/revoke"))
    );
    assert_eq!(doc["end_session_endpoint"], json!(format!("{iss}/logout")));
    assert_eq!(doc["response_types_supported"], json!(["code", "token"]));
    assert_eq!(
        doc["response_modes_supported"],
        json!(["query", "fragment"])
    );
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    assert_eq!(
        doc["grant_types_supported"],
        json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ])
    );
    assert_eq!(
        doc["scopes_supported"],
        json!([
            "openid",
            "email",
            "phone",
            "profile",
            "aws.cognito.signin.user.admin"
        ])
    );
    for methods in [
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        assert_eq!(
            doc[methods],
            json!(["client_secret_basic", "client_secret_post", "none"]),
            "{methods}"
        );
    }
    let claims = doc["claims_supported"].as_array().unwrap();
    for claim in [
        "sub",
        "email",
        "email_verified",
        "cognito:username",
        "nonce",
    ] {
        assert!(claims.contains(&json!(claim)), "{claim}");
    }

    // The JWKS the document points to.
    let response = app
        .http
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        let mut names: Vec<&str> = key
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort();
        assert_eq!(names, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(key["e"], "AQAB");
        assert_eq!(key["n"].as_str().unwrap().len(), 342, "2048-bit modulus");
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    // Served again from memory: the same keys.
    let again: Value = app
        .http
        .get(format!("{}/{pool}/.well-known/jwks.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, jwks);
}

async fn unknown_pools_are_a_json_404(db: Backend) {
    let app = spawn_app(db).await;
    for path in ["jwks.json", "openid-configuration"] {
        let response = app
            .http
            .get(format!(
                "{}/local_nosuchpool/.well-known/{path}",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "User pool local_nosuchpool does not exist.");
    }
    // A deleted pool's cached documents do not outlive it for long: deletion is checked on
    // every cache refresh (5 s); a fresh pool id is never cached.
}

async fn a_relying_party_discovers_the_pool(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = app.create_pool("rp").await;
    app.cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("https://api.example.com")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let metadata = discover(&app, &pool).await;
    let base = format!("{}/{pool}", app.address);
    assert_eq!(metadata.issuer().as_str(), base);
    assert_eq!(
        metadata.token_endpoint().unwrap().as_str(),
        format!("{base}/oauth2/token")
    );
    assert_eq!(
        metadata.userinfo_endpoint().unwrap().as_str(),
        format!("{base}/oauth2/userInfo")
    );
    assert_eq!(metadata.jwks().keys().len(), 2, "the JWKS was fetched too");
    let scopes = metadata.scopes_supported().unwrap();
    for s in [
        "openid",
        "aws.cognito.signin.user.admin",
        "https://api.example.com/read",
    ] {
        assert!(scopes.contains(&Scope::new(s.into())), "{s}");
    }
}

async fn a_pool_domain_names_the_endpoints(db: Backend) {
    let app = spawn_oauth_app(db, &[("TESSERA_AUTH_DOMAIN", "auth.tessera.test")]).await;
    let pool = app.create_pool("domain").await;
    let url = format!("{}/{pool}/.well-known/openid-configuration", app.address);
    let get = || async {
        let doc: Value = app
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        doc
    };
    let iss = format!("{}/{pool}", app.address);
    // Read (and cached) before the domain exists.
    assert_eq!(
        get().await["token_endpoint"],
        json!(format!("{iss}/oauth2/token"))
    );

    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("shop")
        .send()
        .await
        .unwrap();
    let doc = get().await;
    let host = format!("shop.auth.tessera.test:{}", app.port);
    let base = format!("http://{host}");
    assert_eq!(doc["issuer"], json!(iss), "the issuer stays");
    assert_eq!(
        doc["jwks_uri"],
        json!(format!("{iss}/.well-known/jwks.json"))
    );
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userInfo"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(doc[field], json!(format!("{base}{path}")), "{field}");
    }

    // The token endpoint answers on the domain (found by the Host header).
    app.cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let machine = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            flows: vec![OAuthFlowType::ClientCredentials],
            scopes: vec!["api/read".into()],
            callbacks: vec![],
            ..Default::default()
        },
    )
    .await;
    let response = app
        .http
        .post(format!("{}/oauth2/token", app.address))
        .header("host", &host)
        .basic_auth(&machine.id, machine.secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // ... and under /{poolId} as always.
    let a = post_form(
        &app,
        &pool,
        "token",
        &[("grant_type", "client_credentials")],
        Some((&machine.id, machine.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(a.status, 200);

    app.cognito
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("shop")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get().await["token_endpoint"],
        json!(format!("{iss}/oauth2/token"))
    );
}

both_databases!(
    discovery_document_names_the_pool_endpoints,
    unknown_pools_are_a_json_404,
    a_relying_party_discovers_the_pool,
    a_pool_domain_names_the_endpoints,
);
