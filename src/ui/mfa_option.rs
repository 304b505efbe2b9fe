//! `/mfaOption` (reference §3.2, §5.8): the user has several second factors and prefers none
//! (SELECT_MFA_TYPE). The page offers each factor of `MFAS_CAN_CHOOSE` as a radio button; POST
//! answers the challenge with the chosen one (`ANSWER`) and goes on, normally to `/mfa` for
//! that factor's code.

use super::error;
use super::mfa;
use super::page::{self, Flow, Layout};
use super::session::MfaChallenge;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// One factor to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What the form posts (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`).
    pub value: String,
    pub label: &'static str,
    /// The radio button's `id`.
    pub id: String,
    pub checked: bool,
}

/// The factor page's view-model.
#[derive(Template)]
#[template(path = "ui/mfa_option.html")]
pub struct MfaOptionView {
    pub layout: Layout,
    pub action: String,
    pub csrf: String,
    pub choices: Vec<Choice>,
    /// Shown next to the choices.
    pub error: Option<String>,
    pub login_link: String,
}

/// The name of a factor for people.
fn label(factor: &str) -> Option<&'static str> {
    match factor {
        "SOFTWARE_TOKEN_MFA" => Some("Authenticator app"),
        "SMS_MFA" => Some("Text message (SMS)"),
        "EMAIL_OTP" => Some("Email"),
        _ => None,
    }
}

/// The factors the challenge offers, the first one checked.
fn choices(challenge: &MfaChallenge) -> Vec<Choice> {
    hosted::listed(&challenge.parameters, "MFAS_CAN_CHOOSE")
        .into_iter()
        .filter_map(|factor| {
            let label = label(&factor)?;
            Some(Choice {
                id: format!("mfa-option-{}", factor.to_lowercase().replace('_', "-")),
                value: factor,
                label,
                checked: false,
            })
        })
        .enumerate()
        .map(|(i, c)| Choice {
            checked: i == 0,
            ..c
        })
        .collect()
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    challenge: &MfaChallenge,
) -> Result<MfaOptionView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    Ok(MfaOptionView {
        layout: flow.layout(svc, "Choose how to verify").await,
        action: flow.link("/mfaOption"),
        csrf,
        choices: choices(challenge),
        error: None,
        login_link: flow.link("/login"),
    })
}

/// `GET /mfaOption`.
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
    let challenge = match mfa::waiting(&flow, &cookie, "/mfaOption") {
        Ok(challenge) => challenge,
        Err(response) => return response,
    };
    match view(&svc, &flow, &cookie, &challenge).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /mfaOption`.
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
    let challenge = match mfa::waiting(&flow, &cookie, "/mfaOption") {
        Ok(challenge) => challenge,
        Err(response) => return response,
    };
    let mut view = match view(&svc, &flow, &cookie, &challenge).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        view.error = Some(error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let chosen = form.text("mfa_option");
    if !view.choices.iter().any(|c| c.value == chosen) {
        view.error = Some("Choose one of the ways to verify.".into());
        return page::render(StatusCode::OK, &view);
    }
    let step = hosted::answer_mfa(
        &svc,
        &flow.request.pool,
        &flow.request.client,
        &challenge.challenge,
        &challenge.session,
        &challenge.username,
        BTreeMap::from([("ANSWER".to_string(), chosen.clone())]),
    )
    .await;
    if let Err(e) = &step {
        crate::http::rate_limit::failed(&svc, &req, e).await;
    }
    match step {
        Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
        Err(e) => match mfa::refused(&flow, &cookie, &e) {
            Ok(problem) => {
                for c in &mut view.choices {
                    c.checked = c.value == chosen;
                }
                view.error = Some(problem.message);
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
    fn offered_factors_become_labelled_choices() {
        let challenge = MfaChallenge {
            challenge: "SELECT_MFA_TYPE".into(),
            session: "s".into(),
            username: "jane".into(),
            parameters: BTreeMap::from([(
                "MFAS_CAN_CHOOSE".to_string(),
                r#"["SMS_MFA","SOFTWARE_TOKEN_MFA","NOT_A_FACTOR"]"#.to_string(),
            )]),
            secret: None,
        };
        let got = choices(&challenge);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].label, "Text message (SMS)");
        assert!(got[0].checked && !got[1].checked);
        assert_eq!(got[1].id, "mfa-option-software-token-mfa");
    }
}
