//! A pool's domains: the prefix domain (`{prefix}.{TESSERA_AUTH_DOMAIN}`) and the custom
//! domain, where its hosted pages are served; a new one; deleting one.

use super::page::{Chrome, render};
use super::session::{Form, Operator};
use crate::domain::pool_domain::CustomDomainConfig;
use crate::services::admin::domains;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "console/domain.html")]
struct View {
    chrome: Chrome,
    pool_id: String,
    /// (domain, kind, served at)
    domains: Vec<(String, String, String)>,
    auth_domain: Option<String>,
    /// Where the hosted pages always are: `{PUBLIC_URL}/{poolId}`.
    always: String,
}

/// `GET /admin/pools/{pool}/domain`.
pub async fn show(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Domain").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let rows = match op.svc.store.domains_of_pool(&nav.id).await {
        Ok(rows) => rows,
        Err(e) => return op.fault(&e.into()),
    };
    let domains = rows
        .iter()
        .map(|r| {
            let host = domains::served_host(&op.svc, r);
            (r.domain.clone(), r.kind.clone(), format!("https://{host}"))
        })
        .collect();
    render(&View {
        always: format!("{}/{}", op.svc.public_url.trim_end_matches('/'), nav.id),
        pool_id: nav.id.clone(),
        chrome: op.chrome("Domain", Some(nav)),
        domains,
        auth_domain: op.svc.auth_domain.clone(),
    })
}

/// `POST /admin/pools/{pool}/domain`: a prefix (no dot) or a custom domain, whose
/// certificate is `{TESSERA_TLS_DIR}/{domain}.crt` when Tessera serves HTTPS itself.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let domain = form.text("domain").to_lowercase();
    let custom = domain.contains('.').then(|| CustomDomainConfig {
        certificate_arn: format!("file:{domain}"),
        security_policy: None,
    });
    let result = domains::create_domain(&op.svc, &pool_id, &domain, custom, None).await;
    let back = format!("/admin/pools/{pool_id}/domain");
    op.finish(
        &back,
        "CreateUserPoolDomain",
        Some(&pool_id),
        Some(&domain),
        result,
        "Domain added.",
    )
}

/// `POST /admin/pools/{pool}/domain/delete` (`domain`).
pub async fn delete(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let domain = form.text("domain");
    let result = domains::delete_domain(&op.svc, &pool_id, &domain).await;
    let back = format!("/admin/pools/{pool_id}/domain");
    op.finish(
        &back,
        "DeleteUserPoolDomain",
        Some(&pool_id),
        Some(&domain),
        result,
        "Domain deleted.",
    )
}
