//! The authorization-code grant at `/oauth2/token` (reference §1.5, RFC 6749 §4.1.3, RFC 7636):
//! a real relying party (the `openidconnect` crate) discovers the pool, exchanges a code with
//! PKCE, verifies the ID token (JWKS signature, issuer, audience, nonce, at_hash), calls
//! userInfo and refreshes; then the rules one by one: single use (a replay revokes the first
//! exchange), PKCE, redirect URI, expiry, binding to the client, client authentication.
//!
//! The codes are minted through the services (`oauth_helpers::authorize_as`), as the hosted UI
//! does after a sign-in; `oauth_hosted_flow` takes the browser path.

use crate::both_databases;
use crate::helpers::{Backend, error_code};
use crate::oauth_helpers::*;
use crate::tokens_helpers::payload;
use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;
use openidconnect::core::{CoreAuthenticationFlow, CoreTokenType, CoreUserInfoClaims};
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse,
};
use std::time::Duration;

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn pkce() -> [(&'static str, &'static str); 2] {
    [
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

async fn a_relying_party_completes_the_code_flow_with_pkce(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let rp = relying_party(&app, &client).await;
    let http = rp_http();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    assert!(
        url.as_str()
            .starts_with(&format!("{}/{pool}/oauth2/authorize?", app.address))
    );
    let location = authorize_as(&app, &pool, url.as_str(), USERNAME).await;
    assert!(
        location.starts_with(&format!("{CALLBACK}?code=")),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").unwrap(), *state.secret());
    let code = query_param(&location, "code").unwrap();

    // client_secret_basic (openidconnect's default) and PKCE.
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(*tokens.token_type(), CoreTokenType::Bearer);
    assert_eq!(tokens.expires_in(), Some(Duration::from_secs(3600)));
    let id_token = tokens.id_token().expect("openid was granted");
    let id_verifier = rp.id_token_verifier();
    let claims = id_token.claims(&id_verifier, &nonce).unwrap();
    assert_eq!(claims.email().unwrap().as_str(), "jane@example.com");
    assert_eq!(claims.email_verified(), Some(true));
    let at_hash = claims.access_token_hash().expect("at_hash");
    let computed = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(computed, *at_hash);
    let access = payload(tokens.access_token().secret());
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(access["username"], USERNAME);
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["sub"], claims.subject().as_str());

    // userInfo, checked by the relying party against the ID token's subject.
    let info: CoreUserInfoClaims = rp
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(info.email().unwrap().as_str(), "jane@example.com");
    assert_eq!(info.email_verified(), Some(true));
    let given = info.given_name().and_then(|n| n.get(None)).unwrap();
    assert_eq!(given.as_str(), "Jane");
    assert!(info.phone_number().is_none(), "phone was not granted");

    // Refresh: a new ID token of the same sign-in; no new refresh token without rotation.
    let refreshed = rp
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert!(refreshed.refresh_token().is_none());
    let again = refreshed
        .id_token()
        .unwrap()
        .claims(&id_verifier, |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(again.subject(), claims.subject());
    assert_eq!(again.auth_time(), claims.auth_time());
    assert_eq!(
        payload(refreshed.access_token().secret())["origin_jti"],
        access["origin_jti"]
    );
}

async fn a_public_client_and_client_secret_post(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    // A public client sends only its id, and needs no PKCE (Cognito does not enforce it).
    let public = oauth_client(&app, &pool, ClientOptions::default()).await;
    let code = code_for(&app, &public, &[("scope", "openid")]).await;
    let answer = exchange(&app, &public, &code, &[]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(answer.body["id_token"].is_string());
    assert!(answer.body["refresh_token"].is_string());
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    assert_eq!(answer.header("cache-control").unwrap(), "no-store");
    assert_eq!(answer.header("pragma").unwrap(), "no-cache");
    assert_eq!(answer.header("access-control-allow-origin").unwrap(), "*");

    // Without openid there is no ID token.
    let code = code_for(&app, &public, &[("scope", "aws.cognito.signin.user.admin")]).await;
    let answer = exchange(&app, &public, &code, &[]).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.get("id_token").is_none());
    assert!(answer.body["access_token"].is_string());

    // client_secret_post through the relying party.
    let confidential = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let rp = relying_party(&app, &confidential)
        .await
        .set_auth_type(AuthType::RequestBody);
    let code = code_for(&app, &confidential, &pkce()).await;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(PkceCodeVerifier::new(VERIFIER.into()))
        .request_async(&rp_http())
        .await
        .unwrap();
    assert!(tokens.id_token().is_some());
}

async fn client_secrets_are_checked(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let secret = client.secret.clone().unwrap();
    let code = code_for(&app, &client, &[]).await;
    let form = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", CALLBACK.to_string()),
        ]
    };
    let send = |extra: Vec<(&'static str, String)>, basic: Option<(String, String)>| {
        let app = &app;
        let pool = pool.clone();
        let mut f = form(&code);
        f.extend(extra);
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let basic = basic.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
            post_form(app, &pool, "token", &f, basic).await
        }
    };
    // Wrong secret with Basic: 401 and a Basic challenge (RFC 6749 §5.2).
    let a = send(vec![], Some((client.id.clone(), "wrong".into()))).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    assert!(a.header("www-authenticate").unwrap().starts_with("Basic"));
    // Wrong secret in the body: 401, no challenge.
    let a = send(
        vec![
            ("client_id", client.id.clone()),
            ("client_secret", "wrong".into()),
        ],
        None,
    )
    .await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    assert!(a.header("www-authenticate").is_none());
    // A client with a secret must send it.
    let a = send(vec![("client_id", client.id.clone())], None).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    // Unknown client; no client at all.
    let a = send(vec![("client_id", "nosuchclient".into())], None).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    let a = send(vec![], None).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    // Two methods at once.
    let a = send(
        vec![("client_secret", secret.clone())],
        Some((client.id.clone(), secret.clone())),
    )
    .await;
    assert_eq!((a.status, a.error()), (400, "invalid_request"));
    // None of these used the code up: the right secret still gets tokens.
    let a = send(vec![], Some((client.id.clone(), secret.clone()))).await;
    assert_eq!(a.status, 200, "{:?}", a.body);

    // A secret with characters that RFC 6749 §2.3.1 form-encodes inside Basic credentials.
    let given = "abc+def+ghi+jkl+mno+pqr+stu";
    let odd = tessera::services::admin::clients::create_client(
        &app.services,
        &pool,
        tessera::domain::client::ClientInput {
            client_name: Some("odd".into()),
            allowed_oauth_flows: Some(vec!["code".into()]),
            allowed_oauth_scopes: Some(vec!["openid".into()]),
            allowed_oauth_flows_user_pool_client: Some(true),
            supported_identity_providers: Some(vec!["COGNITO".into()]),
            callback_urls: Some(vec![CALLBACK.into()]),
            ..Default::default()
        },
        tessera::services::admin::clients::SecretChoice {
            generate: None,
            given: Some(given.into()),
        },
    )
    .await
    .unwrap();
    let odd = OAuthClient {
        pool_id: pool.clone(),
        id: odd.id,
        secret: Some(given.into()),
    };
    let rp = relying_party(&app, &odd).await;
    let code = code_for(&app, &odd, &[]).await;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .request_async(&rp_http())
        .await;
    assert!(tokens.is_ok(), "{tokens:?}");
}

