//! A declarative stack: the pools, clients, groups, resource servers, identity providers and
//! domains that
//! `tessera apply FILE.yaml` makes the directory match. Members use the Cognito API's names so
//! a CloudFormation or Terraform definition translates line by line.

use super::client::ClientInput;
use super::identity_provider::IdentityProviderInput;
use super::pool::PoolInput;
use super::pool_domain::CustomDomainConfig;
use super::resource_server::ResourceServerInput;
use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stack {
    #[serde(default)]
    pub pools: Vec<StackPool>,
}

/// One pool, found by its `PoolName`, and what belongs to it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackPool {
    #[serde(flatten)]
    pub settings: PoolInput,
    /// A prefix domain (`shop-login`) or a custom domain (`login.shop.example`).
    pub domain: Option<String>,
    /// CustomDomainConfig for a custom domain.
    pub custom_domain_config: Option<CustomDomainConfig>,
    /// CreateUserPoolClient members (without UserPoolId), matched by ClientName.
    #[serde(default)]
    pub clients: Vec<StackClient>,
    /// CreateGroup members (without UserPoolId), matched by GroupName.
    #[serde(default)]
    pub groups: Vec<StackGroup>,
    /// CreateResourceServer members (without UserPoolId), matched by Identifier.
    #[serde(default)]
    pub resource_servers: Vec<ResourceServerInput>,
    /// CreateIdentityProvider members (without UserPoolId), matched by ProviderName.
    #[serde(default)]
    pub identity_providers: Vec<IdentityProviderInput>,
    /// SetUserPoolMfaConfig's WebAuthnConfiguration: the passkeys' relying party.
    pub web_authn_configuration: Option<super::pool_mfa::WebAuthnConfig>,
}

/// An app client in the stack.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackClient {
    #[serde(flatten)]
    pub settings: ClientInput,
    pub generate_secret: Option<bool>,
    pub client_secret: Option<String>,
}

/// A group in the stack.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StackGroup {
    pub group_name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

/// What applying did to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Unchanged,
}

/// One line of the apply report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `pool`, `client`, `group`, `resource server`, `identity provider`, `domain`.
    pub resource: &'static str,
    /// The name in the stack file.
    pub name: String,
    /// The id Tessera uses (pool id, client id, …).
    pub id: String,
    pub kind: ChangeKind,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Unchanged => "unchanged",
        };
        write!(f, "{kind:9} {} {} ({})", self.resource, self.name, self.id)
    }
}
