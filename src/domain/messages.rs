//! Messages Tessera sends to users, filled from the pool's templates or Tessera's defaults
//! (`templates/`): the AdminCreateUser invitation (`{username}`, `{####}` = temporary password)
//! and the code message (`{####}`) used by AdminResetUserPassword; and, in pools whose
//! `DefaultEmailOption` is CONFIRM_WITH_LINK, the sign-up email with a confirmation link in
//! place of the code (`EmailMessageByLink`, whose `{##link text##}` becomes the link).

use super::pool::UserPool;

const INVITE_SUBJECT: &str = include_str!("../../templates/email/invitation/subject.txt");
const INVITE_EMAIL: &str = include_str!("../../templates/email/invitation/body.txt");
const INVITE_SMS: &str = include_str!("../../templates/sms/invitation.txt");

/// A rendered message: subject (email only) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

fn fill(template: &str, username: &str, secret: &str) -> String {
    template
        .replace("{username}", username)
        .replace("{####}", secret)
}

/// The invitation email: the pool's InviteMessageTemplate or the defaults.
pub fn invitation_email(pool: &UserPool, username: &str, password: &str) -> Rendered {
    let t = pool
        .settings
        .admin_create_user_config
        .invite_message_template
        .as_ref();
    Rendered {
        subject: t
            .and_then(|t| t.email_subject.as_deref())
            .unwrap_or(INVITE_SUBJECT.trim_end())
            .to_string(),
        body: fill(
            t.and_then(|t| t.email_message.as_deref())
                .unwrap_or(INVITE_EMAIL.trim_end_matches('\n')),
            username,
            password,
        ),
    }
}

/// The invitation SMS.
pub fn invitation_sms(pool: &UserPool, username: &str, password: &str) -> String {
    let t = pool
        .settings
        .admin_create_user_config
        .invite_message_template
        .as_ref();
    fill(
        t.and_then(|t| t.sms_message.as_deref())
            .unwrap_or(INVITE_SMS.trim_end_matches('\n')),
        username,
        password,
    )
}

/// A code message by email, from the pool's VerificationMessageTemplate.
pub fn code_email(pool: &UserPool, username: &str, code: &str) -> Rendered {
    let t = &pool.settings.verification_message_template;
    Rendered {
        subject: t
            .email_subject
            .clone()
            .unwrap_or_else(|| "Your verification code".into()),
        body: fill(
            t.email_message
                .as_deref()
                .unwrap_or("Your verification code is {####}. "),
            username,
            code,
        ),
    }
}

/// True when the pool's sign-up emails carry a confirmation link instead of a code.
pub fn confirms_with_link(pool: &UserPool) -> bool {
    pool.settings
        .verification_message_template
        .default_email_option
        .as_deref()
        == Some("CONFIRM_WITH_LINK")
}

/// An email with a plain-text and an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedHtml {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The sign-up email of a CONFIRM_WITH_LINK pool: `EmailMessageByLink` with its
/// `{##link text##}` placeholder made a link to `url` (in the text body: the text, then the
/// URL). The template is the pool administrator's HTML, as in Cognito; the URL is escaped.
pub fn confirm_link_email(pool: &UserPool, url: &str) -> RenderedHtml {
    let t = &pool.settings.verification_message_template;
    let template = t
        .email_message_by_link
        .as_deref()
        .unwrap_or("Please click the link below to verify your email address. {##Verify Email##} ");
    let subject = t
        .email_subject_by_link
        .clone()
        .unwrap_or_else(|| "Your verification link".into());
    link_email(template, subject, url)
}

/// A link email from `template` (its `{##link text##}` made a link to `url`) and `subject`:
/// the pool's, or a CustomMessage function's.
pub fn link_email(template: &str, subject: String, url: &str) -> RenderedHtml {
    let (before, text, after) = match template.split_once("{##") {
        Some((before, rest)) => match rest.split_once("##}") {
            Some((text, after)) => (before, text, after),
            None => (template, "", ""),
        },
        None => (template, "", ""),
    };
    let href = url
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    RenderedHtml {
        subject,
        text: format!("{before}{text}: {url} {after}")
            .trim_end()
            .to_string()
            + "\n",
        html: format!("{before}<a href=\"{href}\">{text}</a>{after}"),
    }
}

/// A code message by SMS.
pub fn code_sms(pool: &UserPool, username: &str, code: &str) -> String {
    let t = &pool.settings.verification_message_template;
    fill(
        t.sms_message
            .as_deref()
            .unwrap_or("Your verification code is {####}. "),
        username,
        code,
    )
}

/// The MFA code SMS: the pool's SmsAuthenticationMessage (`{####}` = the code).
pub fn mfa_sms(pool: &UserPool, username: &str, code: &str) -> String {
    fill(
        pool.settings
            .sms_authentication_message
            .as_deref()
            .unwrap_or("Your authentication code is {####}. "),
        username,
        code,
    )
}

/// The MFA code email: the pool's EmailMfaConfiguration Subject and Message.
pub fn mfa_email(pool: &UserPool, username: &str, code: &str) -> Rendered {
    let config = pool.settings.email_mfa_configuration.as_ref();
    let member = |name: &str| config.and_then(|c| c.get(name)).and_then(|v| v.as_str());
    Rendered {
        subject: member("Subject").unwrap_or("Your sign-in code").to_string(),
        body: fill(
            member("Message").unwrap_or("Your authentication code is {####}. "),
            username,
            code,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pool::{PoolInput, PoolSettings};

    #[test]
    fn defaults_fill_placeholders() {
        let pool = UserPool {
            id: "p".into(),
            name: "p".into(),
            settings: PoolSettings::for_create(&PoolInput {
                pool_name: Some("p".into()),
                ..Default::default()
            })
            .unwrap()
            .into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        };
        let m = invitation_email(&pool, "jane", "Pw1!");
        assert_eq!(m.subject, "Your temporary password");
        assert_eq!(
            m.body,
            "Your username is jane and temporary password is Pw1!. "
        );
        assert!(invitation_sms(&pool, "jane", "X").contains("jane"));
        assert!(code_sms(&pool, "jane", "123456").contains("123456"));
    }

    #[test]
    fn confirmation_links_replace_the_placeholder() {
        let mut input = PoolInput {
            pool_name: Some("p".into()),
            ..Default::default()
        };
        input.verification_message_template = Some(Default::default());
        let mut settings = PoolSettings::for_create(&input).unwrap();
        settings.verification_message_template.email_message_by_link =
            Some("Welcome! {##Confirm my account##} Thanks.".into());
        settings.verification_message_template.default_email_option =
            Some("CONFIRM_WITH_LINK".into());
        let pool = UserPool {
            id: "p".into(),
            name: "p".into(),
            settings: settings.into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        };
        assert!(confirms_with_link(&pool));
        let m = confirm_link_email(&pool, "https://a.example/confirmUser?a=1&b=2");
        assert_eq!(
            m.html,
            "Welcome! <a href=\"https://a.example/confirmUser?a=1&amp;b=2\">Confirm my account</a> Thanks."
        );
        assert!(
            m.text
                .contains("Confirm my account: https://a.example/confirmUser?a=1&b=2")
        );
        assert_eq!(m.subject, "Your verification link");
    }
}
