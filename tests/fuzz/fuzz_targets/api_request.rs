//! The Cognito JSON API's request decoding: the first byte picks an action of
//! `dispatch::IMPLEMENTED` (the X-Amz-Target name), the rest is the body. Decoding never
//! panics, refuses only with AWS's client errors, and refuses whatever the dispatcher's body
//! check (`wire::check_json`, run before any action) refuses.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::api::dispatch::{IMPLEMENTED, decode_request};
use tessera::api::wire;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let action = IMPLEMENTED[usize::from(pick) % IMPLEMENTED.len()];
    let Some(decoded) = decode_request(action, body) else {
        panic!("{action} is implemented but has no request decoder");
    };
    if let Err(e) = &decoded {
        assert!(
            matches!(
                e.type_name,
                "SerializationException" | "InvalidParameterException"
            ),
            "{action}: {} {}",
            e.type_name,
            e.message
        );
        assert!(e.status.is_client_error(), "{action}: {}", e.status);
        assert!(!e.message.is_empty());
    }
    if wire::check_json(body).is_err() {
        assert!(
            decoded.is_err(),
            "{action} accepted a body check_json refuses"
        );
    }
    // Unknown names are not decoded (the dispatcher answers UnknownOperationException).
    assert!(decode_request("NoSuchAction", body).is_none());
});
