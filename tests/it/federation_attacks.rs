//! Federated sign-in against a fake upstream OP (`federation_helpers`): the happy path that
//! proves the harness, then the attacks on `/oauth2/idpresponse`. An answer that cannot be
//! trusted — another browser's state, a replayed or foreign code, an ID token with a bad
//! signature, audience, expiry, nonce or issuer, an `iss` naming another provider — ends on
//! the error page (400, HTML) and never sends the app a code; an error the upstream reports
//! goes back to the app.

use crate::both_databases;
use crate::federation_helpers::*;
use crate::helpers::Backend;
use crate::ui_helpers::{browser, get};
use aws_sdk_cognitoidentityprovider::types::UserStatusType;
use reqwest::cookie::CookieStore;
use std::sync::Arc;

fn ann() -> Account {
    Account::new("u-1", "Ann")
}

async fn a_federated_sign_in_gives_tokens_and_the_same_user_next_time(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let code = fed.sign_in(&ann()).await;
    let claims = fed.id_token_claims(&code).await;
    assert_eq!(claims["cognito:username"], "OpA_u-1");
    assert_eq!(claims["email"], "u-1@upstream.example");
    assert_eq!(claims["given_name"], "Ann");
    let identities = claims["identities"].as_array().expect("identities array");
    assert_eq!(identities.len(), 1, "{identities:?}");
    assert_eq!(identities[0]["providerName"], "OpA");
    assert_eq!(identities[0]["providerType"], "OIDC");
    assert_eq!(identities[0]["userId"], "u-1");
    assert_eq!(identities[0]["primary"], "true");
    let user = fed
        .app
        .cognito
        .admin_get_user()
        .user_pool_id(&fed.pool_id)
        .username("OpA_u-1")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status(), Some(&UserStatusType::ExternalProvider));

    // The same upstream account again, in another browser, with a new given name.
    let code = fed.sign_in(&Account::new("u-1", "Annie")).await;
    let again = fed.id_token_claims(&code).await;
    assert_eq!(again["sub"], claims["sub"]);
    assert_eq!(again["cognito:username"], "OpA_u-1");
    assert_eq!(again["given_name"], "Annie");
    assert_eq!(fed.user_count().await, 1);
    assert_eq!(op.token_requests(), 2);
    assert!(op.token_errors().is_empty(), "{:?}", op.token_errors());
}

async fn state_from_another_browser_is_refused(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let (victim, attacker) = (browser(), browser());
    let upstream = fed.start(&victim, "OpA", op, &[]).await;
    let code = op.issue_code(&upstream, &ann(), &Tamper::default());
    let callback = upstream.callback(&code);

    // The attacker's browser has no sign-in waiting.
    let page = get(&fed.app, &attacker, &callback).await;
    error_page(&page, NOT_THIS_BROWSER);
    // It has one of its own, with another state.
    fed.start(&attacker, "OpA", op, &[]).await;
    let page = get(&fed.app, &attacker, &callback).await;
    error_page(&page, NOT_THIS_BROWSER);
    assert_eq!(op.token_requests(), 0, "the code went upstream");
    assert_eq!(fed.user_count().await, 0);

    // The code was never spent: the browser that started the sign-in still finishes it.
    let page = get(&fed.app, &victim, &callback).await;
    back_with_code(&page);
}

