//! A pool's groups: the list, a new group, deleting one (members are in the users' pages).

use super::page::{Chrome, render};
use super::session::{Form, Operator};
use crate::domain::group::{Group, GroupInput};
use crate::services::admin::groups;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "console/groups.html")]
struct ListView {
    chrome: Chrome,
    pool_id: String,
    groups: Vec<Group>,
}

/// `GET /admin/pools/{pool}/groups`.
pub async fn list(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Groups").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    match groups::list_groups(&op.svc, &nav.id, 60, None).await {
        Ok((found, _)) => render(&ListView {
            pool_id: nav.id.clone(),
            chrome: op.chrome("Groups", Some(nav)),
            groups: found,
        }),
        Err(e) => op.fault(&e),
    }
}

/// `POST /admin/pools/{pool}/groups`.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let name = form.text("name");
    let precedence = form.text("precedence");
    let input = GroupInput {
        description: Some(form.text("description")).filter(|d| !d.is_empty()),
        role_arn: None,
        precedence: precedence.parse().ok(),
    };
    let result = groups::create_group(&op.svc, &pool_id, &name, input).await;
    let back = format!("/admin/pools/{pool_id}/groups");
    op.finish(
        &back,
        "CreateGroup",
        Some(&pool_id),
        Some(&name),
        result,
        "Group created.",
    )
}

/// `POST /admin/pools/{pool}/groups/delete` (`name`).
pub async fn delete(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let name = form.text("name");
    let result = groups::delete_group(&op.svc, &pool_id, &name).await;
    let back = format!("/admin/pools/{pool_id}/groups");
    op.finish(
        &back,
        "DeleteGroup",
        Some(&pool_id),
        Some(&name),
        result,
        "Group deleted.",
    )
}
