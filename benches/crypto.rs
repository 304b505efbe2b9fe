//! Micro-benchmarks of the crypto on the sign-in paths: `cargo bench --bench crypto`.
//! Prints the mean cost per operation (one thread), then the throughput of the floors on all
//! cores (`... on N threads  X/s`); benches/run.sh parses both into docs/benchmarks.md.
//! Timings are never asserted in tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::Instant;
use tessera::crypto::jwt::{SigningKey, UnverifiedToken, generate_key};
use tessera::crypto::srp::{self, client};

fn time(label: &str, rounds: u32, mut f: impl FnMut()) {
    f();
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    println!("{label:<40} {:>10.3?}", start.elapsed() / rounds);
}

/// Runs `f` on `threads` threads for `seconds` and prints operations per second in all.
fn throughput(label: &str, threads: usize, seconds: f64, f: impl Fn() + Sync) {
    let stop = Instant::now() + std::time::Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while Instant::now() < stop {
                        f();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let per_second = total as f64 / start.elapsed().as_secs_f64();
    println!(
        "{:<40} {per_second:>10.1}/s",
        format!("{label} on {threads} threads")
    );
}

fn main() {
    // BENCH_SECONDS bounds each all-core throughput measurement (default 3 s).
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    time("RSA-2048 key generation", 10, || {
        drop(generate_key().unwrap())
    });

    let key = generate_key().unwrap();
    let signing = SigningKey::from_pkcs8_base64(&key.kid, &key.private_pkcs8).unwrap();
    let claims = serde_json::json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": "http://127.0.0.1:9339/local_abcdefghi",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "exp": 4_102_444_800u64,
    });
    time("RS256 sign, cached key", 1000, || {
        drop(signing.sign(&claims).unwrap())
    });
    let der = STANDARD.decode(key.private_pkcs8.as_bytes()).unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(&der)
    );
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    time("jsonwebtoken::encode (re-reads the key)", 1000, || {
        drop(jsonwebtoken::encode(&header, &claims, &encoding).unwrap())
    });
    let token = signing.sign(&claims).unwrap();
    let verifying = signing.verifying_key().unwrap();
    time("RS256 parse + verify, cached key", 10_000, || {
        std::hint::black_box(
            verifying
                .verify(&UnverifiedToken::parse(&token).unwrap())
                .unwrap(),
        );
    });
    // What GetUser does with a token (claims decoded once, after the signature), beside
    // jsonwebtoken's decode with a DecodingKey made once: the two read the same work.
    time("RS256 parse + verify + claims, cached key", 10_000, || {
        let verified = verifying
            .verify(&UnverifiedToken::parse(&token).unwrap())
            .unwrap();
        drop(verified.claims::<serde_json::Value>().unwrap())
    });
    let decoding =
        jsonwebtoken::DecodingKey::from_rsa_components(&key.public_jwk.n, &key.public_jwk.e)
            .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.required_spec_claims.clear();
    time("jsonwebtoken::decode, DecodingKey kept", 10_000, || {
        drop(jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap())
    });

    let (pool, user, password) = ("AbC123xyz", "jane", "Correct-Horse-9");
    time("SRP make_verifier", 50, || {
        drop(srp::make_verifier(pool, user, password))
    });
    let verifier = srp::make_verifier(pool, user, password);
    time("SRP server_ephemeral", 50, || {
        drop(srp::server_ephemeral(&verifier).unwrap())
    });
    let ephemeral = srp::server_ephemeral(&verifier).unwrap();
    let c = client::Client::random();
    let a = c.a_hex();
    let block = STANDARD.encode([7u8; 48]);
    let stamp = client::timestamp(1_772_528_707_000).unwrap();
    let signature = c.sign(&client::Proof {
        pool_name: pool,
        username: user,
        password,
        salt: &verifier.salt,
        b: &ephemeral.public,
        secret_block: &block,
        timestamp: &stamp,
    });
    let claim = srp::Claim {
        pool_name: pool,
        username: user,
        verifier: &verifier,
        a: &a,
        ephemeral: &ephemeral,
        secret_block: &block,
        timestamp: &stamp,
        signature: &signature,
    };
    assert!(srp::verify_claim(&claim).unwrap());
    time("SRP verify_claim", 50, || {
        assert!(srp::verify_claim(&claim).unwrap())
    });

    // argon2id at the parameters the server uses (src/crypto/password.rs: Argon2::default(),
    // m=19456 KiB, t=2, p=1); a sign-in verifies one such hash. The floor computes it in
    // memory kept from one hash to the next, as the server's hashing threads do; the crate's
    // own verify (fresh 19 MiB each time: mapping and page faults) is printed for comparison.
    use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
    let phc = argon2::Argon2::default()
        .hash_password(b"Load-Test-Pass-1")
        .unwrap()
        .to_string();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let parsed = PasswordHash::new(&phc).unwrap();
    let salt = parsed.salt.unwrap();
    let expected = parsed.hash.unwrap();
    let blocks = argon2::Params::default().block_count();
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let argon_verify = || {
        MEMORY.with_borrow_mut(|memory| {
            memory.resize(blocks, argon2::Block::new());
            let mut out = [0u8; 32];
            argon2::Argon2::default()
                .hash_password_into_with_memory(
                    b"Load-Test-Pass-1",
                    salt.as_ref(),
                    &mut out,
                    &mut memory[..],
                )
                .unwrap();
            assert_eq!(&out[..], expected.as_bytes());
        })
    };
    time("argon2id verify (m=19456,t=2,p=1)", 20, argon_verify);
    time("argon2id verify, fresh memory each time", 20, || {
        argon2::Argon2::default()
            .verify_password(b"Load-Test-Pass-1", &parsed)
            .unwrap()
    });

    // The floors on all cores, as the server would use them.
    throughput("RS256 sign, cached key", cores, seconds, || {
        drop(signing.sign(&claims).unwrap())
    });
    throughput(
        "jsonwebtoken::encode (re-reads the key)",
        cores,
        seconds,
        || drop(jsonwebtoken::encode(&header, &claims, &encoding).unwrap()),
    );
    throughput("RS256 parse + verify, cached key", cores, seconds, || {
        std::hint::black_box(
            verifying
                .verify(&UnverifiedToken::parse(&token).unwrap())
                .unwrap(),
        );
    });
    throughput(
        "argon2id verify (m=19456,t=2,p=1)",
        cores,
        seconds,
        argon_verify,
    );
    throughput("SRP server_ephemeral", cores, seconds, || {
        drop(srp::server_ephemeral(&verifier).unwrap())
    });
    throughput("SRP verify_claim", cores, seconds, || {
        assert!(srp::verify_claim(&claim).unwrap())
    });
}
