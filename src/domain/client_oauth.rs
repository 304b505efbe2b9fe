//! The OAuth members of an app client and the rules between them: redirect URLs, identity
//! providers, flows and scopes (reference §1.2, §2.4, §5.12; DESIGN §4).

use super::AuthError;
use super::client::{ClientContext, ClientInput, dedup};
use super::redirect_url;
use super::validate::Violations;

/// Scopes every pool has.
pub const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];
/// `AllowedOAuthFlows` values.
pub const OAUTH_FLOWS: &[&str] = &["code", "implicit", "client_credentials"];
/// The user pool's own sign-in, which every pool offers besides its identity providers.
pub const COGNITO: &str = "COGNITO";

/// The checked OAuth members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthSettings {
    pub supported_identity_providers: Vec<String>,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    pub default_redirect_uri: Option<String>,
    pub flows: Vec<String>,
    pub scopes: Vec<String>,
    pub enabled: bool,
}

/// Checks the OAuth members of a create or update request.
pub fn check(input: &ClientInput, ctx: ClientContext<'_>) -> Result<OAuthSettings, AuthError> {
    let mut v = Violations::new();
    v.count(
        "CallbackURLs",
        input.callback_urls.as_ref().map(Vec::len),
        0,
        100,
    );
    v.count(
        "LogoutURLs",
        input.logout_urls.as_ref().map(Vec::len),
        0,
        100,
    );
    v.count(
        "AllowedOAuthFlows",
        input.allowed_oauth_flows.as_ref().map(Vec::len),
        0,
        3,
    );
    v.count(
        "AllowedOAuthScopes",
        input.allowed_oauth_scopes.as_ref().map(Vec::len),
        0,
        50,
    );
    for url in input.callback_urls.iter().flatten() {
        v.length("CallbackURLs", Some(url), 1, 1024);
    }
    for url in input.logout_urls.iter().flatten() {
        v.length("LogoutURLs", Some(url), 1, 1024);
    }
    v.length(
        "DefaultRedirectURI",
        input.default_redirect_uri.as_deref(),
        1,
        1024,
    );
    for flow in input.allowed_oauth_flows.iter().flatten() {
        v.one_of("AllowedOAuthFlows", Some(flow), OAUTH_FLOWS);
    }
    for scope in input.allowed_oauth_scopes.iter().flatten() {
        v.length("AllowedOAuthScopes", Some(scope), 1, 256);
    }
    v.finish()?;

    let callback_urls = dedup(input.callback_urls.as_deref().unwrap_or_default());
    let logout_urls = dedup(input.logout_urls.as_deref().unwrap_or_default());
    for url in &callback_urls {
        redirect_url::check("CallbackURL", url)?;
    }
    for url in &logout_urls {
        redirect_url::check("LogoutURL", url)?;
    }
    if let Some(default) = &input.default_redirect_uri {
        redirect_url::check("DefaultRedirectURI", default)?;
        if !callback_urls.contains(default) {
            return Err(AuthError::InvalidParameter(
                format!("DefaultRedirectURI '{default}' must be one of the CallbackURLs.").into(),
            ));
        }
    }
    let providers = dedup(
        input
            .supported_identity_providers
            .as_deref()
            .unwrap_or_default(),
    );
    if let Some(unknown) = providers
        .iter()
        .find(|p| *p != COGNITO && !ctx.identity_providers.contains(p))
    {
        return Err(AuthError::InvalidParameter(
            format!(
                "The provider {unknown} does not exist for User Pool {}",
                ctx.pool_id
            )
            .into(),
        ));
    }
    let scopes = dedup(input.allowed_oauth_scopes.as_deref().unwrap_or_default());
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !STANDARD_SCOPES.contains(&s.as_str()) && !ctx.custom_scopes.contains(s))
    {
        return Err(AuthError::ScopeDoesNotExist(
            format!("Invalid scope requested: {unknown}").into(),
        ));
    }
    let flows = dedup(input.allowed_oauth_flows.as_deref().unwrap_or_default());
    let has = |f: &str| flows.iter().any(|g| g == f);
    if has("client_credentials") {
        if has("code") || has("implicit") {
            return Err(AuthError::InvalidOAuthFlow(
                "client_credentials flow can not be selected along with code flow or implicit flow."
                    .into(),
            ));
        }
        if !ctx.has_secret {
            return Err(AuthError::InvalidOAuthFlow(
                "client_credentials flow can not be selected if client does not have a client secret."
                    .into(),
            ));
        }
        if let Some(standard) = scopes
            .iter()
            .find(|s| STANDARD_SCOPES.contains(&s.as_str()))
        {
            return Err(AuthError::InvalidOAuthFlow(format!(
                "client_credentials flow can only be used with custom scopes ({standard} is not one)."
            ).into()));
        }
    }
    let enabled = input.allowed_oauth_flows_user_pool_client.unwrap_or(false);
    if enabled {
        if flows.is_empty() || scopes.is_empty() {
            return Err(AuthError::InvalidOAuthFlow(
                "AllowedOAuthFlows and AllowedOAuthScopes are required when \
                 AllowedOAuthFlowsUserPoolClient is true."
                    .into(),
            ));
        }
        if (has("code") || has("implicit")) && callback_urls.is_empty() {
            return Err(AuthError::InvalidParameter(
                "CallbackURLs are required for the code and implicit flows.".into(),
            ));
        }
    }
    Ok(OAuthSettings {
        supported_identity_providers: providers,
        callback_urls,
        logout_urls,
        default_redirect_uri: input.default_redirect_uri.clone(),
        flows,
        scopes,
        enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(has_secret: bool) -> ClientContext<'static> {
        static CUSTOM: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["api/read".to_string()]);
        ClientContext {
            identity_providers: &[],
            pool_id: "local_x",
            schema: &[],
            custom_scopes: &CUSTOM,
            has_secret,
        }
    }

    fn oauth(flows: &[&str], scopes: &[&str]) -> ClientInput {
        ClientInput {
            allowed_oauth_flows: Some(flows.iter().map(|s| s.to_string()).collect()),
            allowed_oauth_scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
            allowed_oauth_flows_user_pool_client: Some(true),
            callback_urls: Some(vec!["https://app.example.com/cb".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn client_credentials_rules() {
        let ok = oauth(&["client_credentials"], &["api/read"]);
        assert!(check(&ok, ctx(true)).is_ok());
        assert!(matches!(
            check(&ok, ctx(false)),
            Err(AuthError::InvalidOAuthFlow(_))
        ));
        let mixed = oauth(&["client_credentials", "code"], &["api/read"]);
        assert!(matches!(
            check(&mixed, ctx(true)),
            Err(AuthError::InvalidOAuthFlow(_))
        ));
        let standard = oauth(&["client_credentials"], &["openid"]);
        assert!(matches!(
            check(&standard, ctx(true)),
            Err(AuthError::InvalidOAuthFlow(_))
        ));
    }

    #[test]
    fn unknown_scopes_and_providers() {
        let bad = oauth(&["code"], &["api/write"]);
        assert_eq!(
            check(&bad, ctx(false)),
            Err(AuthError::ScopeDoesNotExist(
                "Invalid scope requested: api/write".into()
            ))
        );
        let mut idp = oauth(&["code"], &["openid"]);
        idp.supported_identity_providers = Some(vec!["Google".into()]);
        assert!(matches!(
            check(&idp, ctx(false)),
            Err(AuthError::InvalidParameter(_))
        ));
    }

    #[test]
    fn default_redirect_must_be_a_callback() {
        let mut i = oauth(&["code"], &["openid"]);
        i.default_redirect_uri = Some("https://other.example.com/cb".into());
        assert!(check(&i, ctx(false)).is_err());
        i.default_redirect_uri = Some("https://app.example.com/cb".into());
        assert!(check(&i, ctx(false)).is_ok());
    }
}
