//! ListUsers (reference §6.1): an optional filter on one searchable attribute, pages of up to
//! 60 users in (filter column, username key) order, chained by an opaque `PaginationToken`
//! that holds where the last page ended, so a chain has no duplicates and no gaps.

use crate::domain::AuthError;
use crate::domain::filter::{Filter, FilterPlan, column_value};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::{Services, decode_token, encode_token};
use crate::store::users::UserCursor;

/// One page of users and the token for the next, if any.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next: Option<String>,
}

/// ListUsers. `limit` is already checked (1–60).
pub async fn list_users(
    svc: &Services,
    pool_id: &str,
    filter: Option<&str>,
    limit: i64,
    token: Option<&str>,
) -> Result<UserPage, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let filter = Filter::parse(filter.unwrap_or_default())?;
    let plan = filter
        .as_ref()
        .map(|f| f.plan(&pool))
        .unwrap_or(FilterPlan::All);
    let cursor: Option<UserCursor> = token
        .map(|t| {
            decode_token(t).and_then(|text| {
                serde_json::from_str(&text)
                    .map_err(|_| AuthError::InvalidParameter("Invalid pagination token.".into()))
            })
        })
        .transpose()?;
    let mut users = svc
        .store
        .list_users(&pool.id, &plan, cursor.as_ref(), limit + 1)
        .await?;
    let mut next = None;
    if users.len() as i64 > limit {
        users.truncate(limit as usize);
        if let Some(last) = users.last() {
            let column = match &plan {
                FilterPlan::Column { column, .. } => column_value(last, &pool, *column),
                _ => String::new(),
            };
            let cursor = UserCursor {
                column,
                username_key: pool.username_key(&last.username),
            };
            let text =
                serde_json::to_string(&cursor).map_err(|e| AuthError::Internal(e.to_string()))?;
            next = Some(encode_token(&text));
        }
    }
    Ok(UserPage { users, next })
}

/// Walks every user of a pool in username order, a page at a time: each call gives the next
/// page (empty at the end). For operator commands that read a whole pool.
pub struct AllUsers<'a> {
    svc: &'a Services,
    pool: &'a UserPool,
    cursor: Option<UserCursor>,
}

impl<'a> AllUsers<'a> {
    pub fn new(svc: &'a Services, pool: &'a UserPool) -> AllUsers<'a> {
        AllUsers {
            svc,
            pool,
            cursor: None,
        }
    }

    pub async fn next_page(&mut self) -> Result<Vec<User>, AuthError> {
        let page = self
            .svc
            .store
            .list_users(&self.pool.id, &FilterPlan::All, self.cursor.as_ref(), 500)
            .await?;
        if let Some(last) = page.last() {
            self.cursor = Some(UserCursor {
                column: String::new(),
                username_key: last.columns(self.pool).username_key,
            });
        }
        Ok(page)
    }
}
