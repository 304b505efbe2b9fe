//! Tessera's extension of CreateUserPool / UpdateUserPool: `MigrationSource`, the Amazon
//! Cognito user pool this pool's users are moving from (the live migration,
//! `services::cognito_migration`). A user Tessera does not have, or has without a password, is
//! checked against it at sign-in and copied with the password that worked.

use super::AuthError;
use serde::{Deserialize, Serialize};

/// The source pool. An empty `UserPoolId` in an update removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MigrationSource {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub user_pool_id: String,
    /// An app client of the source pool that allows ADMIN_USER_PASSWORD_AUTH and has no
    /// secret.
    #[serde(default)]
    pub client_id: String,
    /// Another endpoint than AWS's regional one (a test double, a VPC endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl MigrationSource {
    /// The source as the pool keeps it: None to remove it, else checked.
    pub fn checked(self) -> Result<Option<MigrationSource>, AuthError> {
        if self.user_pool_id.is_empty() {
            return Ok(None);
        }
        let invalid =
            |what: &str| AuthError::InvalidParameter(format!("MigrationSource: {what}").into());
        let region_ok = !self.region.is_empty()
            && self.region.len() <= 32
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(invalid("Region must be an AWS region such as us-east-1"));
        }
        let pool_ok = self.user_pool_id.len() <= 55
            && self.user_pool_id.split_once('_').is_some_and(|(r, id)| {
                !r.is_empty() && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !pool_ok {
            return Err(invalid("UserPoolId must be a user pool id"));
        }
        let client_ok = !self.client_id.is_empty()
            && self.client_id.len() <= 128
            && self
                .client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+');
        if !client_ok {
            return Err(invalid("ClientId must be an app client id"));
        }
        if let Some(endpoint) = &self.endpoint {
            let ok = url::Url::parse(endpoint)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(invalid("Endpoint must be an http(s) URL"));
            }
        }
        Ok(Some(self))
    }

    /// The API's URL: the endpoint given, or AWS's regional one.
    pub fn url(&self) -> String {
        match &self.endpoint {
            Some(e) => e.clone(),
            None => format!("https://cognito-idp.{}.amazonaws.com/", self.region),
        }
    }
}