async fn replayed_upstream_code_is_refused(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let a = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let upstream = fed.start(&a, "OpA", op, &[]).await;
    let callback_url = url::Url::parse(&upstream.redirect_uri).unwrap();
    let cookie_while_pending = jar.cookies(&callback_url).expect("a cookie");
    let code = op.issue_code(&upstream, &ann(), &Tamper::default());
    let callback = upstream.callback(&code);
    back_with_code(&get(&fed.app, &a, &callback).await);

    // The same answer again: the sign-in it belonged to is gone.
    error_page(&get(&fed.app, &a, &callback).await, NOT_THIS_BROWSER);

    // The old code with a new sign-in's state: Tessera sends it upstream, the OP refuses it.
    let again = fed.start(&a, "OpA", op, &[("prompt", "login")]).await;
    assert_ne!(again.state, upstream.state);
    let page = get(&fed.app, &a, &again.callback(&code)).await;
    error_page(&page, &not_verified("OpA"));
    assert_eq!(op.token_errors(), ["invalid_grant"]);

    // A copy of the cookie taken while the first sign-in was pending brings it back, but the
    // server remembers its state was answered: nothing goes upstream.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&callback)
        .header(reqwest::header::COOKIE, cookie_while_pending)
        .send()
        .await
        .unwrap();
    error_page(&page_of(response).await, ALREADY_USED);
    assert_eq!(op.token_errors(), ["invalid_grant"]);
    assert_eq!(op.token_requests(), 2);
    assert_eq!(fed.user_count().await, 1);
}

/// Signs in with an ID token spoiled by `tamper`: the code is exchanged, the token refused.
async fn refused_id_token(db: Backend, tamper: impl Fn(&FakeOp) -> Tamper) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let b = browser();
    let upstream = fed.start(&b, "OpA", op, &[]).await;
    let code = op.issue_code(&upstream, &ann(), &tamper(op));
    let page = get(&fed.app, &b, &upstream.callback(&code)).await;
    error_page(&page, &not_verified("OpA"));
    assert_eq!(op.token_requests(), 1);
    assert!(op.token_errors().is_empty(), "{:?}", op.token_errors());
    assert_eq!(fed.user_count().await, 0);
}

async fn id_token_signed_with_the_client_secret_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        signer: Signer::ClientSecretHs256,
        ..Default::default()
    })
    .await;
}

async fn unsigned_id_token_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        signer: Signer::Unsigned,
        ..Default::default()
    })
    .await;
}

async fn id_token_signed_by_another_key_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        signer: Signer::OtherKeySameKid,
        ..Default::default()
    })
    .await;
    refused_id_token(db, |_| Tamper {
        signer: Signer::OtherKeyUnknownKid,
        ..Default::default()
    })
    .await;
}

async fn id_token_for_another_audience_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        audience: Some("another-client".into()),
        ..Default::default()
    })
    .await;
}

async fn expired_id_token_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        expired: true,
        ..Default::default()
    })
    .await;
}

async fn id_token_with_another_nonce_is_refused(db: Backend) {
    refused_id_token(db, |_| Tamper {
        nonce: Some("another-nonce".into()),
        ..Default::default()
    })
    .await;
}

async fn id_token_from_another_issuer_is_refused(db: Backend) {
    refused_id_token(db, |op| Tamper {
        issuer: Some(format!("{}/other", op.issuer)),
        ..Default::default()
    })
    .await;
}

async fn mix_up_between_two_providers_is_refused(db: Backend) {
    let fed = federation(db, &["OpA", "OpB"]).await;
    let (op_a, op_b) = (&fed.ops[0], &fed.ops[1]);

    // An answer in OpA's sign-in that says OpB issued it.
    let b = browser();
    let upstream = fed.start(&b, "OpA", op_a, &[]).await;
    let code = op_a.issue_code(&upstream, &ann(), &Tamper::default());
    let callback = upstream.callback_with(&[
        ("code", &code),
        ("state", &upstream.state),
        ("iss", &op_b.issuer),
    ]);
    error_page(&get(&fed.app, &b, &callback).await, OTHER_ISSUER);
    assert_eq!(op_a.token_requests() + op_b.token_requests(), 0);

    // A code OpB minted, delivered into OpA's sign-in: it goes to OpA, which does not know it.
    let b = browser();
    let upstream = fed.start(&b, "OpA", op_a, &[]).await;
    let code = op_b.issue_code(&upstream, &ann(), &Tamper::default());
    let page = get(&fed.app, &b, &upstream.callback(&code)).await;
    error_page(&page, &not_verified("OpA"));
    assert_eq!(op_a.token_errors(), ["invalid_grant"]);
    assert_eq!(op_b.token_requests(), 0);
    assert_eq!(fed.user_count().await, 0);

    // The right issuer in `iss` is accepted.
    let b = browser();
    let upstream = fed.start(&b, "OpA", op_a, &[]).await;
    let code = op_a.issue_code(&upstream, &ann(), &Tamper::default());
    let callback = upstream.callback_with(&[
        ("code", &code),
        ("state", &upstream.state),
        ("iss", &op_a.issuer),
    ]);
    back_with_code(&get(&fed.app, &b, &callback).await);
}

