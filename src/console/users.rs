//! A pool's users: search with ListUsers' filter (or a plain email address or username
//! prefix), pages, a new user or invitation; a user's page with attributes, groups, MFA,
//! devices and recent sign-in events; and the actions an operator takes on one user.

use super::page::{Chrome, PoolNav, lines, render, see_other, segment};
use super::pools::when;
use super::session::{Form, Operator};
use crate::domain::AuthError;
use crate::domain::audit::AuditEvent;
use crate::domain::devices::Device;
use crate::domain::group::Group;
use crate::domain::user::User;
use crate::services::admin::create_user::{self, Medium, MessageAction, NewUser};
use crate::services::admin::{groups, list_users, reset_password, users};
use crate::services::{audit, devices, mfa, tokens};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// Users on one page of the list.
const PAGE: i64 = 25;

/// ListUsers' filter for what was typed: a filter as it is, else a prefix of the email
/// address (text with `@`) or of the username.
pub fn filter_for(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    if typed.contains('=') {
        return Some(typed.to_string());
    }
    let value = typed.replace(['"', '\\'], "");
    let attribute = if value.contains('@') {
        "email"
    } else {
        "username"
    };
    Some(format!("{attribute} ^= \"{value}\""))
}

/// A user as a row of the list.
pub struct Row {
    pub username: String,
    pub href: String,
    pub email: String,
    pub status: &'static str,
    pub enabled: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct ListView {
    chrome: Chrome,
    pool_id: String,
    query: String,
    rows: Vec<Row>,
    next: Option<String>,
    email_usernames: bool,
}

/// `GET /admin/pools/{pool}/users?q=&next=`.
pub async fn list(op: Operator, path: web::Path<String>, req: HttpRequest) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Users").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let query = crate::ui::page::query_param(&req, "q").unwrap_or_default();
    let next = crate::ui::page::query_param(&req, "next");
    let filter = filter_for(&query);
    let mut chrome = op.chrome("Users", None);
    let page =
        list_users::list_users(&op.svc, &nav.id, filter.as_deref(), PAGE, next.as_deref()).await;
    let (found, next) = match page {
        Ok(page) => (page.users, page.next),
        Err(e @ AuthError::InvalidParameter(_)) => {
            chrome.flash = Some(super::session::Flash {
                error: true,
                text: op.explain(&e),
            });
            (Vec::new(), None)
        }
        Err(e) => return op.fault(&e),
    };
    let email_usernames = nav.email_usernames;
    let rows = found
        .into_iter()
        .map(|u| Row {
            href: format!("/admin/pools/{}/users/{}", nav.id, segment(&u.username)),
            email: u.attributes.get("email").cloned().unwrap_or_default(),
            status: u.status.as_str(),
            enabled: u.enabled,
            created: when(u.created_at),
            username: u.username,
        })
        .collect();
    chrome.pool = Some(nav);
    render(&ListView {
        pool_id: path.into_inner(),
        chrome,
        query,
        rows,
        next,
        email_usernames,
    })
}

