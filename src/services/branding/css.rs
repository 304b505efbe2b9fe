//! What CSS SetUICustomization accepts. Cognito restricts the CSS to a list of
//! `*-customizable` classes and a few properties each (reference §5.12). Tessera accepts any
//! selector and property, because the CSS is served as its own `text/css` resource
//! (`/ui/custom.css`) to pages whose Content-Security-Policy allows styles only from the same
//! origin: it is never inlined into a page, and cannot run script. What it refuses is what could
//! make a page fetch from elsewhere or be read as something other than CSS:
//!
//! - `@import`, `@charset` and `@namespace` at-rules;
//! - `url(…)` other than `url(data:…)`, and `image-set(…)` / `src(…)` (their strings are URLs);
//! - `expression(`, `javascript:`, `vbscript:`, `behavior:` and `-moz-binding` (legacy script
//!   hooks of old browsers);
//! - `</` and `<!--` (markup), control characters, and backslash escapes (an escaped letter
//!   could spell any of the above).

use crate::domain::AuthError;

/// The longest CSS text accepted, in characters (Cognito's limit).
pub const MAX_CSS_CHARS: usize = 131_072;

fn refuse(why: &str) -> AuthError {
    AuthError::InvalidParameter(format!("The CSS was refused: {why}").into())
}

/// Checks a CSS text for SetUICustomization.
pub fn check(css: &str) -> Result<(), AuthError> {
    if css.chars().count() > MAX_CSS_CHARS {
        return Err(AuthError::InvalidParameter(format!(
            "1 validation error detected: Value at 'cSS' failed to satisfy constraint: Member must have length less than or equal to {MAX_CSS_CHARS}"
        ).into()));
    }
    if css
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        return Err(refuse("control characters are not allowed."));
    }
    if css.contains('\\') {
        return Err(refuse(
            "backslash escapes are not allowed (write characters as themselves).",
        ));
    }
    let lower = css.to_ascii_lowercase();
    for markup in ["</", "<!--"] {
        if lower.contains(markup) {
            return Err(refuse(&format!("'{markup}' is not allowed.")));
        }
    }
    for rule in ["@import", "@charset", "@namespace"] {
        if lower.contains(rule) {
            return Err(refuse(&format!("the {rule} rule is not allowed.")));
        }
    }
    for hook in [
        "expression(",
        "javascript:",
        "vbscript:",
        "behavior:",
        "behaviour:",
        "-moz-binding",
    ] {
        if lower.contains(hook) {
            return Err(refuse(&format!("'{hook}' is not allowed.")));
        }
    }
    if lower.contains("image-set(") || has_function(&lower, "src(") {
        return Err(refuse(
            "image-set() and src() are not allowed; use url(data:…) for images.",
        ));
    }
    check_urls(&lower)
}

/// True when `name` (ending in `(`) occurs as a function of its own, not as the end of a
/// longer identifier.
fn has_function(lower: &str, name: &str) -> bool {
    lower.match_indices(name).any(|(at, _)| {
        !lower[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// Every `url(` must hold a `data:` URL: the hosted pages load nothing from other sites.
fn check_urls(lower: &str) -> Result<(), AuthError> {
    for (at, found) in lower.match_indices("url(") {
        // CSS white space only (CSS Syntax §4.2): a browser reads `url( data:…)` with an em
        // space as the relative URL "\u{2003}data:…".
        let rest = lower[at + found.len()..].trim_start_matches([' ', '\t', '\n', '\r', '\u{c}']);
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        if !rest.starts_with("data:") {
            return Err(refuse(
                "url() may only hold a data: URL; the hosted pages load nothing from other addresses.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(css: &str) -> bool {
        matches!(check(css), Err(AuthError::InvalidParameter(_)))
    }

    #[test]
    fn accepts_ordinary_css() {
        let css = ".banner-customizable { background: #1d4ed8; }\n\
                   @media (max-width: 600px) { .x > a:hover { color: red } }\n\
                   .logo { background-image: url( \"data:image/png;base64,iVBORw0KGgo=\" ); }\n\
                   .a { background: URL(data:image/gif;base64,R0lGOD==) }";
        assert_eq!(check(css), Ok(()));
        assert_eq!(check(""), Ok(()));
    }

    #[test]
    fn refuses_what_fetches_or_escapes() {
        for css in [
            "@import url(data:text/css,x);",
            "@IMPORT 'x.css';",
            "@charset \"utf-8\";",
            "a { background: url(https://evil.example/x.png) }",
            "a { background: url('//evil.example/x.png') }",
            "a { background: url(   /x.png) }",
            "a { background: image-set('https://e/x.png' 1x) }",
            "a { background: -webkit-image-set('x.png' 1x) }",
            "a { background: src('x.png') }",
            "a { width: expression(alert(1)) }",
            "a { background: javascript:alert(1) }",
            "a { -moz-binding: x }",
            "a { behavior: x }",
            "</style><script>alert(1)</script>",
            "<!-- a {}",
            "a { background: u\\72l(https://e/) }",
            "a { color: red }\u{0}",
        ] {
            assert!(refused(css), "accepted {css:?}");
        }
    }

    /// Only CSS white space may come before `data:`; other Unicode white space is part of the
    /// URL (the `branding_css` fuzz target's scan states the rule).
    #[test]
    fn only_css_white_space_precedes_data() {
        assert_eq!(check("a { b: url(\n\t data:x) }"), Ok(()));
        for space in ['\u{2003}', '\u{a0}', '\u{3000}'] {
            assert!(
                refused(&format!("a {{ b: url({space}data:x) }}")),
                "{space:?}"
            );
        }
    }

    #[test]
    fn src_inside_a_longer_name_is_fine() {
        assert!(!has_function("a { x: imgsrc(1) }", "src("));
        assert!(has_function("a { x: src(1) }", "src("));
    }

    #[test]
    fn length_limit() {
        assert_eq!(check(&"a".repeat(MAX_CSS_CHARS)), Ok(()));
        assert!(refused(&"a".repeat(MAX_CSS_CHARS + 1)));
    }
}
