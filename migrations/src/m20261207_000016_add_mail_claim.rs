//! A message being sent is claimed (`mail_outbox.claimed_at`) so that no
//! other node sends it meanwhile. Counting the attempt alone was not a
//! claim: a node that read the outbox after another had taken a message,
//! but before it was marked sent, took it again and sent it twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("mail_outbox")
                .add_column(timestamp_with_time_zone_null("claimed_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("mail_outbox")
                .drop_column("claimed_at")
                .to_owned(),
        )
        .await
    }
}
