//! The pools: the list with a form for a new pool, a pool's settings (name, deletion
//! protection, self sign-up, password policy, MFA, triggers, message templates), and deleting
//! a pool. Settings are saved with UpdateUserPool's service from the pool's own settings with
//! the form's members changed (a full replace keeps everything else), then MFA with
//! SetUserPoolMfaConfig's.

use super::page::render;
use super::session::{Form, Operator};
use crate::domain::AuthError;
use crate::domain::pool::{PoolInput, UserPool};
use crate::domain::pool_mfa::{MfaConfigInput, SoftwareTokenMfaConfig};
use crate::services::admin::{mfa_config, pools};
use crate::ui::forms::FormData;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The triggers the settings page edits: (LambdaConfig member, label).
pub const TRIGGERS: [(&str, &str); 10] = [
    ("PreSignUp", "Pre sign-up"),
    ("PostConfirmation", "Post confirmation"),
    ("PreAuthentication", "Pre authentication"),
    ("PostAuthentication", "Post authentication"),
    ("PreTokenGeneration", "Pre token generation"),
    ("CustomMessage", "Custom message"),
    ("UserMigration", "User migration"),
    ("DefineAuthChallenge", "Define auth challenge"),
    ("CreateAuthChallenge", "Create auth challenge"),
    (
        "VerifyAuthChallengeResponse",
        "Verify auth challenge response",
    ),
];

/// An epoch-milliseconds time as people read it (UTC, to the minute).
pub fn when(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "console/pools.html")]
struct ListView {
    chrome: super::page::Chrome,
    pools: Vec<(String, String, String)>,
    next: Option<String>,
}

/// `GET /admin/`: the pools.
pub async fn list(op: Operator, req: HttpRequest) -> HttpResponse {
    let token = crate::ui::page::query_param(&req, "next");
    match pools::list_pools(&op.svc, 60, token.as_deref()).await {
        Ok((found, next)) => render(&ListView {
            chrome: op.chrome("User pools", None),
            pools: found
                .into_iter()
                .map(|p| (p.id, p.name, when(p.created_at)))
                .collect(),
            next,
        }),
        Err(e) => op.fault(&e),
    }
}

/// `POST /admin/pools`: a new pool with the name and sign-in identifier given.
pub async fn create(op: Operator, Form(form): Form) -> HttpResponse {
    let name = form.text("name");
    let mut input = PoolInput {
        pool_name: Some(name.clone()),
        ..Default::default()
    };
    if form.text("sign_in") == "email" {
        input.username_attributes = Some(vec!["email".into()]);
        input.auto_verified_attributes = Some(vec!["email".into()]);
    }
    let result = pools::create_pool(&op.svc, input).await;
    let (back, pool_id) = match &result {
        Ok(pool) => (format!("/admin/pools/{}", pool.id), Some(pool.id.clone())),
        Err(_) => ("/admin/".to_string(), None),
    };
    op.finish(
        &back,
        "CreateUserPool",
        pool_id.as_deref(),
        Some(&name),
        result,
        "User pool created.",
    )
}

#[derive(Template)]
#[template(path = "console/pool.html")]
struct SettingsView {
    chrome: super::page::Chrome,
    pool: UserPool,
    users: i64,
    created: String,
    triggers: Vec<(&'static str, &'static str, String)>,
    verify_subject: String,
    verify_email: String,
    verify_sms: String,
    invite_subject: String,
    invite_email: String,
    invite_sms: String,
}

/// `GET /admin/pools/{pool}`: the pool's settings.
pub async fn settings(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Settings").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let described = match pools::describe_pool(&op.svc, &nav.id).await {
        Ok(d) => d,
        Err(e) => return op.fault(&e),
    };
    let pool = described.pool;
    let lambda = serde_json::to_value(&pool.settings.lambda_config).unwrap_or_default();
    let triggers = TRIGGERS
        .iter()
        .map(|(member, label)| {
            let value = lambda
                .get(member)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            (*member, *label, value.to_string())
        })
        .collect();
    let template = &pool.settings.verification_message_template;
    let invite = pool
        .settings
        .admin_create_user_config
        .invite_message_template
        .clone()
        .unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    render(&SettingsView {
        chrome: op.chrome("Settings", Some(nav)),
        users: described.estimated_users,
        created: when(pool.created_at),
        triggers,
        verify_subject: text(&template.email_subject),
        verify_email: text(&template.email_message),
        verify_sms: text(&template.sms_message),
        invite_subject: text(&invite.email_subject),
        invite_email: text(&invite.email_message),
        invite_sms: text(&invite.sms_message),
        pool,
    })
}

