//! The catalogue the requests refer to: request kinds, units and who works
//! in each unit. Small tables, read whole.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::auth::parse_roles;
use super::entity::{request_kind, unit, user};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::domain::{KindSpec, Status};
use crate::wire::UserRef;

/// The active request kinds in catalogue order.
pub async fn kinds(db: &DatabaseConnection) -> ServiceResult<Vec<KindSpec>> {
    let rows = request_kind::Entity::find()
        .filter(request_kind::Column::Active.eq(true))
        .order_by_asc(request_kind::Column::Position)
        .all(db)
        .await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str(&r.spec)
                .map_err(|e| ServiceError::Corrupt(format!("kind {}: {e}", r.code)))
        })
        .collect()
}

/// Every kind including inactive ones, so old requests keep their titles.
pub async fn kinds_all(db: &DatabaseConnection) -> ServiceResult<Vec<KindSpec>> {
    let rows = request_kind::Entity::find().all(db).await?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.spec).ok())
        .collect())
}

pub async fn units(db: &DatabaseConnection) -> ServiceResult<Vec<unit::Model>> {
    Ok(unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?)
}

/// Unit codes and names, for forms.
pub async fn unit_names(state: &AppState) -> ServiceResult<BTreeMap<String, String>> {
    Ok(units(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect())
}

/// Status codes of open requests, for queries.
pub fn open_codes() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

/// Open requests as the partial index of the open queue is written (the
/// literal statuses of [`migrations::OPEN_TICKETS`], not parameters): SQLite
/// uses a partial index only for a condition written as the index's.
pub fn open_filter() -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Expr::cust(migrations::OPEN_TICKETS)
}

pub fn user_ref(u: &user::Model) -> UserRef {
    UserRef {
        login: u.login.clone(),
        name: u.full_name.clone(),
    }
}

/// The active people who work in `unit` (executors and head), by name.
pub async fn staff_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    unit: &str,
) -> ServiceResult<Vec<user::Model>> {
    let rows = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Roles.contains(format!(":{unit}")))
        .order_by_asc(user::Column::FullName)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|u| parse_roles(&u.roles).is_staff_of(unit))
        .collect())
}

/// The unit's executors and head known to the service desk.
pub async fn unit_staff(state: &AppState, unit: &str) -> ServiceResult<Vec<UserRef>> {
    Ok(staff_of(&state.db, unit)
        .await?
        .iter()
        .map(user_ref)
        .collect())
}
