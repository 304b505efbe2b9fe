//! `/oauth2/authorize` and `/logout` rules over HTTP (reference §1.2, §1.4; DESIGN §4): an
//! unknown client or an unregistered redirect/logout URL is an error page and never a
//! redirect; every other error goes back to the client with `error` and `state`; PKCE plain
//! is refused; scopes are limited to the client's; pools are reached by path and by domain.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app, spawn_app_with};
use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;

const CALLBACK: &str = "https://app.example.com/cb";
const LOGOUT: &str = "https://app.example.com/bye";

/// A client with the code (and, when asked, implicit) flow and openid/email/profile scopes.
async fn oauth_client(app: &TestApp, pool: &str, implicit: bool) -> String {
    let mut req = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .callback_urls("myapp://cb")
        .logout_urls(LOGOUT)
        .supported_identity_providers("COGNITO");
    if implicit {
        req = req.allowed_o_auth_flows(OAuthFlowType::Implicit);
    }
    req.send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET `{address}/{path}?{query}` (optionally with a Host header): status and Location.
async fn get(app: &TestApp, path: &str, query: &str, host: Option<&str>) -> (u16, String) {
    let mut req = no_redirects().get(format!("{}{path}?{query}", app.address));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let r = req.send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), location)
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

/// The pairs of a Location's query (or fragment).
fn params_of(location: &str, fragment: bool) -> Vec<(String, String)> {
    let sep = if fragment { '#' } else { '?' };
    let part = location.split_once(sep).map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(part.as_bytes())
        .into_owned()
        .collect()
}

fn param(location: &str, fragment: bool, name: &str) -> Option<String> {
    params_of(location, fragment)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Asserts an error page for `pool` (never the callback) and returns its `error`.
fn assert_error_page(pool: &str, status: u16, location: &str) -> String {
    assert_eq!(status, 302, "{location}");
    assert!(
        location.starts_with(&format!("/{pool}/error?")),
        "expected the error page, got {location}"
    );
    param(location, false, "error").unwrap()
}

/// Asserts a redirect to the callback with `error` and the state, and returns the error.
fn assert_client_error(status: u16, location: &str, fragment: bool) -> String {
    assert_eq!(status, 302, "{location}");
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(param(location, fragment, "state").as_deref(), Some("st 1"));
    // Who answered (RFC 9207): the pool's issuer.
    let iss = param(location, fragment, "iss").unwrap_or_default();
    assert!(
        iss.starts_with("http://127.0.0.1:") && iss.contains("/local_"),
        "{location}"
    );
    param(location, fragment, "error").unwrap()
}

async fn valid_request_goes_to_the_sign_in_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("authz").await;
    let client = oauth_client(&app, &pool, false).await;
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("state", "st 1"),
        ("code_challenge", &"a".repeat(43)),
        ("code_challenge_method", "S256"),
    ]);
    let (status, location) = get(&app, &format!("/{pool}/oauth2/authorize"), &q, None).await;
    assert_eq!(status, 302);
    assert_eq!(location, format!("/{pool}/login?{q}"));
}

