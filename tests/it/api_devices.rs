//! Remembered devices through the JSON API, in a pool that requires MFA (email codes) and lets
//! remembered devices stand in for it: a first sign-in gets NewDeviceMetadata; ConfirmDevice
//! with the device's SRP verifier remembers it; the next sign-in naming it proves the device
//! (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) and gets no email code; refresh needs the
//! device's key; a wrong device proof, another user's device, a forgotten device and a device
//! no longer remembered are refused or ask for MFA again.

use crate::api_mfa_codes::{last_mail_code, offer};
use crate::api_sign_in_srp::now_stamp;
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::sign_in_helpers::{PASSWORD, client_with, set_permanent};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider as cognito;
use base64::Engine;
use cognito::types::{
    AuthFlowType, ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, NewDeviceMetadataType, UserPoolMfaType,
};
use tessera::crypto::srp::{self, client};

const ALICE_EMAIL: &str = "alice@example.com";
const DEVICE_PASSWORD: &str = "device-secret-1234567890";

/// A pool with MFA ON by email and device tracking; a client; alice with a verified email.
async fn set_up(app: &TestApp) -> (String, String) {
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("devices")
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    offer(app, &pool, UserPoolMfaType::On, false, true).await;
    let (client, _) = client_with(
        app,
        &pool,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        false,
        false,
    )
    .await;
    for (name, email) in [("alice", ALICE_EMAIL), ("bob", "bob@example.com")] {
        create_user(
            app,
            &pool,
            name,
            &[("email", email), ("email_verified", "true")],
        )
        .await;
        set_permanent(app, &pool, name, PASSWORD).await;
    }
    (pool, client)
}

async fn password(
    app: &TestApp,
    client: &str,
    username: &str,
    device: Option<&str>,
) -> cognito::operation::initiate_auth::InitiateAuthOutput {
    let mut req = app
        .cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD);
    if let Some(d) = device {
        req = req.auth_parameters("DEVICE_KEY", d);
    }
    req.send().await.unwrap()
}

/// Answers the email MFA challenge of `out`; returns the tokens' result.
async fn email_code(
    app: &TestApp,
    client: &str,
    username: &str,
    address: &str,
    out: &cognito::operation::initiate_auth::InitiateAuthOutput,
) -> cognito::types::AuthenticationResultType {
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", username)
        .challenge_responses("EMAIL_OTP_CODE", last_mail_code(app, address))
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
}

/// Hex of even length, as bytes for base64.
fn b64_of_hex(hex_text: &str) -> String {
    let even = if hex_text.len() % 2 == 1 {
        format!("0{hex_text}")
    } else {
        hex_text.to_string()
    };
    base64::engine::general_purpose::STANDARD.encode(hex::decode(even).unwrap())
}

async fn confirm(app: &TestApp, access: &str, device: &NewDeviceMetadataType) {
    let key = device.device_key().unwrap();
    let verifier = srp::make_verifier(device.device_group_key().unwrap(), key, DEVICE_PASSWORD);
    let out = app
        .cognito
        .confirm_device()
        .access_token(access)
        .device_key(key)
        .device_name("alice's laptop")
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier(b64_of_hex(&verifier.verifier))
                .salt(b64_of_hex(&verifier.salt))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(!out.user_confirmation_necessary());
}

/// The device's proof, after the password: DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER.
async fn prove_device(
    app: &TestApp,
    client_id: &str,
    out: &cognito::operation::initiate_auth::InitiateAuthOutput,
    device: &NewDeviceMetadataType,
    device_password: &str,
) -> Result<
    cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cognito::error::SdkError<
        cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
> {
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth)
    );
    let key = device.device_key().unwrap();
    let c = client::Client::random();
    let verifier = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("SRP_A", c.a_hex())
        .send()
        .await
        .unwrap();
    assert_eq!(
        verifier.challenge_name(),
        Some(&ChallengeNameType::DevicePasswordVerifier)
    );
    let p = verifier.challenge_parameters().unwrap();
    let timestamp = now_stamp(app);
    let signature = c.sign(&client::Proof {
        pool_name: device.device_group_key().unwrap(),
        username: key,
        password: device_password,
        salt: &p["SALT"],
        b: &p["SRP_B"],
        secret_block: &p["SECRET_BLOCK"],
        timestamp: &timestamp,
    });
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::DevicePasswordVerifier)
        .session(verifier.session().unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", timestamp)
        .send()
        .await
}

async fn refresh(
    app: &TestApp,
    client: &str,
    token: &str,
    device: Option<&str>,
) -> Result<(), String> {
    let mut req = app
        .cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token);
    if let Some(d) = device {
        req = req.auth_parameters("DEVICE_KEY", d);
    }
    req.send().await.map(|_| ()).map_err(|e| error_code(&e))
}

