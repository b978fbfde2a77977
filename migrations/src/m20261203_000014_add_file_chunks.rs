//! Stored files (of requests, of articles, finished reports) move from one
//! node's data folder into the database, so every node of several serves
//! them: `file_chunks` holds each file's bytes in pieces, in order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("file_chunks")
                .if_not_exists()
                .col(string_len("file_key", 300))
                .col(integer("seq"))
                .col(blob("bytes"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("file_key").col("seq"))
                .to_owned(),
        )
        .await?;
        // The sweep of files no row names reads each file's first piece by
        // age, without touching the bytes (the same text on both databases).
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_file_chunks_first ON file_chunks (created_at, file_key) \
                 WHERE seq = 0",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("file_chunks").to_owned())
            .await
    }
}
