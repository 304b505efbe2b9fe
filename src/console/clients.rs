//! A pool's app clients: the list, a new client (its secret shown once, on the page that
//! answers the form), a client's settings (name, callback and sign-out URLs, OAuth flows and
//! scopes, sign-in flows, identity providers) and deleting one. Saving keeps every member the
//! form does not show (UpdateUserPoolClient is a full replace).

use super::page::{Chrome, lines, render, segment};
use super::session::{Form, Operator};
use crate::domain::AuthError;
use crate::domain::client::{ClientInput, UserPoolClient};
use crate::services::admin::{clients, identity_providers};
use crate::ui::forms::FormData;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The OAuth flows a client may use.
const OAUTH_FLOWS: [(&str, &str); 3] = [
    ("code", "Authorization code"),
    ("implicit", "Implicit"),
    ("client_credentials", "Client credentials"),
];

/// The API sign-in flows (ExplicitAuthFlows).
const AUTH_FLOWS: [(&str, &str); 6] = [
    ("ALLOW_USER_SRP_AUTH", "SRP (USER_SRP_AUTH)"),
    ("ALLOW_USER_PASSWORD_AUTH", "Password (USER_PASSWORD_AUTH)"),
    ("ALLOW_USER_AUTH", "Choice-based (USER_AUTH)"),
    ("ALLOW_REFRESH_TOKEN_AUTH", "Refresh tokens"),
    ("ALLOW_CUSTOM_AUTH", "Custom challenges"),
    (
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "Admin password (ADMIN_USER_PASSWORD_AUTH)",
    ),
];

/// One checkbox of the form: (value, label, checked).
type Choice = (String, String, bool);

/// The client form's view-model, new or existing.
pub struct ClientForm {
    pub name: String,
    pub callback_urls: String,
    pub logout_urls: String,
    pub scopes: String,
    pub oauth_flows: Vec<Choice>,
    pub auth_flows: Vec<Choice>,
    pub providers: Vec<Choice>,
}

async fn form_for(
    op: &Operator,
    pool_id: &str,
    client: Option<&UserPoolClient>,
) -> Result<ClientForm, AuthError> {
    let mut names = vec!["COGNITO".to_string()];
    names.extend(
        identity_providers::all(&op.svc, pool_id)
            .await?
            .into_iter()
            .map(|p| p.name),
    );
    let s = client.map(|c| &c.settings);
    let has = |list: Option<&Vec<String>>, v: &str, default: bool| match list {
        Some(list) => list.iter().any(|x| x == v),
        None => default,
    };
    let choices = |all: &[(&str, &str)], list: Option<&Vec<String>>, defaults: &[&str]| {
        all.iter()
            .map(|(v, l)| {
                (
                    v.to_string(),
                    l.to_string(),
                    has(list, v, defaults.contains(v)),
                )
            })
            .collect()
    };
    Ok(ClientForm {
        name: client.map(|c| c.name.clone()).unwrap_or_default(),
        callback_urls: s.map(|s| s.callback_urls.join("\n")).unwrap_or_default(),
        logout_urls: s.map(|s| s.logout_urls.join("\n")).unwrap_or_default(),
        scopes: s
            .map(|s| s.allowed_oauth_scopes.join(" "))
            .unwrap_or_else(|| "openid email profile".into()),
        oauth_flows: choices(&OAUTH_FLOWS, s.map(|s| &s.allowed_oauth_flows), &["code"]),
        auth_flows: choices(
            &AUTH_FLOWS,
            s.map(|s| &s.explicit_auth_flows),
            &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ),
        providers: names
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    n.clone(),
                    has(
                        s.map(|s| &s.supported_identity_providers),
                        n,
                        n == "COGNITO",
                    ),
                )
            })
            .collect(),
    })
}

/// The form's members applied to `input`.
fn apply(input: &mut ClientInput, form: &FormData) {
    let all = |name: &str, values: &[(&str, &str)]| -> Vec<String> {
        values
            .iter()
            .filter(|(v, _)| form.get(&format!("{name}.{v}")).is_some())
            .map(|(v, _)| v.to_string())
            .collect()
    };
    input.client_name = Some(form.text("name"));
    input.callback_urls = Some(lines(&form.raw("callback_urls")));
    input.logout_urls = Some(lines(&form.raw("logout_urls")));
    let flows = all("oauth", &OAUTH_FLOWS);
    input.allowed_oauth_flows_user_pool_client = Some(!flows.is_empty());
    input.allowed_oauth_scopes = Some(
        form.text("scopes")
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    );
    input.allowed_oauth_flows = Some(flows);
    input.explicit_auth_flows = Some(all("auth", &AUTH_FLOWS));
    // Providers are the pool's: any name sent is checked by the service.
    let prefix = "idp.";
    let providers: Vec<String> = form
        .names()
        .filter_map(|n| n.strip_prefix(prefix).map(str::to_string))
        .collect();
    input.supported_identity_providers = Some(providers);
    if input.callback_urls.as_ref().is_some_and(Vec::is_empty) {
        input.default_redirect_uri = None;
    }
}

