//! Drafts of refused forms. Without JavaScript a refused form is drawn
//! again by a new page load; what was typed comes back from a draft kept
//! for its author (named by a random key in the address), not from the
//! address itself. Drafts are kept for a day.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::server::auth::Caller;
use crate::server::entity::form_draft;
use crate::server::error::ServiceResult;
use crate::server::state::AppState;

/// How long a draft is kept.
pub const KEPT_HOURS: i64 = 24;

/// Keeps `pairs` for `caller`; the draft's key.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    pairs: &[(String, String)],
) -> ServiceResult<String> {
    let key = uuid::Uuid::new_v4().simple().to_string();
    form_draft::ActiveModel {
        key: Set(key.clone()),
        user_id: Set(caller.id),
        pairs: Set(serde_json::to_string(pairs).unwrap_or_else(|_| "[]".into())),
        created_at: Set(state.now()),
    }
    .insert(&state.db)
    .await?;
    Ok(key)
}

/// The caller's draft named `key`: empty when there is none (gone, or
/// another person's).
pub async fn read(
    state: &AppState,
    caller: &Caller,
    key: &str,
) -> ServiceResult<Vec<(String, String)>> {
    let row = form_draft::Entity::find_by_id(key.to_string())
        .filter(form_draft::Column::UserId.eq(caller.id))
        .one(&state.db)
        .await?;
    Ok(row
        .and_then(|r| serde_json::from_str(&r.pairs).ok())
        .unwrap_or_default())
}

/// Forgets drafts older than a day; how many.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> ServiceResult<u64> {
    let gone = form_draft::Entity::delete_many()
        .filter(form_draft::Column::CreatedAt.lt(now - Duration::hours(KEPT_HOURS)))
        .exec(&state.db)
        .await?;
    Ok(gone.rows_affected)
}
