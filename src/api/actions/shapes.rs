//! Shapes used by several actions (`UserPoolType`, `UserType`, `GroupType`, `AttributeType`,
//! the user reference members), built from domain values.

use crate::api::wire::epoch;
use crate::domain::client::UserPoolClient;
use crate::domain::group::Group;
use crate::domain::identity_provider::IdentityProvider;
use crate::domain::pool::UserPool;
use crate::domain::resource_server::ResourceServer;
use crate::domain::user::User;
use crate::services::ACCOUNT_ID;
use crate::services::admin::domains::DomainDescription;
use crate::services::admin::pools::PoolDescription;
use serde_json::{Map, Value, json};

fn put(map: &mut Map<String, Value>, key: &str, value: impl serde::Serialize) {
    if let Ok(v) = serde_json::to_value(value)
        && !v.is_null()
    {
        map.insert(key.to_string(), v);
    }
}

/// `UserPoolType` as DescribeUserPool and CreateUserPool return it.
pub fn user_pool_type(d: &PoolDescription) -> Value {
    let p = &d.pool;
    let s = &p.settings;
    let mut m = Map::new();
    put(&mut m, "Id", &p.id);
    put(&mut m, "Name", &p.name);
    put(&mut m, "Arn", &d.arn);
    put(
        &mut m,
        "Policies",
        json!({ "PasswordPolicy": s.password_policy, "SignInPolicy": s.sign_in_policy.clone().unwrap_or_else(|| json!({"AllowedFirstAuthFactors": ["PASSWORD"]})) }),
    );
    put(&mut m, "DeletionProtection", &s.deletion_protection);
    put(&mut m, "LambdaConfig", &s.lambda_config);
    if let Some(source) = &s.migration_source {
        put(&mut m, "MigrationSource", source);
    }
    put(&mut m, "LastModifiedDate", epoch(p.updated_at));
    put(&mut m, "CreationDate", epoch(p.created_at));
    put(&mut m, "SchemaAttributes", &s.schema);
    if !s.auto_verified_attributes.is_empty() {
        put(
            &mut m,
            "AutoVerifiedAttributes",
            &s.auto_verified_attributes,
        );
    }
    if !s.alias_attributes.is_empty() {
        put(&mut m, "AliasAttributes", &s.alias_attributes);
    }
    if !s.username_attributes.is_empty() {
        put(&mut m, "UsernameAttributes", &s.username_attributes);
    }
    put(
        &mut m,
        "SmsVerificationMessage",
        &s.sms_verification_message,
    );
    put(
        &mut m,
        "EmailVerificationMessage",
        &s.email_verification_message,
    );
    put(
        &mut m,
        "EmailVerificationSubject",
        &s.email_verification_subject,
    );
    put(
        &mut m,
        "VerificationMessageTemplate",
        &s.verification_message_template,
    );
    put(
        &mut m,
        "SmsAuthenticationMessage",
        &s.sms_authentication_message,
    );
    put(
        &mut m,
        "UserAttributeUpdateSettings",
        &s.user_attribute_update_settings,
    );
    put(&mut m, "MfaConfiguration", &s.mfa_configuration);
    put(&mut m, "DeviceConfiguration", &s.device_configuration);
    put(&mut m, "EstimatedNumberOfUsers", d.estimated_users);
    put(&mut m, "EmailConfiguration", &s.email_configuration);
    put(&mut m, "SmsConfiguration", &s.sms_configuration);
    put(&mut m, "UserPoolTags", &s.user_pool_tags);
    put(&mut m, "Domain", &d.domain);
    put(&mut m, "CustomDomain", &d.custom_domain);
    put(&mut m, "AdminCreateUserConfig", &s.admin_create_user_config);
    put(&mut m, "UserPoolAddOns", &s.user_pool_add_ons);
    put(
        &mut m,
        "UsernameConfiguration",
        json!({ "CaseSensitive": s.case_sensitive }),
    );
    put(
        &mut m,
        "AccountRecoverySetting",
        &s.account_recovery_setting,
    );
    put(&mut m, "UserPoolTier", &s.user_pool_tier);
    Value::Object(m)
}

/// `UserPoolDescriptionType` as ListUserPools returns it.
pub fn user_pool_description(p: &UserPool) -> Value {
    json!({
        "Id": p.id,
        "Name": p.name,
        "LambdaConfig": p.settings.lambda_config,
        "Status": "Enabled",
        "LastModifiedDate": epoch(p.updated_at),
        "CreationDate": epoch(p.created_at),
    })
}

