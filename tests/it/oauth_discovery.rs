//! Each pool is an OpenID issuer: `{iss}/.well-known/openid-configuration` and
//! `{iss}/.well-known/jwks.json`, served from memory; unknown pools are a JSON 404.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
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
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(
        doc["scopes_supported"],
        json!(["openid", "email", "phone", "profile"])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );

    // The JWKS the document points to.
    let response = app
        .http
        .get(
            doc["jwks_uri"]
                .as_str()
                .unwrap()
                .replace(&app.services.public_url, &app.address),
        )
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

both_databases!(
    discovery_document_names_the_pool_endpoints,
    unknown_pools_are_a_json_404,
);