#[derive(Template)]
#[template(path = "console/clients.html")]
struct ListView {
    chrome: Chrome,
    pool_id: String,
    clients: Vec<(UserPoolClient, String)>,
    form: ClientForm,
}

/// `GET /admin/pools/{pool}/clients`.
pub async fn list(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "App clients").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let found = match clients::list_clients(&op.svc, &nav.id, 60, None).await {
        Ok((found, _)) => found,
        Err(e) => return op.fault(&e),
    };
    let form = match form_for(&op, &nav.id, None).await {
        Ok(form) => form,
        Err(e) => return op.fault(&e),
    };
    render(&ListView {
        pool_id: nav.id.clone(),
        clients: found
            .into_iter()
            .map(|c| {
                let href = format!("/admin/pools/{}/clients/{}", nav.id, segment(&c.id));
                (c, href)
            })
            .collect(),
        chrome: op.chrome("App clients", Some(nav)),
        form,
    })
}

#[derive(Template)]
#[template(path = "console/client.html")]
struct DetailView {
    chrome: Chrome,
    action: String,
    client: UserPoolClient,
    /// The secret, on the page answering the creation only.
    new_secret: Option<String>,
    form: ClientForm,
}

async fn detail_view(
    op: &Operator,
    pool_id: &str,
    client: UserPoolClient,
    new_secret: Option<String>,
) -> HttpResponse {
    let nav = match op.pool_nav(pool_id, "App clients").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let form = match form_for(op, pool_id, Some(&client)).await {
        Ok(form) => form,
        Err(e) => return op.fault(&e),
    };
    render(&DetailView {
        action: format!("/admin/pools/{pool_id}/clients/{}", segment(&client.id)),
        chrome: op.chrome(&client.name, Some(nav)),
        client,
        new_secret,
        form,
    })
}

/// `POST /admin/pools/{pool}/clients`: the new client's page, with its secret this once.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let mut input = ClientInput::default();
    apply(&mut input, &form);
    let secret = clients::SecretChoice {
        generate: Some(form.get("generate_secret").is_some()),
        given: None,
    };
    let name = form.text("name");
    let result = clients::create_client(&op.svc, &pool_id, input, secret).await;
    op.audit("CreateUserPoolClient", Some(&pool_id), Some(&name), &result);
    match result {
        Ok(client) => {
            let secret = client.secret.clone();
            detail_view(&op, &pool_id, client, secret).await
        }
        Err(e) => op.notify(
            &format!("/admin/pools/{pool_id}/clients"),
            Err::<(), _>(e),
            "",
        ),
    }
}

/// `GET /admin/pools/{pool}/clients/{client}`.
pub async fn detail(op: Operator, path: web::Path<(String, String)>) -> HttpResponse {
    let (pool_id, client_id) = path.into_inner();
    match clients::get_client(&op.svc, &pool_id, &client_id).await {
        Ok(client) => detail_view(&op, &pool_id, client, None).await,
        Err(e) => op.fault(&e),
    }
}

/// The console's own client is Tessera's to keep: changed or deleted, operators could no
/// longer sign in.
fn managed(op: &Operator, client_id: &str) -> Result<(), AuthError> {
    if op
        .state
        .console
        .as_ref()
        .is_some_and(|c| c.client_id == client_id)
    {
        return Err(AuthError::InvalidParameter(
            "The console's own app client is managed by Tessera.".into(),
        ));
    }
    Ok(())
}

/// `POST /admin/pools/{pool}/clients/{client}`: saves the form's members.
pub async fn save(
    op: Operator,
    path: web::Path<(String, String)>,
    Form(form): Form,
) -> HttpResponse {
    let (pool_id, client_id) = path.into_inner();
    let back = format!("/admin/pools/{pool_id}/clients/{}", segment(&client_id));
    let found = match managed(&op, &client_id) {
        Ok(()) => clients::get_client(&op.svc, &pool_id, &client_id).await,
        Err(e) => Err(e),
    };
    let result = match found {
        Ok(client) => {
            let mut input = client.settings.update_input(&client.name);
            apply(&mut input, &form);
            clients::update_client(&op.svc, &pool_id, &client_id, input).await
        }
        Err(e) => Err(e),
    };
    op.finish(
        &back,
        "UpdateUserPoolClient",
        Some(&pool_id),
        Some(&client_id),
        result,
        "App client saved.",
    )
}

/// `POST /admin/pools/{pool}/clients/{client}/delete`.
pub async fn delete(op: Operator, path: web::Path<(String, String)>, _form: Form) -> HttpResponse {
    let (pool_id, client_id) = path.into_inner();
    let result = match managed(&op, &client_id) {
        Ok(()) => clients::delete_client(&op.svc, &pool_id, &client_id).await,
        Err(e) => Err(e),
    };
    let back = match result {
        Ok(()) => format!("/admin/pools/{pool_id}/clients"),
        Err(_) => format!("/admin/pools/{pool_id}/clients/{}", segment(&client_id)),
    };
    op.finish(
        &back,
        "DeleteUserPoolClient",
        Some(&pool_id),
        Some(&client_id),
        result,
        "App client deleted.",
    )
}