async fn a_remembered_device_stands_in_for_mfa(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app).await;
    let first = password(&app, &client, "alice", None).await;
    let tokens = email_code(&app, &client, "alice", ALICE_EMAIL, &first).await;
    let device = tokens.new_device_metadata().unwrap().clone();
    assert!(device.device_key().unwrap().starts_with("local_"));
    // Another sign-in of alice cannot confirm the first one's device.
    let other = password(&app, &client, "alice", None).await;
    let other = email_code(&app, &client, "alice", ALICE_EMAIL, &other).await;
    let refused = app
        .cognito
        .confirm_device()
        .access_token(other.access_token().unwrap())
        .device_key(device.device_key().unwrap())
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier("AAAA")
                .salt("AAAA")
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "ResourceNotFoundException"
    );
    confirm(&app, tokens.access_token().unwrap(), &device).await;
    let key = device.device_key().unwrap();
    let listed = app
        .cognito
        .list_devices()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.devices().len(), 1);
    let attributes = listed.devices()[0].device_attributes();
    assert!(
        attributes
            .iter()
            .any(|a| a.name() == "device_name" && a.value() == Some("alice's laptop"))
    );
    assert!(
        attributes
            .iter()
            .any(|a| a.name() == "dev:device_remembered_status" && a.value() == Some("remembered"))
    );

    // The first sign-in's refresh token is bound to the device.
    let refresh_token = tokens.refresh_token().unwrap();
    assert_eq!(
        refresh(&app, &client, refresh_token, None).await,
        Err("NotAuthorizedException".into())
    );
    refresh(&app, &client, refresh_token, Some(key))
        .await
        .unwrap();

    // The next sign-in on the device: no email code, the device's proof instead.
    let mails = app.smtp.to(ALICE_EMAIL).len();
    let out = password(&app, &client, "alice", Some(key)).await;
    let signed_in = prove_device(&app, &client, &out, &device, DEVICE_PASSWORD)
        .await
        .unwrap();
    let result = signed_in.authentication_result().unwrap();
    assert!(result.new_device_metadata().is_none());
    let payload = result.access_token().unwrap().split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["device_key"], key);
    assert_eq!(
        app.smtp.to(ALICE_EMAIL).len(),
        mails,
        "an MFA code was sent"
    );

    // A wrong device secret is a wrong password.
    let out = password(&app, &client, "alice", Some(key)).await;
    let refused = prove_device(&app, &client, &out, &device, "not-the-device-secret").await;
    assert_eq!(error_code(&refused.unwrap_err()), "NotAuthorizedException");

    // Bob naming alice's device gets MFA and a device of his own.
    let out = password(&app, &client, "bob", Some(key)).await;
    let bob = email_code(&app, &client, "bob", "bob@example.com", &out).await;
    assert_ne!(bob.new_device_metadata().unwrap().device_key(), Some(key));

    // Not remembered any more (by an administrator): MFA again.
    app.cognito
        .admin_update_device_status()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .unwrap();
    let out = password(&app, &client, "alice", Some(key)).await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    app.cognito
        .admin_update_device_status()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();

    // Forgotten: its refreshes end (the access token runs out as usual), and it no longer
    // stands in for MFA.
    let admin_listed = app
        .cognito
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(admin_listed.devices().len(), 1);
    app.cognito
        .forget_device()
        .access_token(result.access_token().unwrap())
        .device_key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refresh(&app, &client, refresh_token, Some(key)).await,
        Err("NotAuthorizedException".into())
    );
    app.cognito
        .get_user()
        .access_token(result.access_token().unwrap())
        .send()
        .await
        .unwrap();
    let out = password(&app, &client, "alice", Some(key)).await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let gone = app
        .cognito
        .admin_get_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(key)
        .send()
        .await;
    assert_eq!(error_code(&gone.unwrap_err()), "ResourceNotFoundException");
}

both_databases!(
    a_remembered_device_stands_in_for_mfa,
    a_remembered_device_survives_export_and_import,
);

/// `tessera users export` / `users import` keep a confirmed device: on another server, the
/// device's proof still stands in for MFA.
async fn a_remembered_device_survives_export_and_import(db: Backend) {
    use tessera::crypto::vault::{Key, Vault};
    use tessera::services::user_transfer::{export, import};
    let a = spawn_app(db).await;
    let (pool, client) = set_up(&a).await;
    let first = password(&a, &client, "alice", None).await;
    let tokens = email_code(&a, &client, "alice", ALICE_EMAIL, &first).await;
    let device = tokens.new_device_metadata().unwrap().clone();
    confirm(&a, tokens.access_token().unwrap(), &device).await;
    let vault = Vault::new(&Key::generate());
    let mut file = Vec::new();
    export(&a.services, &pool, &vault, &mut file).await.unwrap();
    let text = String::from_utf8(file).unwrap();
    assert!(text.contains(device.device_key().unwrap()), "{text}");

    let b = spawn_app(db).await;
    let (pool_b, client_b) = set_up(&b).await;
    for name in ["alice", "bob"] {
        b.cognito
            .admin_delete_user()
            .user_pool_id(&pool_b)
            .username(name)
            .send()
            .await
            .unwrap();
    }
    let done = import(&b.services, &pool_b, Some(&vault), text.as_bytes())
        .await
        .unwrap();
    assert_eq!((done.imported, done.failed.len()), (2, 0), "{done:?}");
    let out = password(&b, &client_b, "alice", device.device_key()).await;
    let signed_in = prove_device(&b, &client_b, &out, &device, DEVICE_PASSWORD)
        .await
        .unwrap();
    assert!(signed_in.authentication_result().is_some());
    // A wrong device password still fails there.
    let out = password(&b, &client_b, "alice", device.device_key()).await;
    assert!(
        prove_device(&b, &client_b, &out, &device, "not-the-device-secret")
            .await
            .is_err()
    );
}
