//! Passkeys (WebAuthn credentials, reference §5.8): the relying party a pool's passkeys belong
//! to, the origins its ceremonies may come from, and the record kept per credential. Pure: the
//! ceremonies themselves are webauthn-rs's (`services::passkeys`).

use super::pool_mfa::WebAuthnConfig;
use url::Url;

/// Cognito's limit of passkeys per user.
pub const MAX_PER_USER: usize = 20;

/// How long a registration or sign-in ceremony may take (webauthn-rs's default timeout).
pub const CEREMONY_MS: i64 = 5 * 60 * 1000;

/// A user's registered passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyCredential {
    pub pool_id: String,
    pub user_sub: String,
    /// The credential id, base64url without padding (as WebAuthn's JSON writes it).
    pub credential_id: String,
    pub relying_party_id: String,
    pub friendly_name: Option<String>,
    /// `platform` or `cross-platform`, as the browser reported it.
    pub attachment: Option<String>,
    /// `internal`, `usb`, `hybrid`...
    pub transports: Vec<String>,
    /// webauthn-rs's `Passkey` as JSON: the public key, the sign counter and the backup flags.
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// `localhost` and names under it: a browser's secure context without TLS, for development.
pub fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// The relying party id of a pool's passkeys: the one WebAuthnConfiguration sets, else the
/// pool's custom domain, else the server's own host unless it is an IP address (a passkey
/// cannot belong to an address). None: the pool must set one before passkeys can be used.
pub fn relying_party_id(
    config: Option<&WebAuthnConfig>,
    custom_domain: Option<&str>,
    public_url: &str,
) -> Option<String> {
    if let Some(rp) = config.and_then(|c| c.relying_party_id.as_deref()) {
        return Some(rp.to_string());
    }
    if let Some(domain) = custom_domain {
        return Some(domain.to_string());
    }
    let url = Url::parse(public_url).ok()?;
    url.domain().map(str::to_string)
}

/// The origins a ceremony for `rp_id` may come from: the relying party's own origin (https,
/// or http for localhost names), its subdomains, and the server's public URL when it lies
/// under the relying party. Returns the origins and whether any port is accepted (localhost
/// only: development servers pick their ports).
pub fn origins(rp_id: &str, public_url: &str) -> (Vec<Url>, bool) {
    let localhost = is_localhost(rp_id);
    let scheme = if localhost { "http" } else { "https" };
    let mut out: Vec<Url> = Url::parse(&format!("{scheme}://{rp_id}"))
        .into_iter()
        .collect();
    if let Ok(public) = Url::parse(public_url)
        && (public.scheme() == "https" || localhost)
        && let Some(host) = public.domain()
        && (host == rp_id || host.ends_with(&format!(".{rp_id}")))
        && !out.iter().any(|o| o.origin() == public.origin())
        && let Ok(origin) = Url::parse(&public.origin().ascii_serialization())
    {
        out.push(origin);
    }
    (out, localhost)
}

/// Whether passkeys alone may sign a user in when MFA is ON: only when the pool counts a
/// passkey that verified the user as both factors.
pub fn counts_as_mfa(config: Option<&WebAuthnConfig>) -> bool {
    config.and_then(|c| c.factor_configuration.as_deref())
        == Some("MULTI_FACTOR_WITH_USER_VERIFICATION")
}

/// The sign counter in a stored passkey record (webauthn-rs's `Passkey` as JSON); 0 when the
/// authenticator keeps none.
pub fn sign_counter(passkey_json: &str) -> u32 {
    serde_json::from_str::<serde_json::Value>(passkey_json)
        .ok()
        .and_then(|v| {
            v.pointer("/cred/counter")
                .and_then(serde_json::Value::as_u64)
        })
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relying_party_defaults() {
        let set = WebAuthnConfig {
            relying_party_id: Some("example.com".into()),
            ..Default::default()
        };
        let public = "https://auth.example.com";
        assert_eq!(
            relying_party_id(Some(&set), Some("login.other.org"), public).as_deref(),
            Some("example.com")
        );
        assert_eq!(
            relying_party_id(None, Some("login.other.org"), public).as_deref(),
            Some("login.other.org")
        );
        assert_eq!(
            relying_party_id(None, None, public).as_deref(),
            Some("auth.example.com")
        );
        assert_eq!(relying_party_id(None, None, "http://127.0.0.1:9339"), None);
    }

    #[test]
    fn origins_of_a_relying_party() {
        let (o, any_port) = origins("example.com", "https://auth.example.com:8443");
        let o: Vec<String> = o.iter().map(|u| u.origin().ascii_serialization()).collect();
        assert_eq!(o, ["https://example.com", "https://auth.example.com:8443"]);
        assert!(!any_port);
        let (o, any_port) = origins("localhost", "http://127.0.0.1:9339");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].origin().ascii_serialization(), "http://localhost");
        assert!(any_port);
        // A server elsewhere is not an origin of the relying party.
        let (o, _) = origins("example.com", "https://example.org");
        assert_eq!(o.len(), 1);
    }
}
