//! Sessions end after a time without use (`sessions.last_seen_at`, NULL
//! until first seen: then `created_at` counts), and the scheduler sweeps
//! ended ones by `expires_at`. The database itself holds one rule the
//! service keeps: at most one pending extension request per request.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(timestamp_with_time_zone_null("last_seen_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_expires_at")
                .table("sessions")
                .col("expires_at")
                .to_owned(),
        )
        .await?;
        // Pending requests that a race left beside the one the request names
        // are closed first, or the index could not be built.
        m.get_connection()
            .execute_unprepared(
                "UPDATE extension_requests SET state = 'refused', \
                 decision_reason = 'Закрыта: вторая просьба, отправленная одновременно' \
                 WHERE state = 'pending' AND id NOT IN \
                 (SELECT pending_extension_id FROM tickets WHERE pending_extension_id IS NOT NULL)",
            )
            .await?;
        // A partial unique index, the same text on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_extension_requests_pending \
                 ON extension_requests (ticket_id) WHERE state = 'pending'",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_extension_requests_pending")
                .table("extension_requests")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_sessions_expires_at")
                .table("sessions")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sessions")
                .drop_column("last_seen_at")
                .to_owned(),
        )
        .await
    }
}