async fn untrusted_clients_and_redirects_get_the_error_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("authz").await;
    let other_pool = app.create_pool("other").await;
    let client = oauth_client(&app, &pool, false).await;
    let foreign = oauth_client(&app, &other_pool, false).await;
    let path = format!("/{pool}/oauth2/authorize");
    let ask = |client: String, redirect: Option<&'static str>| {
        let mut pairs = vec![
            ("response_type", "code".to_string()),
            ("client_id", client),
            ("state", "st 1".to_string()),
        ];
        if let Some(r) = redirect {
            pairs.push(("redirect_uri", r.to_string()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query(&pairs)
    };
    let (s, l) = get(
        &app,
        &path,
        &ask("nosuchclient".into(), Some(CALLBACK)),
        None,
    )
    .await;
    assert_eq!(assert_error_page(&pool, s, &l), "invalid_client");
    let (s, l) = get(&app, &path, &ask(foreign, Some(CALLBACK)), None).await;
    assert_eq!(assert_error_page(&pool, s, &l), "invalid_client");
    let (s, l) = get(&app, &path, &ask(client.clone(), None), None).await;
    assert_eq!(assert_error_page(&pool, s, &l), "redirect_mismatch");
    for near_miss in [
        "https://app.example.com/cb/",
        "https://APP.example.com/cb",
        "https://app.example.com/cb?x=1",
        "http://app.example.com/cb",
        "https://app.example.com/c",
        "https://app.example.com/cb#frag",
        "https://app.example.com.evil.com/cb",
        "myapp://cb/",
    ] {
        let (s, l) = get(&app, &path, &ask(client.clone(), Some(near_miss)), None).await;
        assert_eq!(
            assert_error_page(&pool, s, &l),
            "redirect_mismatch",
            "{near_miss}"
        );
    }
    // A parameter given twice is refused before anything else.
    let twice = format!("{}&client_id={client}", ask(client.clone(), Some(CALLBACK)));
    let (s, l) = get(&app, &path, &twice, None).await;
    assert_eq!(assert_error_page(&pool, s, &l), "invalid_request");
    // The error page itself answers 400 (rendered by the hosted UI).
    let (s, _) = get(
        &app,
        &format!("/{pool}/error"),
        "error=redirect_mismatch",
        None,
    )
    .await;
    assert!(s == 400 || s == 404, "{s}");
}

async fn other_errors_go_back_to_the_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("authz").await;
    let client = oauth_client(&app, &pool, false).await;
    let path = format!("/{pool}/oauth2/authorize");
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("client_id", client.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "st 1"),
        ];
        pairs.extend_from_slice(extra);
        query(&pairs)
    };
    let challenge = "a".repeat(43);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("code_challenge", &challenge)],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("code_challenge_method", "S256")],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("scope", "openid no-such/scope")],
            "invalid_scope",
        ),
        // Exists, but this client may not use it: dropped, and nothing is left.
        (
            vec![
                ("response_type", "code"),
                ("scope", "aws.cognito.signin.user.admin"),
            ],
            "invalid_scope",
        ),
        // email without openid means nothing.
        (
            vec![("response_type", "code"), ("scope", "email")],
            "invalid_scope",
        ),
        (
            vec![("response_type", "code"), ("identity_provider", "Google")],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("prompt", "none")],
            "login_required",
        ),
    ];
    for (extra, expected) in cases {
        let (s, l) = get(&app, &path, &with(&extra), None).await;
        assert_eq!(assert_client_error(s, &l, false), expected, "{extra:?}");
    }
    // An implicit request reads its errors from the fragment, even when implicit is refused.
    let (s, l) = get(&app, &path, &with(&[("response_type", "token")]), None).await;
    assert_eq!(assert_client_error(s, &l, true), "unauthorized_client");
    assert_eq!(
        param(&l, true, "iss"),
        Some(format!("{}/{pool}", app.address)),
        "the issuer of the discovery document"
    );
    // Disallowed scopes next to allowed ones are dropped silently.
    let (s, l) = get(
        &app,
        &path,
        &with(&[("response_type", "code"), ("scope", "openid phone")]),
        None,
    )
    .await;
    assert_eq!(s, 302);
    assert!(l.starts_with(&format!("/{pool}/login?")), "{l}");
}

async fn implicit_errors_use_the_fragment_and_disabled_clients_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("authz").await;
    let client = oauth_client(&app, &pool, true).await;
    let path = format!("/{pool}/oauth2/authorize");
    let q = query(&[
        ("response_type", "token"),
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
        ("scope", "nope/nope"),
        ("state", "st 1"),
    ]);
    let (s, l) = get(&app, &path, &q, None).await;
    assert_eq!(assert_client_error(s, &l, true), "invalid_scope");
    app.cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .callback_urls(CALLBACK)
        .allowed_o_auth_flows_user_pool_client(false)
        .send()
        .await
        .unwrap();
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
        ("state", "st 1"),
    ]);
    let (s, l) = get(&app, &path, &q, None).await;
    assert_eq!(assert_client_error(s, &l, false), "invalid_request");
}

