//! A form or API call sent twice (a double click, a retry after a lost
//! answer) makes one request or one reply: `submissions` remembers for a
//! day which record each submission key made. The key is the person's id
//! and the key the client sent (`<user id>:<key>`), so one person's keys
//! never meet another's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("submissions")
                .if_not_exists()
                .col(string_len("key", 120).primary_key())
                // What it made: `ticket:<id>` or `comment:<id>`.
                .col(string_len("target", 40))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_submissions_created")
                .table("submissions")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("submissions").to_owned())
            .await
    }
}