async fn a_replayed_code_revokes_what_it_issued(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let code = code_for(
        &app,
        &client,
        &[("scope", "openid aws.cognito.signin.user.admin")],
    )
    .await;
    let first = exchange(&app, &client, &code, &[]).await;
    assert_eq!(first.status, 200);
    let access = first.body["access_token"].as_str().unwrap();
    let refresh = first.body["refresh_token"].as_str().unwrap();
    // The first exchange's tokens work (GetUser needs the admin scope, granted here).
    app.cognito
        .get_user()
        .access_token(access)
        .send()
        .await
        .unwrap();

    let second = exchange(&app, &client, &code, &[]).await;
    assert_eq!((second.status, second.error()), (400, "invalid_grant"));
    let e = app
        .cognito
        .get_user()
        .access_token(access)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), "NotAuthorizedException");
    let a = post_form(
        &app,
        &pool,
        "token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client.id),
        ],
        None,
    )
    .await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    let info = userinfo(&app, &pool, access).await;
    assert_eq!((info.status, info.error()), (401, "invalid_token"));

    // An unknown code.
    let a = exchange(&app, &client, "bm9zdWNoY29kZQ", &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
}

/// Global sign-out uses up codes not yet exchanged: none starts a new sign-in afterwards.
async fn global_sign_out_uses_up_pending_codes(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let code = code_for(&app, &client, &[]).await;
    app.cognito
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username(USERNAME)
        .send()
        .await
        .unwrap();
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // A code issued after the sign-out works.
    let code = code_for(&app, &client, &[]).await;
    assert_eq!(exchange(&app, &client, &code, &[]).await.status, 200);
}

