//! A pool's identity providers: the list, a new OpenID Connect provider (the social types
//! through the API or `tessera apply`), deleting one. Client secrets are never shown.

use super::page::{Chrome, lines, render};
use super::session::{Form, Operator};
use crate::domain::identity_provider::{IdentityProvider, IdentityProviderInput};
use crate::services::admin::identity_providers;
use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "console/identity_providers.html")]
struct ListView {
    chrome: Chrome,
    pool_id: String,
    providers: Vec<IdentityProvider>,
}

/// `GET /admin/pools/{pool}/identity-providers`.
pub async fn list(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Identity providers").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    match identity_providers::all(&op.svc, &nav.id).await {
        Ok(found) => render(&ListView {
            pool_id: nav.id.clone(),
            chrome: op.chrome("Identity providers", Some(nav)),
            providers: found,
        }),
        Err(e) => op.fault(&e),
    }
}

/// `POST /admin/pools/{pool}/identity-providers`: an OIDC provider found by discovery from
/// its issuer; attribute mapping as `pool attribute=claim` lines.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let name = form.text("name");
    let mut details = BTreeMap::from([
        ("client_id".to_string(), form.text("client_id")),
        ("client_secret".to_string(), form.raw("client_secret")),
        ("oidc_issuer".to_string(), form.text("issuer")),
        ("authorize_scopes".to_string(), form.text("scopes")),
        ("attributes_request_method".to_string(), "GET".to_string()),
    ]);
    details.retain(|_, v| !v.is_empty());
    let mapping: BTreeMap<String, String> = lines(&form.raw("mapping"))
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(a, c)| (a.trim().to_string(), c.trim().to_string()))
        .collect();
    let identifiers: Vec<String> = form
        .text("identifiers")
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let input = IdentityProviderInput {
        provider_name: Some(name.clone()),
        provider_type: Some("OIDC".into()),
        provider_details: Some(details),
        attribute_mapping: Some(mapping),
        idp_identifiers: Some(identifiers),
    };
    let result = identity_providers::create(&op.svc, &pool_id, input).await;
    let back = format!("/admin/pools/{pool_id}/identity-providers");
    op.finish(
        &back,
        "CreateIdentityProvider",
        Some(&pool_id),
        Some(&name),
        result,
        "Identity provider added.",
    )
}

/// `POST /admin/pools/{pool}/identity-providers/delete` (`name`).
pub async fn delete(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let name = form.text("name");
    let result = identity_providers::delete(&op.svc, &pool_id, &name).await;
    let back = format!("/admin/pools/{pool_id}/identity-providers");
    op.finish(
        &back,
        "DeleteIdentityProvider",
        Some(&pool_id),
        Some(&name),
        result,
        "Identity provider deleted.",
    )
}
