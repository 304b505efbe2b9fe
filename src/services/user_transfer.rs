//! `tessera users export` and `tessera users import`: a pool's users as JSON lines
//! ([`UserRecord`]), and such lines (from another Tessera, or made from another system's
//! users) into a pool. Operator commands, run against the database like `backup`.
//!
//! Export writes every user with attributes, status, groups, password hash, MFA settings,
//! passkeys and confirmed devices; the password hash, TOTP secret and device verifiers are sealed under the key file given (made 0600 when it
//! does not exist yet). Import reads them back with the same key, so every user signs in with
//! the same password and TOTP afterwards. Hashes from elsewhere (bcrypt, argon2, scrypt,
//! Firebase scrypt, PBKDF2-SHA256/512) are taken as `crypto::hash_formats` reads them, and
//! replaced by argon2id at the user's next sign-in. Each line is one transaction: a bad line
//! is reported and leaves nothing behind; a user that exists is skipped.

use crate::crypto::hash_formats;
use crate::crypto::random;
use crate::crypto::vault::Vault;
use crate::domain::AuthError;
use crate::domain::devices::Device;
use crate::domain::mfa::UserMfa;
use crate::domain::passkeys::PasskeyCredential;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User, UserStatus};
use crate::domain::user_record::{
    DeviceRecord, MfaRecord, PasskeyRecord, SEALED_DEVICE_VERIFIER, SEALED_PASSWORD_HASH,
    SEALED_TOTP_SECRET, UserRecord,
};
use crate::services::Services;
use crate::services::admin::list_users::AllUsers;
use crate::services::admin::users::find_user;
use crate::store::StoreError;
use crate::store::transfers::Belongings;
use crate::store::users::UserWrite;
use std::io::{BufRead, Write};

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: u64,
    pub skipped: u64,
    /// Line number and reason of each line not imported.
    pub failed: Vec<(u64, String)>,
}

/// Why a line was not imported.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error("not a user record: {0}")]
    Json(String),
    #[error("the line holds sealed values; give the key file they were sealed with")]
    NoKey,
    #[error("a sealed value does not open with this key")]
    WrongKey,
    #[error("password_hash: {0}")]
    Hash(hash_formats::HashFormatError),
    #[error("status {0} is not one a user can be imported in")]
    Status(String),
    #[error("{0}")]
    Invalid(String),
}

/// Writes every user of `pool_id` to `out`, one JSON line each, sealing secrets with `vault`.
pub async fn export(
    svc: &Services,
    pool_id: &str,
    vault: &Vault,
    out: &mut impl Write,
) -> Result<u64, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let mut users = AllUsers::new(svc, &pool);
    let mut count = 0;
    loop {
        let page = users.next_page().await?;
        if page.is_empty() {
            return Ok(count);
        }
        for user in &page {
            let record = record_of(svc, user, vault).await?;
            let line =
                serde_json::to_string(&record).map_err(|e| AuthError::Internal(e.to_string()))?;
            writeln!(out, "{line}").map_err(|e| AuthError::Internal(format!("writing: {e}")))?;
            count += 1;
        }
    }
}

async fn record_of(svc: &Services, user: &User, vault: &Vault) -> Result<UserRecord, AuthError> {
    let groups = svc.store.groups_of_user(&user.sub, "", 10_000).await?;
    let mfa = svc.store.user_mfa(&user.sub).await?;
    let passkeys = svc.store.passkeys_of_user(&user.sub).await?;
    let devices = svc.store.list_devices(&user.sub, None, 10_000).await?;
    let mut attributes = user.attributes.clone();
    attributes.remove("sub");
    let mfa = (mfa != UserMfa::default()).then(|| MfaRecord {
        totp_secret: mfa
            .totp_secret
            .as_deref()
            .filter(|_| mfa.totp_verified)
            .map(|s| vault.seal(SEALED_TOTP_SECRET, s)),
        totp_enabled: mfa.totp_enabled,
        sms_enabled: mfa.sms_enabled,
        email_enabled: mfa.email_enabled,
        preferred: mfa.preferred.clone(),
    });
    Ok(UserRecord {
        username: user.username.clone(),
        sub: Some(user.sub.clone()),
        status: Some(user.status.as_str().to_string()),
        enabled: user.enabled,
        attributes,
        groups: groups.into_iter().map(|g| g.name).collect(),
        password_hash: user
            .password_hash
            .as_deref()
            .map(|h| vault.seal(SEALED_PASSWORD_HASH, h)),
        mfa,
        created_at: Some(user.created_at),
        passkeys: passkeys
            .into_iter()
            .map(|p| PasskeyRecord {
                credential_id: p.credential_id,
                relying_party_id: p.relying_party_id,
                friendly_name: p.friendly_name,
                attachment: p.attachment,
                transports: p.transports,
                passkey: p.passkey,
                created_at: p.created_at,
                last_used_at: p.last_used_at,
            })
            .collect(),
        devices: devices
            .into_iter()
            .filter_map(|d| {
                Some(DeviceRecord {
                    verifier: vault.seal(SEALED_DEVICE_VERIFIER, d.verifier.as_deref()?),
                    salt: d.salt?,
                    key: d.key,
                    group_key: d.group_key,
                    name: d.name,
                    remembered: d.remembered,
                    created_at: d.created_at,
                    updated_at: d.updated_at,
                    last_authenticated_at: d.last_authenticated_at,
                })
            })
            .collect(),
    })
}