/// Codes are URL-safe as they are (no `+`, `/` or `=` to be mangled by a client).
async fn codes_are_url_safe(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    for _ in 0..20 {
        let code = code_for(&app, &client, &[]).await;
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{code}"
        );
    }
}

/// A replay racing the first exchange: the code's row decides, whichever of the two records
/// second sees the other (the first exchange then revokes what it issued; the replay revokes
/// what was recorded).
async fn a_replay_during_the_first_exchange_is_seen(db: Backend) {
    use tessera::services::oauth::authorize::code_hash;
    use tessera::store::oauth_codes::TakenCode;
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let store = &app.services.store;
    let now = app.services.now();
    // The replay comes before the first exchange has recorded its sign-in.
    let hash = code_hash(&code_for(&app, &client, &[]).await);
    let taken = store
        .take_code(&hash, &pool, &client.id, now)
        .await
        .unwrap();
    assert!(matches!(taken, TakenCode::Fresh(_)));
    assert!(matches!(
        store
            .take_code(&hash, &pool, &client.id, now)
            .await
            .unwrap(),
        TakenCode::Replayed(_)
    ));
    assert_eq!(store.mark_code_replayed(&hash, now).await.unwrap(), None);
    assert!(store.set_code_origin(&hash, "first").await.unwrap());
    // The replay comes after.
    let hash = code_hash(&code_for(&app, &client, &[]).await);
    store
        .take_code(&hash, &pool, &client.id, now)
        .await
        .unwrap();
    assert!(!store.set_code_origin(&hash, "second").await.unwrap());
    assert_eq!(
        store
            .mark_code_replayed(&hash, now)
            .await
            .unwrap()
            .as_deref(),
        Some("second")
    );
}

