//! The ListUsers `Filter` parser: never panics; refuses only with InvalidParameterException;
//! a parsed filter printed back in canonical form parses to the same filter, and plans (for
//! case-sensitive and case-insensitive pools) without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tessera::domain::filter::{Filter, FilterOp};
use tessera::domain::pool::{PoolInput, PoolSettings, UserPool, UsernameConfiguration};

fn pool(case_sensitive: bool) -> UserPool {
    let input = PoolInput {
        pool_name: Some("p".into()),
        username_configuration: Some(UsernameConfiguration {
            case_sensitive: Some(case_sensitive),
        }),
        ..Default::default()
    };
    let Ok(settings) = PoolSettings::for_create(&input) else {
        panic!("the pool settings of the fuzz target are valid");
    };
    UserPool {
        id: "local_p".into(),
        name: "p".into(),
        settings: settings.into(),
        version: 0,
        created_at: 0,
        updated_at: 0,
    }
}

static POOLS: LazyLock<[UserPool; 2]> = LazyLock::new(|| [pool(true), pool(false)]);

fn print(f: &Filter) -> String {
    let op = match f.op {
        FilterOp::Equals => "=",
        FilterOp::StartsWith => "^=",
    };
    let value = f.value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{} {op} \"{value}\"", f.attribute)
}

fuzz_target!(|text: &str| {
    match Filter::parse(text) {
        Ok(None) => assert!(text.trim().is_empty(), "{text:?} parsed as no filter"),
        Ok(Some(f)) => {
            let printed = print(&f);
            match Filter::parse(&printed) {
                Ok(Some(again)) => assert_eq!(again, f, "{printed:?}"),
                other => panic!("{printed:?} (from {text:?}) parsed as {other:?}"),
            }
            for pool in POOLS.iter() {
                let _ = f.plan(pool);
            }
        }
        Err(e) => assert_eq!(e.type_name(), "InvalidParameterException", "{text:?}"),
    }
});