/// `POST /admin/pools/{pool}/users`: a new user, invited by email (or text message) unless
/// the operator chose not to send the invitation.
pub async fn create(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let email = form.text("email");
    let phone = form.text("phone_number");
    let username = match form.text("username") {
        u if u.is_empty() => email.clone(),
        u => u,
    };
    let mut attributes = BTreeMap::new();
    let verified = if form.get("verified").is_some() {
        "true"
    } else {
        "false"
    };
    if !email.is_empty() {
        attributes.insert("email".to_string(), email.clone());
        attributes.insert("email_verified".to_string(), verified.to_string());
    }
    if !phone.is_empty() {
        attributes.insert("phone_number".to_string(), phone.clone());
        attributes.insert("phone_number_verified".to_string(), verified.to_string());
    }
    let mediums = match (email.is_empty(), phone.is_empty()) {
        (false, _) => vec![Medium::Email],
        (true, false) => vec![Medium::Sms],
        (true, true) => Vec::new(),
    };
    let input = NewUser {
        username: username.clone(),
        attributes,
        temporary_password: Some(form.raw("temporary_password")).filter(|p| !p.is_empty()),
        force_alias_creation: false,
        message_action: if form.get("invite").is_some() {
            MessageAction::Send
        } else {
            MessageAction::Suppress
        },
        mediums,
        validation_data: Default::default(),
        client_metadata: Default::default(),
    };
    let result = create_user::create_user(&op.svc, &pool_id, input).await;
    let back = match &result {
        Ok(user) => format!("/admin/pools/{pool_id}/users/{}", segment(&user.username)),
        Err(_) => format!("/admin/pools/{pool_id}/users"),
    };
    op.finish(
        &back,
        "AdminCreateUser",
        Some(&pool_id),
        Some(&username),
        result,
        "User created.",
    )
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct DetailView {
    chrome: Chrome,
    base: String,
    user: User,
    created: String,
    updated: String,
    groups: Vec<Group>,
    other_groups: Vec<String>,
    totp: bool,
    devices: Vec<(Device, String)>,
    events: Vec<(AuditEvent, String)>,
}

async fn load_detail(op: &Operator, nav: PoolNav, username: &str) -> Result<DetailView, AuthError> {
    let svc = &op.svc;
    let user = users::get_user(svc, &nav.id, username).await?;
    let (member_of, _) = groups::list_groups_for_user(svc, &nav.id, username, 60, None).await?;
    let (all, _) = groups::list_groups(svc, &nav.id, 60, None).await?;
    let other_groups = all
        .into_iter()
        .map(|g| g.name)
        .filter(|n| !member_of.iter().any(|m| &m.name == n))
        .collect();
    let totp = mfa::user_mfa(svc, &user).await?.totp_enabled;
    let owner = devices::Owner::Admin {
        pool_id: &nav.id,
        username,
    };
    let (found, _) = devices::list(svc, owner, 20, None).await?;
    let (events, _) = audit::user_auth_events(svc, &nav.id, username, 10, None).await?;
    Ok(DetailView {
        base: format!("/admin/pools/{}/users/{}", nav.id, segment(&user.username)),
        created: when(user.created_at),
        updated: when(user.updated_at),
        chrome: op.chrome(&user.username, Some(nav)),
        user,
        groups: member_of,
        other_groups,
        totp,
        devices: found
            .into_iter()
            .map(|d| {
                let seen = d.last_authenticated_at.map(when).unwrap_or_default();
                (d, seen)
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| {
                let at = when(e.at);
                (e, at)
            })
            .collect(),
    })
}

/// `GET /admin/pools/{pool}/users/{username}`.
pub async fn detail(op: Operator, path: web::Path<(String, String)>) -> HttpResponse {
    let (pool_id, username) = path.into_inner();
    let nav = match op.pool_nav(&pool_id, "Users").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    match load_detail(&op, nav, &username).await {
        Ok(view) => render(&view),
        Err(e) => op.fault(&e),
    }
}

#[derive(Template)]
#[template(path = "console/user_delete.html")]
struct ConfirmView {
    chrome: Chrome,
    base: String,
    username: String,
}

/// `GET /admin/pools/{pool}/users/{username}/delete`: asks before deleting.
pub async fn confirm_delete(op: Operator, path: web::Path<(String, String)>) -> HttpResponse {
    let (pool_id, username) = path.into_inner();
    let nav = match op.pool_nav(&pool_id, "Users").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    if let Err(e) = users::get_user(&op.svc, &pool_id, &username).await {
        return op.fault(&e);
    }
    render(&ConfirmView {
        base: format!("/admin/pools/{pool_id}/users/{}", segment(&username)),
        chrome: op.chrome(&format!("Delete {username}?"), Some(nav)),
        username,
    })
}

/// `POST /admin/pools/{pool}/users/{username}/{action}`: one action on the user.
pub async fn act(
    op: Operator,
    path: web::Path<(String, String, String)>,
    Form(form): Form,
) -> HttpResponse {
    let (pool_id, username, action) = path.into_inner();
    let svc = &op.svc;
    let base = format!("/admin/pools/{pool_id}/users/{}", segment(&username));
    let list = format!("/admin/pools/{pool_id}/users");
    let (name, result, done, back): (&str, Result<(), AuthError>, String, &str) =
        match action.as_str() {
            "disable" => (
                "AdminDisableUser",
                users::set_enabled(svc, &pool_id, &username, false).await,
                "User disabled: they can no longer sign in.".into(),
                &base,
            ),
            "enable" => (
                "AdminEnableUser",
                users::set_enabled(svc, &pool_id, &username, true).await,
                "User enabled.".into(),
                &base,
            ),
            "reset-password" => (
                "AdminResetUserPassword",
                reset_password::reset_password(svc, &pool_id, &username).await,
                "Password reset: a code was sent to the user.".into(),
                &base,
            ),
            "sign-out" => {
                let result = match users::load(svc, &pool_id, &username).await {
                    Ok((_, user)) => tokens::global_sign_out(svc, &user).await,
                    Err(e) => Err(e),
                };
                (
                    "AdminUserGlobalSignOut",
                    result,
                    "Signed out everywhere: every refresh token of the user is revoked.".into(),
                    &base,
                )
            }
            "delete" if form.get("confirm").is_some() => (
                "AdminDeleteUser",
                users::delete_user(svc, &pool_id, &username).await,
                format!("User {username} deleted."),
                &list,
            ),
            "delete" => return see_other(&format!("{base}/delete")),
            "add-group" => {
                let group = form.text("group");
                (
                    "AdminAddUserToGroup",
                    groups::add_user_to_group(svc, &pool_id, &username, &group).await,
                    format!("Added to {group}."),
                    &base,
                )
            }
            "remove-group" => {
                let group = form.text("group");
                (
                    "AdminRemoveUserFromGroup",
                    groups::remove_user_from_group(svc, &pool_id, &username, &group).await,
                    format!("Removed from {group}."),
                    &base,
                )
            }
            "attributes" => {
                let mut values = BTreeMap::new();
                for line in lines(&form.raw("attributes")) {
                    if let Some((name, value)) = line.split_once('=') {
                        values.insert(name.trim().to_string(), value.trim().to_string());
                    }
                }
                (
                    "AdminUpdateUserAttributes",
                    users::update_attributes(svc, &pool_id, &username, values).await,
                    "Attributes saved.".into(),
                    &base,
                )
            }
            _ => {
                return super::page::error_page(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "There is no such action.",
                );
            }
        };
    op.finish(back, name, Some(&pool_id), Some(&username), result, &done)
}
