//! The Amazon Cognito user pools API of a migration source (`domain::migration_source`): AWS
//! JSON 1.1 POSTs with `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`, signed for
//! `cognito-idp` in the source's region with this node's AWS credentials.

use super::{AwsIdentity, signature_headers};
use crate::config::AwsCredentials;
use crate::domain::migration_source::MigrationSource;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Talks to source pools; one per node.
#[derive(Debug)]
pub struct CognitoClient {
    http: reqwest::Client,
    identity: AwsIdentity,
}

/// Why a call to the source did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The source refused the password (NotAuthorizedException), or the user is disabled.
    #[error("the source pool refused the password")]
    NotAuthorized,
    /// The source has no such user.
    #[error("the source pool has no such user")]
    UserNotFound,
    /// Anything else: unreachable, throttled, misconfigured (the error type or a cause).
    #[error("the source pool could not be asked: {0}")]
    Unavailable(String),
}

/// A user of the source pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUser {
    pub username: String,
    pub attributes: BTreeMap<String, String>,
    pub status: String,
    pub enabled: bool,
}

impl CognitoClient {
    pub fn new(keys: Option<AwsCredentials>) -> CognitoClient {
        CognitoClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            identity: AwsIdentity::new(keys),
        }
    }

    async fn call(
        &self,
        source: &MigrationSource,
        action: &str,
        body: Value,
    ) -> Result<Value, SourceError> {
        let credentials = self
            .identity
            .credentials()
            .await
            .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        let url = source.url();
        let target = format!("AWSCognitoIdentityProviderService.{action}");
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let body = body.to_string().into_bytes();
        let signed = signature_headers(
            &credentials,
            "cognito-idp",
            &source.region,
            &url,
            &headers,
            &body,
        )
        .map_err(|e| SourceError::Unavailable(format!("signing: {e}")))?;
        let mut request = self.http.post(&url).body(body);
        for (name, value) in headers
            .iter()
            .map(|(n, v)| (*n, v.to_string()))
            .chain(signed)
        {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| SourceError::Unavailable(format!("{action}: {e}")))?;
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .map_err(|e| SourceError::Unavailable(format!("{action}: {e}")))?;
        if status.is_success() {
            return Ok(answer);
        }
        let kind = answer
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t))
            .unwrap_or("HTTP error");
        Err(match kind {
            "NotAuthorizedException"
            | "PasswordResetRequiredException"
            | "UserNotConfirmedException" => SourceError::NotAuthorized,
            "UserNotFoundException" => SourceError::UserNotFound,
            other => {
                SourceError::Unavailable(format!("{action}: {other} (HTTP {})", status.as_u16()))
            }
        })
    }

    /// Whether the source accepts `password` for `username` (AdminInitiateAuth with
    /// ADMIN_USER_PASSWORD_AUTH; a challenge after the password counts as accepted).
    pub async fn check_password(
        &self,
        source: &MigrationSource,
        username: &str,
        password: &str,
    ) -> Result<(), SourceError> {
        self.call(
            source,
            "AdminInitiateAuth",
            json!({
                "UserPoolId": source.user_pool_id,
                "ClientId": source.client_id,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": username, "PASSWORD": password},
            }),
        )
        .await
        .map(drop)
    }

    /// The user (AdminGetUser; by username or alias, as the source resolves it).
    pub async fn user(
        &self,
        source: &MigrationSource,
        username: &str,
    ) -> Result<SourceUser, SourceError> {
        let answer = self
            .call(
                source,
                "AdminGetUser",
                json!({"UserPoolId": source.user_pool_id, "Username": username}),
            )
            .await?;
        Ok(SourceUser {
            username: answer
                .get("Username")
                .and_then(Value::as_str)
                .unwrap_or(username)
                .to_string(),
            attributes: attributes(answer.get("UserAttributes")),
            status: text(&answer, "UserStatus"),
            enabled: answer
                .get("Enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        })
    }

    /// The groups of a user (AdminListGroupsForUser, every page).
    pub async fn groups(
        &self,
        source: &MigrationSource,
        username: &str,
    ) -> Result<Vec<String>, SourceError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body =
                json!({"UserPoolId": source.user_pool_id, "Username": username, "Limit": 60});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let answer = self.call(source, "AdminListGroupsForUser", body).await?;
            for g in answer
                .get("Groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = g.get("GroupName").and_then(Value::as_str) {
                    out.push(name.to_string());
                }
            }
            token = answer
                .get("NextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// One page of the source's users (ListUsers) and the token of the next.
    pub async fn list_users(
        &self,
        source: &MigrationSource,
        token: Option<&str>,
    ) -> Result<(Vec<SourceUser>, Option<String>), SourceError> {
        let mut body = json!({"UserPoolId": source.user_pool_id, "Limit": 60});
        if let Some(t) = token {
            body["PaginationToken"] = json!(t);
        }
        let answer = self.call(source, "ListUsers", body).await?;
        let users = answer
            .get("Users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|u| SourceUser {
                username: text(u, "Username"),
                attributes: attributes(u.get("Attributes")),
                status: text(u, "UserStatus"),
                enabled: u.get("Enabled").and_then(Value::as_bool).unwrap_or(true),
            })
            .collect();
        let next = answer
            .get("PaginationToken")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok((users, next))
    }
}

fn text(v: &Value, name: &str) -> String {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `[{"Name", "Value"}]` as a map.
fn attributes(list: Option<&Value>) -> BTreeMap<String, String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((
                a.get("Name")?.as_str()?.to_string(),
                a.get("Value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}
