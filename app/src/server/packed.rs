//! Rows packed by the database into one JSON text and read in one round
//! trip: SQLite's `json_group_array(json_array(..))`, PostgreSQL's
//! `json_agg(json_build_array(..))`. sqlx hands SQLite rows over from its
//! worker thread one at a time, about 20 µs a row; the packed text of a
//! page of fifty requests costs a tenth of that to read. Used where a
//! query returns many rows: the queues, the people on a page, reports.
//!
//! The rows come in the order the database aggregates them, which neither
//! database promises to be the subquery's: a caller that needs an order
//! sorts what it gets.

use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, Iden, Iterable, QuerySelect, QueryTrait, Select,
};
use serde::de::DeserializeOwned;

use super::error::{ServiceError, ServiceResult};

/// The rows `select` finds, each as an array of `columns` in their order,
/// read as `T` (a struct whose fields are those columns in that order).
pub async fn all<C, E, T>(db: &C, select: Select<E>, columns: &[E::Column]) -> ServiceResult<Vec<T>>
where
    C: ConnectionTrait,
    E: EntityTrait,
    T: DeserializeOwned,
{
    let inner = select
        .select_only()
        .columns(columns.iter().copied())
        .into_query();
    let listed = columns
        .iter()
        .map(|c| format!("page.\"{}\"", c.unquoted()))
        .collect::<Vec<_>>()
        .join(", ");
    let packed = match db.get_database_backend() {
        DbBackend::Postgres => format!("json_agg(json_build_array({listed}))::text"),
        _ => format!("json_group_array(json_array({listed}))"),
    };
    let outer = Query::select()
        .expr(Expr::cust(packed))
        .from_subquery(inner, Alias::new("page"))
        .to_owned();
    let Some(found) = db.query_one(&outer).await? else {
        return Ok(Vec::new());
    };
    let text: Option<String> = found.try_get_by_index(0)?;
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&text).map_err(|e| {
        ServiceError::Corrupt(format!("packed {} rows: {e}", E::default().table_name()))
    })
}

/// Whole rows of an entity whose model reads from an array of its columns
/// in declaration order (`#[derive(serde::Deserialize)]`, with [`flag`] on
/// its booleans).
pub async fn models<C, E>(db: &C, select: Select<E>) -> ServiceResult<Vec<E::Model>>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: DeserializeOwned,
{
    let columns: Vec<E::Column> = E::Column::iter().collect();
    all(db, select, &columns).await
}

/// A boolean column as packed: `true`/`false` from PostgreSQL, `1`/`0`
/// from SQLite.
pub fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}
