//! `/mfaSetup` (reference §3.2, §5.8): a user who must use MFA and has no factor yet sets one
//! up during sign-in (MFA_SETUP). With a software token on offer (`MFAS_CAN_SETUP`), GET asks
//! `services::auth::hosted::start_totp_setup` once for a new secret — kept with the new
//! session in the encrypted cookie — and shows it as a QR code (an `otpauth://` URI drawn as
//! an inline SVG on the server: the pages allow no images from `data:` and no scripts) and as
//! a key to type; POST verifies the app's code with `finish_totp_setup` and goes on signed in.
//! A wrong code shows the same secret again. Where only email MFA is on offer the page asks
//! for an email address instead and answers MFA_SETUP with `EMAIL`; the code sent there is
//! typed on `/mfa`.

use super::error;
use super::forms::{Field, FormState};
use super::mfa;
use super::page::{self, Flow, Layout};
use super::session::{self, MfaChallenge};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::BTreeMap;

/// The secret being set up, for the authenticator app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpKey {
    /// The base32 secret.
    pub secret: String,
    /// The secret in groups of four, for typing.
    pub grouped: String,
    /// The `otpauth://` URI (a link for authenticator apps on the same device).
    pub uri: String,
    /// The URI as a QR code (`<svg>…</svg>`), when it fits in one.
    pub qr_svg: Option<String>,
}

/// The set-up page's view-model.
#[derive(Template)]
#[template(path = "ui/mfa_setup.html")]
pub struct MfaSetupView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    /// The software token's key; None when the page asks for an email address.
    pub totp: Option<TotpKey>,
    pub login_link: String,
}

/// What the page sets up.
enum Factor {
    SoftwareToken,
    Email,
}

/// The factor to set up: a software token when the pool offers it, else email.
fn factor(challenge: &MfaChallenge) -> Option<Factor> {
    let offered = hosted::listed(&challenge.parameters, "MFAS_CAN_SETUP");
    if offered.iter().any(|f| f == "SOFTWARE_TOKEN_MFA") {
        Some(Factor::SoftwareToken)
    } else if offered.iter().any(|f| f == "EMAIL_OTP") {
        Some(Factor::Email)
    } else {
        None
    }
}

/// What the key-URI percent-encodes: all but letters, digits and `-._~` (RFC 3986 unreserved).
const URI_PART: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The key-URI of a software token (the format authenticator apps read from QR codes):
/// `otpauth://totp/{issuer}:{username}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
pub fn otpauth_uri(issuer: &str, username: &str, secret: &str) -> String {
    let issuer = utf8_percent_encode(issuer, URI_PART).to_string();
    let username = utf8_percent_encode(username, URI_PART);
    format!(
        "otpauth://totp/{issuer}:{username}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
    )
}

/// `text` as a QR code in an inline `<svg>` element (no XML prolog), labelled for screen
/// readers; None when it does not fit in a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg ")?;
    Some(svg[start..].replacen(
        "<svg ",
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\" ",
        1,
    ))
}

/// The key in groups of four characters.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    challenge: &MfaChallenge,
    factor: &Factor,
) -> Result<MfaSetupView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let action = flow.link("/mfaSetup");
    let login_link = flow.link("/login");
    Ok(match (factor, &challenge.secret) {
        (Factor::SoftwareToken, Some(secret)) => {
            let uri = otpauth_uri(&flow.request.pool.name, &challenge.username, secret);
            let fields = vec![
                mfa::code_field("Code from the app"),
                Field::new("device_name", "Name of this authenticator")
                    .optional()
                    .autocomplete("off")
                    .hint("To recognise it later, like “Phone”."),
            ];
            MfaSetupView {
                layout: flow.layout(svc, "Set up your authenticator app").await,
                form: FormState::new(action, csrf, fields),
                description: "Your account needs a second step to sign in. Scan this QR code \
                              with your authenticator app, or type the key into it, then enter \
                              the 6-digit code the app shows."
                    .into(),
                totp: Some(TotpKey {
                    grouped: grouped(secret),
                    qr_svg: qr_svg(&uri),
                    secret: secret.clone(),
                    uri,
                }),
                login_link,
            }
        }
        _ => MfaSetupView {
            layout: flow.layout(svc, "Set up sign-in codes by email").await,
            form: FormState::new(
                action,
                csrf,
                vec![
                    Field::new("email", "Email address")
                        .kind("email")
                        .autocomplete("email")
                        .inputmode("email")
                        .spellcheck_off(),
                ],
            ),
            description: "Your account needs a second step to sign in. Enter the email address \
                          to send your sign-in codes to; we will send the first one now."
                .into(),
            totp: None,
            login_link,
        },
    })
}

