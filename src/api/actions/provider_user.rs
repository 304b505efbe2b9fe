//! `ProviderUserIdentifierType`, the user reference of AdminLinkProviderForUser and
//! AdminDisableProviderForUser: a user of the pool (`ProviderName` `Cognito`, the username as
//! `ProviderAttributeValue`) or an upstream account (`ProviderAttributeName` `Cognito_Subject`,
//! its identifier as the value).

use crate::domain::AuthError;
use crate::domain::identity_provider::IdentityProvider;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::admin::identity_providers;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderUser {
    pub provider_name: Option<String>,
    pub provider_attribute_name: Option<String>,
    pub provider_attribute_value: Option<String>,
}

impl ProviderUser {
    fn checked(&self) -> Result<(&str, &str), AuthError> {
        let mut v = Violations::new();
        v.required("ProviderName", self.provider_name.as_ref());
        v.required(
            "ProviderAttributeValue",
            self.provider_attribute_value.as_ref(),
        );
        v.length("ProviderName", self.provider_name.as_deref(), 1, 32);
        v.length(
            "ProviderAttributeValue",
            self.provider_attribute_value.as_deref(),
            1,
            2048,
        );
        v.finish()?;
        Ok((
            self.provider_name.as_deref().unwrap_or_default(),
            self.provider_attribute_value.as_deref().unwrap_or_default(),
        ))
    }

    /// The username of a user of the pool (provider `Cognito`).
    pub fn native_username(&self) -> Result<String, AuthError> {
        let (provider, value) = self.checked()?;
        if !provider.eq_ignore_ascii_case("cognito") {
            return Err(AuthError::InvalidParameter(
                "DestinationUser must be a user of the user pool (ProviderName Cognito).".into(),
            ));
        }
        Ok(value.to_string())
    }

    /// The provider and the account's identifier of an upstream account.
    pub async fn upstream(
        &self,
        svc: &Services,
        pool_id: &str,
    ) -> Result<(IdentityProvider, String), AuthError> {
        let (provider, value) = self.checked()?;
        match self.provider_attribute_name.as_deref() {
            None | Some("Cognito_Subject") => {}
            Some(_) => {
                return Err(AuthError::InvalidParameter(
                    "ProviderAttributeName must be Cognito_Subject.".into(),
                ));
            }
        }
        let p = identity_providers::require(svc, pool_id, provider).await?;
        Ok((p, value.to_string()))
    }
}
