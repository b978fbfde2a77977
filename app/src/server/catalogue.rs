//! The catalogue the requests refer to: request kinds, units and who works
//! in each unit, read from this node's copy (`reference`).

use super::entity::{unit, user};
use super::error::ServiceResult;
use super::state::AppState;
use crate::domain::{KindSpec, Status};
use crate::wire::UserRef;

/// The active request kinds in catalogue order.
pub async fn kinds(state: &AppState) -> ServiceResult<Vec<KindSpec>> {
    Ok(state.reference().await?.catalogue.kinds.clone())
}

/// Every kind including inactive ones, so old requests keep their titles.
pub async fn kinds_all(state: &AppState) -> ServiceResult<Vec<KindSpec>> {
    Ok(state.reference().await?.catalogue.all_kinds.clone())
}

pub async fn units(state: &AppState) -> ServiceResult<Vec<unit::Model>> {
    Ok(state.reference().await?.catalogue.units.clone())
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
        name: u.shown_name(),
    }
}

/// The unit's active executors and head known to the service desk, by name.
pub async fn unit_staff(state: &AppState, unit: &str) -> ServiceResult<Vec<UserRef>> {
    Ok(state
        .reference()
        .await?
        .staff
        .of(unit)
        .iter()
        .map(user_ref)
        .collect())
}
