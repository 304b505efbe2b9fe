//! The branding CSS check (`services::branding::css::check`): never panics, refuses only
//! with InvalidParameterException, does not depend on ASCII case, and what it accepts passes
//! an independent token-level scan: no backslash, no markup, no control character, and every
//! function token named `url` holds a `data:` URL, none is `src`, `image-set` or `expression`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::domain::AuthError;
use tessera::services::branding::css::check;

/// CSS whitespace (CSS Syntax §4.2): only these five.
fn css_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii()
}

/// Panics when accepted CSS holds what the check promises to refuse.
fn scan(css: &str) {
    assert!(!css.contains('\\'), "backslash accepted: {css:?}");
    let lower = css.to_ascii_lowercase();
    for markup in ["</", "<!--", "@import", "@charset", "@namespace"] {
        assert!(!lower.contains(markup), "{markup} accepted: {css:?}");
    }
    assert!(
        !css.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')),
        "control character accepted: {css:?}"
    );
    // Function tokens: an identifier directly followed by `(`.
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if c != '(' {
            continue;
        }
        let start = chars[..i]
            .iter()
            .rposition(|&(_, c)| !ident_char(c))
            .map_or(0, |p| p + 1);
        let name = &lower[chars.get(start).map_or(at, |&(b, _)| b)..at];
        assert!(
            !matches!(name, "src" | "expression") && !name.ends_with("image-set"),
            "{name}( accepted: {css:?}"
        );
        if name == "url" {
            let rest = lower[at + 1..].trim_start_matches(css_space);
            let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
            assert!(
                rest.starts_with("data:"),
                "url() without data: accepted: {css:?}"
            );
        }
    }
}

fuzz_target!(|css: &str| {
    let verdict = check(css);
    match &verdict {
        Ok(()) => scan(css),
        Err(AuthError::InvalidParameter(_)) => {}
        Err(other) => panic!("{css:?} refused with {other:?}"),
    }
    assert_eq!(
        verdict.is_ok(),
        check(&css.to_ascii_uppercase()).is_ok(),
        "ASCII case changed the verdict on {css:?}"
    );
});
