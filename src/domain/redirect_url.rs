//! Rules for the callback and sign-out URLs of an app client (DESIGN §4): https, except
//! `http://localhost` and `http://127.0.0.1` on any port; custom app schemes (`myapp://cb`) for
//! native apps; never a fragment. Matching against a request is exact, character for character.

use super::AuthError;

/// Schemes that can run code or read local files in a browser: never a redirect target.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "vbscript", "file", "blob", "about"];

/// Checks one URL of `member` (`CallbackURLs`, `LogoutURLs`, `DefaultRedirectURI`).
pub fn check(member: &str, url: &str) -> Result<(), AuthError> {
    let refuse = |why: &str| {
        Err(AuthError::InvalidParameter(
            format!("Invalid {member} '{url}': {why}").into(),
        ))
    };
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return refuse("not an absolute URL."),
    };
    if url.contains('#') || parsed.fragment().is_some() {
        return refuse("a URL must not contain a fragment.");
    }
    if url.chars().any(char::is_whitespace) {
        return refuse("a URL must not contain whitespace.");
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host_str() {
            Some("localhost") | Some("127.0.0.1") => Ok(()),
            _ => refuse("https is required (http only for localhost and 127.0.0.1)."),
        },
        scheme if FORBIDDEN_SCHEMES.contains(&scheme) => refuse("this scheme is not allowed."),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn https_localhost_and_app_schemes_pass() {
        for ok in [
            "https://app.example.com/cb",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1:8080/callback",
            "myapp://cb",
            "com.example.app:/oauth",
        ] {
            assert!(check("CallbackURLs", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn http_fragments_and_scripts_fail() {
        for bad in [
            "http://example.com/cb",
            "http://localhost.evil.com/cb",
            "https://app.example.com/cb#frag",
            "https://app.example.com/#",
            "javascript:alert(1)",
            "/relative",
            "not a url",
        ] {
            assert!(check("CallbackURLs", bad).is_err(), "{bad}");
        }
    }
}
