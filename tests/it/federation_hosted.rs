//! Identity providers on the hosted pages and `/oauth2/authorize`, without an upstream: which
//! requests go straight to a provider (and with what), the sign-in page's buttons, clients that
//! do not sign in with the pool's users, email-domain routing, and the POST answer handed on to
//! the GET. Google's well-known endpoints need no discovery, so nothing leaves the machine: the
//! tests only read where Tessera sends the browser.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use crate::oauth_helpers::{CALLBACK, form_action, hidden_value, pool_with_user, spawn_oauth_app};
use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A pool with a user, the providers Google (identifier `example.org`) and Facebook, and a
/// code-flow client supporting `providers`; returns (pool id, client id).
async fn set_up(app: &TestApp, providers: &[&str]) -> (String, String) {
    let pool_id = pool_with_user(app).await;
    let details = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    app.cognito
        .create_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .set_provider_details(Some(details(&[
            ("client_id", "google-client"),
            ("client_secret", "google-secret"),
            ("authorize_scopes", "openid email"),
        ])))
        .idp_identifiers("example.org")
        .send()
        .await
        .unwrap();
    app.cognito
        .create_identity_provider()
        .user_pool_id(&pool_id)
        .provider_name("Facebook")
        .provider_type(IdentityProviderTypeType::Facebook)
        .set_provider_details(Some(details(&[
            ("client_id", "fb-client"),
            ("client_secret", "fb-secret"),
            ("authorize_scopes", "public_profile,email"),
        ])))
        .send()
        .await
        .unwrap();
    let mut req = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(CALLBACK);
    for p in providers {
        req = req.supported_identity_providers(*p);
    }
    let client = req.send().await.unwrap().user_pool_client.unwrap();
    (pool_id, client.client_id.unwrap())
}

fn authorize(app: &TestApp, pool_id: &str, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code");
    q.append_pair("client_id", client_id);
    q.append_pair("redirect_uri", CALLBACK);
    q.append_pair("scope", "openid email");
    q.append_pair("state", "app-state");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("{}/{pool_id}/oauth2/authorize?{}", app.address, q.finish())
}

/// `identity_provider=Google` goes to Google's authorization endpoint with Tessera's own
/// `state`, a `nonce`, a PKCE S256 challenge and the pool's `/oauth2/idpresponse`; a client
/// whose only provider is Google goes there without being asked, and `idp_identifier` finds it.
async fn requests_for_a_provider_go_straight_to_it(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool_id, client_id) = set_up(&app, &["COGNITO", "Google"]).await;
    let b = browser();
    let response = b
        .get(authorize(
            &app,
            &pool_id,
            &client_id,
            &[("identity_provider", "Google")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let up = url::Url::parse(&location(&response)).unwrap();
    assert_eq!(
        format!("{}{}", up.origin().ascii_serialization(), up.path()),
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(param(&up, "client_id").as_deref(), Some("google-client"));
    assert_eq!(param(&up, "response_type").as_deref(), Some("code"));
    assert_eq!(
        param(&up, "redirect_uri"),
        Some(format!("{}/{pool_id}/oauth2/idpresponse", app.address))
    );
    assert_eq!(param(&up, "code_challenge_method").as_deref(), Some("S256"));
    assert!(param(&up, "code_challenge").is_some_and(|c| c.len() == 43));
    assert!(param(&up, "nonce").is_some_and(|n| n.len() >= 16));
    let state = param(&up, "state").unwrap();
    assert!(state.len() >= 16 && state != "app-state");
    let scopes = param(&up, "scope").unwrap();
    assert!(scopes.split(' ').any(|s| s == "email"), "{scopes}");
    assert!(!up.as_str().contains("google-secret"));

    let response = b
        .get(authorize(
            &app,
            &pool_id,
            &client_id,
            &[("idp_identifier", "example.org")],
        ))
        .send()
        .await
        .unwrap();
    assert!(location(&response).starts_with("https://accounts.google.com/"));

    let (_, only_google) = {
        let mut req = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("google-only")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .callback_urls(CALLBACK);
        req = req.supported_identity_providers("Google");
        let c = req.send().await.unwrap().user_pool_client.unwrap();
        (pool_id.clone(), c.client_id.unwrap())
    };
    let response = b
        .get(authorize(&app, &pool_id, &only_google, &[]))
        .send()
        .await
        .unwrap();
    assert!(location(&response).starts_with("https://accounts.google.com/"));
    // A provider the client does not list goes back to the app as invalid_request.
    let response = b
        .get(authorize(
            &app,
            &pool_id,
            &only_google,
            &[("identity_provider", "Facebook")],
        ))
        .send()
        .await
        .unwrap();
    let back = url::Url::parse(&location(&response)).unwrap();
    assert!(back.as_str().starts_with(CALLBACK));
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&back, "state").as_deref(), Some("app-state"));
}

/// The sign-in page shows a button per provider of the client, and the form when the client
/// signs in with the pool's users; a client without COGNITO gets only the buttons, and its
/// other pages and form posts are refused.
async fn the_sign_in_page_shows_the_clients_providers(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool_id, both) = set_up(&app, &["COGNITO", "Google", "Facebook"]).await;
    let b = browser();
    let login = format!(
        "{}/{pool_id}/login?{}",
        app.address,
        url::Url::parse(&authorize(&app, &pool_id, &both, &[]))
            .unwrap()
            .query()
            .unwrap()
    );
    let html = b.get(&login).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Continue with Google"), "{html}");
    assert!(html.contains("Continue with Facebook"), "{html}");
    assert!(html.contains("identity_provider=Google"), "{html}");
    assert!(html.contains("signInFormUsername"), "{html}");

    let social = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("social")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CALLBACK)
        .supported_identity_providers("Google")
        .supported_identity_providers("Facebook")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let query = url::Url::parse(&authorize(&app, &pool_id, &social, &[]))
        .unwrap()
        .query()
        .unwrap()
        .to_string();
    let response = b
        .get(authorize(&app, &pool_id, &social, &[]))
        .send()
        .await
        .unwrap();
    assert!(
        location(&response).contains("/login?"),
        "two providers: the buttons"
    );
    let html = b
        .get(format!("{}/{pool_id}/login?{query}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Continue with Google"), "{html}");
    assert!(!html.contains("signInFormUsername"), "{html}");
    for page in ["signup", "forgotPassword"] {
        let response = b
            .get(format!("{}/{pool_id}/{page}?{query}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{page}");
    }
    let response = b
        .post(format!("{}/{pool_id}/login?{query}", app.address))
        .form(&[
            ("username", crate::oauth_helpers::USERNAME),
            ("password", crate::oauth_helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

/// An email address typed without a password goes to the provider whose identifiers name its
/// domain, with the address as `login_hint`; other addresses stay on the form.
async fn email_domains_route_to_their_provider(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool_id, client_id) = set_up(&app, &["COGNITO", "Google"]).await;
    let b = browser();
    let query = url::Url::parse(&authorize(&app, &pool_id, &client_id, &[]))
        .unwrap()
        .query()
        .unwrap()
        .to_string();
    let login = format!("{}/{pool_id}/login?{query}", app.address);
    let html = b.get(&login).send().await.unwrap().text().await.unwrap();
    let action = form_action(&html).unwrap();
    let csrf = hidden_value(&html, "_csrf").unwrap();
    let post = |username: &'static str| {
        b.post(format!("{}{action}", app.address))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", username),
                ("password", ""),
            ])
            .send()
    };
    let response = post("Jo@Example.org").await.unwrap();
    assert_eq!(response.status(), 302);
    let up = url::Url::parse(&location(&response)).unwrap();
    assert_eq!(up.host_str(), Some("accounts.google.com"));
    assert_eq!(param(&up, "login_hint").as_deref(), Some("Jo@Example.org"));
    let response = post("jo@elsewhere.example").await.unwrap();
    assert_eq!(response.status(), 200);
}