/// The challenge, the factor it sets up, and — for a software token — its secret, made on
/// the first visit and kept in the cookie with the session to finish with.
async fn prepare(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
) -> Result<(MfaChallenge, Factor), HttpResponse> {
    let mut challenge = mfa::waiting(flow, cookie, "/mfaSetup")?;
    let Some(factor) = factor(&challenge) else {
        return Err(mfa::sign_in_again(flow, cookie, mfa::EXPIRED));
    };
    if matches!(factor, Factor::SoftwareToken) && challenge.secret.is_none() {
        let (secret, next) = match hosted::start_totp_setup(svc, &challenge.session).await {
            Ok(started) => started,
            Err(e) => {
                let problem = mfa::refused(flow, cookie, &e)?;
                return Err(mfa::sign_in_again(flow, cookie, &problem.message));
            }
        };
        challenge.secret = Some(secret);
        challenge.session = next;
        if let Err(e) = session::set_mfa(cookie, &flow.site.pool_id, &challenge) {
            tracing::error!(cause = %e, "storing the MFA challenge in the cookie");
            return Err(page::internal());
        }
    }
    Ok((challenge, factor))
}

/// `GET /mfaSetup`.
pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let flow = match page::begin(&svc, site, &req).await {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    let (challenge, factor) = match prepare(&svc, &flow, &cookie).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    match view(&svc, &flow, &cookie, &challenge, &factor).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /mfaSetup`.
pub async fn post(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (flow, form) = match page::begin_post(&svc, site, &req, &cookie, &body).await {
        Ok(started) => started,
        Err(response) => return response,
    };
    let (challenge, factor) = match prepare(&svc, &flow, &cookie).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let mut view = match view(&svc, &flow, &cookie, &challenge, &factor).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let pool = &flow.request.pool;
    let client = &flow.request.client;
    let step = match factor {
        Factor::SoftwareToken => {
            let code = form.text("code");
            let device_name = form.text("device_name");
            if let Some(f) = view
                .form
                .fields
                .iter_mut()
                .find(|f| f.name == "device_name")
            {
                f.value = device_name.clone();
            }
            if code.is_empty() {
                view.form
                    .show(Some("code"), "Enter the code your authenticator app shows.");
                return page::render(StatusCode::OK, &view);
            }
            hosted::finish_totp_setup(
                &svc,
                pool,
                client,
                &challenge.session,
                &challenge.username,
                &code,
                Some(device_name.as_str()).filter(|n| !n.is_empty()),
            )
            .await
        }
        Factor::Email => {
            let email = form.text("email");
            if let Some(f) = view.form.fields.iter_mut().find(|f| f.name == "email") {
                f.value = email.clone();
            }
            if email.is_empty() {
                view.form.show(Some("email"), "Enter your email address.");
                return page::render(StatusCode::OK, &view);
            }
            hosted::answer_mfa(
                &svc,
                pool,
                client,
                &challenge.challenge,
                &challenge.session,
                &challenge.username,
                BTreeMap::from([("EMAIL".to_string(), email)]),
            )
            .await
        }
    };
    if let Err(e) = &step {
        crate::http::rate_limit::failed(&svc, &req, e).await;
    }
    match step {
        Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
        Err(e) => match mfa::refused(&flow, &cookie, &e) {
            Ok(problem) => {
                view.form.show(problem.field.as_deref(), &problem.message);
                page::render(StatusCode::OK, &view)
            }
            Err(response) => response,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_uri_is_what_authenticator_apps_read() {
        assert_eq!(
            otpauth_uri("My Pool", "jane@example.com", "ABCDEFGH"),
            "otpauth://totp/My%20Pool:jane%40example.com?secret=ABCDEFGH&issuer=My%20Pool\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn the_qr_code_is_an_inline_svg_element() {
        let svg = qr_svg("otpauth://totp/x:y?secret=ABCDEFGH").unwrap_or_default();
        assert!(svg.starts_with("<svg class=\"qr\" role=\"img\""), "{svg}");
        assert!(svg.ends_with("</svg>") && !svg.contains("<?xml"));
    }
}