/// The settings form applied to the pool's current UpdateUserPool request.
fn changed(pool: &UserPool, form: &FormData) -> Result<PoolInput, AuthError> {
    let mut input = pool.settings.update_input(&form.text("name"));
    let number = |name: &str| -> Result<i64, AuthError> {
        form.text(name).parse().map_err(|_| {
            AuthError::InvalidParameter(format!("{name} must be a whole number.").into())
        })
    };
    let on = |name: &str| form.get(name).is_some();
    input.deletion_protection = Some(
        if on("deletion_protection") {
            "ACTIVE"
        } else {
            "INACTIVE"
        }
        .into(),
    );
    if let Some(policies) = input.policies.as_mut()
        && let Some(policy) = policies.password_policy.as_mut()
    {
        policy.minimum_length = Some(number("minimum_length")?);
        policy.require_uppercase = Some(on("require_uppercase"));
        policy.require_lowercase = Some(on("require_lowercase"));
        policy.require_numbers = Some(on("require_numbers"));
        policy.require_symbols = Some(on("require_symbols"));
        policy.temporary_password_validity_days = Some(number("temporary_password_validity_days")?);
    }
    let admin = input
        .admin_create_user_config
        .get_or_insert_with(Default::default);
    admin.allow_admin_create_user_only = Some(on("admin_only"));
    let optional = |name: &str| Some(form.raw(name)).filter(|v| !v.trim().is_empty());
    let mut invite = admin.invite_message_template.clone().unwrap_or_default();
    invite.email_subject = optional("invite_subject");
    invite.email_message = optional("invite_email");
    invite.sms_message = optional("invite_sms");
    admin.invite_message_template = Some(invite);
    let mut lambda = input
        .lambda_config
        .take()
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(members) = lambda.as_object_mut() {
        for (member, _) in TRIGGERS {
            match optional(member) {
                Some(target) => {
                    members.insert(member.to_string(), target.trim().into());
                }
                None => {
                    members.remove(member);
                }
            }
        }
        // A V2 pre-token trigger follows the plain member when that is changed here.
        if let Some(config) = members.get_mut("PreTokenGenerationConfig") {
            match optional("PreTokenGeneration") {
                Some(target) => config["LambdaArn"] = target.trim().into(),
                None => {
                    members.remove("PreTokenGenerationConfig");
                }
            }
        }
    }
    input.lambda_config = Some(lambda);
    let mut template = input
        .verification_message_template
        .take()
        .unwrap_or_default();
    template.email_subject = optional("verify_subject");
    template.email_message = optional("verify_email");
    template.sms_message = optional("verify_sms");
    input.email_verification_subject = template.email_subject.clone();
    input.email_verification_message = template.email_message.clone();
    input.sms_verification_message = template.sms_message.clone();
    input.verification_message_template = Some(template);
    Ok(input)
}

/// `POST /admin/pools/{pool}`: saves the settings, then the MFA configuration.
pub async fn save(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let back = format!("/admin/pools/{pool_id}");
    let pool = match op.svc.require_pool(&pool_id).await {
        Ok(pool) => pool,
        Err(e) => return op.fault(&e),
    };
    let result = match changed(&pool, &form) {
        Ok(input) => pools::update_pool(&op.svc, &pool_id, input).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        return op.finish(&back, "UpdateUserPool", Some(&pool_id), None, result, "");
    }
    op.audit("UpdateUserPool", Some(&pool_id), None, &result);
    let mfa = MfaConfigInput {
        software_token_mfa_configuration: Some(SoftwareTokenMfaConfig {
            enabled: Some(form.get("totp").is_some()),
        }),
        mfa_configuration: Some(form.text("mfa")),
        ..Default::default()
    };
    let result = mfa_config::set_mfa_config(&op.svc, &pool_id, &mfa).await;
    op.finish(
        &back,
        "SetUserPoolMfaConfig",
        Some(&pool_id),
        None,
        result,
        "Settings saved.",
    )
}

/// `POST /admin/pools/{pool}/delete`: deletes the pool when its name is typed to confirm.
pub async fn delete(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let pool = match op.svc.require_pool(&pool_id).await {
        Ok(pool) => pool,
        Err(e) => return op.fault(&e),
    };
    let operators = op
        .state
        .console
        .as_ref()
        .is_some_and(|c| c.pool_id == pool_id);
    let refusal = if operators {
        Some("The operators' pool cannot be deleted from the console.")
    } else if form.text("confirm") != pool.name {
        Some("Type the pool's name to confirm that it is to be deleted.")
    } else {
        None
    };
    if let Some(reason) = refusal {
        let refused: Result<(), AuthError> = Err(AuthError::InvalidParameter(reason.into()));
        let back = format!("/admin/pools/{pool_id}");
        return op.finish(&back, "DeleteUserPool", Some(&pool_id), None, refused, "");
    }
    let result = pools::delete_pool(&op.svc, &pool_id).await;
    let back = if result.is_ok() {
        "/admin/".to_string()
    } else {
        format!("/admin/pools/{pool_id}")
    };
    op.finish(
        &back,
        "DeleteUserPool",
        Some(&pool_id),
        Some(&pool.name),
        result,
        "User pool deleted.",
    )
}
