//! Routing `X-Amz-Target` to an action, after SigV4 for the actions that need it. The table of
//! actions is the one place that names them all.

use super::actions;
use super::error::ApiError;
use super::sigv4;
use super::wire;
use crate::domain::AuthError;
use crate::services::admin_keys::AdminKeys;
use crate::services::{Services, rate_limit};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// What the JSON API needs besides the services.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub services: Services,
    pub admin_keys: AdminKeys,
    /// The wall clock SigV4 timestamps are checked against. It is not the services' injected
    /// clock: signatures are made by real clients with real time, even when tests move the
    /// services' clock forward.
    pub signing_clock: crate::clock::Clock,
    /// Calls per minute per client IP and action group (0: off).
    pub rate_limit_per_ip: u32,
    /// Whether the client IP is the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
}

/// Mounts `POST /` (and the CORS pre-flight browsers send before calling it).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::post().to(handle)).route(
        "/",
        web::method(actix_web::http::Method::OPTIONS).to(preflight),
    );
}

/// Actions Cognito serves without SigV4 (smithy `noAuth`): client-id or access-token based.
const PUBLIC_ACTIONS: &[&str] = &[
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "RevokeToken",
    "UpdateAuthEventFeedback",
    "GetUser",
    "UpdateUserAttributes",
    "DeleteUserAttributes",
    "DeleteUser",
    "ChangePassword",
    "GlobalSignOut",
    "GetUserAttributeVerificationCode",
    "VerifyUserAttribute",
    "SetUserMFAPreference",
    "SetUserSettings",
    "GetUserAuthFactors",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
    "ConfirmDevice",
    "GetDevice",
    "ListDevices",
    "ForgetDevice",
    "UpdateDeviceStatus",
];

/// True when `action` needs no signature.
pub fn is_public(action: &str) -> bool {
    PUBLIC_ACTIONS.contains(&action)
}

async fn preflight() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("Access-Control-Allow-Methods", "POST, OPTIONS"))
        .insert_header((
            "Access-Control-Allow-Headers",
            "content-type, x-amz-target, x-amz-user-agent, cache-control, authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token, amz-sdk-invocation-id, amz-sdk-request",
        ))
        .insert_header(("Access-Control-Max-Age", "86400"))
        .finish()
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<ApiState>) -> HttpResponse {
    let result = run(&req, &body, &state).await;
    let response = match result {
        Ok(value) => HttpResponse::Ok()
            .content_type("application/x-amz-json-1.1")
            .body(value.to_string()),
        Err(e) => {
            tracing::info!(error_type = e.type_name, "request refused");
            e.response()
        }
    };
    with_cors(response)
}

fn with_cors(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        actix_web::http::header::HeaderValue::from_static("*"),
    );
    response.headers_mut().insert(
        actix_web::http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        actix_web::http::header::HeaderValue::from_static("x-amzn-RequestId, x-amzn-ErrorType"),
    );
    response
}

