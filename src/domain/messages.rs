//! Messages Tessera sends to users, filled from the pool's templates or Tessera's defaults
//! (`templates/`): the AdminCreateUser invitation (`{username}`, `{####}` = temporary password)
//! and the code message (`{####}`) used by AdminResetUserPassword.

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
            .unwrap(),
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
}