async fn upstream_error_goes_back_to_the_app(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let b = browser();
    let upstream = fed.start(&b, "OpA", op, &[]).await;
    let callback = upstream.callback_with(&[
        ("error", "access_denied"),
        ("error_description", "The user cancelled."),
        ("state", &upstream.state),
    ]);
    back_with_error(&get(&fed.app, &b, &callback).await, "access_denied");

    // With another state, the error is not believed either.
    let b = browser();
    fed.start(&b, "OpA", op, &[]).await;
    let page = get(&fed.app, &b, &callback).await;
    error_page(&page, NOT_THIS_BROWSER);
    assert_eq!(op.token_requests(), 0);
}

async fn answer_without_a_pending_sign_in_is_refused(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let url = format!(
        "{}/{}/oauth2/idpresponse?code=some-code&state=some-state",
        fed.app.address, fed.pool_id
    );
    error_page(&get(&fed.app, &browser(), &url).await, NOT_THIS_BROWSER);

    // A posted answer is handed on to the GET, which finds nothing either.
    let b = browser();
    let posted = page_of(
        b.post(format!(
            "{}/{}/oauth2/idpresponse",
            fed.app.address, fed.pool_id
        ))
        .form(&[("code", "some-code"), ("state", "some-state")])
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let page = get(&fed.app, &b, &posted.location()).await;
    error_page(&page, NOT_THIS_BROWSER);
    assert_eq!(fed.ops[0].token_requests(), 0);
}

async fn answer_after_the_pending_lifetime_is_refused(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    let op = &fed.ops[0];
    let b = browser();
    let upstream = fed.start(&b, "OpA", op, &[]).await;
    let code = op.issue_code(&upstream, &ann(), &Tamper::default());
    // Ten minutes upstream are allowed; a second more is not.
    crate::tokens_helpers::advance(&fed.app, 10 * 60 + 1);
    let page = get(&fed.app, &b, &upstream.callback(&code)).await;
    error_page(&page, "This sign-in took too long.");
    assert_eq!(op.token_requests(), 0);
}

async fn unknown_or_unlisted_provider_goes_back_to_the_app(db: Backend) {
    let fed = federation(db, &["OpA"]).await;
    // OpB is a provider of the pool, but the client does not list it.
    let op_b = FakeOp::start("tessera-OpB").await;
    create_oidc_provider(&fed.app, &fed.pool_id, "OpB", &op_b).await;
    for name in ["Unknown", "OpB"] {
        let page = get(&fed.app, &browser(), &fed.authorize_url(name, &[])).await;
        back_with_error(&page, "invalid_request");
    }
}

both_databases!(
    a_federated_sign_in_gives_tokens_and_the_same_user_next_time,
    state_from_another_browser_is_refused,
    replayed_upstream_code_is_refused,
    id_token_signed_with_the_client_secret_is_refused,
    unsigned_id_token_is_refused,
    id_token_signed_by_another_key_is_refused,
    id_token_for_another_audience_is_refused,
    expired_id_token_is_refused,
    id_token_with_another_nonce_is_refused,
    id_token_from_another_issuer_is_refused,
    mix_up_between_two_providers_is_refused,
    upstream_error_goes_back_to_the_app,
    answer_without_a_pending_sign_in_is_refused,
    answer_after_the_pending_lifetime_is_refused,
    unknown_or_unlisted_provider_goes_back_to_the_app,
);