async fn pkce_is_enforced(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    // A wrong verifier, and the code is gone: the right one afterwards is a replay.
    let code = code_for(&app, &client, &pkce()).await;
    let wrong = VERIFIER.replace('d', "e");
    let a = exchange(&app, &client, &code, &[("code_verifier", &wrong)]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    let a = exchange(&app, &client, &code, &[("code_verifier", VERIFIER)]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // A challenge was bound: the verifier is required.
    let code = code_for(&app, &client, &pkce()).await;
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // No challenge was bound: a verifier is out of place.
    let code = code_for(&app, &client, &[]).await;
    let a = exchange(&app, &client, &code, &[("code_verifier", VERIFIER)]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // The right one.
    let code = code_for(&app, &client, &pkce()).await;
    let a = exchange(&app, &client, &code, &[("code_verifier", VERIFIER)]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

async fn the_redirect_uri_must_be_repeated_exactly(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let other = "http://localhost:3000/other";
    let client = oauth_client(
        &app,
        &pool,
        ClientOptions {
            callbacks: vec![CALLBACK.into(), other.into()],
            ..Default::default()
        },
    )
    .await;
    let form = |code: &str, redirect: Option<&str>| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("client_id", client.id.clone()),
        ];
        if let Some(r) = redirect {
            f.push(("redirect_uri", r.to_string()));
        }
        f
    };
    for redirect in [Some(other), Some("http://localhost:3000/callback/")] {
        let code = code_for(&app, &client, &[]).await;
        let f = form(&code, redirect);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = post_form(&app, &pool, "token", &f, None).await;
        assert_eq!(
            (a.status, a.error()),
            (400, "invalid_grant"),
            "{redirect:?}"
        );
    }
    let code = code_for(&app, &client, &[]).await;
    let f = form(&code, None);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = post_form(&app, &pool, "token", &f, None).await;
    assert_eq!((a.status, a.error()), (400, "invalid_request"));
}

async fn codes_expire_after_five_minutes(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let code = code_for(&app, &client, &[]).await;
    app.services.clock.advance(5 * 60 * 1000 - 1000);
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!(a.status, 200, "a code is good for 5 minutes");
    let code = code_for(&app, &client, &[]).await;
    app.services.clock.advance(5 * 60 * 1000);
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    assert_eq!(a.body["error_description"], "The code has expired.");
}

async fn codes_are_bound_to_their_client_and_pool(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let first = oauth_client(&app, &pool, ClientOptions::default()).await;
    let second = oauth_client(&app, &pool, ClientOptions::default()).await;
    let code = code_for(&app, &first, &[]).await;
    let a = exchange(&app, &second, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // Another client can neither burn the code nor, once it is used, revoke what it issued.
    let own = exchange(&app, &first, &code, &[]).await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let access = own.body["access_token"].as_str().unwrap();
    let a = exchange(&app, &second, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    assert_eq!(userinfo(&app, &pool, access).await.status, 200);

    // A client of another pool, at this pool's endpoint.
    let other_pool = pool_with_user(&app).await;
    let foreign = oauth_client(&app, &other_pool, ClientOptions::default()).await;
    let code = code_for(&app, &foreign, &[]).await;
    let at_wrong_pool = OAuthClient {
        pool_id: pool.clone(),
        ..foreign.clone()
    };
    let a = exchange(&app, &at_wrong_pool, &code, &[]).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    // The code was not touched: at its own pool it works.
    let a = exchange(&app, &foreign, &code, &[]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

async fn the_client_and_user_must_still_qualify(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    // The user is disabled between authorization and exchange.
    let code = code_for(&app, &client, &[]).await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username(USERNAME)
        .send()
        .await
        .unwrap();
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    app.cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username(USERNAME)
        .send()
        .await
        .unwrap();
    // The client loses the code flow between authorization and exchange.
    let code = code_for(&app, &client, &[]).await;
    app.cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client.id)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .supported_identity_providers("COGNITO")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap();
    let a = exchange(&app, &client, &code, &[]).await;
    assert_eq!((a.status, a.error()), (400, "unauthorized_client"));
}

async fn malformed_token_requests(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let id = client.id.as_str();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("grant_type", "password"), ("client_id", id)],
            "unsupported_grant_type",
        ),
        (vec![("client_id", id)], "invalid_request"),
        (
            vec![("grant_type", "authorization_code"), ("client_id", id)],
            "invalid_request",
        ),
        (
            vec![("grant_type", "refresh_token"), ("client_id", id)],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("grant_type", "refresh_token"),
                ("client_id", id),
            ],
            "invalid_request",
        ),
    ];
    for (form, error) in cases {
        let a = post_form(&app, &pool, "token", &form, None).await;
        assert_eq!((a.status, a.error()), (400, error), "{form:?}");
        assert!(a.body["error_description"].is_string());
    }
    // A JSON body is not a form.
    let response = app
        .http
        .post(format!("{}/{pool}/oauth2/token", app.address))
        .json(&serde_json::json!({ "grant_type": "client_credentials", "client_id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    // GET is not the token endpoint's method.
    let response = app
        .http
        .get(format!("{}/{pool}/oauth2/token", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
}

both_databases!(
    a_replay_during_the_first_exchange_is_seen,
    global_sign_out_uses_up_pending_codes,
    codes_are_url_safe,
    a_relying_party_completes_the_code_flow_with_pkce,
    a_public_client_and_client_secret_post,
    client_secrets_are_checked,
    a_replayed_code_revokes_what_it_issued,
    pkce_is_enforced,
    the_redirect_uri_must_be_repeated_exactly,
    codes_expire_after_five_minutes,
    codes_are_bound_to_their_client_and_pool,
    the_client_and_user_must_still_qualify,
    malformed_token_requests,
);