async fn run(
    req: &HttpRequest,
    body: &[u8],
    state: &ApiState,
) -> Result<serde_json::Value, ApiError> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(action) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(ApiError::new(
            "UnknownOperationException",
            "Missing or unknown X-Amz-Target; expected AWSCognitoIdentityProviderService.<Action>.",
        ));
    };
    tracing::Span::current().record("action", action);
    if !IMPLEMENTED.contains(&action) {
        return Err(ApiError::new(
            "UnknownOperationException",
            format!("Tessera does not support the operation {action}."),
        ));
    }
    let svc = &state.services;
    let admin = if is_public(action) {
        None
    } else {
        // Refused signatures count per client IP: past the limit an address is refused before
        // anything is checked (or audited) until its window ends.
        let ip = crate::http::client_ip::client_ip(req, state.trust_forwarded_for);
        let bucket = format!("ip:{ip}:admin");
        let limit = state.rate_limit_per_ip;
        rate_limit::check_failures(svc, &bucket, limit, 60_000).await?;
        // A refused signature or body is an administrator's attempt too: audited, with no actor.
        let checked = match authenticate(req, body, state).await {
            Ok(key_id) => wire::check_json(body).map(|()| key_id),
            Err(e) => Err(e),
        };
        match checked {
            Ok(key_id) => Some(key_id),
            Err(e) => {
                audit_admin(svc, action, None, body, Some(e.type_name));
                if e.status.is_client_error() {
                    rate_limit::failed(svc, &bucket, limit, 60_000).await;
                }
                return Err(e);
            }
        }
    };
    if admin.is_none() {
        wire::check_json(body)?;
    }
    let limited = rate_group(action).map(|(group, failures_only)| {
        let ip = crate::http::client_ip::client_ip(req, state.trust_forwarded_for);
        (format!("ip:{ip}:{group}"), failures_only)
    });
    let limit = state.rate_limit_per_ip;
    match &limited {
        Some((bucket, true)) => rate_limit::check_failures(svc, bucket, limit, 60_000).await?,
        Some((bucket, false)) => rate_limit::check(svc, bucket, limit, 60_000).await?,
        None => {}
    }
    let result = route(action, svc, body).await.unwrap_or_else(|| {
        Err(ApiError::new(
            "UnknownOperationException",
            format!("Tessera does not support the operation {action}."),
        ))
    });
    // The caller's failures count; ours (5xx) and the limit's own refusals do not.
    if let (Some((bucket, true)), Err(e)) = (&limited, &result)
        && e.status.is_client_error()
        && e.type_name != "TooManyRequestsException"
    {
        rate_limit::failed(svc, bucket, limit, 60_000).await;
    }
    if let Some(key_id) = &admin {
        let error = result.as_ref().err().map(|e| e.type_name);
        audit_admin(svc, action, Some(key_id), body, error);
    }
    result
}

/// The group a public, unauthenticated action is rate-limited in (per client IP). Actions that
/// carry an access token or a SigV4 signature are not limited here.
/// Sign-ins and refreshes count their failures only; sign-ups and recovery, which send
/// messages, every call.
fn rate_group(action: &str) -> Option<(&'static str, bool)> {
    match action {
        "InitiateAuth" | "RespondToAuthChallenge" => Some(("auth", true)),
        "SignUp" | "ConfirmSignUp" | "ResendConfirmationCode" => Some(("sign_up", false)),
        "ForgotPassword" | "ConfirmForgotPassword" => Some(("recovery", false)),
        "GetTokensFromRefreshToken" | "RevokeToken" => Some(("token", true)),
        _ => None,
    }
}

async fn authenticate(
    req: &HttpRequest,
    body: &[u8],
    state: &ApiState,
) -> Result<String, ApiError> {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let key_id = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .and_then(|(_, v)| sigv4::parse_authorization(v).ok())
        .map(|a| a.access_key_id);
    let secret = match &key_id {
        Some(id) => state.admin_keys.secret_of(id).await?,
        None => None,
    };
    let signed = sigv4::SignedRequest {
        method: req.method().as_str(),
        path: req.uri().path(),
        query: req.uri().query().unwrap_or_default(),
        headers,
        body,
    };
    // The secret looked up belongs to `key_id`; `verify` asks for the key it parsed itself and
    // gets it only when they are the same key.
    let verified = sigv4::verify(&signed, state.signing_clock.now(), |id| {
        secret
            .filter(|_| key_id.as_deref() == Some(id))
            .map(|s| s.expose().to_string())
    })?;
    tracing::Span::current().record("access_key_id", verified.access_key_id.as_str());
    Ok(verified.access_key_id)
}

