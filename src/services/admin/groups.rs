//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup, and the groups of a user
//! in precedence order for token claims.

use super::users::load;
use crate::domain::AuthError;
use crate::domain::group::{self, Group, GroupInput};
use crate::domain::user::User;
use crate::services::{Services, decode_token, paginate};
use crate::store::StoreError;

/// At most this many groups per user (reference §8.2), so one query reads them all.
pub(crate) const MAX_GROUPS_PER_USER: i64 = 100;

pub use crate::services::Page;

fn after(token: Option<&str>) -> Result<String, AuthError> {
    Ok(token.map(decode_token).transpose()?.unwrap_or_default())
}

/// Loads a group or fails with `Group not found.`.
pub async fn require_group(svc: &Services, pool_id: &str, name: &str) -> Result<Group, AuthError> {
    svc.store
        .get_group(pool_id, name)
        .await?
        .ok_or_else(group::not_found)
}

fn check(name: &str, input: &GroupInput) -> Result<(), AuthError> {
    let mut v = crate::domain::validate::Violations::new();
    group::check_name(&mut v, name);
    input.check(&mut v);
    v.finish()
}

/// CreateGroup.
pub async fn create_group(
    svc: &Services,
    pool_id: &str,
    name: &str,
    input: GroupInput,
) -> Result<Group, AuthError> {
    check(name, &input)?;
    svc.require_pool(pool_id).await?;
    let now = svc.now();
    let g = Group {
        pool_id: pool_id.to_string(),
        name: name.to_string(),
        description: input.description,
        role_arn: input.role_arn,
        precedence: input.precedence,
        created_at: now,
        updated_at: now,
    };
    match svc.store.insert_group(&g).await {
        Ok(()) => Ok(g),
        Err(StoreError::Unique(_)) => Err(group::exists_error(name)),
        Err(e) => Err(e.into()),
    }
}

/// GetGroup.
pub async fn get_group(svc: &Services, pool_id: &str, name: &str) -> Result<Group, AuthError> {
    svc.require_pool(pool_id).await?;
    require_group(svc, pool_id, name).await
}

/// UpdateGroup: only the given members change.
pub async fn update_group(
    svc: &Services,
    pool_id: &str,
    name: &str,
    input: GroupInput,
) -> Result<Group, AuthError> {
    check(name, &input)?;
    let mut g = get_group(svc, pool_id, name).await?;
    g.apply(input, svc.now());
    if !svc.store.update_group(&g).await? {
        return Err(group::not_found());
    }
    Ok(g)
}

/// DeleteGroup (memberships go with it).
pub async fn delete_group(svc: &Services, pool_id: &str, name: &str) -> Result<(), AuthError> {
    svc.require_pool(pool_id).await?;
    if !svc.store.delete_group(pool_id, name).await? {
        return Err(group::not_found());
    }
    Ok(())
}

/// ListGroups, in name order.
pub async fn list_groups(
    svc: &Services,
    pool_id: &str,
    limit: i64,
    token: Option<&str>,
) -> Result<Page<Group>, AuthError> {
    svc.require_pool(pool_id).await?;
    let items = svc
        .store
        .list_groups(pool_id, &after(token)?, limit + 1)
        .await?;
    Ok(paginate(items, limit, |g| g.name.clone()))
}

/// AdminAddUserToGroup (adding twice is fine).
pub async fn add_user_to_group(
    svc: &Services,
    pool_id: &str,
    username: &str,
    group_name: &str,
) -> Result<(), AuthError> {
    let (_, user) = load(svc, pool_id, username).await?;
    require_group(svc, pool_id, group_name).await?;
    let added = svc
        .store
        .add_member(
            pool_id,
            group_name,
            &user.sub,
            svc.now(),
            MAX_GROUPS_PER_USER,
        )
        .await?;
    if !added {
        return Err(AuthError::LimitExceeded(
            format!("A user can be a member of at most {MAX_GROUPS_PER_USER} groups.").into(),
        ));
    }
    Ok(())
}

/// AdminRemoveUserFromGroup.
pub async fn remove_user_from_group(
    svc: &Services,
    pool_id: &str,
    username: &str,
    group_name: &str,
) -> Result<(), AuthError> {
    let (_, user) = load(svc, pool_id, username).await?;
    require_group(svc, pool_id, group_name).await?;
    svc.store
        .remove_member(pool_id, group_name, &user.sub)
        .await?;
    Ok(())
}

/// AdminListGroupsForUser, in name order.
pub async fn list_groups_for_user(
    svc: &Services,
    pool_id: &str,
    username: &str,
    limit: i64,
    token: Option<&str>,
) -> Result<Page<Group>, AuthError> {
    let (_, user) = load(svc, pool_id, username).await?;
    let items = svc
        .store
        .groups_of_user(&user.sub, &after(token)?, limit + 1)
        .await?;
    Ok(paginate(items, limit, |g| g.name.clone()))
}

/// ListUsersInGroup, in username order.
pub async fn list_users_in_group(
    svc: &Services,
    pool_id: &str,
    group_name: &str,
    limit: i64,
    token: Option<&str>,
) -> Result<Page<User>, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    require_group(svc, pool_id, group_name).await?;
    let items = svc
        .store
        .users_in_group(pool_id, group_name, &after(token)?, limit + 1)
        .await?;
    Ok(paginate(items, limit, |u| pool.username_key(&u.username)))
}

/// A user's groups ordered by precedence (none last), then name: `cognito:groups` and the
/// preferred role in tokens.
pub async fn groups_for_claims(svc: &Services, user: &User) -> Result<Vec<Group>, AuthError> {
    let mut groups = svc
        .store
        .groups_of_user(&user.sub, "", MAX_GROUPS_PER_USER)
        .await?;
    group::sort_by_precedence(&mut groups);
    Ok(groups)
}
