//! The whole browser path of the code flow, with a real relying party at both ends: the
//! `openidconnect` crate builds the authorization URL from discovery, a cookie-keeping HTTP
//! client signs in through the hosted UI pages (`oauth_helpers::sign_in_through_hosted_ui`:
//! authorize → /login → the form with its `_csrf` → the callback), and the relying party
//! exchanges the code with PKCE and verifies the ID token.

use crate::both_databases;
use crate::helpers::Backend;
use crate::oauth_helpers::*;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, Scope,
    TokenResponse,
};

async fn a_browser_signs_in_and_the_relying_party_gets_tokens(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let rp = relying_party(&app, &client).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let location = sign_in_through_hosted_ui(&app, url.as_str(), USERNAME, PASSWORD).await;
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    assert_eq!(query_param(&location, "state").unwrap(), *state.secret());
    let code = query_param(&location, "code").expect("a code");
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&rp_http())
        .await
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.email().unwrap().as_str(), "jane@example.com");
    let access = crate::tokens_helpers::payload(tokens.access_token().secret());
    assert_eq!(access["username"], USERNAME);
    assert_eq!(access["scope"], "openid email");
}

async fn a_wrong_password_stays_on_the_sign_in_page(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let url = authorize_url(&app, &client, &[("scope", "openid")]);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser.get(&url).send().await.unwrap();
    assert_eq!(login.status(), 302);
    let login = url::Url::parse(&url)
        .unwrap()
        .join(login.headers()["location"].to_str().unwrap())
        .unwrap();
    let html = browser
        .get(login.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"_csrf\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let response = browser
        .post(login)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", USERNAME),
            ("password", "Wrong-Horse-9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("errorMessage"), "{page}");
}

both_databases!(
    a_browser_signs_in_and_the_relying_party_gets_tokens,
    a_wrong_password_stays_on_the_sign_in_page,
);