/// `UserPoolClientType` as the client actions return it (the secret included).
pub fn user_pool_client_type(c: &UserPoolClient) -> Value {
    let s = &c.settings;
    let mut m = Map::new();
    put(&mut m, "UserPoolId", &c.pool_id);
    put(&mut m, "ClientName", &c.name);
    put(&mut m, "ClientId", &c.id);
    put(&mut m, "ClientSecret", &c.secret);
    put(&mut m, "LastModifiedDate", epoch(c.updated_at));
    put(&mut m, "CreationDate", epoch(c.created_at));
    put(&mut m, "RefreshTokenValidity", s.refresh_token_validity);
    put(&mut m, "AccessTokenValidity", s.access_token_validity);
    put(&mut m, "IdTokenValidity", s.id_token_validity);
    put(&mut m, "TokenValidityUnits", &s.token_validity_units);
    let lists = [
        ("ReadAttributes", &s.read_attributes),
        ("WriteAttributes", &s.write_attributes),
        ("ExplicitAuthFlows", &s.explicit_auth_flows),
        (
            "SupportedIdentityProviders",
            &s.supported_identity_providers,
        ),
        ("CallbackURLs", &s.callback_urls),
        ("LogoutURLs", &s.logout_urls),
        ("AllowedOAuthFlows", &s.allowed_oauth_flows),
        ("AllowedOAuthScopes", &s.allowed_oauth_scopes),
    ];
    for (key, list) in lists {
        if !list.is_empty() {
            put(&mut m, key, list);
        }
    }
    put(&mut m, "DefaultRedirectURI", &s.default_redirect_uri);
    put(
        &mut m,
        "AllowedOAuthFlowsUserPoolClient",
        s.allowed_oauth_flows_user_pool_client,
    );
    put(&mut m, "AnalyticsConfiguration", &s.analytics_configuration);
    put(
        &mut m,
        "PreventUserExistenceErrors",
        &s.prevent_user_existence_errors,
    );
    put(&mut m, "EnableTokenRevocation", s.enable_token_revocation);
    put(
        &mut m,
        "EnablePropagateAdditionalUserContextData",
        s.enable_propagate_additional_user_context_data,
    );
    put(&mut m, "AuthSessionValidity", s.auth_session_validity);
    put(&mut m, "RefreshTokenRotation", &s.refresh_token_rotation);
    Value::Object(m)
}

/// `ResourceServerType`.
pub fn resource_server_type(rs: &ResourceServer) -> Value {
    json!({
        "UserPoolId": rs.pool_id,
        "Identifier": rs.identifier,
        "Name": rs.name,
        "Scopes": rs.scopes,
    })
}

/// `DomainDescriptionType` (no S3Bucket: there is none).
pub fn domain_description_type(d: &DomainDescription) -> Value {
    let mut m = Map::new();
    put(&mut m, "UserPoolId", &d.row.pool_id);
    put(&mut m, "AWSAccountId", ACCOUNT_ID);
    put(&mut m, "Domain", &d.row.domain);
    put(&mut m, "CloudFrontDistribution", &d.cloudfront_distribution);
    put(&mut m, "Version", d.row.updated_at.to_string());
    put(&mut m, "Status", "ACTIVE");
    put(&mut m, "CustomDomainConfig", &d.custom_config);
    put(&mut m, "ManagedLoginVersion", d.row.managed_login_version);
    Value::Object(m)
}
/// `AttributeType` as requests carry it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeInput {
    pub name: String,
    pub value: Option<String>,
}

/// A request's attribute list as a map (a later duplicate wins, as in Cognito).
pub fn attribute_map(list: Vec<AttributeInput>) -> std::collections::BTreeMap<String, String> {
    list.into_iter()
        .map(|a| (a.name, a.value.unwrap_or_default()))
        .collect()
}

/// Checks a `UserPoolId` member against Cognito's model.
pub fn check_pool_id(v: &mut crate::domain::validate::Violations, pool_id: &str) {
    use crate::domain::validate::patterns;
    v.length("UserPoolId", Some(pool_id), 1, 55);
    v.pattern(
        "UserPoolId",
        Some(pool_id),
        &patterns::USER_POOL_ID,
        r"[\w-]+_[0-9a-zA-Z]+",
    );
}

/// Checks the `UserPoolId` and `Username` members most user actions carry.
pub fn check_user_ref(pool_id: &str, username: &str) -> Result<(), crate::domain::AuthError> {
    use crate::domain::validate::{Violations, patterns};
    let mut v = Violations::new();
    check_pool_id(&mut v, pool_id);
    v.length("Username", Some(username), 1, 128);
    v.pattern(
        "Username",
        Some(username),
        &patterns::USERNAME,
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    );
    v.finish()
}

/// A user's attributes as `[{Name, Value}]`: `sub` first, then by name; only `only` when given.
pub fn attribute_list(user: &User, only: Option<&[String]>) -> Vec<Value> {
    let wanted = |name: &str| only.is_none_or(|o| o.iter().any(|n| n == name));
    let sub = user.attributes.get("sub").filter(|_| wanted("sub"));
    sub.map(|v| json!({ "Name": "sub", "Value": v }))
        .into_iter()
        .chain(
            user.attributes
                .iter()
                .filter(|(n, _)| n.as_str() != "sub" && wanted(n))
                .map(|(n, v)| json!({ "Name": n, "Value": v })),
        )
        .collect()
}

