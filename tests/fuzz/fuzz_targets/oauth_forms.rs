//! The query strings and forms of the hosted pages and `/oauth2/*`. The first byte picks:
//!
//! - `/oauth2/authorize`'s query (`AuthorizeParams`, which every hosted page carries along):
//!   never panics; what parses prints back (`to_query`) to a query that parses the same.
//! - a hosted page's posted form (`FormData`): the first value of a name counts, names come
//!   back sorted and once each.
//! - `/oauth2/token`'s request (form, `Authorization: Basic`, grant): never panics; what is
//!   accepted names a client and carries the grant's required parameters.
//! - `/oauth2/idpresponse`'s answer: the POST hands it on to the GET re-encoded; the GET reads
//!   the same answer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::services::oauth::authorize::AuthorizeParams;
use tessera::services::oauth::grants::Grant;
use tessera::ui::forms::FormData;

fn authorize(query: &str) {
    if let Ok(p) = AuthorizeParams::from_query(query) {
        let printed = p.to_query();
        match AuthorizeParams::from_query(&printed) {
            Ok(again) => assert_eq!(again, p, "{printed:?}"),
            Err(e) => panic!("{printed:?}: {}", e.description),
        }
    }
}

fn form(body: &[u8]) {
    let f = FormData::parse(body);
    let names: Vec<&str> = f.names().collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    for (name, value) in url::form_urlencoded::parse(body) {
        // The first occurrence wins.
        assert!(f.get(&name).is_some());
        let first = url::form_urlencoded::parse(body)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.into_owned());
        assert_eq!(f.get(&name), first.as_deref());
        let _ = value;
        assert_eq!(f.text(&name), f.raw(&name).trim());
    }
}

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/x-www-form-urlencoded"),
    Some("application/x-www-form-urlencoded; charset=UTF-8"),
    Some("application/json"),
    None,
];

fn token(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(pick) % CONTENT_TYPES.len()];
    // Everything before the first newline is the Authorization header, when there is one.
    let (authorization, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) if pick & 0x80 != 0 => (Some(&rest[..at]), &rest[at + 1..]),
        _ => (None, rest),
    };
    match tessera::fuzzing::token_request(content_type, authorization, body) {
        Ok((auth, grant)) => {
            assert!(!auth.client_id.is_empty());
            match grant {
                Grant::AuthorizationCode { code, .. } => assert!(!code.is_empty()),
                Grant::RefreshToken { refresh_token, .. } => assert!(!refresh_token.is_empty()),
                Grant::ClientCredentials { .. } => {}
            }
        }
        Err((e, _)) => assert!(!e.description.is_empty()),
    }
}

fn idp_answer(body: &[u8]) {
    let answer = tessera::fuzzing::idp_answer(body);
    let handed_on = tessera::fuzzing::idp_hand_on(&answer);
    assert_eq!(tessera::fuzzing::idp_answer(handed_on.as_bytes()), answer);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => authorize(&String::from_utf8_lossy(rest)),
        1 => form(rest),
        2 => token(rest),
        _ => idp_answer(rest),
    }
});
