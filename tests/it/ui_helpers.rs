//! Helpers for the hosted-UI tests: a pool with an OAuth client, a "browser" (reqwest with a
//! cookie jar that does not follow redirects), and reading forms out of the pages as a
//! browser would (the form's action, its hidden `_csrf`).

use crate::helpers::TestApp;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{OAuthFlowType, VerifiedAttributeType};
use std::collections::HashMap;

pub const CALLBACK: &str = "https://app.example.com/callback";
pub const SIGNED_OUT: &str = "https://app.example.com/signed-out";
pub const PASSWORD: &str = "Correct-Horse-9";

/// A pool (email auto-verified) and a client of it using the hosted UI.
pub struct Hosted {
    pub pool_id: String,
    pub client_id: String,
}

/// A pool that auto-verifies email, with an OAuth client.
pub async fn hosted(app: &TestApp) -> Hosted {
    let pool_id = app
        .cognito
        .create_user_pool()
        .pool_name("hosted")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client_id = oauth_client(app, &pool_id, "web").await;
    Hosted { pool_id, client_id }
}

/// A client of `pool_id` allowed the code and implicit flows, with [`CALLBACK`] and
/// [`SIGNED_OUT`].
pub async fn oauth_client(app: &TestApp, pool_id: &str, name: &str) -> String {
    app.cognito
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(name)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(CALLBACK)
        .logout_urls(SIGNED_OUT)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// A confirmed user with a verified email and [`PASSWORD`].
pub async fn user(app: &TestApp, pool_id: &str, username: &str) {
    crate::account_helpers::confirmed_user(
        app,
        pool_id,
        username,
        &format!("{username}@example.com"),
    )
    .await;
    crate::sign_in_helpers::set_permanent(app, pool_id, username, PASSWORD).await;
}

/// A browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The authorization request of `client_id` for the code flow, with `state`.
pub fn authorize_query(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code");
    q.append_pair("client_id", client_id);
    q.append_pair("redirect_uri", CALLBACK);
    q.append_pair("scope", "openid email");
    q.append_pair("state", "st-42");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    q.finish()
}

/// A response, read.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `Location` header.
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
            .to_str()
            .unwrap()
            .to_string()
    }

    /// The value of the hidden `_csrf` input.
    pub fn csrf(&self) -> String {
        attribute_after(&self.body, "name=\"_csrf\"", "value")
            .unwrap_or_else(|| panic!("no _csrf in {}", self.body))
    }

    /// The `action` of the (first) form.
    pub fn action(&self) -> String {
        attribute_after(&self.body, "<form", "action")
            .unwrap_or_else(|| panic!("no form in {}", self.body))
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// The value of `attribute` in the tag where `marker` appears, HTML-unescaped.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<').unwrap_or(at);
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let key = format!("{attribute}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// Undoes HTML escaping (askama's numeric entities, and the common named ones).
pub fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#61;", "=")
        .replace("&#x3d;", "=")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// `s` as askama writes it into HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

async fn read(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}

/// GET `url` (absolute, or a path on the server).
pub async fn get(app: &TestApp, browser: &reqwest::Client, url: &str) -> Page {
    read(browser.get(absolute(app, url)).send().await.unwrap()).await
}

/// POST a form to `url`.
pub async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> Page {
    let body = {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            q.append_pair(k, v);
        }
        q.finish()
    };
    read(
        browser
            .post(absolute(app, url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Fills in the form of `page` (its `_csrf` added) and posts it to the form's action.
pub async fn submit(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &Page,
    fields: &[(&str, &str)],
) -> Page {
    let csrf = page.csrf();
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    post(app, browser, &page.action(), &all).await
}

fn absolute(app: &TestApp, url: &str) -> String {
    if url.starts_with("http") {
        url.to_string()
    } else {
        format!("{}{url}", app.address)
    }
}

/// `GET /{pool}/oauth2/authorize?{query}`.
pub async fn authorize(
    app: &TestApp,
    browser: &reqwest::Client,
    pool_id: &str,
    query: &str,
) -> Page {
    get(
        app,
        browser,
        &format!("/{pool_id}/oauth2/authorize?{query}"),
    )
    .await
}

/// Authorize, follow to the sign-in page, and sign in: the response to the form's POST.
pub async fn sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    pool_id: &str,
    query: &str,
    username: &str,
    password: &str,
) -> Page {
    let to_login = authorize(app, browser, pool_id, query).await;
    assert_eq!(to_login.status, 302, "{}", to_login.body);
    let login = get(app, browser, &to_login.location()).await;
    assert_eq!(login.status, 200, "{}", login.body);
    submit(
        app,
        browser,
        &login,
        &[("username", username), ("password", password)],
    )
    .await
}

/// The query (or fragment) parameters of a URL.
pub fn params_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    let mut out: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    if let Some(fragment) = parsed.fragment() {
        out.extend(url::form_urlencoded::parse(fragment.as_bytes()).into_owned());
    }
    out
}

/// Asserts that `page` sends the browser back to the callback with a code and the state.
pub fn assert_code(page: &Page) -> String {
    assert_eq!(page.status, 302, "{}", page.body);
    let location = page.location();
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let params = params_of(&location);
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("st-42"),
        "{location}"
    );
    assert!(params.contains_key("iss"), "RFC 9207: {location}");
    params
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code in {location}"))
}

/// The six-digit code in the last mail to `address`.
pub fn mailed_code(app: &TestApp, address: &str) -> String {
    crate::account_helpers::mailed_code(app, address)
}