/// `UserType` as ListUsers, ListUsersInGroup and AdminCreateUser return it.
pub fn user_type(user: &User, only: Option<&[String]>) -> Value {
    json!({
        "Username": user.username,
        "Attributes": attribute_list(user, only),
        "UserCreateDate": epoch(user.created_at),
        "UserLastModifiedDate": epoch(user.updated_at),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    })
}

/// `GroupType`.
pub fn group_type(g: &Group) -> Value {
    let mut m = Map::new();
    put(&mut m, "GroupName", &g.name);
    put(&mut m, "UserPoolId", &g.pool_id);
    put(&mut m, "Description", &g.description);
    put(&mut m, "RoleArn", &g.role_arn);
    put(&mut m, "Precedence", g.precedence);
    put(&mut m, "LastModifiedDate", epoch(g.updated_at));
    put(&mut m, "CreationDate", epoch(g.created_at));
    Value::Object(m)
}

/// `DeviceType`.
pub fn device_type(d: &crate::domain::devices::Device) -> Value {
    let mut m = Map::new();
    put(&mut m, "DeviceKey", &d.key);
    let attributes: Vec<Value> = d
        .attributes()
        .into_iter()
        .map(|(name, value)| json!({ "Name": name, "Value": value }))
        .collect();
    put(&mut m, "DeviceAttributes", attributes);
    put(&mut m, "DeviceCreateDate", epoch(d.created_at));
    put(&mut m, "DeviceLastModifiedDate", epoch(d.updated_at));
    if let Some(at) = d.last_authenticated_at {
        put(&mut m, "DeviceLastAuthenticatedDate", epoch(at));
    }
    Value::Object(m)
}

/// `IdentityProviderType`.
pub fn identity_provider_type(p: &IdentityProvider) -> Value {
    let mut m = Map::new();
    put(&mut m, "UserPoolId", &p.pool_id);
    put(&mut m, "ProviderName", &p.name);
    put(&mut m, "ProviderType", p.kind.as_str());
    put(&mut m, "ProviderDetails", p.shown_details());
    put(&mut m, "AttributeMapping", &p.attribute_mapping);
    put(&mut m, "IdpIdentifiers", &p.idp_identifiers);
    put(&mut m, "LastModifiedDate", epoch(p.updated_at));
    put(&mut m, "CreationDate", epoch(p.created_at));
    Value::Object(m)
}

/// `ProviderDescription`, as ListIdentityProviders shows a provider.
pub fn provider_description_type(p: &IdentityProvider) -> Value {
    let mut m = Map::new();
    put(&mut m, "ProviderName", &p.name);
    put(&mut m, "ProviderType", p.kind.as_str());
    put(&mut m, "LastModifiedDate", epoch(p.updated_at));
    put(&mut m, "CreationDate", epoch(p.created_at));
    Value::Object(m)
}

/// `UserImportJobType`, with the job's upload URL.
pub fn user_import_job_type(view: &crate::services::user_import::JobView) -> Value {
    let (job, url) = view;
    let mut m = Map::new();
    put(&mut m, "JobName", &job.name);
    put(&mut m, "JobId", &job.id);
    put(&mut m, "UserPoolId", &job.pool_id);
    put(&mut m, "PreSignedUrl", url);
    put(&mut m, "CreationDate", epoch(job.created_at));
    if let Some(at) = job.started_at {
        put(&mut m, "StartDate", epoch(at));
    }
    if let Some(at) = job.completed_at {
        put(&mut m, "CompletionDate", epoch(at));
    }
    put(&mut m, "Status", job.status.as_str());
    put(&mut m, "CloudWatchLogsRoleArn", &job.role_arn);
    put(&mut m, "ImportedUsers", job.imported);
    put(&mut m, "SkippedUsers", job.skipped);
    put(&mut m, "FailedUsers", job.failed);
    if let Some(message) = &job.completion_message {
        put(&mut m, "CompletionMessage", message);
    }
    if let Some(a) = job.hashing_algorithm {
        put(&mut m, "PasswordHashingAlgorithm", a.as_str());
    }
    Value::Object(m)
}

/// Adds `token` under `member` when there is a next page.
pub fn with_token(mut out: Value, member: &str, token: Option<String>) -> Value {
    if let Some(t) = token {
        out[member] = json!(t);
    }
    out
}

/// Adds `UserMFASettingList`, `PreferredMfaSetting` and the legacy `MFAOptions` (SMS MFA)
/// (GetUser, AdminGetUser) when the user has a factor enabled.
pub fn add_mfa_settings(out: &mut Value, mfa: &crate::domain::mfa::UserMfa) {
    let (preferred, list) = crate::services::mfa::settings_view(mfa);
    if list.is_empty() {
        return;
    }
    if let Some(o) = out.as_object_mut() {
        if let Some(options) = crate::services::mfa::mfa_options_view(mfa) {
            o.insert("MFAOptions".into(), options);
        }
        o.insert("UserMFASettingList".into(), serde_json::json!(list));
        if let Some(p) = preferred {
            o.insert("PreferredMfaSetting".into(), Value::String(p));
        }
    }
}
