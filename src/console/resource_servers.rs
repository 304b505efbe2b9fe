//! A pool's resource servers and their custom scopes: the list, a new server, deleting one.

use super::page::{Chrome, lines, render};
use super::session::{Form, Operator};
use crate::domain::resource_server::{ResourceServer, ResourceServerInput, ResourceServerScope};
use crate::services::admin::resource_servers;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "console/resource_servers.html")]
struct ListView {
    chrome: Chrome,
    pool_id: String,
    servers: Vec<ResourceServer>,
}

/// `GET /admin/pools/{pool}/resource-servers`.
pub async fn list(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Resource servers").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    match resource_servers::list_resource_servers(&op.svc, &nav.id, 50, None).await {
        Ok((found, _)) => render(&ListView {
            pool_id: nav.id.clone(),
            chrome: op.chrome("Resource servers", Some(nav)),
            servers: found,
        }),
        Err(e) => op.fault(&e),
    }
}

/// `POST /admin/pools/{pool}/resource-servers`: scopes as `name: description` lines.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let identifier = form.text("identifier");
    let scopes = lines(&form.raw("scopes"))
        .into_iter()
        .map(|line| {
            let (name, description) = line.split_once(':').unwrap_or((&line, ""));
            ResourceServerScope {
                scope_name: name.trim().to_string(),
                scope_description: match description.trim() {
                    "" => name.trim().to_string(),
                    d => d.to_string(),
                },
            }
        })
        .collect();
    let input = ResourceServerInput {
        identifier: Some(identifier.clone()),
        name: Some(form.text("name")),
        scopes: Some(scopes),
    };
    let result = resource_servers::create_resource_server(&op.svc, &pool_id, input).await;
    let back = format!("/admin/pools/{pool_id}/resource-servers");
    op.finish(
        &back,
        "CreateResourceServer",
        Some(&pool_id),
        Some(&identifier),
        result,
        "Resource server created.",
    )
}

/// `POST /admin/pools/{pool}/resource-servers/delete` (`identifier`).
pub async fn delete(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let identifier = form.text("identifier");
    let result = resource_servers::delete_resource_server(&op.svc, &pool_id, &identifier).await;
    let back = format!("/admin/pools/{pool_id}/resource-servers");
    op.finish(
        &back,
        "DeleteResourceServer",
        Some(&pool_id),
        Some(&identifier),
        result,
        "Resource server deleted.",
    )
}