/// The audit record of an administrator's action: the key that signed it, the pool and the
/// target its request names (identifiers only, never another member), and how it ended.
fn audit_admin(
    svc: &Services,
    action: &str,
    key_id: Option<&str>,
    body: &[u8],
    error: Option<&str>,
) {
    use crate::domain::audit::{ADMIN, AuditEvent, TARGET_MEMBERS};
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |name: &str| {
        request
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(|s| s.chars().take(256).collect::<String>())
    };
    let outcome = if error.is_some() {
        "failure"
    } else {
        "success"
    };
    let mut record = AuditEvent::new(ADMIN, action, outcome);
    record.actor = key_id.map(str::to_string);
    record.pool_id = text("UserPoolId");
    record.target = TARGET_MEMBERS.iter().find_map(|m| text(m));
    record.reason = error.map(str::to_string);
    svc.audit.record(record, svc.now());
}

/// Parses the body as `Req`, runs the action, serialises its response.
async fn call<'a, Req, Resp, F, Fut>(
    svc: &'a Services,
    body: &[u8],
    action: F,
) -> Result<serde_json::Value, ApiError>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    F: FnOnce(&'a Services, Req) -> Fut,
    Fut: Future<Output = Result<Resp, AuthError>> + 'a,
{
    let request: Req = wire::parse(body)?;
    let response = action(svc, request).await?;
    serde_json::to_value(response).map_err(|e| ApiError::from(AuthError::Internal(e.to_string())))
}

macro_rules! action_table {
    ($($name:literal => $module:ident),* $(,)?) => {
        /// Runs the named action; None when Tessera does not implement it.
        async fn route(action: &str, svc: &Services, body: &[u8]) -> Option<Result<serde_json::Value, ApiError>> {
            match action {
                $( $name => Some(call(svc, body, actions::$module::handle).await), )*
                _ => None,
            }
        }

        /// Every action Tessera implements, by its Cognito name.
        pub const IMPLEMENTED: &[&str] = &[$($name),*];

        /// Only decodes `body` as the named action's request, as [`route`] does before it runs
        /// the action; None for an action Tessera does not implement. For the fuzz targets
        /// (`tests/fuzz/`): the server never calls it.
        #[doc(hidden)]
        pub fn decode_request(action: &str, body: &[u8]) -> Option<Result<(), ApiError>> {
            match action {
                $( $name => Some(wire::parse::<actions::$module::Request>(body).map(drop)), )*
                _ => None,
            }
        }
    };
}

action_table! {
    "CreateUserPool" => create_user_pool,
    "DescribeUserPool" => describe_user_pool,
    "UpdateUserPool" => update_user_pool,
    "DeleteUserPool" => delete_user_pool,
    "ListUserPools" => list_user_pools,
    "AddCustomAttributes" => add_custom_attributes,
    "SetUserPoolMfaConfig" => set_user_pool_mfa_config,
    "GetUserPoolMfaConfig" => get_user_pool_mfa_config,
    "CreateUserPoolClient" => create_user_pool_client,
    "DescribeUserPoolClient" => describe_user_pool_client,
    "UpdateUserPoolClient" => update_user_pool_client,
    "DeleteUserPoolClient" => delete_user_pool_client,
    "ListUserPoolClients" => list_user_pool_clients,
    "CreateResourceServer" => create_resource_server,
    "DescribeResourceServer" => describe_resource_server,
    "UpdateResourceServer" => update_resource_server,
    "DeleteResourceServer" => delete_resource_server,
    "ListResourceServers" => list_resource_servers,
    "CreateIdentityProvider" => create_identity_provider,
    "DescribeIdentityProvider" => describe_identity_provider,
    "UpdateIdentityProvider" => update_identity_provider,
    "DeleteIdentityProvider" => delete_identity_provider,
    "ListIdentityProviders" => list_identity_providers,
    "GetIdentityProviderByIdentifier" => get_identity_provider_by_identifier,
    "AdminLinkProviderForUser" => admin_link_provider_for_user,
    "AdminDisableProviderForUser" => admin_disable_provider_for_user,
    "CreateUserPoolDomain" => create_user_pool_domain,
    "DescribeUserPoolDomain" => describe_user_pool_domain,
    "UpdateUserPoolDomain" => update_user_pool_domain,
    "DeleteUserPoolDomain" => delete_user_pool_domain,
    "SetUICustomization" => set_ui_customization,
    "GetUICustomization" => get_ui_customization,
    "AdminCreateUser" => admin_create_user,
    "AdminGetUser" => admin_get_user,
    "AdminGetUserAuthFactors" => admin_get_user_auth_factors,
    "ListUsers" => list_users,
    "AdminUpdateUserAttributes" => admin_update_user_attributes,
    "AdminDeleteUserAttributes" => admin_delete_user_attributes,
    "AdminDeleteUser" => admin_delete_user,
    "AdminDisableUser" => admin_disable_user,
    "AdminEnableUser" => admin_enable_user,
    "AdminSetUserPassword" => admin_set_user_password,
    "AdminResetUserPassword" => admin_reset_user_password,
    "AdminConfirmSignUp" => admin_confirm_sign_up,
    "CreateGroup" => create_group,
    "GetGroup" => get_group,
    "UpdateGroup" => update_group,
    "DeleteGroup" => delete_group,
    "ListGroups" => list_groups,
    "AdminAddUserToGroup" => admin_add_user_to_group,
    "AdminRemoveUserFromGroup" => admin_remove_user_from_group,
    "AdminListGroupsForUser" => admin_list_groups_for_user,
    "ListUsersInGroup" => list_users_in_group,
    "InitiateAuth" => initiate_auth,
    "AdminInitiateAuth" => admin_initiate_auth,
    "RespondToAuthChallenge" => respond_to_auth_challenge,
    "AdminRespondToAuthChallenge" => admin_respond_to_auth_challenge,
    "GetTokensFromRefreshToken" => get_tokens_from_refresh_token,
    "RevokeToken" => revoke_token,
    "GlobalSignOut" => global_sign_out,
    "AdminUserGlobalSignOut" => admin_user_global_sign_out,
    "SignUp" => sign_up,
    "ConfirmSignUp" => confirm_sign_up,
    "ResendConfirmationCode" => resend_confirmation_code,
    "ForgotPassword" => forgot_password,
    "ConfirmForgotPassword" => confirm_forgot_password,
    "GetUser" => get_user,
    "GetUserAuthFactors" => get_user_auth_factors,
    "ConfirmDevice" => confirm_device,
    "GetDevice" => get_device,
    "ListDevices" => list_devices,
    "ForgetDevice" => forget_device,
    "UpdateDeviceStatus" => update_device_status,
    "AdminGetDevice" => admin_get_device,
    "AdminListDevices" => admin_list_devices,
    "AdminForgetDevice" => admin_forget_device,
    "AdminUpdateDeviceStatus" => admin_update_device_status,
    "AdminListUserAuthEvents" => admin_list_user_auth_events,
    "StartWebAuthnRegistration" => start_web_authn_registration,
    "CompleteWebAuthnRegistration" => complete_web_authn_registration,
    "ListWebAuthnCredentials" => list_web_authn_credentials,
    "DeleteWebAuthnCredential" => delete_web_authn_credential,
    "AssociateSoftwareToken" => associate_software_token,
    "VerifySoftwareToken" => verify_software_token,
    "SetUserMFAPreference" => set_user_mfa_preference,
    "AdminSetUserMFAPreference" => admin_set_user_mfa_preference,
    "SetUserSettings" => set_user_settings,
    "AdminSetUserSettings" => admin_set_user_settings,
    "UpdateUserAttributes" => update_user_attributes,
    "DeleteUserAttributes" => delete_user_attributes,
    "GetUserAttributeVerificationCode" => get_user_attribute_verification_code,
    "VerifyUserAttribute" => verify_user_attribute,
    "DeleteUser" => delete_user,
    "ChangePassword" => change_password,
    "GetCSVHeader" => get_csv_header,
    "CreateUserImportJob" => create_user_import_job,
    "StartUserImportJob" => start_user_import_job,
    "StopUserImportJob" => stop_user_import_job,
    "DescribeUserImportJob" => describe_user_import_job,
    "ListUserImportJobs" => list_user_import_jobs,
}
