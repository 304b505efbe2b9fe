//! The audit trail after a scripted run: every admin action (with its key, pool, target and
//! outcome) and every sign-in outcome appears once, with the request's id and IP; password
//! resets and changes, global sign-out and lockouts are security events; no password, code,
//! token or secret of the run is anywhere in the table; AdminListUserAuthEvents serves a user's
//! events in Cognito's shape, page by page.

use crate::both_databases;
use crate::helpers::{ADMIN_KEY_ID, ADMIN_SECRET, Backend, error_code, spawn_app};
use crate::sign_in_helpers::{PASSWORD, client_with, set_permanent};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{AuthFlowType, EventResponseType, EventType};
use tessera::domain::audit::AuditEvent;

both_databases!(a_scripted_run_is_audited_once_without_secrets);

const NEW_PASSWORD: &str = "Audited-Mosaic-77";
const RESET_PASSWORD: &str = "Recovered-Mosaic-88";

async fn a_scripted_run_is_audited_once_without_secrets(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("audited").await;
    let (client, _) = client_with(
        &app,
        &pool,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        false,
        false,
    )
    .await;
    crate::user_helpers::create_user(
        &app,
        &pool,
        "ann",
        &[("email", "ann@example.com"), ("email_verified", "true")],
    )
    .await;
    set_permanent(&app, &pool, "ann", PASSWORD).await;
    let missing = app
        .cognito
        .describe_user_pool()
        .user_pool_id("local_NoSuchPool1")
        .send()
        .await;
    assert_eq!(
        error_code(&missing.unwrap_err()),
        "ResourceNotFoundException"
    );
    let sign_in = |password: &'static str, username: &'static str| {
        app.cognito
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .send()
    };
    let tokens = sign_in(PASSWORD, "ann").await.unwrap();
    let result = tokens.authentication_result().unwrap();
    let access = result.access_token().unwrap().to_string();
    let refresh = result.refresh_token().unwrap().to_string();
    sign_in("Wrong-Password-1", "ann").await.unwrap_err();
    sign_in(PASSWORD, "nobody").await.unwrap_err();
    app.cognito
        .change_password()
        .access_token(&access)
        .previous_password(PASSWORD)
        .proposed_password(NEW_PASSWORD)
        .send()
        .await
        .unwrap();
    app.cognito
        .forgot_password()
        .client_id(&client)
        .username("ann")
        .send()
        .await
        .unwrap();
    let code = crate::account_helpers::mailed_code(&app, "ann@example.com");
    app.cognito
        .confirm_forgot_password()
        .client_id(&client)
        .username("ann")
        .confirmation_code(&code)
        .password(RESET_PASSWORD)
        .send()
        .await
        .unwrap();
    let second = sign_in(RESET_PASSWORD, "ann").await.unwrap();
    let second_access = second
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();
    app.cognito
        .global_sign_out()
        .access_token(&second_access)
        .send()
        .await
        .unwrap();

    app.services.audit.flush().await;
    let all: Vec<AuditEvent> = app
        .services
        .store
        .audit_events_since(0, 0, 10_000)
        .await
        .unwrap();
    let of = |category: &str, event: &str| -> Vec<&AuditEvent> {
        all.iter()
            .filter(|e| e.category == category && e.event == event)
            .collect()
    };

    // Admin actions, once each, with the key, the pool and the target.
    for (action, target) in [
        ("CreateUserPool", Some("audited")),
        ("CreateUserPoolClient", Some("app")),
        ("AdminCreateUser", Some("ann")),
        ("AdminSetUserPassword", Some("ann")),
    ] {
        let found = of("admin", action);
        assert_eq!(found.len(), 1, "{action}: {found:?}");
        let e = found[0];
        assert_eq!(e.actor.as_deref(), Some(ADMIN_KEY_ID), "{action}");
        assert_eq!(e.outcome, "success", "{action}");
        assert_eq!(e.target.as_deref(), target, "{action}");
        assert!(e.request_id.is_some() && e.ip.is_some(), "{action}: {e:?}");
        if action != "CreateUserPool" {
            assert_eq!(e.pool_id.as_deref(), Some(pool.as_str()), "{action}");
        }
    }
    let failed = of("admin", "DescribeUserPool");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].outcome, "failure");
    assert_eq!(
        failed[0].reason.as_deref(),
        Some("ResourceNotFoundException")
    );

    // Sign-in outcomes, once each (recorded after the answer: in order of time).
    let mut sign_ins = of("security", "SignIn");
    sign_ins.sort_by_key(|e| (e.at, e.id));
    let outcomes: Vec<(&str, Option<&str>, Option<&str>)> = sign_ins
        .iter()
        .map(|e| (e.outcome.as_str(), e.target.as_deref(), e.reason.as_deref()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("success", Some("ann"), Some("USER_PASSWORD_AUTH")),
            ("failure", Some("ann"), Some("NotAuthorizedException")),
            ("failure", Some("nobody"), Some("UserNotFoundException")),
            ("success", Some("ann"), Some("USER_PASSWORD_AUTH")),
        ]
    );
    let ann_sub = sign_ins[0].user_sub.clone().expect("ann's sub");
    assert!(sign_ins[2].user_sub.is_none());
    assert_eq!(of("security", "PasswordChange").len(), 2);
    assert_eq!(of("security", "ForgotPassword").len(), 1);
    assert_eq!(of("security", "GlobalSignOut").len(), 1);
    assert!(
        all.iter()
            .filter(|e| e.category == "security")
            .all(|e| e.pool_id.as_deref() == Some(pool.as_str()))
    );

    // Nothing secret anywhere.
    let table = serde_json::to_string(&all).unwrap();
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        RESET_PASSWORD,
        "Wrong-Password-1",
        code.as_str(),
        access.as_str(),
        refresh.as_str(),
        second_access.as_str(),
        ADMIN_SECRET,
    ] {
        assert!(!table.contains(secret), "{secret} is in the audit trail");
    }

    // AdminListUserAuthEvents: newest first, two to a page.
    let mut events = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = app
            .cognito
            .admin_list_user_auth_events()
            .user_pool_id(&pool)
            .username("ann")
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await
            .unwrap();
        assert!(page.auth_events().len() <= 2);
        events.extend(page.auth_events().to_vec());
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let kinds: Vec<(EventType, EventResponseType)> = events
        .iter()
        .map(|e| {
            (
                e.event_type().unwrap().clone(),
                e.event_response().unwrap().clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EventType::SignIn, EventResponseType::Pass),
            (EventType::PasswordChange, EventResponseType::Pass),
            (EventType::ForgotPassword, EventResponseType::Pass),
            (EventType::PasswordChange, EventResponseType::Pass),
            (EventType::SignIn, EventResponseType::Fail),
            (EventType::SignIn, EventResponseType::Pass),
        ]
    );
    assert!(
        events[0]
            .event_context_data()
            .unwrap()
            .ip_address()
            .is_some()
    );
    assert!(!ann_sub.is_empty());
}
