//! Passkeys (`webauthn_credentials`) and registrations under way (`webauthn_registrations`).

use super::{Store, StoreResult, map_err, sql};
use crate::db_run;
use crate::domain::passkeys::PasskeyCredential;

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    pool_id: String,
    credential_id: String,
    user_id: String,
    relying_party_id: String,
    friendly_name: Option<String>,
    attachment: Option<String>,
    transports: String,
    passkey: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<PasskeyRow> for PasskeyCredential {
    fn from(r: PasskeyRow) -> PasskeyCredential {
        PasskeyCredential {
            pool_id: r.pool_id,
            credential_id: r.credential_id,
            user_sub: r.user_id,
            relying_party_id: r.relying_party_id,
            friendly_name: r.friendly_name,
            attachment: r.attachment,
            transports: serde_json::from_str(&r.transports).unwrap_or_default(),
            passkey: r.passkey,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

const COLUMNS: &str = "pool_id, credential_id, user_id, relying_party_id, friendly_name, \
                       attachment, transports, passkey, created_at, last_used_at";

impl Store {
    /// Stores a new passkey; a credential id the pool already holds is a unique violation.
    pub async fn insert_passkey(&self, p: &PasskeyCredential) -> StoreResult<()> {
        let transports = serde_json::to_string(&p.transports).unwrap_or_else(|_| "[]".into());
        db_run!(self, |db| {
            sqlx::query(sql(format!(
                "INSERT INTO webauthn_credentials ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, \
                 $7, $8, $9, $10)"
            )))
            .bind(&p.pool_id)
            .bind(&p.credential_id)
            .bind(&p.user_sub)
            .bind(&p.relying_party_id)
            .bind(&p.friendly_name)
            .bind(&p.attachment)
            .bind(&transports)
            .bind(&p.passkey)
            .bind(p.created_at)
            .bind(p.last_used_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// A user's passkeys, oldest first.
    pub async fn passkeys_of_user(&self, user_sub: &str) -> StoreResult<Vec<PasskeyCredential>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, PasskeyRow>(sql(format!(
                "SELECT {COLUMNS} FROM webauthn_credentials WHERE user_id = $1 \
                 ORDER BY created_at, credential_id"
            )))
            .bind(user_sub)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(PasskeyCredential::from).collect())
    }

    /// Saves a passkey after a sign-in: its record (the new sign counter and backup flags) and
    /// when it was used. Only if the stored record is still `before`: of two sign-ins with the
    /// same passkey at once, one wins and the other is refused (false).
    pub async fn update_passkey_use(
        &self,
        p: &PasskeyCredential,
        before: &str,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "UPDATE webauthn_credentials SET passkey = $1, last_used_at = $2 \
                 WHERE pool_id = $3 AND credential_id = $4 AND passkey = $5",
            )
            .bind(&p.passkey)
            .bind(p.last_used_at)
            .bind(&p.pool_id)
            .bind(&p.credential_id)
            .bind(before)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Deletes a user's passkey; false when the user has none with this id.
    pub async fn delete_passkey(&self, user_sub: &str, credential_id: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "DELETE FROM webauthn_credentials WHERE user_id = $1 AND credential_id = $2",
            )
            .bind(user_sub)
            .bind(credential_id)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Keeps `state` as the user's registration under way, replacing an earlier one.
    pub async fn put_passkey_registration(
        &self,
        user_sub: &str,
        state: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO webauthn_registrations (user_id, state, expires_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET \
                 state = excluded.state, expires_at = excluded.expires_at",
            )
            .bind(user_sub)
            .bind(state)
            .bind(expires_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Takes the user's registration under way (it cannot be used again), if it has not
    /// expired by `now`.
    pub async fn take_passkey_registration(
        &self,
        user_sub: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        let row: Option<(String, i64)> = db_run!(self, |db| {
            sqlx::query_as(
                "DELETE FROM webauthn_registrations WHERE user_id = $1 \
                 RETURNING state, expires_at",
            )
            .bind(user_sub)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(row.filter(|(_, expires)| *expires > now).map(|(s, _)| s))
    }
}
