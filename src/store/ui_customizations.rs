//! SetUICustomization rows: `ui_customizations`, one row for the pool (`client_id` "ALL") and
//! at most one per client. The logo is kept base64-encoded next to its content type; it is read
//! only by the logo route, never with the rest of the row.

use super::{BeginWrite, Store, StoreResult, map_err};
use crate::db_run;

/// A stored customization without the logo bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UiCustomizationRow {
    pub pool_id: String,
    pub client_id: String,
    pub css: Option<String>,
    pub image_type: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a SetUICustomization writes.
#[derive(Debug, Clone)]
pub struct UiCustomizationWrite<'a> {
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub css: Option<&'a str>,
    /// The logo's content type and its bytes, base64-encoded.
    pub image: Option<(&'a str, &'a str)>,
    pub now: i64,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    version: i64,
    created_at: i64,
}

impl Store {
    /// Creates or replaces the customization of one level. The version grows with every write
    /// (and is at least `now`, so a level cleared and set again never reuses an old version).
    pub async fn put_ui_customization(
        &self,
        w: &UiCustomizationWrite<'_>,
    ) -> StoreResult<UiCustomizationRow> {
        let (image_type, image_base64) = match w.image {
            Some((t, b)) => (Some(t), Some(b)),
            None => (None, None),
        };
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let existing = sqlx::query_as::<_, ExistingRow>(
                "SELECT version, created_at FROM ui_customizations \
                 WHERE pool_id = $1 AND client_id = $2",
            )
            .bind(w.pool_id)
            .bind(w.client_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            let (version, created_at) = match existing {
                Some(e) => ((e.version + 1).max(w.now), e.created_at),
                None => (w.now, w.now),
            };
            sqlx::query(
                "INSERT INTO ui_customizations (pool_id, client_id, css, image_base64, \
                 image_type, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (pool_id, client_id) DO UPDATE SET css = excluded.css, \
                 image_base64 = excluded.image_base64, image_type = excluded.image_type, \
                 version = excluded.version, updated_at = excluded.updated_at",
            )
            .bind(w.pool_id)
            .bind(w.client_id)
            .bind(w.css)
            .bind(image_base64)
            .bind(image_type)
            .bind(version)
            .bind(created_at)
            .bind(w.now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(UiCustomizationRow {
                pool_id: w.pool_id.to_string(),
                client_id: w.client_id.to_string(),
                css: w.css.map(str::to_string),
                image_type: image_type.map(str::to_string),
                version,
                created_at,
                updated_at: w.now,
            })
        })
    }

    /// Removes the customization of one level; false when there was none.
    pub async fn delete_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done =
                sqlx::query("DELETE FROM ui_customizations WHERE pool_id = $1 AND client_id = $2")
                    .bind(pool_id)
                    .bind(client_id)
                    .execute(db)
                    .await
                    .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The customization of one level (`client_id` "ALL" for the pool's), without the logo.
    pub async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UiCustomizationRow>> {
        db_run!(self, |db| {
            sqlx::query_as::<_, UiCustomizationRow>(
                "SELECT pool_id, client_id, css, image_type, version, created_at, updated_at \
                 FROM ui_customizations WHERE pool_id = $1 AND client_id = $2",
            )
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)
        })
    }

    /// The logo of one level: its content type and its base64 text.
    pub async fn get_ui_logo(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<(String, String)>> {
        let row: Option<(Option<String>, Option<String>)> = db_run!(self, |db| {
            sqlx::query_as(
                "SELECT image_type, image_base64 FROM ui_customizations \
                 WHERE pool_id = $1 AND client_id = $2",
            )
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(match row {
            Some((Some(content_type), Some(data))) => Some((content_type, data)),
            _ => None,
        })
    }
}