/// A provider's POSTed answer (`response_mode=form_post`, Apple's `user` with it) is handed on
/// to the GET, where the Lax cookie comes along; without a sign-in under way, the GET is the
/// error page.
async fn posted_answers_are_handed_on_to_the_get(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool_id, _) = set_up(&app, &["COGNITO", "Google"]).await;
    let b = browser();
    let response = b
        .post(format!("{}/{pool_id}/oauth2/idpresponse", app.address))
        .form(&[("code", "c-1"), ("state", "s 2"), ("user", "{}")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let next = location(&response);
    assert_eq!(
        next,
        format!("/{pool_id}/oauth2/idpresponse?code=c-1&state=s+2&user=%7B%7D")
    );
    let response = b
        .get(format!("{}{next}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// A hosted-UI session made with a password does not answer a request that names a provider,
/// nor a client that does not sign in with the pool's users: those go to the provider.
async fn a_password_session_does_not_stand_in_for_a_provider(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool_id, both) = set_up(&app, &["COGNITO", "Google"]).await;
    let b = browser();
    let query = url::Url::parse(&authorize(&app, &pool_id, &both, &[]))
        .unwrap()
        .query()
        .unwrap()
        .to_string();
    let login = format!("{}/{pool_id}/login?{query}", app.address);
    let html = b.get(&login).send().await.unwrap().text().await.unwrap();
    let action = form_action(&html).unwrap();
    let csrf = hidden_value(&html, "_csrf").unwrap();
    let signed_in = b
        .post(format!("{}{action}", app.address))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", crate::oauth_helpers::USERNAME),
            ("password", crate::oauth_helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        location(&signed_in).starts_with(CALLBACK),
        "{}",
        location(&signed_in)
    );
    // The session answers the same client's next request at once...
    let again = b
        .get(authorize(&app, &pool_id, &both, &[]))
        .send()
        .await
        .unwrap();
    assert!(
        location(&again).starts_with(CALLBACK),
        "{}",
        location(&again)
    );
    // ...but not one that asks for Google, nor a client that only signs in with Google.
    let google = b
        .get(authorize(
            &app,
            &pool_id,
            &both,
            &[("identity_provider", "Google")],
        ))
        .send()
        .await
        .unwrap();
    assert!(
        location(&google).starts_with("https://accounts.google.com/"),
        "{}",
        location(&google)
    );
    let only_google = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("google-only")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CALLBACK)
        .supported_identity_providers("Google")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let other = b
        .get(authorize(&app, &pool_id, &only_google, &[]))
        .send()
        .await
        .unwrap();
    assert!(
        location(&other).starts_with("https://accounts.google.com/"),
        "{}",
        location(&other)
    );
}

both_databases!(
    a_password_session_does_not_stand_in_for_a_provider,
    requests_for_a_provider_go_straight_to_it,
    the_sign_in_page_shows_the_clients_providers,
    email_domains_route_to_their_provider,
    posted_answers_are_handed_on_to_the_get,
);