/// Reads JSON lines from `input` into `pool_id`, opening sealed values with `vault`.
pub async fn import(
    svc: &Services,
    pool_id: &str,
    vault: Option<&Vault>,
    input: impl BufRead,
) -> Result<ImportSummary, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let mut summary = ImportSummary::default();
    for (index, line) in input.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.map_err(|e| AuthError::Internal(format!("reading: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        match import_line(svc, &pool, vault, &line).await {
            Ok(true) => summary.imported += 1,
            Ok(false) => summary.skipped += 1,
            Err(e) => summary.failed.push((number, e.to_string())),
        }
    }
    Ok(summary)
}

/// Imports one line: true when imported, false when the user exists.
async fn import_line(
    svc: &Services,
    pool: &UserPool,
    vault: Option<&Vault>,
    line: &str,
) -> Result<bool, LineError> {
    let record: UserRecord =
        serde_json::from_str(line).map_err(|e| LineError::Json(e.to_string()))?;
    match find_user(svc, pool, &record.username).await {
        Ok(_) => return Ok(false),
        Err(AuthError::UserNotFound(_)) => {}
        Err(e) => return Err(LineError::Invalid(e.to_string())),
    }
    let open = |column: &str, value: &str| -> Result<String, LineError> {
        if !value.starts_with("v1.") {
            return Ok(value.to_string());
        }
        vault
            .ok_or(LineError::NoKey)?
            .open(column, value)
            .map_err(|_| LineError::WrongKey)
    };
    let password_hash = record
        .password_hash
        .as_deref()
        .map(|h| open(SEALED_PASSWORD_HASH, h))
        .transpose()?;
    if let Some(hash) = &password_hash {
        hash_formats::parse(hash).map_err(LineError::Hash)?;
    }
    let status = match record.status.as_deref().unwrap_or("CONFIRMED") {
        s @ ("CONFIRMED" | "UNCONFIRMED" | "RESET_REQUIRED" | "FORCE_CHANGE_PASSWORD") => {
            UserStatus::parse(s).ok_or_else(|| LineError::Status(s.into()))?
        }
        other => return Err(LineError::Status(other.into())),
    };
    let now = svc.now();
    let sub = record.sub.clone().unwrap_or_else(random::uuid);
    let mut attributes = record.attributes.clone();
    attributes.remove("sub");
    let mut made = user::new_user(pool, sub, &record.username, attributes, status, now)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    made.enabled = record.enabled;
    made.created_at = record.created_at.unwrap_or(now);
    if password_hash.is_some() {
        made.password_hash = password_hash;
        made.password_changed_at = Some(now);
    }
    let mfa = match &record.mfa {
        Some(m) => UserMfa {
            totp_secret: m
                .totp_secret
                .as_deref()
                .map(|s| open(SEALED_TOTP_SECRET, s))
                .transpose()?,
            totp_enabled: m.totp_enabled,
            sms_enabled: m.sms_enabled,
            email_enabled: m.email_enabled,
            preferred: m.preferred.clone(),
            ..UserMfa::default()
        },
        None => UserMfa::default(),
    };
    let passkeys: Vec<PasskeyCredential> = record
        .passkeys
        .iter()
        .map(|p| PasskeyCredential {
            pool_id: pool.id.clone(),
            user_sub: made.sub.clone(),
            credential_id: p.credential_id.clone(),
            relying_party_id: p.relying_party_id.clone(),
            friendly_name: p.friendly_name.clone(),
            attachment: p.attachment.clone(),
            transports: p.transports.clone(),
            passkey: p.passkey.clone(),
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        })
        .collect();
    let devices = record
        .devices
        .iter()
        .map(|d| {
            Ok(Device {
                key: d.key.clone(),
                pool_id: pool.id.clone(),
                user_sub: made.sub.clone(),
                group_key: d.group_key.clone(),
                salt: Some(d.salt.clone()),
                verifier: Some(open(SEALED_DEVICE_VERIFIER, &d.verifier)?),
                name: d.name.clone(),
                remembered: d.remembered,
                created_at: d.created_at,
                updated_at: d.updated_at,
                last_authenticated_at: d.last_authenticated_at,
            })
        })
        .collect::<Result<Vec<_>, LineError>>()?;
    let write = UserWrite {
        columns: made.columns(pool),
        user: &made,
        insert: true,
    };
    let with = Belongings {
        groups: &record.groups,
        mfa,
        passkeys: &passkeys,
        devices: &devices,
    };
    match svc.store.insert_transferred_user(&write, &with, now).await {
        Ok(()) => Ok(true),
        Err(StoreError::Unique(index)) => match clash(&index) {
            None => Ok(false),
            Some(what) => Err(LineError::Invalid(format!("{what} is taken in this pool"))),
        },
        Err(e) => Err(LineError::Invalid(e.to_string())),
    }
}

/// What a unique violation on inserting a user says: None when the user exists (its
/// username or sub), else what another user holds.
fn clash(index: &str) -> Option<&'static str> {
    if index.contains("username_key") || index.contains("users_pkey") || index.contains("users.id")
    {
        None
    } else if index.contains("webauthn_credentials") {
        Some("a passkey's credential id")
    } else if index.contains("devices") {
        Some("a device key")
    } else {
        Some("an alias of this user (email, phone number or preferred username)")
    }
}
