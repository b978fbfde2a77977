//! The unit queue reads open requests of a unit by due time. A partial
//! index holds just those, so a page is a seek and a short walk instead of
//! a walk past every closed request of the unit's history. The queries
//! name the open statuses with the same literal text ([`OPEN_TICKETS`]):
//! SQLite uses a partial index only when the query's condition is written
//! as the index's, not with bound parameters.

use sea_orm_migration::prelude::*;

/// The open requests, as the index and the queue queries write it.
pub const OPEN_TICKETS: &str = "status IN ('registered', 'in_progress', 'awaiting_requester')";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX idx_tickets_open_unit_due ON tickets (unit_code, due_at, id) \
             WHERE {OPEN_TICKETS}"
        ))
        .await?;
        // The planner's statistics, so that it picks the new index at once.
        db.execute_unprepared("ANALYZE tickets").await.map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_tickets_open_unit_due")
                .table("tickets")
                .to_owned(),
        )
        .await
    }
}