async fn logout_urls_must_be_registered(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("logout").await;
    let client = oauth_client(&app, &pool, false).await;
    let path = format!("/{pool}/logout");
    let (s, l) = get(
        &app,
        &path,
        &query(&[("client_id", &client), ("logout_uri", LOGOUT)]),
        None,
    )
    .await;
    assert_eq!((s, l.as_str()), (302, LOGOUT));
    for bad in [
        "https://app.example.com/bye/",
        "https://evil.example.com/bye",
        CALLBACK,
    ] {
        let (s, l) = get(
            &app,
            &path,
            &query(&[("client_id", &client), ("logout_uri", bad)]),
            None,
        )
        .await;
        assert_eq!(
            assert_error_page(&pool, s, &l),
            "redirect_mismatch",
            "{bad}"
        );
    }
    let (s, l) = get(
        &app,
        &path,
        &query(&[("client_id", "nosuch"), ("logout_uri", LOGOUT)]),
        None,
    )
    .await;
    assert_eq!(assert_error_page(&pool, s, &l), "invalid_client");
    let (s, l) = get(&app, &path, &query(&[("client_id", &client)]), None).await;
    assert_eq!(assert_error_page(&pool, s, &l), "invalid_request");
    // Sign in again: back to the sign-in page with the new request.
    let again = query(&[
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("state", "s"),
    ]);
    let (s, l) = get(&app, &path, &again, None).await;
    assert_eq!(s, 302);
    assert!(l.starts_with(&format!("/{pool}/login?")), "{l}");
    let (s, l) = get(
        &app,
        &path,
        &query(&[
            ("client_id", &client),
            ("redirect_uri", "https://evil.example.com/"),
            ("response_type", "code"),
        ]),
        None,
    )
    .await;
    assert_eq!(assert_error_page(&pool, s, &l), "redirect_mismatch");
}

async fn pool_domains_serve_the_endpoints_at_their_root(backend: Backend) {
    let app = spawn_app_with(
        backend,
        AppOptions {
            env: vec![("TESSERA_AUTH_DOMAIN".into(), "auth.test".into())],
            ..Default::default()
        },
    )
    .await;
    let pool = app.create_pool("domains").await;
    let client = oauth_client(&app, &pool, false).await;
    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("myapp")
        .send()
        .await
        .unwrap();
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &client),
        ("redirect_uri", CALLBACK),
    ]);
    let (s, l) = get(&app, "/oauth2/authorize", &q, Some("myapp.auth.test")).await;
    assert_eq!((s, l.clone()), (302, format!("/login?{q}")));
    let (s, l) = get(&app, "/oauth2/authorize", &q, Some("MyApp.auth.test:9339")).await;
    assert_eq!((s, l), (302, format!("/login?{q}")));
    // Errors stay on the domain too.
    let (s, l) = get(
        &app,
        "/oauth2/authorize",
        "client_id=nope&response_type=code",
        Some("myapp.auth.test"),
    )
    .await;
    assert_eq!(s, 302);
    assert!(l.starts_with("/error?"), "{l}");
    // Hosts that are not a pool's domain serve nothing.
    for host in ["other.auth.test", "a.myapp.auth.test", "example.com"] {
        let (s, _) = get(&app, "/oauth2/authorize", &q, Some(host)).await;
        assert_eq!(s, 404, "{host}");
    }
    // The pool is still reachable by path.
    let (s, l) = get(&app, &format!("/{pool}/oauth2/authorize"), &q, None).await;
    assert_eq!((s, l), (302, format!("/{pool}/login?{q}")));
}

both_databases!(
    valid_request_goes_to_the_sign_in_page,
    untrusted_clients_and_redirects_get_the_error_page,
    other_errors_go_back_to_the_client,
    implicit_errors_use_the_fragment_and_disabled_clients_are_refused,
    logout_urls_must_be_registered,
    pool_domains_serve_the_endpoints_at_their_root,
);
