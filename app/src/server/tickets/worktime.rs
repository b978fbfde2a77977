//! The working time each answered request took, kept on its row for the
//! reports (`handling_work_seconds`). Answers given since the column exists
//! keep it themselves; [`fill_work_seconds`] reckons it for those answered
//! before, by the calendar as it is now.

use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::Expr,
};

use crate::server::entity::ticket;
use crate::server::error::ServiceResult;
use crate::server::state::AppState;

/// Rows reckoned per round.
const BATCH: u64 = 500;

/// Reckons the working time of answered requests that lack it; how many
/// were filled. A request the calendar does not cover keeps none.
pub async fn fill_work_seconds(state: &AppState) -> ServiceResult<u64> {
    let cal = crate::server::calendar::load(state).await?;
    let mut filled = 0;
    let mut after = 0i64;
    loop {
        let rows: Vec<(
            i64,
            chrono::DateTime<chrono::Utc>,
            Option<chrono::DateTime<chrono::Utc>>,
        )> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .column(ticket::Column::RegisteredAt)
            .column(ticket::Column::AnsweredAt)
            .filter(ticket::Column::Id.gt(after))
            .filter(ticket::Column::AnsweredAt.is_not_null())
            .filter(ticket::Column::HandlingWorkSeconds.is_null())
            .order_by_asc(ticket::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(filled);
        };
        after = last.0;
        // One transaction a round: one commit (on SQLite one sync) for its rows.
        let txn = state.db.begin().await?;
        for (id, registered, answered) in rows {
            let Some(answered) = answered else { continue };
            let Ok(seconds) =
                cal.working_seconds(state.local(registered), state.local(answered), &state.hours)
            else {
                continue;
            };
            let written = ticket::Entity::update_many()
                .col_expr(ticket::Column::HandlingWorkSeconds, Expr::value(seconds))
                .filter(ticket::Column::Id.eq(id))
                .filter(ticket::Column::HandlingWorkSeconds.is_null())
                // Reopened or answered again meanwhile: that answer keeps its own.
                .filter(ticket::Column::AnsweredAt.eq(answered))
                .exec(&txn)
                .await?;
            filled += written.rows_affected;
        }
        txn.commit().await?;
    }
}
