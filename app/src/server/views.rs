//! A person's saved views of the queue: a name and the list's filters as
//! an address query (`assignee=me&kind=esign_key`). Only the list's own
//! filter names are kept, so a saved view is always a valid address.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::auth::Caller;
use super::entity::saved_view::{self, Column, Entity};
use super::error::ServiceResult;
use super::state::AppState;
use crate::domain::fields::validate_text;
use crate::domain::{FieldError, FieldErrorCode};
use crate::wire::{AppError, SavedView};

/// The longest name of a view.
pub const NAME_MAX: usize = 80;
/// The longest query a view keeps.
const QUERY_MAX: usize = 1000;
/// The list's filters a view may hold (paging is not a filter).
const FILTERS: [&str; 9] = [
    "unit",
    "focus",
    "assignee",
    "status",
    "q",
    "kind",
    "overdue",
    "due_before",
    "sort",
];

/// The filters of `query` a view keeps, in their order, with the page size
/// and cursor dropped.
pub fn filters_only(query: &str) -> String {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            FILTERS.contains(&key) && pair.len() > key.len() + 1
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn view(m: saved_view::Model) -> SavedView {
    SavedView {
        id: m.id,
        name: m.name,
        query: m.query,
    }
}

/// The caller's saved views, by name.
pub async fn list(state: &AppState, caller: &Caller) -> ServiceResult<Vec<SavedView>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(caller.id))
        .order_by_asc(Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Saves the filters under a name; the same name again replaces them (and
/// two sends at once make one view: the name is unique per person).
pub async fn save(
    state: &AppState,
    caller: &Caller,
    name: &str,
    query: &str,
) -> ServiceResult<SavedView> {
    let mut errors = Vec::new();
    let name = validate_text("name", name, true, NAME_MAX, &mut errors);
    let query = filters_only(query);
    if query.len() > QUERY_MAX {
        errors.push(FieldError::new(
            "query",
            FieldErrorCode::TooLong { max: QUERY_MAX },
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    Entity::insert(saved_view::ActiveModel {
        user_id: Set(caller.id),
        name: Set(name.clone()),
        query: Set(query),
        created_at: Set(state.now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::UserId, Column::Name])
            .update_column(Column::Query)
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    let saved = Entity::find()
        .filter(Column::UserId.eq(caller.id))
        .filter(Column::Name.eq(&name))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(saved))
}

/// Deletes one of the caller's views (another's is not found).
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<()> {
    let done = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::UserId.eq(caller.id))
        .exec(&state.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound.into());
    }
    Ok(())
}
